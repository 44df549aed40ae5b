/** Where the largest values of a tensor are. */

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
