/// <reference lib="dom" />
/**
 * The playground's page script: builds the controls from the run command's own options (flag,
 * description, default), turns them into argv, and on every change runs the engine
 * (`rnnInspect.run(argv)`, the CLI's `run` in the page) and renders its document with the
 * report's own pieces (src/html/): the shapes table, h_n slice by slice, the layers × time grid
 * with its detail, and the rest of the report. Exposes `window.rnnInspect.run`.
 */
import type { Option } from 'commander';
import { kindNames } from '../../modules/kinds/index.js';
import { jsonForScript } from '../../html/escape.js';
import { hnSection } from '../../html/hn.js';
import { reportParts } from '../../html/report.js';
import { PlaygroundError, pageRunCommand, run } from './engine.js';

/** The run options a learner changes here, by attribute name, in the order shown. */
const CONTROLS = ['type', 'batch', 'seqLen', 'inputSize', 'hiddenSize', 'layers', 'bidirectional', 'batchFirst', 'projSize', 'lengths', 'seed'] as const;

interface Control {
  option: Option;
  flag: string;
  input: HTMLInputElement | HTMLSelectElement;
  /** The value argv leaves out (the option's default), as the control shows it. */
  initial: string;
}

const q = <T extends Element>(sel: string): T => document.querySelector<T>(sel)!;

function field(option: Option, id: string): { wrap: HTMLDivElement; input: HTMLInputElement | HTMLSelectElement; initial: string } {
  const wrap = document.createElement('div');
  wrap.className = 'pg-field';
  const label = document.createElement('label');
  label.htmlFor = id;
  const flag = option.long ?? option.flags;
  const name = document.createElement('span');
  name.textContent = flag.replace(/^--/, '') + ' ';
  const flags = document.createElement('span');
  flags.className = 'flag';
  flags.textContent = option.flags;
  label.append(name, flags);
  const help = document.createElement('span');
  help.className = 'help';
  help.id = `${id}-help`;
  help.textContent = option.description;
  const boolean = !option.required && !option.optional;
  let input: HTMLInputElement | HTMLSelectElement;
  let initial: string;
  if (boolean) {
    input = document.createElement('input');
    input.type = 'checkbox';
    initial = 'false';
  } else if (option.attributeName() === 'type') {
    input = document.createElement('select');
    for (const kind of kindNames) input.append(new window.Option(kind, kind));
    initial = String(option.defaultValue);
  } else {
    input = document.createElement('input');
    const numeric = typeof option.defaultValue === 'number';
    input.type = numeric ? 'number' : 'text';
    if (!numeric) input.placeholder = 'e.g. 10,7,3 (empty: every step valid)';
    initial = option.defaultValue === undefined ? '' : String(option.defaultValue);
  }
  input.id = id;
  input.name = option.attributeName();
  input.setAttribute('aria-describedby', help.id);
  if (input instanceof HTMLInputElement && input.type === 'checkbox') input.checked = initial === 'true';
  else input.value = initial;
  if (boolean) {
    const row = document.createElement('div');
    row.className = 'check';
    row.append(input, label);
    wrap.append(row, help);
  } else wrap.append(label, input, help);
  return { wrap, input, initial };
}

function buildControls(form: HTMLFormElement): Control[] {
  const options = pageRunCommand().options;
  return CONTROLS.map((name) => {
    const option = options.find((o) => o.attributeName() === name);
    if (!option) throw new Error(`the run command has no option ${name}`);
    const { wrap, input, initial } = field(option, `pg-${name}`);
    form.append(wrap);
    return { option, flag: option.long ?? option.flags, input, initial };
  });
}

/** The controls as the arguments of `rnn-inspect run`: only what differs from the defaults. */
function argvOf(controls: readonly Control[]): string[] {
  const argv: string[] = [];
  for (const c of controls) {
    if (c.input instanceof HTMLInputElement && c.input.type === 'checkbox') {
      if (c.input.checked) argv.push(c.flag);
    } else if (c.input.value.trim() !== c.initial) argv.push(c.flag, c.input.value.trim());
  }
  return argv;
}

const shellWord = (w: string): string => (/^[\w.,=:/-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

let runs = 0;

function render(controls: readonly Control[]): void {
  const argv = argvOf(controls);
  q('#pg-argv').textContent = ['rnn-inspect', ...argv].map(shellWord).join(' ');
  const error = q<HTMLParagraphElement>('#pg-error');
  const result = q<HTMLDivElement>('#pg-result');
  try {
    // The page shows h_t's values in the grid's detail: the document of --trace full.
    const doc = run([...argv, '--trace', 'full']);
    const parts = reportParts(doc);
    const s = parts.sections;
    result.innerHTML = parts.header + s.shapes + hnSection(doc) + s.flow + s.config + s.heatmaps + s.gates + s.warnings + s.notes + s.parameters;
    q('#rnn-inspect-data').textContent = jsonForScript(parts.data);
    q('#rnn-inspect-view').textContent = jsonForScript(parts.view);
    (window as unknown as { rnnInspectClient: () => void }).rnnInspectClient();
    error.hidden = true;
    error.textContent = '';
    result.removeAttribute('data-stale');
  } catch (err) {
    const message = err instanceof PlaygroundError ? `error: ${err.message}` : `error: internal error: ${String((err as Error)?.message ?? err)}`;
    error.textContent = message;
    error.hidden = false;
    result.setAttribute('data-stale', 'true');
  }
  document.documentElement.setAttribute('data-runs', String(++runs));
}

(window as unknown as { rnnInspect: { run: typeof run } }).rnnInspect = { run };

const form = q<HTMLFormElement>('#pg-form');
const controls = buildControls(form);
let pending = false;
const schedule = (): void => {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    render(controls);
  });
};
form.addEventListener('input', schedule);
form.addEventListener('change', schedule);
form.addEventListener('submit', (e) => e.preventDefault());
render(controls);
