/** The human rendering of a compare report: one row per tensor and per layer. */
import type { ChalkInstance } from 'chalk';
import type { CompareReport } from '../../schema/compare.js';
import { formatShape } from '../../tensor/tensor.js';
import { num, table } from './style.js';

export function renderCompareTable(r: CompareReport, c: ChalkInstance): string {
  const t = table(c, ['tensor', 'shape', 'max |auto - manual|', 'where', 'auto', 'manual', 'tolerance', ''], { compact: true });
  const verdictOf = (x: { ok: boolean; max_abs_diff: number; tolerance: number; not_comparable?: number | undefined }): string =>
    x.ok ? c.green('OK') : x.max_abs_diff > x.tolerance ? c.red('DIFFERS') : c.red(`NOT COMPARABLE (${x.not_comparable} NaN on both sides)`);
  for (const x of r.results) {
    t.push([x.name, formatShape(x.shape), num(x.max_abs_diff), x.max_abs_diff === 0 ? '—' : `[${x.where.join(', ')}]`, num(x.automatic), num(x.manual), num(x.tolerance), verdictOf(x)]);
  }
  const loop =
    r.manual_loop === 'time-major'
      ? 'manual: for t: for layer: h[layer] = cell[layer](input, h[layer]); input = h[layer]   (layer 0 reads x[t])'
      : 'manual: layer-major (bidirectional: the reverse direction needs the future): for layer: for t forward, then for t backward';
  const ref: string[] = [];
  if (r.reference) {
    const rt = table(c, ['tensor', 'max |auto - float64 reference|', 'where', 'auto', 'reference', 'tolerance', ''], { compact: true });
    for (const x of r.reference) {
      rt.push([x.name, num(x.max_abs_diff), `[${x.where.join(', ')}]`, num(x.automatic), num(x.reference), num(x.tolerance), verdictOf(x)]);
    }
    ref.push(c.dim('reference: an independent float64 forward pass (mathjs), sharing no code with the engine'), rt.toString());
  }
  const against: string[] = [];
  if (r.against) {
    const a = r.against;
    const at = table(c, ['tensor', 'shape (yours)', 'max |module - yours|', 'where', 'first t', 'by layer and direction', ''], { compact: true });
    for (const x of a.tensors) {
      const slices = x.slices.filter((s) => !s.ok).map((s) => `layer ${s.layer} ${s.direction}${s.first_t !== null ? ` from t=${s.first_t}` : ''}`);
      at.push([
        x.name,
        formatShape(x.their_shape) + (x.max_abs_diff === null ? c.red(` ≠ ${formatShape(x.shape)}`) : ''),
        x.max_abs_diff === null ? '—' : num(x.max_abs_diff),
        x.where ? `[${x.where.join(', ')}]` : '—',
        x.first_t === null ? '—' : String(x.first_t),
        x.ok ? '' : slices.join(', ') || 'all',
        x.ok ? c.green('OK') : c.red('DIFFERS'),
      ]);
    }
    against.push(c.dim(`against ${a.file}: the module's run vs the tensors your code saved (tolerance ${a.tolerance_rule})`), at.toString());
    if (a.cause) against.push(c.yellow(`likely cause: ${a.cause.message}`), `fix: ${a.cause.fix}`);
    else if (!a.ok) against.push(c.yellow('no known mistake of hand-written loops reproduces these tensors; the first difference is above'));
    if (a.ignored.length) against.push(c.dim(`not compared: ${a.ignored.join(', ')}`));
  }
  const nan = [...r.results, ...(r.reference ?? [])].some((x) => x.not_comparable);
  const verdict = r.ok
    ? c.green(`automatic = manual${r.reference ? ' = reference' : ''}${r.against ? ' = yours' : ''}: every tensor within tolerance`)
    : r.against && !r.against.ok && r.results.every((x) => x.ok)
    ? c.red(`automatic = manual, but your tensors differ: see DIFFERS above`)
    : c.red(`a difference beyond tolerance${nan ? ', or NaN on both sides where no difference can be measured' : ''}: see ${nan ? 'DIFFERS and NOT COMPARABLE' : 'DIFFERS'} above`);
  return [
    `${c.bold(r.module)}  ${c.dim('automatic (nn.' + r.module.split('(')[0] + ' over the whole sequence) vs manual (a cell loop)')}`,
    c.dim(loop),
    t.toString(),
    c.dim(`tolerance: ${r.tolerance_rule}`),
    ...ref,
    ...against,
    ...r.warnings.map((w) => c.yellow(`warning: ${w}`)),
    verdict,
    '',
  ].join('\n');
}
