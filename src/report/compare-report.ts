/**
 * Automatic vs manual, tensor by tensor and layer by layer: the largest absolute difference, where
 * it is, and whether it is within tolerance (by default 1e-6 × max(1, the tensor's largest finite
 * |value|) for float64 sums, 1e-5 × for the fast kernel's float32 ones). Equal infinities agree; a NaN facing a number is a difference (Infinity); NaN on both
 * sides cannot be compared, which is counted and is not ok.
 */
import type { Recurrent } from '../modules/recurrent.js';
import type { ForwardResult } from '../modules/layer/result.js';
import type { CompareReport, Comparison, ReferenceComparison } from '../schema/compare.js';
import type { RunConfigJson } from '../schema/run.js';
import type { Warning } from '../warnings.js';
import { unravel } from '../tensor/stats.js';
import { addPair, agreement, firstNonFinite, nonFiniteWarning } from './non-finite.js';
import type { Nested, Tensor } from '../tensor/tensor.js';

export const RELATIVE_TOLERANCE = 1e-6;
/**
 * The default with the fast kernel (float32 SIMD sums, src/kernels/kernel.ts): the manual path's
 * float64 sums then differ by float32 rounding over each product's inner dimension, as PyTorch's
 * own float32 products do, so the bound is the parity tolerance used against PyTorch.
 */
export const FAST_RELATIVE_TOLERANCE = 1e-5;

export interface CompareOptions {
  version: string;
  config: RunConfigJson;
  /** An absolute tolerance; when absent, relative × max(1, max |automatic|) per tensor. */
  tolerance?: number;
  /** The automatic path's kernel: its label, and whether its sums are float64 (the default tolerance follows). */
  kernel: { label: string; exact: boolean };
  /** Warnings of the setup (an input accepted with non-finite values, data that looks like the other layout). */
  warnings?: readonly Warning[] | undefined;
}

function compareTensors(
  name: string,
  tensor: Comparison['tensor'],
  layer: number | null,
  direction: Comparison['direction'],
  a: Tensor,
  m: Tensor,
  absolute: number | undefined,
  relative: number,
): Comparison {
  const agree = agreement();
  for (let i = 0; i < a.size; i++) addPair(agree, i, a.data[i]!, m.data[i]!);
  // An infinite value would make the relative tolerance infinite, and every difference pass.
  let maxAbsValue = 0;
  for (let i = 0; i < a.size; i++) {
    const v = Math.abs(a.data[i]!);
    if (v > maxAbsValue && v !== Infinity) maxAbsValue = v;
  }
  const tolerance = absolute ?? relative * Math.max(1, maxAbsValue);
  const at = agree.at;
  return {
    name,
    tensor,
    layer,
    direction,
    shape: [...a.shape],
    max_abs_diff: agree.maxAbsDiff,
    where: unravel(at, a.shape),
    automatic: a.data[at] ?? 0,
    manual: m.data[at] ?? 0,
    max_abs_value: maxAbsValue,
    tolerance,
    ...(agree.notComparable ? { not_comparable: agree.notComparable } : {}),
    ok: agree.maxAbsDiff <= tolerance && agree.notComparable === 0,
  };
}

export function buildCompareReport(module: Recurrent, auto: ForwardResult, manual: ForwardResult, options: CompareOptions): CompareReport {
  const tol = options.tolerance;
  const relative = options.kernel.exact ? RELATIVE_TOLERANCE : FAST_RELATIVE_TOLERANCE;
  const results: Comparison[] = [compareTensors('out', 'out', null, null, auto.out, manual.out, tol, relative), compareTensors('h_n', 'h_n', null, null, auto.hN, manual.hN, tol, relative)];
  if (auto.cN && manual.cN) results.push(compareTensors('c_n', 'c_n', null, null, auto.cN, manual.cN, tol, relative));
  auto.trace.layers.forEach((la, i) => {
    const lm = manual.trace.layers[i]!;
    results.push(compareTensors(`layer ${la.layer} ${la.direction} h`, 'h', la.layer, la.direction, la.h, lm.h, tol, relative));
    if (la.c && lm.c) results.push(compareTensors(`layer ${la.layer} ${la.direction} c`, 'c', la.layer, la.direction, la.c, lm.c, tol, relative));
  });
  const D = module.numDirections;
  const batched = options.config.unbatched === false;
  const nonFinite = { automatic: firstNonFinite(auto, D), manual: firstNonFinite(manual, D) };
  const warnings = [
    ...module.warnings,
    ...(options.warnings ?? []),
    ...(['automatic', 'manual'] as const).flatMap((pass) => {
      const nf = nonFinite[pass];
      return nf ? [nonFiniteWarning(nf, batched, D, `${pass} pass: `)] : [];
    }),
  ];
  return {
    command: 'compare',
    version: options.version,
    module: module.toString(),
    config: options.config,
    manual_loop: module.config.bidirectional ? 'layer-major' : 'time-major',
    tolerance_rule: tol === undefined ? `${relative} * max(1, max finite |automatic value|) per tensor (the ${options.kernel.label} kernel's ${options.kernel.exact ? 'float64' : 'float32'} sums); NaN on both sides is not comparable` : `absolute ${tol}; NaN on both sides is not comparable`,
    results,
    warnings,
    ...(nonFinite.automatic || nonFinite.manual ? { non_finite: nonFinite } : {}),
    ok: results.every((r) => r.ok),
  };
}

/** Float32 engine vs float64 reference: the parity tolerance used against PyTorch. */
export const REFERENCE_TOLERANCE = 1e-5;

/** Automatic vs the float64 reference (given as nested lists in PyTorch's layout). */
export function compareWithReference(auto: ForwardResult, reference: { out: Nested; h_n: Nested; c_n: Nested | null }): ReferenceComparison[] {
  const pairs: [ReferenceComparison['name'], Tensor, Nested | null][] = [
    ['out', auto.out, reference.out],
    ['h_n', auto.hN, reference.h_n],
  ];
  if (auto.cN) pairs.push(['c_n', auto.cN, reference.c_n]);
  return pairs.map(([name, a, ref]) => {
    const r: number[] = [];
    const flatten = (v: Nested | null): void => {
      if (Array.isArray(v)) v.forEach(flatten);
      else if (v !== null) r.push(v);
    };
    flatten(ref);
    const agree = agreement();
    for (let i = 0; i < a.size; i++) addPair(agree, i, a.data[i]!, r[i] ?? NaN);
    const { maxAbsDiff: diff, at } = agree;
    return {
      name,
      shape: [...a.shape],
      max_abs_diff: diff,
      where: unravel(at, a.shape),
      automatic: a.data[at] ?? 0,
      reference: r[at] ?? NaN,
      tolerance: REFERENCE_TOLERANCE,
      ...(agree.notComparable ? { not_comparable: agree.notComparable } : {}),
      ok: diff <= REFERENCE_TOLERANCE && agree.notComparable === 0,
    };
  });
}
