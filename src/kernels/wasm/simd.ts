/**
 * The WebAssembly SIMD kernels at run time: the module (src/kernels/wasm/binary.ts, generated from
 * wat.ts) compiled once per thread on first use, its memory managed as a stack of regions, and
 * the weights packed into the panels the kernels read.
 *
 * Memory: [0, 64) is never handed out (a 0 bias pointer means none); prepared weights are pushed
 * from 64 up and popped with release(mark); a product's x and y are copied in and out just above
 * the top, so nothing the caller holds is a view of this memory (growing it detaches old views).
 * Packing, for the precision's panel width P and W (N, K) row-major as PyTorch stores it:
 *   panel p, step k, lane j  =  W[p*P + j][k]  (0 past N), float32 in both precisions; the bias
 *   packed the same way in the accumulators' type.
 */
import { InternalError } from '../../errors.js';
import { KERNELS_WASM_BASE64 } from './binary.js';
import { ACTIVATIONS, PRECISIONS, WEIGHT_BYTES, type ActivationName, type Precision } from './wat.js';

type GemmExport = (x: number, rows: number, K: number, wp: number, N: number, b: number, y: number) => void;
type GatesExport = (y: number, gi: number, rows: number, N: number, blocks: number, count: number) => void;

/** The part of the WebAssembly API used here (typed locally: the library's types need no DOM lib). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const BASE = 64;
const PAGE = 65536;
const align = (n: number): number => (n + 15) & ~15;

/** The compiled module for this thread, or null where WebAssembly SIMD is not available. */
let compiled: object | null | undefined;

function compile(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    if (!wasmApi) throw new Error('no WebAssembly');
    const text = atob(KERNELS_WASM_BASE64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    compiled = new wasmApi.Module(bytes);
  } catch {
    // No WebAssembly, no SIMD, or (in a browser's main thread) no synchronous compile.
    compiled = null;
  }
  return compiled;
}

/** One instance of the module: its memory and the stack of prepared weights. */
export class SimdMemory {
  private readonly memory: WasmMemory;
  readonly exports: Record<'gemm_f32' | 'gemm_f64', GemmExport> & { gates_f32: GatesExport };
  private top = BASE;
  private f32 = new Float32Array(0);
  private f64 = new Float64Array(0);

  constructor(module: object) {
    const instance = new wasmApi!.Instance(module, {});
    this.memory = instance.exports['memory'] as WasmMemory;
    this.exports = instance.exports as unknown as SimdMemory['exports'];
  }

  get mark(): number {
    return this.top;
  }

  release(mark: number): void {
    if (mark < BASE || mark > this.top) throw new InternalError(`SIMD memory released to ${mark}, above its top ${this.top}`);
    this.top = mark;
  }

  /** Makes [0, end) addressable and returns float32 and float64 views of the whole memory. */
  views(end: number): { f32: Float32Array; f64: Float64Array } {
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    if (this.f32.buffer !== this.memory.buffer) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.f64 = new Float64Array(this.memory.buffer);
    }
    return { f32: this.f32, f64: this.f64 };
  }

  /** `bytes` at the top, kept until release(mark) below it. */
  push(bytes: number): number {
    const at = this.top;
    this.top = align(at + bytes);
    this.views(this.top);
    return at;
  }
}

let memory: SimdMemory | null | undefined;

/** This thread's SIMD memory, or null without WebAssembly SIMD. */
export function simdMemory(): SimdMemory | null {
  if (memory === undefined) {
    const module = compile();
    memory = module ? new SimdMemory(module) : null;
  }
  return memory;
}

export function precision(name: Precision['name']): Precision {
  return PRECISIONS.find((p) => p.name === name)!;
}

/** W (N, K) and b packed at `at` for precision p (see the file's header). */
function pack(mem: SimdMemory, p: Precision, w: Float32Array, N: number, K: number, b: Float32Array | null, at: number, biasAt: number): void {
  const P = p.panel;
  const panels = Math.ceil(N / P);
  const { f32, f64 } = mem.views(biasAt + panels * P * p.bytes);
  const out = f32;
  const base = at / WEIGHT_BYTES;
  for (let q = 0; q < panels; q++) {
    for (let j = 0; j < P; j++) {
      const o = q * P + j;
      let to = base + q * K * P + j;
      if (o >= N) {
        for (let k = 0; k < K; k++, to += P) out[to] = 0;
        continue;
      }
      const row = o * K;
      for (let k = 0; k < K; k++, to += P) out[to] = w[row + k]!;
    }
  }
  if (b) {
    const bias = p.name === 'f32' ? f32 : f64;
    const bBase = biasAt / p.bytes;
    for (let o = 0; o < panels * P; o++) bias[bBase + o] = o < N ? b[o]! : 0;
  }
}

