/**
 * y = x W^T + b, the affine map every recurrent gate starts from.
 * Shape: x (rows, inFeatures) | W (outFeatures, inFeatures), row-major as PyTorch stores it |
 *        b (outFeatures) or null | y (rows, outFeatures)
 * Sums run in double precision and round once to float32. Four outputs are computed together so
 * that each x value is loaded once per four weight rows.
 */
export function linear(
  x: Float32Array,
  xOffset: number,
  rows: number,
  inFeatures: number,
  w: Float32Array,
  outFeatures: number,
  b: Float32Array | null,
  y: Float32Array,
  yOffset: number,
): void {
  const blocked = outFeatures - (outFeatures % 4);
  for (let r = 0; r < rows; r++) {
    const xRow = xOffset + r * inFeatures;
    const yRow = yOffset + r * outFeatures;
    let o = 0;
    for (; o < blocked; o += 4) {
      const w0 = o * inFeatures;
      const w1 = w0 + inFeatures;
      const w2 = w1 + inFeatures;
      const w3 = w2 + inFeatures;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let k = 0; k < inFeatures; k++) {
        const v = x[xRow + k]!;
        a0 += v * w[w0 + k]!;
        a1 += v * w[w1 + k]!;
        a2 += v * w[w2 + k]!;
        a3 += v * w[w3 + k]!;
      }
      if (b !== null) {
        a0 += b[o]!;
        a1 += b[o + 1]!;
        a2 += b[o + 2]!;
        a3 += b[o + 3]!;
      }
      y[yRow + o] = a0;
      y[yRow + o + 1] = a1;
      y[yRow + o + 2] = a2;
      y[yRow + o + 3] = a3;
    }
    for (; o < outFeatures; o++) {
      const wRow = o * inFeatures;
      let acc = 0;
      for (let k = 0; k < inFeatures; k++) acc += x[xRow + k]! * w[wRow + k]!;
      y[yRow + o] = b === null ? acc : acc + b[o]!;
    }
  }
}
