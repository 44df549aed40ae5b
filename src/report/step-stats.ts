/**
 * Per-step statistics of one layer's h_t: L2 norm, mean, min and max over the batch elements that
 * still have input at step t (all of them without lengths). The sums are the trace statistics'
 * own (src/modules/trace-stats.ts), so a full trace and a statistics-only run report alike,
 * the first batch element holding Infinity or NaN included.
 * Shape: h (batch, features) for one step | c (batch, hiddenSize)
 */
import { accumulateStep, emptyStats, nonFiniteAt, summarize } from '../modules/layer/trace-stats.js';
import type { StepStats } from '../schema/run.js';

function rows(data: Float32Array, batch: number, width: number): number[][] {
  const out: number[][] = [];
  for (let b = 0; b < batch; b++) out.push(Array.from(data.subarray(b * width, (b + 1) * width)));
  return out;
}

export function stepStats(
  t: number,
  h: Float32Array,
  c: Float32Array | null,
  batch: number,
  lengths: ArrayLike<number> | null,
  full: boolean,
): StepStats {
  const width = h.length / batch;
  const { data } = emptyStats(1, 1, width);
  accumulateStep(data, 0, h, 0, batch, width, t, lengths);
  const stats: StepStats = summarize(data, 0, width, t);
  const bad = nonFiniteAt(data, 0);
  if (bad) stats.non_finite = bad;
  if (full) {
    stats.h = rows(h, batch, width);
    if (c) stats.c = rows(c, batch, c.length / batch);
  }
  return stats;
}
