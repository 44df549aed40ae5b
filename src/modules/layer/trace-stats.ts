/**
 * The trace as running statistics: for each layer, direction and step, the sum, sum of squares,
 * min and max of h_t over the batch elements still active at t, their count, and the first batch
 * element holding a non-finite value (Infinity or NaN) with that value. What the `summary` trace
 * shows, in L * D * T * STAT_FIELDS doubles instead of every hidden state.
 * Shape: data (numLayers * D, seqLen, STAT_FIELDS), entries in h_n's order (layer * D + direction).
 * Slices of a batch run on several threads merge exactly (min, max, counts) or up to the order of
 * the sums (sum, sum of squares).
 */
export const STAT_FIELDS = 7;
const SUM = 0;
const SQ = 1;
const MIN = 2;
const MAX = 3;
const VALID = 4;
/** The first batch element (in the whole batch's numbering) with a non-finite value at this step, or -1. */
const BAD_BATCH = 5;
/** That element's first non-finite value (Infinity, -Infinity or NaN); 0 when none. */
const BAD_VALUE = 6;

export interface TraceStats {
  /** (entries, seqLen, STAT_FIELDS): sum, sum of squares, min, max, valid rows, first non-finite row and value. */
  data: Float64Array;
  entries: number;
  seqLen: number;
  /** Features of h per row (realHidden). */
  width: number;
}

export function emptyStats(entries: number, seqLen: number, width: number, data: Float64Array = new Float64Array(entries * seqLen * STAT_FIELDS)): TraceStats {
  for (let i = 0; i < entries * seqLen; i++) {
    const at = i * STAT_FIELDS;
    data[at + SUM] = 0;
    data[at + SQ] = 0;
    data[at + MIN] = Infinity;
    data[at + MAX] = -Infinity;
    data[at + VALID] = 0;
    data[at + BAD_BATCH] = -1;
    data[at + BAD_VALUE] = 0;
  }
  return { data, entries, seqLen, width };
}

/**
 * Adds step t of one layer's h, (batch, width) from hOffset, to the record at `at` in `data`:
 * rows b ascending, features ascending (the order stepStats sums in). `lengths` is indexed by
 * b + lengthsOffset, so a slice of the batch reads its own elements' lengths.
 */
export function accumulateStep(
  data: Float64Array,
  at: number,
  h: Float32Array,
  hOffset: number,
  batch: number,
  width: number,
  t: number,
  lengths: ArrayLike<number> | null,
): void {
  let sum = data[at + SUM]!;
  let sq = data[at + SQ]!;
  let min = data[at + MIN]!;
  let max = data[at + MAX]!;
  let valid = data[at + VALID]!;
  for (let b = 0; b < batch; b++) {
    if (lengths !== null && t >= lengths[b]!) continue;
    valid++;
    const row = hOffset + b * width;
    for (let j = row; j < row + width; j++) {
      const v = h[j]!;
      sum += v;
      sq += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    // Float32 values squared and summed in float64 cannot overflow (each square is at most 1.2e77),
    // so the sum of squares is finite exactly while every value is: a row is searched only then.
    if (data[at + BAD_BATCH]! < 0 && !Number.isFinite(sq)) {
      for (let j = row; j < row + width; j++) {
        if (!Number.isFinite(h[j]!)) {
          data[at + BAD_BATCH] = b;
          data[at + BAD_VALUE] = h[j]!;
          break;
        }
      }
    }
  }
  data[at + SUM] = sum;
  data[at + SQ] = sq;
  data[at + MIN] = min;
  data[at + MAX] = max;
  data[at + VALID] = valid;
}

/** Index of step t of entry e in `data`. */
export function statsAt(stats: { seqLen: number }, entry: number, t: number): number {
  return (entry * stats.seqLen + t) * STAT_FIELDS;
}

/**
 * Folds `from` into `into` (same layout). `batchOffset`: where `from`'s batch elements start in
 * the whole batch (a slice's first element), so that a non-finite element keeps its global index.
 */
export function mergeStats(into: Float64Array, from: Float64Array, batchOffset = 0): void {
  for (let at = 0; at < into.length; at += STAT_FIELDS) {
    into[at + SUM] = into[at + SUM]! + from[at + SUM]!;
    into[at + SQ] = into[at + SQ]! + from[at + SQ]!;
    into[at + MIN] = Math.min(into[at + MIN]!, from[at + MIN]!);
    into[at + MAX] = Math.max(into[at + MAX]!, from[at + MAX]!);
    into[at + VALID] = into[at + VALID]! + from[at + VALID]!;
    const bad = from[at + BAD_BATCH]!;
    if (bad >= 0 && (into[at + BAD_BATCH]! < 0 || bad + batchOffset < into[at + BAD_BATCH]!)) {
      into[at + BAD_BATCH] = bad + batchOffset;
      into[at + BAD_VALUE] = from[at + BAD_VALUE]!;
    }
  }
}

/** The first batch element with a non-finite value at the step recorded at `at`, and that value; null when every value is finite. */
export function nonFiniteAt(data: Float64Array, at: number): { batch: number; value: number } | null {
  const b = data[at + BAD_BATCH]!;
  return b < 0 ? null : { batch: b, value: data[at + BAD_VALUE]! };
}

export interface StepSummary {
  t: number;
  norm: number;
  mean: number;
  min: number;
  max: number;
  valid: number;
}

/** The step's L2 norm, mean, min and max over its valid rows; zeros when no row is valid. */
export function summarize(data: Float64Array, at: number, width: number, t: number): StepSummary {
  const valid = data[at + VALID]!;
  const n = valid * width;
  if (!n) return { t, norm: 0, mean: 0, min: 0, max: 0, valid: 0 };
  return { t, norm: Math.sqrt(data[at + SQ]!), mean: data[at + SUM]! / n, min: data[at + MIN]!, max: data[at + MAX]!, valid };
}
