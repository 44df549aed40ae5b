/** The human rendering of a compare report: one row per tensor and per layer. */
import type { ChalkInstance } from 'chalk';
import type { CompareReport } from '../../schema/compare.js';
import { formatShape } from '../../tensor/tensor.js';
import { num } from './style.js';
import { renderTable } from './table.js';
import { wrapText } from './width.js';

export function renderCompareTable(r: CompareReport, c: ChalkInstance, width: number): string {
  const t = { head: ['tensor', 'shape', 'max |auto - manual|', 'where', 'auto', 'manual', 'tolerance', ''], rows: [] as string[][], compact: true, keep: [false, true] };
  const verdictOf = (x: { ok: boolean; max_abs_diff: number; tolerance: number; not_comparable?: number | undefined }): string =>
    x.ok ? c.green('OK') : x.max_abs_diff > x.tolerance ? c.red('DIFFERS') : c.red(`NOT COMPARABLE (${x.not_comparable} NaN on both sides)`);
  for (const x of r.results) {
    t.rows.push([x.name, formatShape(x.shape), num(x.max_abs_diff), x.max_abs_diff === 0 ? '—' : `[${x.where.join(', ')}]`, num(x.automatic), num(x.manual), num(x.tolerance), verdictOf(x)]);
  }
  const loop =
    r.manual_loop === 'time-major'
      ? 'manual: for t: for layer: h[layer] = cell[layer](input, h[layer]); input = h[layer]   (layer 0 reads x[t])'
      : 'manual: layer-major (bidirectional: the reverse direction needs the future): for layer: for t forward, then for t backward';
  const ref: string[] = [];
  if (r.reference) {
    const rt = { head: ['tensor', 'max |auto - float64 reference|', 'where', 'auto', 'reference', 'tolerance', ''], rows: [] as string[][], compact: true };
    for (const x of r.reference) {
      rt.rows.push([x.name, num(x.max_abs_diff), `[${x.where.join(', ')}]`, num(x.automatic), num(x.reference), num(x.tolerance), verdictOf(x)]);
    }
    ref.push(wrapText(c.dim('reference: an independent float64 forward pass (mathjs), sharing no code with the engine'), width, 2), renderTable(c, rt, width));
  }
  const nan = [...r.results, ...(r.reference ?? [])].some((x) => x.not_comparable);
  const verdict = r.ok
    ? c.green(`automatic = manual${r.reference ? ' = reference' : ''}: every tensor within tolerance`)
    : c.red(`a difference beyond tolerance${nan ? ', or NaN on both sides where no difference can be measured' : ''}: see ${nan ? 'DIFFERS and NOT COMPARABLE' : 'DIFFERS'} above`);
  return [
    wrapText(`${c.bold(r.module)}  ${c.dim('automatic (nn.' + r.module.split('(')[0] + ' over the whole sequence) vs manual (a cell loop)')}`, width, 2),
    wrapText(c.dim(loop), width, 4),
    renderTable(c, t, width),
    wrapText(c.dim(`tolerance: ${r.tolerance_rule}`), width, 2),
    ...ref,
    ...r.warnings.map((w) => wrapText(c.yellow(`warning: ${w}`), width, 2)),
    wrapText(verdict, width, 2),
    '',
  ].join('\n');
}
