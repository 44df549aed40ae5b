/**
 * Automatic vs manual, tensor by tensor and layer by layer: the largest absolute difference, where
 * it is, and whether it is within tolerance (by default 1e-6 × max(1, the tensor's largest |value|)).
 */
import type { Recurrent } from '../modules/recurrent.js';
import type { ForwardResult } from '../modules/result.js';
import type { CompareReport, Comparison } from '../schema/compare.js';
import type { RunConfigJson } from '../schema/run.js';
import { maxAbs, unravel } from '../tensor/stats.js';
import type { Tensor } from '../tensor/tensor.js';

export const RELATIVE_TOLERANCE = 1e-6;

export interface CompareOptions {
  version: string;
  config: RunConfigJson;
  /** An absolute tolerance; when absent, 1e-6 × max(1, max |automatic|) per tensor. */
  tolerance?: number;
}

function compareTensors(
  name: string,
  tensor: Comparison['tensor'],
  layer: number | null,
  direction: Comparison['direction'],
  a: Tensor,
  m: Tensor,
  absolute: number | undefined,
): Comparison {
  let diff = -1;
  let at = 0;
  for (let i = 0; i < a.size; i++) {
    const d = Math.abs(a.data[i]! - m.data[i]!);
    // NaN counts as the largest difference of all.
    if (d > diff || Number.isNaN(d)) {
      diff = Number.isNaN(d) ? Infinity : d;
      at = i;
      if (diff === Infinity) break;
    }
  }
  const maxAbsValue = maxAbs(a.data).value;
  const tolerance = absolute ?? RELATIVE_TOLERANCE * Math.max(1, maxAbsValue);
  return {
    name,
    tensor,
    layer,
    direction,
    shape: [...a.shape],
    max_abs_diff: Math.max(diff, 0),
    where: unravel(at, a.shape),
    automatic: a.data[at] ?? 0,
    manual: m.data[at] ?? 0,
    max_abs_value: maxAbsValue,
    tolerance,
    ok: diff <= tolerance,
  };
}

export function buildCompareReport(module: Recurrent, auto: ForwardResult, manual: ForwardResult, options: CompareOptions): CompareReport {
  const tol = options.tolerance;
  const results: Comparison[] = [compareTensors('out', 'out', null, null, auto.out, manual.out, tol), compareTensors('h_n', 'h_n', null, null, auto.hN, manual.hN, tol)];
  if (auto.cN && manual.cN) results.push(compareTensors('c_n', 'c_n', null, null, auto.cN, manual.cN, tol));
  auto.trace.layers.forEach((la, i) => {
    const lm = manual.trace.layers[i]!;
    results.push(compareTensors(`layer ${la.layer} ${la.direction} h`, 'h', la.layer, la.direction, la.h, lm.h, tol));
    if (la.c && lm.c) results.push(compareTensors(`layer ${la.layer} ${la.direction} c`, 'c', la.layer, la.direction, la.c, lm.c, tol));
  });
  return {
    command: 'compare',
    version: options.version,
    module: module.toString(),
    config: options.config,
    manual_loop: module.config.bidirectional ? 'layer-major' : 'time-major',
    tolerance_rule: tol === undefined ? `${RELATIVE_TOLERANCE} * max(1, max |automatic value|) per tensor` : `absolute ${tol}`,
    results,
    ok: results.every((r) => r.ok),
  };
}
