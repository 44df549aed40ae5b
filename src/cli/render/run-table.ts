/**
 * The human rendering of a run report: the module, the shapes with their named dimensions and
 * meanings, the h_n breakdown, the flow of information across time and up the layers, the
 * parameters, and the per-layer, per-step trace.
 */
import type { ChalkInstance } from 'chalk';
import type { LayerReport, RunReport } from '../../schema/run.js';
import { formatShape } from '../../tensor/tensor.js';
import { num, table } from './style.js';

const MAX_STEPS_SHOWN = 12;

/** Steps to show: all of them when few, else the first and last few. */
function shownSteps(T: number, all: boolean): (number | null)[] {
  if (all || T <= MAX_STEPS_SHOWN) return Array.from({ length: T }, (_, t) => t);
  const half = MAX_STEPS_SHOWN / 2;
  return [...Array.from({ length: half }, (_, t) => t), null, ...Array.from({ length: half }, (_, i) => T - half + i)];
}

function layerName(l: LayerReport | { layer: number; direction: string }, D: number): string {
  return `layer ${l.layer}${D === 2 ? (l.direction === 'reverse' ? ' ←' : ' →') : ''}`;
}

export function shapesSection(r: RunReport, c: ChalkInstance): string {
  const t = table(c, ['tensor', 'shape', 'dimensions', 'meaning'], { colWidths: [null, null, null, 56] });
  for (const name of ['x', 'h_0', 'c_0', 'out', 'h_n', 'c_n'] as const) {
    const shape = r.shapes[name];
    if (!shape) continue;
    const dims = r.dims[name]!.map((d, i) => `${d}=${shape[i]}`).join(', ');
    t.push([c.cyan(name), formatShape(shape), dims, r.meanings[name]!]);
  }
  return t.toString();
}

function hnSection(r: RunReport, c: ChalkInstance): string {
  const D = r.config.bidirectional ? 2 : 1;
  const t = table(c, ['slice', 'layer', 'direction', 'taken at step', 'top layer: equals'], { compact: true });
  const batched = !r.config.unbatched;
  for (const s of r.h_n_slices) {
    const steps = [...new Set(s.steps)];
    const at = steps.length === 1 ? `t=${steps[0]}` : s.steps.map((st, b) => `b${b}:t=${st}`).join(' ');
    let eq = '';
    if (s.equals_out !== null) {
      const diff = s.max_abs_diff ?? 0;
      // NaN equals nothing, not even itself: such values are neither equal nor a difference.
      const verdict =
        diff > 0
          ? c.red(`✗ differs by ${num(diff)}`)
          : s.not_comparable
            ? c.yellow(`? not comparable: ${s.not_comparable} value(s) NaN on both sides${s.not_comparable < s.steps.length * (r.shapes.h_n.at(-1) ?? 0) ? ', the rest equal' : ''}`)
            : c.green('✓ equal');
      eq = `${s.equals_out} ${verdict}`;
    }
    const position = s.layer === 0 ? ' (bottom)' : s.layer === r.config.num_layers - 1 ? ' (top)' : '';
    t.push([c.cyan(batched ? `h_n[${s.index}]` : `h_n[${s.index}]`), `${s.layer}${position}`, D === 2 ? s.direction : 'forward', at, eq]);
  }
  const view = D === 2 ? `h_n.view(${r.config.num_layers}, 2, batch, hidden): [layer, direction]` : `h_n[k] is layer k`;
  return `${t.toString()}\n${c.dim(view)}`;
}

function flowSection(r: RunReport, c: ChalkInstance): string {
  if (!r.layers.length) return '';
  const T = r.config.seq_len;
  const D = r.config.bidirectional ? 2 : 1;
  const steps = shownSteps(T, false);
  const t = table(c, ['‖h_t‖', ...steps.map((s) => (s === null ? '…' : `t=${s}`))], { compact: true });
  const byTop = [...r.layers].sort((a, b) => b.layer - a.layer || (a.direction === 'forward' ? -1 : 1));
  for (const l of byTop) {
    t.push([layerName(l, D), ...steps.map((s) => (s === null ? '…' : num(l.steps[s]!.norm)))]);
  }
  const lines = [
    c.bold('Flow') + c.dim('  (L2 norm of each layer\'s h_t over batch and features; top layer first)'),
    `  across time (→): within a layer, h_{t-1} and the layer's input at t make h_t, with the same weights at every step`,
    `  up the layers (↑): at each step, layer 0 reads x[t]; layer l reads layer l-1's new h_t${D === 2 ? ' (both directions)' : ''}, not x[t]`,
    t.toString(),
  ];
  return lines.join('\n');
}

