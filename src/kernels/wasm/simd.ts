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
import { ACTIVATIONS, GATE_WIDE_SLOTS, PRECISIONS, STEP_SLOTS, TN_PANEL, WEIGHT_BYTES, type ActivationName, type Precision, type SimdStep, type StepSlot } from './wat.js';

type GemmExport = (x: number, rows: number, K: number, wp: number, N: number, b: number, y: number) => void;
type GatesExport = (y: number, gi: number, rows: number, N: number, blocks: number, count: number) => void;
type GemmTnExport = (a: number, M: number, b: number, N: number, R: number, c: number, add: number) => void;
type PackExport = (src: number, R: number, M: number, width: number, dst: number) => void;
type PackRowsExport = (x: number, rows: number, K: number, dst: number) => void;
type ColsumExport = (a: number, R: number, M: number, out: number, add: number) => void;

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
  readonly exports: Record<'gemm_f32' | 'gemm_f64', GemmExport> & { gates_f32: GatesExport; gemm_tn_f32: GemmTnExport; pack_f32: PackExport; pack_rows_f32: PackRowsExport; colsum_f32: ColsumExport };
  private top = BASE;
  private f32 = new Float32Array(0);
  private f64 = new Float64Array(0);
  private i32 = new Int32Array(0);

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

  /** Makes [0, end) addressable and returns float32, float64 and int32 views of the whole memory. */
  views(end: number): { f32: Float32Array; f64: Float64Array; i32: Int32Array } {
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    if (this.f32.buffer !== this.memory.buffer) {
      this.f32 = new Float32Array(this.memory.buffer);
      this.f64 = new Float64Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
    return { f32: this.f32, f64: this.f64, i32: this.i32 };
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

/**
 * W (N, K) and b packed at `at` for precision p (see the file's header); with `transposed`, w
 * holds W^T (K, N) row-major, each panel step then a run of adjacent values.
 */
function pack(mem: SimdMemory, p: Precision, w: Float32Array, N: number, K: number, b: Float32Array | null, at: number, biasAt: number, transposed = false): void {
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
      if (transposed) for (let k = 0; k < K; k++, to += P) out[to] = w[k * N + o]!;
      else {
        const row = o * K;
        for (let k = 0; k < K; k++, to += P) out[to] = w[row + k]!;
      }
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

/** Packs W (and b) onto the stack: the product reads them until release. With `transposed`, w is W^T (K, N). */
export function prepare(mem: SimdMemory, p: Precision, w: Float32Array, N: number, K: number, b: Float32Array | null, transposed = false) {
  const size = packedBytes(p, N, K);
  const at = mem.push(size.weights);
  const biasAt = b ? mem.push(size.bias) : 0;
  pack(mem, p, w, N, K, b, at, biasAt || at + size.weights, transposed);
  return transposed && p.name === 'f32' && !b ? packedProduct(mem, N, K, at) : product(mem, p, N, K, at, biasAt);
}

/**
 * The fast mode's y = x W^T without a bias, x packed in panels of 4 rows (pack_rows_f32) and run
 * as gemm_tn_f32's sum over k: the same sums in the same order as gemm_f32 (the same bits), with
 * one contiguous stream of x instead of four (measured 3-6% faster on the backward pass's shapes).
 */
function packedProduct(mem: SimdMemory, N: number, K: number, at: number) {
  const { pack_rows_f32: packRows, gemm_tn_f32: run } = mem.exports;
  return (x: Float32Array, xOffset: number, rows: number, y: Float32Array, yOffset: number): void => {
    if (rows === 0) return;
    const xAt = mem.mark;
    const pAt = align(xAt + rows * K * 4);
    const yAt = align(pAt + Math.ceil(rows / TN_PANEL) * TN_PANEL * K * 4);
    const { f32 } = mem.views(yAt + rows * N * 4);
    f32.set(x.subarray(xOffset, xOffset + rows * K), xAt >> 2);
    packRows(xAt, rows, K, pAt);
    run(pAt, rows, at, N, K, yAt, 0);
    y.set(f32.subarray(yAt >> 2, (yAt >> 2) + rows * N), yOffset);
  };
}

/**
 * Rows of A and B copied in per gemm_tn_f32 call: the inner dimension of each partial product,
 * summed into C in float32 (so each output is a sum of partial sums of at most this many terms).
 */
export const TN_ROWS = 256;

/**
 * A^T B_i (M, N_i) for A (R, M) and each B_i (R, N_i) row-major, and with `sums` A's column sums
 * (M) after them: float32 (the fast mode), by TN_ROWS rows at a time. Each chunk of A is copied in
 * and packed once for every B_i, whose panels lie side by side (one gemm_tn_f32 over them all).
 */
export function productsOverRows(mem: SimdMemory, a: Float32Array, M: number, bs: readonly Float32Array[], Ns: readonly number[], R: number, sums: boolean): Float32Array[] {
  const out = Ns.map((N) => new Float32Array(M * N));
  if (sums) out.push(new Float32Array(M));
  if (R === 0) return out;
  const mark = mem.mark;
  const rows = Math.min(R, TN_ROWS);
  const panelsA = Math.ceil(M / TN_PANEL);
  // Each B_i's columns start at a panel: C's columns are the B_i's, each padded to a multiple of 8.
  const starts: number[] = [];
  let width = 0;
  for (const N of Ns) {
    starts.push(width);
    width += Math.ceil(N / 8) * 8;
  }
  try {
    const rawAt = mem.push(rows * Math.max(M, ...Ns) * 4);
    const aAt = mem.push(panelsA * TN_PANEL * rows * 4);
    const bAt = mem.push(width * rows * 4);
    const cAt = mem.push(M * width * 4);
    const sumAt = sums ? mem.push(M * 4) : 0;
    const { f32 } = mem.views(mem.mark);
    const { gemm_tn_f32: run, pack_f32: packRows, colsum_f32: colsum } = mem.exports;
    for (let r0 = 0; r0 < R; r0 += rows) {
      const n = Math.min(rows, R - r0);
      f32.set(a.subarray(r0 * M, (r0 + n) * M), rawAt >> 2);
      packRows(rawAt, n, M, TN_PANEL, aAt);
      if (sums) colsum(rawAt, n, M, sumAt, r0 > 0 ? 1 : 0);
      bs.forEach((b, i) => {
        const N = Ns[i]!;
        f32.set(b.subarray(r0 * N, (r0 + n) * N), rawAt >> 2);
        packRows(rawAt, n, N, 8, bAt + starts[i]! * n * 4);
      });
      run(aAt, M, bAt, width, n, cAt, r0 > 0 ? 1 : 0);
    }
    Ns.forEach((N, i) => {
      const o = out[i]!;
      for (let m = 0; m < M; m++) o.set(f32.subarray((cAt >> 2) + m * width + starts[i]!, (cAt >> 2) + m * width + starts[i]! + N), m * N);
    });
    if (sums) out[Ns.length]!.set(f32.subarray(sumAt >> 2, (sumAt >> 2) + M));
  } finally {
    mem.release(mark);
  }
  return out;
}

/** A step's buffers by slot (absent or null: not used), and the offset each is read or written from (absent: 0). */
export type StepBuffers = Partial<Record<StepSlot, Float32Array | null>>;
export type StepOffsets = Partial<Record<StepSlot, number>>;
export type StepRun = (buffers: Readonly<StepBuffers>, offsets: Readonly<StepOffsets>) => void;

/**
 * A kind's backward step in float32 lanes, the export `name` (src/kernels/wasm/wat.ts's
 * stepFunction): each slot the step uses gets a region on the stack (B rows of G or H values),
 * the step's reads are copied in and its writes out on every call. Null when the module has no
 * such export (a kind added since the binary was assembled: its own step runs instead).
 */
export function prepareStep(mem: SimdMemory, name: string, step: SimdStep, B: number, H: number, G: number, option: number): StepRun | null {
  const run = mem.exports[name as keyof SimdMemory['exports']] as unknown as ((B: number, H: number, G: number, table: number, option: number) => void) | undefined;
  if (typeof run !== 'function') return null;
  const size = (i: number): number => B * (GATE_WIDE_SLOTS.includes(STEP_SLOTS[i]!) ? G : H);
  const at = STEP_SLOTS.map((slot, i) => (step.reads.includes(slot) || step.writes.includes(slot) ? mem.push(size(i) * 4) : 0));
  const table = mem.push(STEP_SLOTS.length * 4);
  new Int32Array(mem.views(table + STEP_SLOTS.length * 4).f32.buffer, table, STEP_SLOTS.length).set(at);
  const reads = STEP_SLOTS.flatMap((slot, i) => (step.reads.includes(slot) ? [i] : []));
  const writes = STEP_SLOTS.flatMap((slot, i) => (step.writes.includes(slot) ? [i] : []));
  return (buffers, offsets) => {
    const { f32 } = mem.views(mem.mark);
    for (const i of reads) {
      const slot = STEP_SLOTS[i]!;
      const from = offsets[slot] ?? 0;
      f32.set(buffers[slot]!.subarray(from, from + size(i)), at[i]! >> 2);
    }
    run(B, H, G, table, option);
    for (const i of writes) buffers[STEP_SLOTS[i]!]!.set(f32.subarray(at[i]! >> 2, (at[i]! >> 2) + size(i)), offsets[STEP_SLOTS[i]!] ?? 0);
  };
}

/** A block of gate columns [start, end) and its activation. */
export interface GateBlock {
  start: number;
  end: number;
  activation: ActivationName;
}

/**
 * One step's buffers for the fused product, by the names of a kind's state update (UpdateArgs in
 * src/modules/kinds/kind.ts, which adds the hidden size), each from index 0 but gi: read hPrev
 * (batch, K) as the product's x, gi (batch, N) from giOffset, and cPrev (batch, hidden) when the
 * update reads it; written the gates (batch, N) and, when the update runs in the module, hOut and
 * cOut (batch, hidden) and gh (batch, N). gates and gh may be null when the update runs and they
 * are not wanted (not copied out).
 */
export interface GatedStepArgs {
  batch: number;
  hPrev: Float32Array;
  gi: Float32Array;
  giOffset: number;
  cPrev: Float32Array | null;
  gates: Float32Array | null;
  gh: Float32Array | null;
  hOut: Float32Array;
  cOut: Float32Array | null;
}

/** A kind's state update for the fused product: its simdUpdate, the module's export of it, the hidden size and the step's option. */
export interface GatedUpdate {
  name: string;
  step: SimdStep;
  hidden: number;
  option: number;
}

/** The fused product: `run` writes the gates and, when `updates`, the kind's new state (else the caller runs the kind's update). */
export interface GatedProduct {
  readonly updates: boolean;
  run(args: GatedStepArgs): void;
}

type ForwardSlot = Extract<StepSlot, keyof GatedStepArgs>;

/**
 * Where each buffer of a fused update lives in the product's memory: the product's output (the
 * gates), its gi, its x (h_{t-1}, when K is the hidden size), or a region of its own.
 */
const FUSED_REGION: Readonly<Record<ForwardSlot, 'y' | 'gi' | 'x' | 'own'>> = { gates: 'y', gi: 'gi', hPrev: 'x', gh: 'own', cPrev: 'own', hOut: 'own', cOut: 'own' };
const isForwardSlot = (slot: StepSlot): slot is ForwardSlot => slot in FUSED_REGION;

/**
 * The update's export and the slots it uses, or null when it cannot run here: the module has no
 * such export (a kind added since the binary was assembled), or the update reads h_{t-1} but the
 * product's x is not h_{t-1} at the hidden size (K is the projection's size).
 */
function fusedUpdate(mem: SimdMemory, update: GatedUpdate, K: number) {
  const run = mem.exports[update.name as keyof SimdMemory['exports']] as unknown as ((B: number, H: number, G: number, table: number, option: number) => void) | undefined;
  const { reads, writes } = update.step;
  if (typeof run !== 'function' || (reads.includes('hPrev') && K !== update.hidden)) return null;
  for (const slot of [...reads, ...writes]) {
    if (!isForwardSlot(slot)) throw new InternalError(`${update.name}: expected the slots of a state update (${Object.keys(FUSED_REGION).join(', ')}), got ${slot}`);
    const region = FUSED_REGION[slot];
    if (writes.includes(slot) && (region === 'gi' || region === 'x')) throw new InternalError(`${update.name}: expected writes to the gates or the state, got ${slot}`);
  }
  const own = (list: readonly StepSlot[]) => STEP_SLOTS.flatMap((slot, i) => (list.includes(slot) && FUSED_REGION[slot as ForwardSlot] === 'own' ? [i] : []));
  return { run, option: update.option, own: own([...reads, ...writes]), ownReads: own(reads), ownWrites: own(writes) };
}

/**
 * The fast mode's recurrent product fused with the gates: gates = act(gi + h W^T + b) per block
 * of columns, W (N, K) packed once (float32 panels), the blocks' table beside it; then, given a
 * kind's simdUpdate the module has, the kind's state update in the same call (fusedUpdate says
 * when it cannot). Each call copies in h (the product's x, which is the update's h_{t-1}), gi and
 * what else the update reads (c_{t-1}), and copies out the gates and what the update writes.
 */
export function prepareGated(mem: SimdMemory, w: Float32Array, N: number, K: number, b: Float32Array | null, blocks: readonly GateBlock[], update: GatedUpdate | null): GatedProduct {
  const p = precision('f32');
  const size = packedBytes(p, N, K);
  const at = mem.push(size.weights);
  const biasAt = b ? mem.push(size.bias) : 0;
  pack(mem, p, w, N, K, b, at, biasAt || at + size.weights);
  const table = mem.push(blocks.length * 12);
  const words = new Int32Array(blocks.flatMap((k) => [k.start, k.end, ACTIVATIONS.indexOf(k.activation)]));
  new Int32Array(mem.views(table + words.byteLength).f32.buffer, table, words.length).set(words);
  const { gemm_f32: gemm, gates_f32: gates } = mem.exports;
  const fused = update ? fusedUpdate(mem, update, K) : null;
  const H = update?.hidden ?? 0;
  const width = (i: number): number => (GATE_WIDE_SLOTS.includes(STEP_SLOTS[i]!) ? N : H);
  // The update's pointer table, in STEP_SLOTS order (0 for the slots it does not use), per call.
  const pointers = new Int32Array(STEP_SLOTS.length);
  const slotIndex = (slot: ForwardSlot): number => STEP_SLOTS.indexOf(slot);
  const [gatesSlot, giSlot, hSlot] = [slotIndex('gates'), slotIndex('gi'), slotIndex('hPrev')];
  const run = (args: GatedStepArgs): void => {
    const rows = args.batch;
    if (rows === 0) return;
    const xAt = mem.mark;
    const yAt = align(xAt + rows * K * 4);
    const gAt = align(yAt + rows * N * 4);
    let end = gAt + rows * N * 4;
    if (fused) {
      for (const i of fused.own) {
        pointers[i] = align(end);
        end = pointers[i]! + rows * width(i) * 4;
      }
      pointers[gatesSlot] = yAt;
      pointers[giSlot] = gAt;
      pointers[hSlot] = xAt;
      end = align(end);
    }
    const { f32, i32 } = mem.views(end + STEP_SLOTS.length * 4);
    f32.set(args.hPrev.subarray(0, rows * K), xAt >> 2);
    f32.set(args.gi.subarray(args.giOffset, args.giOffset + rows * N), gAt >> 2);
    gemm(xAt, rows, K, at, N, biasAt, yAt);
    gates(yAt, gAt, rows, N, table, blocks.length);
    if (fused) {
      for (const i of fused.ownReads) f32.set(args[STEP_SLOTS[i] as ForwardSlot]!.subarray(0, rows * width(i)), pointers[i]! >> 2);
      i32.set(pointers, end >> 2);
      fused.run(rows, H, N, end, fused.option);
      for (const i of fused.ownWrites) args[STEP_SLOTS[i] as ForwardSlot]?.set(f32.subarray(pointers[i]! >> 2, (pointers[i]! >> 2) + rows * width(i)));
    } else if (!args.gates) throw new InternalError('the gated product without its update: expected a buffer for the gates, got null');
    args.gates?.set(f32.subarray(yAt >> 2, (yAt >> 2) + rows * N));
  };
  return { updates: fused !== null, run };
}
