/**
 * The human rendering of a run report: the module, the shapes with their named dimensions and
 * meanings, the h_n breakdown, the flow of information across time and up the layers, the
 * parameters, and the per-layer, per-step trace.
 */
import type { ChalkInstance } from 'chalk';
import type { LayerReport, RunReport } from '../../schema/run.js';
import { kindOf } from '../../modules/kinds/index.js';
import { formatShape } from '../../tensor/tensor.js';
import type { Cell } from './table.js';
import { colorDepth, GRID_MIN_WIDTH, gridView, renderGrid, type GridStat } from './grid.js';
import { num } from './style.js';
import { drawTable, renderTable } from './table.js';
import { displayWidth, wrapText } from './width.js';

const MAX_STEPS_SHOWN = 12;

export interface RunTableOptions {
  /** --trace full: every step with h_t's values. */
  traceFull: boolean;
  width: number;
  /** The heatmap: in the table output ('auto', when colour is on), alone ('only'), or not. */
  grid: 'auto' | 'only' | 'none';
  stat: GridStat;
  /** Colour for the grid (viridis); else shade characters. */
  color: boolean;
  trueColor?: boolean;
}

/** The table options for a run's flags and the output's layout: its width, and where the grid goes. */
export function runTableOptions(
  o: { trace: string; format: string; view: 'table' | 'grid'; stat: GridStat },
  layout: { width: number; colourTerminal: boolean },
  c: ChalkInstance,
): RunTableOptions {
  const grid = gridView(o.view, o.format, layout.colourTerminal, o.trace).grid;
  return { traceFull: o.trace === 'full', width: layout.width, grid, stat: o.stat, ...colorDepth(c) };
}

/** `t=0..3` or `t=5` for a run of steps. */
function stepRange(from: number, to: number): string {
  return from === to ? `t=${from}` : `t=${from}..${to}`;
}

/** Steps to show: all of them when few, else the first and last few. */
function shownSteps(T: number, all: boolean): (number | null)[] {
  if (all || T <= MAX_STEPS_SHOWN) return Array.from({ length: T }, (_, t) => t);
  const half = MAX_STEPS_SHOWN / 2;
  return [...Array.from({ length: half }, (_, t) => t), null, ...Array.from({ length: half }, (_, i) => T - half + i)];
}

function layerName(l: LayerReport | { layer: number; direction: string }, D: number): string {
  return `layer ${l.layer}${D === 2 ? (l.direction === 'reverse' ? ' ←' : ' →') : ''}`;
}

export function shapesSection(r: RunReport, c: ChalkInstance, width: number): string {
  const t = { head: ['tensor', 'shape', 'dimensions', 'meaning'], rows: [] as string[][], maxWidths: [undefined, undefined, undefined, 54], keep: [true, true] };
  for (const name of ['x', 'h_0', 'c_0', 'out', 'h_n', 'c_n'] as const) {
    const shape = r.shapes[name];
    if (!shape) continue;
    const dims = r.dims[name]!.map((d, i) => `${d}=${shape[i]}`).join(', ');
    t.rows.push([c.cyan(name), formatShape(shape), dims, r.meanings[name]!]);
  }
  return renderTable(c, t, width);
}

function hnSection(r: RunReport, c: ChalkInstance, width: number): string {
  const D = r.config.bidirectional ? 2 : 1;
  const t = { head: ['slice', 'layer', 'direction', 'taken at step', 'top layer: equals'], rows: [] as string[][], compact: true };
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
    t.rows.push([c.cyan(batched ? `h_n[${s.index}]` : `h_n[${s.index}]`), `${s.layer}${position}`, D === 2 ? s.direction : 'forward', at, eq]);
  }
  const view = D === 2 ? `h_n.view(${r.config.num_layers}, 2, batch, hidden): [layer, direction]` : `h_n[k] is layer k`;
  return `${renderTable(c, t, width)}\n${c.dim(view)}`;
}

