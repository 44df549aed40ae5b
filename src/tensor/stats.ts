/** Summary statistics of a strided run of values (one hidden-state vector, one tensor). */

export interface Stats {
  norm: number;
  mean: number;
  min: number;
  max: number;
}

export function statsOf(data: ArrayLike<number>, offset = 0, length = data.length - offset): Stats {
  let sum = 0;
  let sq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = offset; i < offset + length; i++) {
    const v = data[i]!;
    sum += v;
    sq += v * v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { norm: Math.sqrt(sq), mean: length ? sum / length : 0, min, max };
}

/** The largest absolute value, and its flat index. */
export function maxAbs(data: ArrayLike<number>): { value: number; index: number } {
  let value = 0;
  let index = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]!);
    if (a > value) {
      value = a;
      index = i;
    }
  }
  return { value, index };
}

/** Flat row-major index to a multi-index. */
export function unravel(index: number, shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = index % shape[d]!;
    index = Math.floor(index / shape[d]!);
  }
  return out;
}
