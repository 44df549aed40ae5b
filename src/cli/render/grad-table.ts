/**
 * The human rendering of a grad document: the loss, ‖dL/dh_t‖ (and ‖dL/dc_t‖) per layer and step
 * with the top layer first, a log-scale shade strip per layer, the decay with its sentences,
 * ‖dL/dx_t‖ per step, and each parameter gradient's norm with σ_max(W_hh). Long time axes are
 * elided to at most TIME_COLUMNS steps (the first and the last), with a note.
 */
import type { ChalkInstance } from 'chalk';
import type { GradReport } from '../../schema/grad.js';
import { formatShape } from '../../tensor/tensor.js';
import { num } from './style.js';
import { renderTable, type TableSpec } from './table.js';
import { displayWidth, wrapText } from './width.js';

/** At most this many time columns in a table; longer runs show the first 3 and the last 7 steps. */
export const TIME_COLUMNS = 10;
const HEAD_STEPS = 3;

/** The shade strip: one character per step (or per bucket of steps), darker = larger, over this many decades below the peak. */
const SHADES = [' ', '░', '▒', '▓', '█'] as const;
const STRIP_DECADES = 8;
const STRIP_WIDTH = 60;

/** The steps a table shows, with null where steps are elided. */
export function shownSteps(seqLen: number, columns = TIME_COLUMNS): (number | null)[] {
  if (seqLen <= columns) return Array.from({ length: seqLen }, (_, t) => t);
  const tail = columns - HEAD_STEPS;
  return [...Array.from({ length: HEAD_STEPS }, (_, t) => t), null, ...Array.from({ length: tail }, (_, k) => seqLen - tail + k)];
}

/** One shade per step (buckets of steps take their largest norm when there are more than STRIP_WIDTH), on log10 relative to `peak`. */
export function shadeStrip(norms: readonly number[], peak: number, stripWidth = STRIP_WIDTH): string {
  const buckets = Math.min(norms.length, stripWidth);
  let out = '';
  for (let k = 0; k < buckets; k++) {
    const from = Math.floor((k * norms.length) / buckets);
    const to = Math.floor(((k + 1) * norms.length) / buckets);
    let v = 0;
    for (let t = from; t < to; t++) v = Math.max(v, norms[t]!);
    if (!(v > 0) || !(peak > 0)) {
      out += Number.isNaN(v) ? '?' : SHADES[0];
      continue;
    }
    const decades = Math.log10(peak / v);
    const level = decades >= STRIP_DECADES ? 0 : Math.min(SHADES.length - 1, 1 + Math.floor(((STRIP_DECADES - decades) / STRIP_DECADES) * (SHADES.length - 1)));
    out += SHADES[level];
  }
  return out;
}

function timeRow(label: string, values: readonly number[], shown: readonly (number | null)[]): string[] {
  return [label, ...shown.map((t) => (t === null ? '…' : num(values[t]!)))];
}

/** The time columns that fit `width` beside a label column of `labelW`: at most TIME_COLUMNS. */
function fittedColumns(r: GradReport, width: number, labelW: number): number {
  const T = r.config.seq_len;
  const values = [...r.layers.flatMap((l) => l.steps.flatMap((s) => [s.dh_norm, s.dc_norm ?? 0])), ...r.x_grad_norms];
  const cellW = Math.max(displayWidth(`s=${T - 1}`), ...values.map((v) => displayWidth(num(v))));
  const fit = Math.max(HEAD_STEPS + 2, Math.floor((width - 1 - (labelW + 3)) / (cellW + 3)));
  // Eliding takes a column of its own ("…").
  return Math.min(TIME_COLUMNS, T <= fit ? fit : fit - 1);
}