/**
 * The steps the flow table shows in `width`: all of them when they fit (at most MAX_STEPS_SHOWN),
 * else the first and last few around a "…" column; and the width that would show them all.
 */
function flowSteps(r: RunReport, labelW: number, width: number): { steps: (number | null)[]; needed: number | null } {
  const T = r.config.seq_len;
  const cellW = Math.max(displayWidth(`t=${T - 1}`), ...r.layers.flatMap((l) => l.steps.map((s) => displayWidth(num(s.norm)))));
  const fits = Math.max(2, Math.floor((width - 1 - (labelW + 3)) / (cellW + 3)));
  const all = Math.min(T, MAX_STEPS_SHOWN);
  const needed = T <= MAX_STEPS_SHOWN ? labelW + 4 + T * (cellW + 3) : null;
  if (T <= fits && T <= MAX_STEPS_SHOWN) return { steps: Array.from({ length: T }, (_, t) => t), needed };
  const half = Math.max(1, Math.floor((Math.min(fits, all + 1) - 1) / 2));
  return { steps: [...Array.from({ length: half }, (_, t) => t), null, ...Array.from({ length: half }, (_, i) => T - half + i)], needed };
}

function flowSection(r: RunReport, c: ChalkInstance, width: number): string {
  if (!r.layers.length) return '';
  const T = r.config.seq_len;
  const D = r.config.bidirectional ? 2 : 1;
  const byTop = [...r.layers].sort((a, b) => b.layer - a.layer || (a.direction === 'forward' ? -1 : 1));
  const labelW = Math.max(displayWidth('‖h_t‖'), ...byTop.map((l) => displayWidth(layerName(l, D))));
  const { steps, needed } = flowSteps(r, labelW, width);
  const t = { head: ['‖h_t‖', ...steps.map((s) => (s === null ? '…' : `t=${s}`))], rows: [] as string[][], compact: true };
  for (const l of byTop) {
    t.rows.push([layerName(l, D), ...steps.map((s) => (s === null ? '…' : num(l.steps[s]!.norm)))]);
  }
  const lines = [
    c.bold('Flow') + c.dim('  (L2 norm of each layer\'s h_t over batch and features; top layer first)'),
    `  across time (→): within a layer, h_{t-1} and the layer's input at t make h_t, with the same weights at every step`,
    `  up the layers (↑): at each step, layer 0 reads x[t]; layer l reads layer l-1's new h_t${D === 2 ? ' (both directions)' : ''}, not x[t]`,
  ].map((line) => wrapText(line, width, 4));
  lines.push(renderTable(c, t, width));
  const gap = steps.indexOf(null);
  if (gap >= 0) {
    const before = steps[gap - 1] as number;
    const after = steps[gap + 1] as number;
    const how = needed !== null ? `--width ${needed} shows every step, --format json has them all` : '--format json has every step (the trace below, per layer)';
    lines.push(wrapText(c.dim(`  shown: ${stepRange(0, before)}, …, ${stepRange(after, T - 1)}; left out: ${stepRange(before + 1, after - 1)} (${after - before - 1} steps); ${how}`), width, 4));
  }
  return lines.join('\n');
}

function parametersSection(r: RunReport, c: ChalkInstance, width: number): string {
  const rows = r.parameters.map((p) => [p.name, formatShape(p.shape), String(p.count)]);
  rows.push([c.bold('total'), '', c.bold(String(r.parameter_count))]);
  return renderTable(c, { head: ['parameter', 'shape', 'count'], rows, compact: true, keep: [true, true, true] }, width);
}

