/** The human rendering of a compare report: one row per tensor and per layer. */
import type { ChalkInstance } from 'chalk';
import type { CompareReport } from '../../schema/compare.js';
import { formatShape } from '../../tensor/tensor.js';
import { num } from './style.js';
import { renderTable } from './table.js';
import { wrapText } from './width.js';

export function renderCompareTable(r: CompareReport, c: ChalkInstance, width: number): string {
  const t = { head: ['tensor', 'shape', 'max |auto - manual|', 'where', 'auto', 'manual', 'tolerance', ''], rows: [] as string[][], compact: true, keep: [false, true, false, true] };
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
  const against: string[] = [];
  if (r.against) {
    const a = r.against;
    const at = { head: ['tensor', 'shape (yours)', 'max |module - yours|', 'where', 'first t', 'by layer and direction', ''], rows: [] as string[][], compact: true, keep: [false, true, false, true] };
    for (const x of a.tensors) {
      const slices = x.slices.filter((s) => !s.ok).map((s) => `layer ${s.layer} ${s.direction}${s.first_t !== null ? ` from t=${s.first_t}` : ''}`);
      at.rows.push([
        x.name,
        formatShape(x.their_shape) + (x.max_abs_diff === null ? c.red(` ≠ ${formatShape(x.shape)}`) : ''),
        x.max_abs_diff === null ? '—' : num(x.max_abs_diff),
        x.where ? `[${x.where.join(', ')}]` : '—',
        x.first_t === null ? '—' : String(x.first_t),
        x.ok ? '' : slices.join(', ') || 'all',
        x.ok ? c.green('OK') : c.red('DIFFERS'),
      ]);
    }
    against.push(wrapText(c.dim(`against ${a.file}: the module's run vs the tensors your code saved (tolerance ${a.tolerance_rule})`), width, 2), renderTable(c, at, width));
    if (a.cause) against.push(wrapText(c.yellow(`likely cause: ${a.cause.message}`), width, 2), wrapText(`fix: ${a.cause.fix}`, width, 5));
    else if (!a.ok) against.push(wrapText(c.yellow('no known mistake of hand-written loops reproduces these tensors; the first difference is above'), width, 2));
    if (a.ignored.length) against.push(wrapText(c.dim(`not compared: ${a.ignored.join(', ')}`), width, 2));
  }
  const nan = [...r.results, ...(r.reference ?? [])].some((x) => x.not_comparable);
  const verdict = r.ok
    ? c.green(`automatic = manual${r.reference ? ' = reference' : ''}${r.against ? ' = yours' : ''}: every tensor within tolerance`)
    : r.against && !r.against.ok && r.results.every((x) => x.ok)
    ? c.red(`automatic = manual, but your tensors differ: see DIFFERS above`)
    : c.red(`a difference beyond tolerance${nan ? ', or NaN on both sides where no difference can be measured' : ''}: see ${nan ? 'DIFFERS and NOT COMPARABLE' : 'DIFFERS'} above`);
  return [
    wrapText(`${c.bold(r.module)}  ${c.dim('automatic (nn.' + r.module.split('(')[0] + ' over the whole sequence) vs manual (a cell loop)')}`, width, 2),
    wrapText(c.dim(loop), width, 4),
    renderTable(c, t, width),
    wrapText(c.dim(`tolerance: ${r.tolerance_rule}`), width, 2),
    ...ref,
    ...against,
    ...r.warnings.map((w) => wrapText(c.yellow(`warning: ${w.message}`), width, 2)),
    wrapText(verdict, width, 2),
    '',
  ].join('\n');
}
