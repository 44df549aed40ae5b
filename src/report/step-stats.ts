/**
 * Per-step statistics of one layer's h_t: L2 norm, mean, min and max over the batch elements that
 * still have input at step t (all of them without lengths).
 * Shape: h (batch, features) for one step | c (batch, hiddenSize)
 */
import type { StepStats } from '../schema/run.js';

function rows(data: Float32Array, batch: number, width: number, keep: (b: number) => boolean): number[][] {
  const out: number[][] = [];
  for (let b = 0; b < batch; b++) if (keep(b)) out.push(Array.from(data.subarray(b * width, (b + 1) * width)));
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
  const active = (b: number): boolean => lengths === null || t < lengths[b]!;
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  let valid = 0;
  for (let b = 0; b < batch; b++) {
    if (!active(b)) continue;
    valid++;
    for (let j = b * width; j < (b + 1) * width; j++) {
      const v = h[j]!;
      sum += v;
      sq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const n = valid * width;
  const stats: StepStats = n
    ? { t, norm: Math.sqrt(sq), mean: sum / n, min, max, valid }
    : { t, norm: 0, mean: 0, min: 0, max: 0, valid: 0 };
  if (full) {
    stats.h = rows(h, batch, width, () => true);
    if (c) stats.c = rows(c, batch, c.length / batch, () => true);
  }
  return stats;
}
