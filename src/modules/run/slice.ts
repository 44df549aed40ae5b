/**
 * One thread's share of a parallel forward pass: a contiguous slice of the batch, run through the
 * whole stack by the serial engine (batch elements never interact, so a slice needs no other
 * thread's results). The slice's inputs are gathered from the shared (full-batch) arrays into
 * compact ones, and its results scattered back into the shared outputs at its own rows; threads
 * never write the same element.
 *
 * Shape: every batched array is (blocks, batch, width): x (seqLen, B, inputSize) |
 *        h_0, h_n (layers * D, B, realHidden) | c_0, c_n (layers * D, B, hidden) |
 *        masks, out (seqLen, B, D * realHidden) | trace h (layers * D * seqLen, B, realHidden) |
 *        stats (slices, layers * D * seqLen * STAT_FIELDS)
 */
import { runAutomatic, type ProgressObserver } from './automatic.js';
import { kernelFor, type KernelChoice } from '../../kernels/kernel.js';
import { geometryOf, type RecurrentConfig } from '../layer/config.js';
import { kindOf, type KindName } from '../kinds/index.js';
import { STAT_FIELDS } from '../layer/trace-stats.js';
import { Tensor } from '../../tensor/tensor.js';

/** Everything a thread needs for its slice; every array lives in shared memory. */
export interface SliceJob {
  kind: KindName;
  config: RecurrentConfig;
  /** Parameters by name: shape and offset into paramData. */
  params: { name: string; shape: number[]; offset: number }[];
  paramData: Float32Array;
  seqLen: number;
  batch: number;
  x: Float32Array;
  h0: Float32Array;
  c0: Float32Array | null;
  lengths: Int32Array | null;
  masks: (Float32Array | null)[];
  keepTrace: boolean;
  /** The products' kernel, resolved on each thread. */
  kernel: KernelChoice;
  out: Float32Array;
  hN: Float32Array;
  cN: Float32Array | null;
  traceH: Float32Array | null;
  traceC: Float32Array | null;
  stats: Float64Array | null;
  /** Per slice: [first batch element, end) */
  bounds: Int32Array;
  slices: number;
  /**
   * Control words: [0] slices finished, [1] 1 if one failed, [2] the next slice to take, [3] layer
   * steps done by every thread (for progress). Threads take slices with Atomics.add on [2] until
   * none is left, so a thread that is slow (descheduled on a busy machine, or a worker still
   * starting) holds up at most the slice it is on.
   */
  control: Int32Array;
  /** The first failure's message, UTF-8, NUL-padded. */
  error: Uint8Array;
}

export const CONTROL_DONE = 0;
export const CONTROL_FAILED = 1;
const CONTROL_NEXT = 2;
export const CONTROL_STEPS = 3;
export const CONTROL_WORDS = 4;

/** (blocks, batch, width) → (blocks, count, width): elements first..first+count-1 of each block. */
export function gatherBatch(src: Float32Array, blocks: number, batch: number, width: number, first: number, count: number): Float32Array {
  const dst = new Float32Array(blocks * count * width);
  for (let k = 0; k < blocks; k++) {
    const from = (k * batch + first) * width;
    dst.set(src.subarray(from, from + count * width), k * count * width);
  }
  return dst;
}

/** The inverse of gatherBatch, into an existing (blocks, batch, width) array. */
export function scatterBatch(src: Float32Array, dst: Float32Array, blocks: number, batch: number, width: number, first: number, count: number): void {
  for (let k = 0; k < blocks; k++) dst.set(src.subarray(k * count * width, (k + 1) * count * width), (k * batch + first) * width);
}

/** Takes the next slice for this thread: its index, or -1 when every slice is taken. */
export function takeSlice(job: SliceJob): number {
  const s = Atomics.add(job.control, CONTROL_NEXT, 1);
  return s < job.slices ? s : -1;
}

/**
 * Takes and runs slices until none is left. Every thread counts its layer steps in the shared
 * control word; `onProgress` (the main thread's) sees the count of all threads, in steps of the
 * whole batch (slice steps / slices), as the serial engine counts them.
 */
export function runSlices(job: SliceJob, onProgress?: ProgressObserver): void {
  const step: ProgressObserver = (_, perSlice) => {
    const done = Atomics.add(job.control, CONTROL_STEPS, 1) + 1;
    onProgress?.(Math.floor(done / job.slices), perSlice);
  };
  for (let s = takeSlice(job); s >= 0; s = takeSlice(job)) {
    try {
      runSlice(job, s, step);
    } catch (err) {
      recordFailure(job, err);
    } finally {
      finishSlice(job);
    }
  }
}

/** Runs slice s (taken) and writes its results into the job's shared outputs. */
export function runSlice(job: SliceJob, s: number, onProgress?: ProgressObserver): void {
  const { config, seqLen: T, batch: B } = job;
  const kind = kindOf(job.kind);
  const first = job.bounds[2 * s]!;
  const count = job.bounds[2 * s + 1]! - first;
  const geometry = geometryOf(kind, config, T, count);
  const { D, H, Hr } = geometry;
  const LD = config.numLayers * D;
  const params = new Map<string, Tensor>();
  for (const p of job.params) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    params.set(p.name, new Tensor(job.paramData.subarray(p.offset, p.offset + size), p.shape));
  }
  const entryStats = LD * T * STAT_FIELDS;
  const raw = runAutomatic(
    kind,
    config,
    params,
    {
      x: gatherBatch(job.x, T, B, config.inputSize, first, count),
      seqLen: T,
      batch: count,
      batched: true,
      geometry,
      h0: gatherBatch(job.h0, LD, B, Hr, first, count),
      c0: job.c0 ? gatherBatch(job.c0, LD, B, H, first, count) : null,
      lengths: job.lengths ? job.lengths.slice(first, first + count) : null,
    },
    job.masks.map((m) => (m ? gatherBatch(m, T, B, D * Hr, first, count) : null)),
    { keepTrace: job.keepTrace, onProgress, kernel: kernelFor(job.kernel), statsData: job.stats ? job.stats.subarray(s * entryStats, (s + 1) * entryStats) : undefined },
  );
  scatterBatch(raw.out, job.out, T, B, D * Hr, first, count);
  scatterBatch(raw.hN, job.hN, LD, B, Hr, first, count);
  if (raw.cN && job.cN) scatterBatch(raw.cN, job.cN, LD, B, H, first, count);
  raw.layers.forEach((layer, i) => {
    if (job.traceH) scatterBatch(layer.h.data, job.traceH.subarray(i * T * B * Hr, (i + 1) * T * B * Hr), T, B, Hr, first, count);
    if (layer.c && job.traceC) scatterBatch(layer.c.data, job.traceC.subarray(i * T * B * H, (i + 1) * T * B * H), T, B, H, first, count);
  });
}

/** Records a slice's failure for the main thread, which is blocked and cannot receive messages. */
export function recordFailure(job: SliceJob, err: unknown): void {
  if (Atomics.compareExchange(job.control, CONTROL_FAILED, 0, 1) !== 0) return;
  const message = new TextEncoder().encode(err instanceof Error ? err.message : String(err));
  job.error.set(message.subarray(0, job.error.length));
}

/** Marks a slice finished and wakes the main thread. */
export function finishSlice(job: SliceJob): void {
  Atomics.add(job.control, CONTROL_DONE, 1);
  Atomics.notify(job.control, CONTROL_DONE);
}
