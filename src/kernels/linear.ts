/**
 * y = x W^T + b, the affine map every recurrent gate starts from.
 * Shape: x (rows, inFeatures) | W (outFeatures, inFeatures), row-major as PyTorch stores it |
 *        b (outFeatures) or null | y (rows, outFeatures)
 * Sums run in double precision and round once to float32.
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
    const yRow = yOffset + r * outFeatures;
    for (let o = 0; o < outFeatures; o++) {
      const wRow = o * inFeatures;
      let acc = b === null ? 0 : b[o]!;
      for (let k = 0; k < inFeatures; k++) acc += x[xRow + k]! * w[wRow + k]!;
      y[yRow + o] = acc;
    }
  }
}
