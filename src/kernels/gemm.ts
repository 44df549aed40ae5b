/**
 * The fast path's y = x W^T + b: the same contract and the same numbers as `linear` (each output
 * one float64 sum over k in order, plus the bias, rounded once to float32), computed with
 * register-blocked micro-kernels.
 * Shape: x (rows, inFeatures) | W (outFeatures, inFeatures), row-major as PyTorch stores it |
 *        b (outFeatures) or null | y (rows, outFeatures)
 *
 * W is read in PyTorch's own layout: in the dot-product form both the x row and the weight row are
 * unit-stride in k, so no packed copy is needed (measured: panel-packed or transposed Float64Array
 * copies were no faster than reading the Float32Array rows directly, and float64 copies slower).
 * Tiles, each accumulator a local:
 *   - 2 rows of x × 5 outputs (10 accumulators, 7 loads per 10 multiply-adds): the main tile.
 *     Measured against the alternatives on (66 × 256) · (256 × 260), as a share of the scalar
 *     ceiling in the same run: 2×5 0.55–0.78, 2×4 0.50–0.86 (0.05–0.1 below 2×5 each time),
 *     2×6 and 3×3 a little below 2×5, 3×4 (12 accumulators) spills registers and ran 30% slower,
 *     unrolling k by two did not help;
 *   - 2 × 2, then 2 × 1, for the 1 to 4 outputs left over (at hidden size 128 the three left
 *     over by the 2 × 5 tiles cost 4% of the product on the 2 × 1 path alone);
 *   - 1 row × 8 outputs for a lone row (batch 1, the latency-bound matrix-vector case).
 * Nothing is allocated.
 */
export function gemm(
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
  const K = inFeatures;
  const N = outFeatures;
  const pairRows = rows - (rows % 2);
  const n5 = N - (N % 5);
  for (let r = 0; r < pairRows; r += 2) {
    const x0 = xOffset + r * K;
    const x1 = x0 + K;
    const y0 = yOffset + r * N;
    const y1 = y0 + N;
    let o = 0;
    for (; o < n5; o += 5) {
      const w0 = o * K;
      const w1 = w0 + K;
      const w2 = w1 + K;
      const w3 = w2 + K;
      const w4 = w3 + K;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      let c4 = 0;
      for (let k = 0; k < K; k++) {
        const u = x[x0 + k]!;
        const v = x[x1 + k]!;
        const p = w[w0 + k]!;
        const q = w[w1 + k]!;
        const s = w[w2 + k]!;
        const t = w[w3 + k]!;
        const m = w[w4 + k]!;
        a0 += u * p;
        a1 += u * q;
        a2 += u * s;
        a3 += u * t;
        a4 += u * m;
        c0 += v * p;
        c1 += v * q;
        c2 += v * s;
        c3 += v * t;
        c4 += v * m;
      }
      if (b !== null) {
        const b0 = b[o]!;
        const b1 = b[o + 1]!;
        const b2 = b[o + 2]!;
        const b3 = b[o + 3]!;
        const b4 = b[o + 4]!;
        a0 += b0;
        a1 += b1;
        a2 += b2;
        a3 += b3;
        a4 += b4;
        c0 += b0;
        c1 += b1;
        c2 += b2;
        c3 += b3;
        c4 += b4;
      }
      y[y0 + o] = a0;
      y[y0 + o + 1] = a1;
      y[y0 + o + 2] = a2;
      y[y0 + o + 3] = a3;
      y[y0 + o + 4] = a4;
      y[y1 + o] = c0;
      y[y1 + o + 1] = c1;
      y[y1 + o + 2] = c2;
      y[y1 + o + 3] = c3;
      y[y1 + o + 4] = c4;
    }
    // The last 1 to 4 outputs: two at a time (4 accumulators), then one.
    for (; o + 1 < N; o += 2) {
      const w0 = o * K;
      const w1 = w0 + K;
      let a0 = 0;
      let a1 = 0;
      let c0 = 0;
      let c1 = 0;
      for (let k = 0; k < K; k++) {
        const u = x[x0 + k]!;
        const v = x[x1 + k]!;
        const p = w[w0 + k]!;
        const q = w[w1 + k]!;
        a0 += u * p;
        a1 += u * q;
        c0 += v * p;
        c1 += v * q;
      }
      if (b !== null) {
        a0 += b[o]!;
        a1 += b[o + 1]!;
        c0 += b[o]!;
        c1 += b[o + 1]!;
      }
      y[y0 + o] = a0;
      y[y0 + o + 1] = a1;
      y[y1 + o] = c0;
      y[y1 + o + 1] = c1;
    }
    for (; o < N; o++) {
      const w0 = o * K;
      let a = 0;
      let c = 0;
      for (let k = 0; k < K; k++) {
        const p = w[w0 + k]!;
        a += x[x0 + k]! * p;
        c += x[x1 + k]! * p;
      }
      if (b !== null) {
        a += b[o]!;
        c += b[o]!;
      }
      y[y0 + o] = a;
      y[y1 + o] = c;
    }
  }
  if (pairRows < rows) gemv(x, xOffset + pairRows * K, K, w, N, b, y, yOffset + pairRows * N);
}

/** One row: y = x W^T + b with x (inFeatures) and y (outFeatures), eight outputs at a time. */
export function gemv(x: Float32Array, xOffset: number, inFeatures: number, w: Float32Array, outFeatures: number, b: Float32Array | null, y: Float32Array, yOffset: number): void {
  const K = inFeatures;
  const N = outFeatures;
  const n8 = N - (N % 8);
  let o = 0;
  for (; o < n8; o += 8) {
    const w0 = o * K;
    const w1 = w0 + K;
    const w2 = w1 + K;
    const w3 = w2 + K;
    const w4 = w3 + K;
    const w5 = w4 + K;
    const w6 = w5 + K;
    const w7 = w6 + K;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    let a4 = 0;
    let a5 = 0;
    let a6 = 0;
    let a7 = 0;
    for (let k = 0; k < K; k++) {
      const v = x[xOffset + k]!;
      a0 += v * w[w0 + k]!;
      a1 += v * w[w1 + k]!;
      a2 += v * w[w2 + k]!;
      a3 += v * w[w3 + k]!;
      a4 += v * w[w4 + k]!;
      a5 += v * w[w5 + k]!;
      a6 += v * w[w6 + k]!;
      a7 += v * w[w7 + k]!;
    }
    if (b !== null) {
      a0 += b[o]!;
      a1 += b[o + 1]!;
      a2 += b[o + 2]!;
      a3 += b[o + 3]!;
      a4 += b[o + 4]!;
      a5 += b[o + 5]!;
      a6 += b[o + 6]!;
      a7 += b[o + 7]!;
    }
    y[yOffset + o] = a0;
    y[yOffset + o + 1] = a1;
    y[yOffset + o + 2] = a2;
    y[yOffset + o + 3] = a3;
    y[yOffset + o + 4] = a4;
    y[yOffset + o + 5] = a5;
    y[yOffset + o + 6] = a6;
    y[yOffset + o + 7] = a7;
  }
  for (; o < N; o++) {
    const w0 = o * K;
    let a = 0;
    for (let k = 0; k < K; k++) a += x[xOffset + k]! * w[w0 + k]!;
    y[yOffset + o] = b === null ? a : a + b[o]!;
  }
}
