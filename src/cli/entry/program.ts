/**
 * The commander program and the only place that prints errors and decides the exit code, which
 * the entry (./main.ts) passes on: 0 success; 1 a check failed (--expect, compare) or an internal
 * error; 2 bad input. It runs on the main thread for small commands, else in a worker thread under
 * the supervisor (./supervisor.ts).
 */
import { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { errorLine } from '../error-line.js';
import { version } from '../../version.js';
import { writeAll } from '../../io/atomic-write.js';
import { commands, DEFAULT_COMMAND } from '../commands/index.js';
import type { CliContext } from '../context.js';
import { OutputClosed, Outputs, stdoutSink, type Sink, type TempFiles } from '../output.js';
import { INLINE_MAX_MACS, runsInline } from './inline.js';
import { makeChalk } from '../render/style.js';
import { DEFAULT_WIDTH, outputWidth } from '../render/width.js';
import { columns } from '../parse.js';

/** Whether the command's output goes to a terminal: standard output is one, and no -o FILE. */
function toTerminal(cmd: Command): boolean {
  return cmd.optsWithGlobals()['output'] === undefined && process.stdout.isTTY === true;
}

const EXAMPLES = `
The default command is run; its options: rnn-inspect run --help

Examples:
  The seed example: 4 stacked layers, batch_first (x (3, 10, 100) -> out (3, 10, 20), h_n (4, 3, 20))
    $ rnn-inspect --layers 4 --hidden 20 --batch-first

  Pin a model's shapes in CI (exit 1 with a one-line diff when one changes)
    $ rnn-inspect --layers 4 --batch-first --expect out=3,10,20 --expect h_n=4,3,20

  Check a hand-written cell loop against the built-in one (exit 1 if they differ)
    $ rnn-inspect compare --layers 3 --bidirectional

  Real weights and data, exact numbers out
    $ rnn-inspect --weights state_dict.json --input x.json --h0 h0.json --format json --include-tensors

  Stream per-step events into jq
    $ rnn-inspect --layers 2 --format ndjson | jq -c 'select(.event == "step") | [.layer, .t, .norm]'

  Tell the seed's story with this run's own shapes and numbers (--lang zh: in Chinese)
    $ rnn-inspect explain --layers 3 --hidden 20 --batch-first --lang zh

  Explain a shape error: h_0 given batch-first
    $ rnn-inspect --layers 2 --batch-first --h0 h0_batch_first.json

  Diagnose shapes without data: PyTorch's message, the likely cause and the fix (exit 1 if they do not fit)
    $ rnn-inspect doctor --layers 2 --hidden 256 --batch-first --x-shape 4,35,128 --h0-shape 2,64,256
`;


/** The files a command reads, by flag: the run refuses to write over any of them. */
const INPUT_FLAGS = ['input', 'h0', 'c0', 'weights', 'spec', 'against'] as const;

function stderr(text: string): void {
  try {
    writeAll(2, text);
  } catch {
    // nowhere left to say it
  }
}

class RunInWorker extends Error {}

/** For tests and tuning: RNN_INSPECT_INLINE_MAX_MACS=0 runs every command in the worker. */
function inlineMaxMacs(): number {
  const env = process.env['RNN_INSPECT_INLINE_MAX_MACS'];
  return env !== undefined && env !== '' && Number.isFinite(Number(env)) ? Number(env) : INLINE_MAX_MACS;
}

/**
 * Runs the command argv names; the exit code. With `inline` (the main thread), a command that is
 * not small (./inline.ts) is not run: the answer is 'worker', and the caller runs it there.
 */
export async function runProgram(argv: string[], temps: TempFiles | null, inline = false): Promise<number | 'worker'> {
  const debug = argv.includes('--debug');
  let sink: Sink | null = null;
  const outputs = new Outputs(temps);
  const outputFlag = argv.some((a) => a === '-o' || /^-o./.test(a)) ? '-o' : '--output';
  const program = new Command('rnn-inspect');
  const ctx: CliContext = {
    version: version(),
    chalk: (cmd) => makeChalk(cmd.optsWithGlobals()['color'] !== false),
    width: (cmd) => outputWidth(cmd.optsWithGlobals()['width'] as number | undefined, toTerminal(cmd) ? process.stdout.columns : undefined),
    terminal: (cmd) => toTerminal(cmd),
    openOutput: (cmd) => {
      const file = cmd.optsWithGlobals()['output'] as string | undefined;
      sink = file !== undefined ? outputs.fileSink(outputFlag, file) : stdoutSink();
      return sink;
    },
    claim: (flag, file) => outputs.claim(flag, file),
  };
  program
    .description('See inside recurrent neural networks: PyTorch-exact RNN, LSTM and GRU with shapes, flow and shape-error explanations.')
    .version(ctx.version, '-V, --version')
    .option('-o, --output <file>', 'write the output to a file (written whole, or not at all)')
    .option('--no-color', 'no colours (also NO_COLOR=1)')
    .option('--width <n>', `fit tables and text to n columns (default: the terminal's width, else COLUMNS, else ${DEFAULT_WIDTH}); not json or ndjson`, columns)
    .option('--debug', 'show stack traces')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ outputError: () => {}, writeOut: (s) => stdoutSink().write(s), writeErr: stderr })
    .hook('preAction', (_program, action) => {
      if (inline && !runsInline(action, inlineMaxMacs())) throw new RunInWorker();
      // Inputs first, then -o: a clash is an error before any work.
      const o = action.opts();
      for (const key of INPUT_FLAGS) {
        const value = o[key] as string | string[] | undefined;
        for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
          // pipeline's --input NAME=FILE
          const eq = key === 'input' && Array.isArray(value) ? v.indexOf('=') : -1;
          outputs.addInput(`--${key}`, eq > 0 && !v.slice(0, eq).includes('/') ? v.slice(eq + 1) : v);
        }
      }
      if (action.name() === 'inspect') for (const file of action.args) outputs.addInput('inspect', file);
      const file = action.optsWithGlobals()['output'] as string | undefined;
      if (file !== undefined) outputs.claim(outputFlag, file);
    });

  try {
    for (const c of commands) if (needed(c.name, argv)) (await c.load())(program, ctx);
    for (const cmd of program.commands) cmd.exitOverride().configureOutput({ outputError: () => {} }).showSuggestionAfterError(true);
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    (sink as Sink | null)?.abort();
    outputs.abortAll();
    if (err instanceof RunInWorker) return 'worker';
    if (err instanceof OutputClosed) return 0;
    return report(err, debug);
  }
}

