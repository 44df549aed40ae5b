/**
 * The backward pass's sums over rows (steps × batch), as the float64 kernels compute them: the
 * weight gradients A^T B and the bias gradients (column sums). The `js` and `wasm exact` kernels
 * share these loops, each with its own product, so their results are the same bits.
 * Shape: A (rows, M) | B (rows, N) | A^T B (M, N) | column sums (M)
 */
import type { Product } from './kernel.js';

/** src (rows, cols) → (cols, rows), in 32 × 32 blocks. */
export function transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array = new Float32Array(rows * cols)): Float32Array {
  const BLOCK = 32;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = Math.min(rows, r0 + BLOCK);
    for (let c0 = 0; c0 < cols; c0 += BLOCK) {
      const c1 = Math.min(cols, c0 + BLOCK);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c]!;
    }
  }
  return dst;
}

/** Rows (steps × batch) per chunk of the weight-gradient products: the inner dimension, kept cache-sized. */
export const GRAD_ROWS = 512;

/** y = x W^T for W (N, K) prepared for this call only, on a kernel's product. */
export type OneProduct = (x: Float32Array, rows: number, K: number, w: Float32Array, N: number, y: Float32Array) => void;

/**
 * A^T B (M, N) for A (R, M) and B (R, N), row-major: the sum over rows, as products of GRAD_ROWS
 * rows at a time (each chunk transposed, so both operands are unit-stride in the inner dimension
 * and stay in cache), the chunks' products summed in float64 and rounded once.
 */
export function productOverRowsF64(run: OneProduct, a: Float32Array, M: number, b: Float32Array, N: number, R: number): Float32Array {
  const rows = Math.min(R, GRAD_ROWS);
  const aT = new Float32Array(M * rows);
  const bT = new Float32Array(N * rows);
  const part = new Float32Array(M * N);
  const sum = R > rows ? new Float64Array(M * N) : null;
  for (let r0 = 0; r0 < R; r0 += rows) {
    const n = Math.min(rows, R - r0);
    transpose(a.subarray(r0 * M, (r0 + n) * M), n, M, aT);
    transpose(b.subarray(r0 * N, (r0 + n) * N), n, N, bT);
    run(aT, M, n, bT, N, part);
    if (sum) for (let i = 0; i < part.length; i++) sum[i] = sum[i]! + part[i]!;
  }
  return sum ? Float32Array.from(sum) : part;
}

/** Column sums of a (rows, cols) array, in float64. */
export function columnSumsF64(src: Float32Array, rows: number, cols: number): Float32Array {
  const sum = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) sum[c] = sum[c]! + src[r * cols + c]!;
  return Float32Array.from(sum);
}

/** A^T B_i for each B_i, then with `sums` A's column sums: productOverRowsF64 and columnSumsF64. */
export function productsOverRowsF64(run: OneProduct, a: Float32Array, M: number, bs: readonly Float32Array[], Ns: readonly number[], R: number, sums: boolean): Float32Array[] {
  const out = bs.map((b, i) => productOverRowsF64(run, a, M, b, Ns[i]!, R));
  if (sums) out.push(columnSumsF64(a, R, M));
  return out;
}

/** A Product for W^T given as W (K, N) row-major: the transpose once, then the kernel's own prepare. */
export function transposedThen(prepare: (w: Float32Array, N: number, K: number, b: null) => Product, w: Float32Array, K: number, N: number): Product {
  return prepare(transpose(w, K, N), N, K, null);
}