function parametersSection(r: RunReport, c: ChalkInstance): string {
  const t = table(c, ['parameter', 'shape', 'count'], { compact: true });
  for (const p of r.parameters) t.push([p.name, formatShape(p.shape), String(p.count)]);
  t.push([c.bold('total'), '', c.bold(String(r.parameter_count))]);
  return t.toString();
}

function traceSection(r: RunReport, c: ChalkInstance, full: boolean): string {
  const D = r.config.bidirectional ? 2 : 1;
  const out: string[] = [];
  for (const l of r.layers) {
    const head = ['t', '‖h_t‖', 'mean', 'min', 'max'];
    if (r.lengths) head.push('valid');
    const bad = l.steps.some((st) => st.non_finite);
    if (bad) head.push('first non-finite');
    const hasC = full && l.steps.some((st) => st.c);
    if (full) head.push('h_t values (per batch element)');
    if (hasC) head.push('c_t values');
    const t = table(c, head, { compact: true });
    const steps = shownSteps(l.steps.length, full);
    for (const s of steps) {
      if (s === null) {
        t.push([{ colSpan: head.length, content: c.dim(`… ${l.steps.length - MAX_STEPS_SHOWN} steps not shown (--trace full or --format json shows all)`) }]);
        continue;
      }
      const st = l.steps[s]!;
      const row = [String(st.t), num(st.norm), num(st.mean), num(st.min), num(st.max)];
      if (r.lengths) row.push(`${st.valid}/${r.config.batch}`);
      if (bad) row.push(st.non_finite ? c.yellow(`${st.non_finite.value} in b${st.non_finite.batch}`) : '');
      const values = (rows: number[][] | undefined): string => (rows ?? []).map((v, b) => `b${b}: [${v.map(num).join(', ')}]`).join('\n');
      if (full) row.push(values(st.h));
      if (hasC) row.push(values(st.c));
      t.push(row);
    }
    out.push(`${c.bold(layerName(l, D))} ${c.dim(`(${l.direction}, reads ${l.reads}, ends in h_n[${l.h_n_index}])`)}\n${t.toString()}`);
  }
  return out.join('\n');
}

export function renderRunTable(r: RunReport, c: ChalkInstance, traceFull: boolean): string {
  const cfg = r.config;
  const mode = cfg.training ? `training mode (dropout ${cfg.dropout} active)` : 'eval mode';
  const sections = [
    `${c.bold(r.module)}  ${c.dim(`${cfg.type === 'rnn' ? `nonlinearity=${cfg.nonlinearity}, ` : ''}${mode}, seed ${cfg.seed}`)}`,
    '',
    c.bold('Shapes'),
    shapesSection(r, c),
    '',
    c.bold('h_n, slice by slice'),
    hnSection(r, c),
  ];
  const flow = flowSection(r, c);
  if (flow) sections.push('', flow);
  sections.push('', c.bold(`Parameters (${r.parameter_count})`), parametersSection(r, c));
  if (r.layers.length) sections.push('', c.bold('Trace, per layer and step'), traceSection(r, c, traceFull));
  for (const w of r.warnings) sections.push('', c.yellow(`warning: ${w}`));
  for (const n of r.notes) sections.push('', c.dim(`note: ${n}`));
  if (r.expectations) {
    sections.push('');
    for (const e of r.expectations) {
      const got = e.actual ? formatShape(e.actual) : 'no such tensor';
      sections.push(e.ok ? c.green(`✓ ${e.name} ${formatShape(e.expected)}`) : c.red(`✗ ${e.name}: expected ${formatShape(e.expected)}, got ${got}`));
    }
  }
  return sections.join('\n') + '\n';
}