function traceSection(r: RunReport, c: ChalkInstance, full: boolean, width: number): string {
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
    const rows: Cell[][] = [];
    const steps = shownSteps(l.steps.length, full);
    for (const s of steps) {
      if (s === null) {
        const half = MAX_STEPS_SHOWN / 2;
        const left = `${stepRange(half, l.steps.length - half - 1)} (${l.steps.length - MAX_STEPS_SHOWN} steps)`;
        rows.push([{ colSpan: head.length, content: c.dim(`… ${left} not shown: --trace full or --format json shows all`) }]);
        continue;
      }
      const st = l.steps[s]!;
      const row = [String(st.t), num(st.norm), num(st.mean), num(st.min), num(st.max)];
      if (r.lengths) row.push(`${st.valid}/${r.config.batch}`);
      if (bad) row.push(st.non_finite ? c.yellow(`${st.non_finite.value} in b${st.non_finite.batch}`) : '');
      const values = (rows: number[][] | undefined): string => (rows ?? []).map((v, b) => `b${b}: [${v.map(num).join(', ')}]`).join('\n');
      if (full) row.push(values(st.h));
      if (hasC) row.push(values(st.c));
      rows.push(row);
    }
    // The values wrap under their "b0: [".
    const hangs = head.map((h, i) => (i >= head.length - (hasC ? 2 : 1) && full ? 5 : undefined));
    const title = wrapText(`${c.bold(layerName(l, D))} ${c.dim(`(${l.direction}, reads ${l.reads}, ends in h_n[${l.h_n_index}])`)}`, width, 2);
    out.push(`${title}\n${drawTable(c, { head, rows, compact: true, hangs }, width)}`);
  }
  return out.join('\n');
}

export function renderRunTable(r: RunReport, c: ChalkInstance, o: RunTableOptions): string {
  const cfg = r.config;
  const width = o.width;
  const mode = cfg.training ? `training mode (dropout ${cfg.dropout} active)` : 'eval mode';
  const about = `${kindOf(cfg.type).hasNonlinearity ? `nonlinearity=${cfg.nonlinearity}, ` : ''}${mode}, seed ${cfg.seed}`;
  // The module, then what it ran with: on one line when they fit, else the second under the first.
  const oneLine = `${c.bold(r.module)}  ${c.dim(about)}`;
  const title = displayWidth(oneLine) <= width ? oneLine : `${wrapText(c.bold(r.module), width, 2)}\n${wrapText(c.dim(`  ${about}`), width, 2)}`;
  const grid = o.grid === 'none' || (o.grid === 'auto' && width < GRID_MIN_WIDTH) ? '' : renderGrid(r, c, { stat: o.stat, color: o.color, width, ...(o.trueColor ? { trueColor: true } : {}) });
  if (o.grid === 'only') {
    const body = grid || c.dim('no grid: the run has no trace (--trace none)');
    return [title, '', body, ...r.warnings.map((w) => wrapText(c.yellow(`warning: ${w.message}`), width, 2))].join('\n') + '\n';
  }
  const sections = [title, '', c.bold('Shapes'), shapesSection(r, c, width), '', c.bold('h_n, slice by slice'), hnSection(r, c, width)];
  const flow = flowSection(r, c, width);
  if (flow) sections.push('', flow);
  if (grid) sections.push('', grid);
  sections.push('', c.bold(`Parameters (${r.parameter_count})`), parametersSection(r, c, width));
  if (r.layers.length) sections.push('', c.bold('Trace, per layer and step'), traceSection(r, c, o.traceFull, width));
  for (const w of r.warnings) sections.push('', wrapText(c.yellow(`warning: ${w.message}`), width, 2));
  for (const n of r.notes) sections.push('', wrapText(c.dim(`note: ${n}`), width, 2));
  if (r.expectations) {
    sections.push('');
    for (const e of r.expectations) {
      const got = e.actual ? formatShape(e.actual) : 'no such tensor';
      sections.push(e.ok ? c.green(`✓ ${e.name} ${formatShape(e.expected)}`) : c.red(`✗ ${e.name}: expected ${formatShape(e.expected)}, got ${got}`));
    }
  }
  return sections.join('\n') + '\n';
}