/** Bytes of W (N, K) packed for p, and of its bias. */
function packedBytes(p: Precision, N: number, K: number): { weights: number; bias: number } {
  const panels = Math.ceil(N / p.panel);
  return { weights: align(panels * K * p.panel * WEIGHT_BYTES), bias: align(panels * p.panel * p.bytes) };
}

/** W prepared at `at` (and its bias at biasAt, or 0): y = x W^T + b through the copy-in, copy-out region. */
export function product(mem: SimdMemory, p: Precision, N: number, K: number, at: number, biasAt: number) {
  const run = mem.exports[p.name === 'f32' ? 'gemm_f32' : 'gemm_f64'];
  return (x: Float32Array, xOffset: number, rows: number, y: Float32Array, yOffset: number): void => {
    if (rows === 0) return;
    const xAt = mem.mark;
    const yAt = align(xAt + rows * K * p.bytes);
    const { f32, f64 } = mem.views(yAt + rows * N * 4);
    // x in the accumulators' type (a typed array's set converts float32 to float64 exactly).
    (p.name === 'f32' ? f32 : f64).set(x.subarray(xOffset, xOffset + rows * K), xAt / p.bytes);
    run(xAt, rows, K, at, N, biasAt, yAt);
    y.set(f32.subarray(yAt >> 2, (yAt >> 2) + rows * N), yOffset);
  };
}

/** Packs W (and b) onto the stack: the product reads them until release. */
export function prepare(mem: SimdMemory, p: Precision, w: Float32Array, N: number, K: number, b: Float32Array | null) {
  const size = packedBytes(p, N, K);
  const at = mem.push(size.weights);
  const biasAt = b ? mem.push(size.bias) : 0;
  pack(mem, p, w, N, K, b, at, biasAt || at + size.weights);
  return product(mem, p, N, K, at, biasAt);
}

/** A block of gate columns [start, end) and its activation. */
export interface GateBlock {
  start: number;
  end: number;
  activation: ActivationName;
}

/**
 * The fast mode's recurrent product fused with the gates: y = act(gi + h W^T + b) per block of
 * columns, W (N, K) packed once (float32 panels), the blocks' table beside it.
 */
export function prepareGated(mem: SimdMemory, w: Float32Array, N: number, K: number, b: Float32Array | null, blocks: readonly GateBlock[]) {
  const p = precision('f32');
  const size = packedBytes(p, N, K);
  const at = mem.push(size.weights);
  const biasAt = b ? mem.push(size.bias) : 0;
  pack(mem, p, w, N, K, b, at, biasAt || at + size.weights);
  const table = mem.push(blocks.length * 12);
  const words = new Int32Array(blocks.flatMap((k) => [k.start, k.end, ACTIVATIONS.indexOf(k.activation)]));
  new Int32Array(mem.views(table + words.byteLength).f32.buffer, table, words.length).set(words);
  const { gemm_f32: run, gates_f32: gates } = mem.exports;
  return (h: Float32Array, hOffset: number, rows: number, gi: Float32Array, giOffset: number, y: Float32Array, yOffset: number): void => {
    if (rows === 0) return;
    const xAt = mem.mark;
    const yAt = align(xAt + rows * K * 4);
    const gAt = align(yAt + rows * N * 4);
    const { f32 } = mem.views(gAt + rows * N * 4);
    f32.set(h.subarray(hOffset, hOffset + rows * K), xAt >> 2);
    f32.set(gi.subarray(giOffset, giOffset + rows * N), gAt >> 2);
    run(xAt, rows, K, at, N, biasAt, yAt);
    gates(yAt, gAt, rows, N, table, blocks.length);
    y.set(f32.subarray(yAt >> 2, (yAt >> 2) + rows * N), yOffset);
  };
}