const GLOBAL_WITH_VALUE = new Set(['-o', '--output', '--width']);

/**
 * The command argv names: its first word after the global options. A word that is neither a
 * command nor an option is a mistyped command (run, the default, takes no words), not run's.
 */
function commandWord(argv: string[]): string | null {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (GLOBAL_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith('-') || a === '-') return a;
    else if (!/^(--output=|--width=|-o.|--no-color$|--debug$)/.test(a)) return null;
  }
  return null;
}

/** Whether a command must be registered for this argv: all of them for help, else the one named. */
function needed(name: string, argv: string[]): boolean {
  const word = commandWord(argv);
  if (word === 'help') {
    // `help NAME`: NAME must be a command (commander would print the general help and exit 0).
    const rest = argv.slice(argv.indexOf('help') + 1).find((a) => !a.startsWith('-'));
    if (rest !== undefined) unknownCommand(rest);
    return true;
  }
  if (argv.includes('--help') || argv.includes('-h')) return true;
  if (word !== null) unknownCommand(word);
  return name === (word ?? DEFAULT_COMMAND);
}

/** Passes a command's name; anything else is a usage error, with the nearest name as a suggestion. */
function unknownCommand(word: string): void {
  const names = commands.map((c) => c.name);
  if (names.includes(word)) return;
  const near = names.find((n) => editDistance(n, word) <= Math.max(1, Math.floor(n.length / 3)));
  throw new UsageError(`expected a command (${names.join(', ')}) or options, got '${word}'${near ? ` (did you mean ${near}?)` : ''}`);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function report(err: unknown, debug: boolean): number {
  const { message, exitCode, stack } = errorLine(err, debug);
  if (message !== null) stderr(`error: ${message}\n`);
  if (stack) stderr(stack + '\n');
  return exitCode;
}
