/**
 * y = x W^T + b, the affine map every recurrent gate starts from, written as plainly as possible:
 * the reference the fast kernel (gemm.ts) is tested against, and what the manual (cell-loop) path
 * and explain's gate recomputation use.
 * Shape: x (rows, inFeatures) | W (outFeatures, inFeatures), row-major as PyTorch stores it |
 *        b (outFeatures) or null | y (rows, outFeatures)
 * Each output is one double-precision sum over k in order, plus the bias, rounded once to float32:
 * the same sums in the same order as gemm, so the two agree bit for bit.
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
  for (let r = 0; r < rows; r++) {
    const xRow = xOffset + r * inFeatures;
    for (let o = 0; o < outFeatures; o++) {
      const wRow = o * inFeatures;
      let acc = 0;
      for (let k = 0; k < inFeatures; k++) acc += x[xRow + k]! * w[wRow + k]!;
      y[yOffset + r * outFeatures + o] = b === null ? acc : acc + b[o]!;
    }
  }
}
