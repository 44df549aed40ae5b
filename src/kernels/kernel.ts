/**
 * The matrix-product kernels an RNN pass runs on, and the one place that chooses among them:
 *   - `js`: the plain-TypeScript register-blocked kernel (src/kernels/gemm.ts), float64 sums;
 *     the reference the others are tested against;
 *   - `wasm`: the WebAssembly SIMD kernels (src/kernels/wasm/), float32 lanes (the fast mode) or,
 *     with `exact`, float64 lanes that give the `js` kernel's results bit for bit.
 * A pass asks for a Kernel once and prepares each weight once (prepare), then runs its products;
 * weights prepared after mark() are freed by release(mark).
 * Shape: x (rows, inFeatures) | W (outFeatures, inFeatures), row-major as PyTorch stores it |
 *        b (outFeatures) or null | y (rows, outFeatures)
 */
import { ConfigError } from '../errors.js';
import { gemm } from './gemm.js';
import { productsOverRowsF64, transposedThen, type OneProduct } from './over-rows.js';
import { precision, prepare, prepareGated, prepareStep, productsOverRows, simdMemory, type GateBlock, type GatedProduct, type GatedUpdate, type StepRun } from './wasm/simd.js';
import type { SimdStep } from './wasm/wat.js';

export const kernelNames = ['js', 'wasm'] as const;
export type KernelName = (typeof kernelNames)[number];

/** What a caller asks for: a kernel (default: wasm where WebAssembly SIMD is available) and the mode. */
export interface KernelChoice {
  kernel?: KernelName | undefined;
  /** Float64 sums, bit for bit the `js` kernel's (always true of `js`). */
  exact?: boolean | undefined;
}

/** y[yOffset...] = x[xOffset...] W^T + b for `rows` rows, W and b fixed when prepared. */
export type Product = (x: Float32Array, xOffset: number, rows: number, y: Float32Array, yOffset: number) => void;

export type { GateBlock, GatedProduct, GatedStepArgs, GatedUpdate, StepBuffers, StepOffsets, StepRun } from './wasm/simd.js';
export { STEP_SLOTS, stepExport, type SimdStep, type StepDirection, type StepSlot } from './wasm/wat.js';
export { ACTIVATIONS } from './wasm/wat.js';

export interface Kernel {
  /** `js`, `wasm` or `wasm exact`: what ran, for reports. */
  readonly label: string;
  /** Float64 sums (js, wasm exact): the plain kernel's results bit for bit. */
  readonly exact: boolean;
  prepare(w: Float32Array, outFeatures: number, inFeatures: number, b: Float32Array | null): Product;
  /** As prepare, for the weight given transposed: y = x W for W (inFeatures, outFeatures) row-major, no bias. */
  prepareTransposed(w: Float32Array, inFeatures: number, outFeatures: number): Product;
  /**
   * Sums over the rows, the backward pass's weight and bias gradients: A^T B_i (M, N_i) for A
   * (rows, M) and each B_i (rows, N_i) row-major, then, with `sums`, A's column sums (M). Float64
   * sums of chunks (js, wasm exact: the same bits), or float32 lanes.
   */
  productsOverRows(a: Float32Array, M: number, bs: readonly Float32Array[], Ns: readonly number[], rows: number, sums: boolean): Float32Array[];
  /**
   * The fast mode only (absent on js and wasm exact, whose steps are the kinds' own float64 ones):
   * a step's recurrent product fused with the gate activations, gates = act(gi + h W^T + b) per
   * block of columns, and, given a kind's `simdUpdate` (`update`: its export, stepExport('update',
   * type)), the kind's state update, all in float32 SIMD lanes in one call. The product's
   * `updates` says whether its run writes the new h, c (and GRU's gh) too; false when the module
   * has no such export or the update reads h_{t-1} while inFeatures is not the hidden size
   * (a projection): then the caller runs the kind's `update` on the gates.
   */
  prepareGated?: (w: Float32Array, outFeatures: number, inFeatures: number, b: Float32Array | null, blocks: readonly GateBlock[], update: GatedUpdate | null) => GatedProduct;
  /**
   * The fast mode only: a kind's backward step in float32 lanes (its `simdBackward`, the module's
   * export `name`) over batch rows of `hidden` units, `gates` values per gate-wide row; null when
   * the module has no such export (then the kind's own step runs).
   */
  prepareStep?: (name: string, step: SimdStep, batch: number, hidden: number, gates: number, option: number) => StepRun | null;
  mark(): number;
  release(mark: number): void;
}