export function renderGradTable(r: GradReport, c: ChalkInstance, width: number): string {
  const T = r.config.seq_len;
  const hasCell = r.layers.some((l) => l.steps.some((s) => s.dc_norm !== undefined));
  const topFirst = [...r.layers].sort((a, b) => b.layer - a.layer || (a.direction === 'forward' ? -1 : 1));
  const rowName = (l: (typeof topFirst)[number]): string => `layer ${l.layer}${r.config.bidirectional ? ` ${l.direction}` : ''}`;
  const labelW = Math.max(r.connectivity ? displayWidth(`t=${T - 1}`) : 0, ...topFirst.map((l) => displayWidth(`${rowName(l)} dh`)));
  const shown = shownSteps(T, fittedColumns(r, width, labelW));
  const elided = shown.includes(null);
  const head = shown.map((t) => (t === null ? '…' : `t=${t}`));
  const fit = (text: string, indent = 2): string => wrapText(text, width, indent);
  const draw = (spec: TableSpec): string => renderTable(c, spec, width);
  const lines: string[] = [];
  lines.push(fit(`${c.bold(r.module)}  ${c.dim(r.config.training ? 'training mode' : 'eval mode')}, ${c.dim(`seed ${r.config.seed}`)}`));
  lines.push('', fit(`${c.bold('Loss')} ${r.loss.kind} = ${num(r.loss.value)}   ${c.dim(r.loss.definition)}`));
  if (r.lengths) lines.push(fit(c.dim(`lengths ${r.lengths.join(',')}: a step counts only the sequences still running at it`)));

  lines.push('', fit(c.bold(`‖dL/dh_t‖${hasCell ? ' and ‖dL/dc_t‖' : ''} per layer and step`) + c.dim('  (top layer first; the gradient flows back: right to left in forward rows, left to right in reverse rows)')));
  const t1: TableSpec = { head: ['', ...head], rows: [], compact: true };
  for (const l of topFirst) {
    const name = rowName(l);
    t1.rows.push(timeRow(`${name} dh`, l.steps.map((s) => s.dh_norm), shown));
    if (hasCell) t1.rows.push(timeRow(`${name} dc`, l.steps.map((s) => s.dc_norm ?? 0), shown));
  }
  lines.push(draw(t1));
  if (elided) lines.push(fit(c.dim(`… ${T - (shown.length - 1)} steps elided (t=${HEAD_STEPS}..t=${T - (shown.length - 1 - HEAD_STEPS) - 1}); --format json has every step`)));

  const peak = Math.max(...r.layers.flatMap((l) => l.steps.map((s) => s.dh_norm)).filter((v) => Number.isFinite(v)), 0);
  const stripLabelW = Math.max(...topFirst.map((l) => `layer ${l.layer} ${l.direction}`.length));
  // "  label ← |strip|"
  const stripWidth = Math.max(10, Math.min(STRIP_WIDTH, width - stripLabelW - 7));
  const bucket = T > stripWidth ? `, ${Math.ceil(T / stripWidth)} steps a character at most` : '';
  lines.push('', fit(c.bold('‖dL/dh_t‖ on a log scale') + c.dim(`  (time left to right, t=0 … t=${T - 1}${bucket}; █ within ${STRIP_DECADES / 4} decades of the largest, blank ${STRIP_DECADES} or more below)`)));
  for (const l of topFirst) {
    const label = `layer ${l.layer} ${l.direction}`.padEnd(stripLabelW);
    const arrow = l.direction === 'forward' ? '←' : '→';
    lines.push(`  ${label} ${arrow} |${shadeStrip(l.steps.map((s) => s.dh_norm), peak, stripWidth)}|`);
  }

  lines.push('', fit(c.bold('Decay back through time') + c.dim('  (ratio = ‖dL/dh‖ at the first step read / at the last; horizon = steps back to the furthest ≥ 1% of the peak)')));
  const t2: TableSpec = { head: ['layer', 'direction', 'travels back', 'ratio', 'horizon', 'σ_max(W_hh)'], rows: [], compact: true };
  for (const d of [...r.decay].sort((a, b) => b.layer - a.layer)) {
    t2.rows.push([String(d.layer), d.direction, `t=${d.last_step} → t=${d.first_step}`, d.ratio === null ? '—' : num(d.ratio), String(d.horizon), num(d.sigma_max)]);
  }
  lines.push(draw(t2));
  for (const d of [...r.decay].sort((a, b) => b.layer - a.layer)) lines.push(fit(`  ${d.sentence}`));
  lines.push(fit(c.dim(`  σ_max: ${r.power_iteration}. Pascanu et al.: with σ_max(W_hh) below 1 / (the largest slope of the activation), the gradient must vanish.`)));

  lines.push('', fit(c.bold('‖dL/dx_t‖ per step') + c.dim('  (how much the loss depends on each input step)')));
  const t3: TableSpec = { head: ['', ...head], rows: [timeRow('dx', r.x_grad_norms, shown)], compact: true };
  lines.push(draw(t3), fit(`  ${r.x_decay.sentence}`));

  lines.push('', c.bold('Parameter gradients'));
  const sigma = new Map(r.sigma_max.map((s) => [s.name, s]));
  const t4: TableSpec = { head: ['parameter', '‖grad‖', 'σ_max(W)'], rows: [], compact: true };
  for (const [name, n] of Object.entries(r.parameter_grad_norms)) {
    const s = sigma.get(name);
    t4.rows.push([name, num(n), s ? `${num(s.sigma_max)}${s.converged ? '' : ` (not converged in ${s.iterations})`}` : '']);
  }
  lines.push(draw(t4));

  if (r.connectivity) {
    lines.push('', fit(c.bold('Connectivity ‖∂out_t/∂x_s‖') + c.dim('  (row t: a step of out; column s: a step of x)')));
    const t5: TableSpec = { head: ['', ...shown.map((s) => (s === null ? '…' : `s=${s}`))], rows: [], compact: true };
    for (const t of shown) {
      if (t === null) t5.rows.push(['…', ...shown.map(() => '…')]);
      else t5.rows.push(timeRow(`t=${t}`, r.connectivity.matrix[t]!, shown));
    }
    lines.push(draw(t5), fit(c.dim(`  ${r.connectivity.definition}`), 4));
  }
  lines.push('', fit(c.dim(`shapes: ${Object.entries(r.shapes).map(([k, s]) => `${k} ${formatShape(s)}`).join(', ')}`)));
  for (const w of r.warnings) lines.push(fit(c.yellow(`warning: ${w.message}`)));
  for (const n of r.notes) lines.push(fit(c.dim(`note: ${n}`)));
  lines.push('');
  return lines.join('\n');
}