const jsPrepare = (w: Float32Array, N: number, K: number, b: Float32Array | null): Product => (x, xOffset, rows, y, yOffset) => gemm(x, xOffset, rows, K, w, N, b, y, yOffset);
const jsProduct: OneProduct = (x, rows, K, w, N, y) => gemm(x, 0, rows, K, w, N, null, y, 0);

const jsKernel: Kernel = {
  label: 'js',
  exact: true,
  prepare: jsPrepare,
  prepareTransposed: (w, K, N) => transposedThen(jsPrepare, w, K, N),
  productsOverRows: (a, M, bs, Ns, R, sums) => productsOverRowsF64(jsProduct, a, M, bs, Ns, R, sums),
  mark: () => 0,
  release: () => {},
};

function wasmKernel(exact: boolean): Kernel | null {
  const mem = simdMemory();
  if (!mem) return null;
  const p = precision(exact ? 'f64' : 'f32');
  const once: OneProduct = (x, rows, K, w, N, y) => {
    const mark = mem.mark;
    try {
      prepare(mem, p, w, N, K, null)(x, 0, rows, y, 0);
    } finally {
      mem.release(mark);
    }
  };
  return {
    label: exact ? 'wasm exact' : 'wasm',
    exact,
    prepare: (w, N, K, b) => prepare(mem, p, w, N, K, b),
    prepareTransposed: (w, K, N) => prepare(mem, p, w, N, K, null, true),
    productsOverRows: exact ? (a, M, bs, Ns, R, sums) => productsOverRowsF64(once, a, M, bs, Ns, R, sums) : (a, M, bs, Ns, R, sums) => productsOverRows(mem, a, M, bs, Ns, R, sums),
    ...(exact
      ? {}
      : {
          prepareGated: (w: Float32Array, N: number, K: number, b: Float32Array | null, blocks: readonly GateBlock[], update: GatedUpdate | null) => prepareGated(mem, w, N, K, b, blocks, update),
          prepareStep: (name: string, step: SimdStep, B: number, H: number, G: number, option: number) => prepareStep(mem, name, step, B, H, G, option),
        }),
    mark: () => mem.mark,
    release: (mark) => mem.release(mark),
  };
}

const cache = new Map<string, Kernel>();

/**
 * Matrix-multiply FLOPs from which a pass without a chosen kernel runs on wasm. Below, compiling
 * the module (measured: 2-7 ms on first use, on a busy 2-core machine) costs more than the js
 * kernel spends on the whole pass (1e7 FLOPs: about 3-7 ms), and the seed example (3e5) stays as
 * quick to start as without wasm. A rule on the pass's size alone, so the same pass always runs on
 * the same kernel, whatever ran before it in the process.
 */
export const WASM_MIN_FLOPS = 1e7;

/** The kernel a choice means for a pass of `flops`: what the caller named, else by size (wasm where available). */
export function resolveKernel(choice: KernelChoice = {}, flops = Infinity): { kernel: KernelName; exact: boolean } {
  const exact = choice.exact === true;
  if (choice.kernel) return { kernel: choice.kernel, exact };
  return { kernel: flops >= WASM_MIN_FLOPS && simdMemory() ? 'wasm' : 'js', exact };
}

/**
 * The kernel for a choice: as named (an explicit `wasm` where WebAssembly SIMD is not available is
 * a ConfigError), else as resolveKernel decides for a pass of `flops`.
 */
export function kernelFor(choice: KernelChoice = {}, flops = Infinity): Kernel {
  const { kernel: name, exact } = resolveKernel(choice, flops);
  const key = `${name} ${exact}`;
  const known = cache.get(key);
  if (known) return known;
  let kernel: Kernel | null;
  if (name === 'js') kernel = jsKernel;
  else {
    kernel = wasmKernel(exact);
    if (!kernel) throw new ConfigError('--kernel wasm: expected a runtime with WebAssembly SIMD, got none; use --kernel js');
  }
  cache.set(key, kernel);
  return kernel;
}

/** Runs y = x W^T + b once (W prepared for this call only). */
export function product(kernel: Kernel, x: Float32Array, xOffset: number, rows: number, inFeatures: number, w: Float32Array, outFeatures: number, b: Float32Array | null, y: Float32Array, yOffset: number): void {
  const mark = kernel.mark();
  try {
    kernel.prepare(w, outFeatures, inFeatures, b)(x, xOffset, rows, y, yOffset);
  } finally {
    kernel.release(mark);
  }
}
