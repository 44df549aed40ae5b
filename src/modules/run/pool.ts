/**
 * Both cores: a worker_threads pool over SharedArrayBuffer for large forward passes, behind the
 * synchronous forward API.
 *
 * The batch is split into contiguous slices; batch elements never interact (through any layer,
 * direction, length or dropout mask), so a thread runs a slice through the whole stack with the
 * serial engine and no per-step barrier is needed: one barrier per forward pass. The main thread
 * and the workers take slices in turn until none is left (a worker still booting, or one that
 * failed to load, simply takes none), then the main thread blocks in Atomics.wait until the
 * slices the workers took are done. Workers are created on first use, kept for later calls, and
 * unref'd: they never keep the process alive.
 *
 * Shapes: as src/modules/run/slice.ts; results come back in the serial engine's time-major layouts.
 */
import { Worker } from 'node:worker_threads';
import { InternalError } from '../../errors.js';
import { availableParallelism } from 'node:os';
import type { ProgressObserver } from './automatic.js';
import { numDirections, realHiddenSize, type RecurrentConfig } from '../layer/config.js';
import type { PreparedInput } from '../layer/prepare.js';
import type { CellKind, KindName } from '../kinds/index.js';
import type { LayerTrace, RawResult } from '../layer/result.js';
import { emptyStats, mergeStats, STAT_FIELDS } from '../layer/trace-stats.js';
import { Tensor } from '../../tensor/tensor.js';
import type { KernelChoice } from '../../kernels/kernel.js';
import { CONTROL_DONE, CONTROL_FAILED, CONTROL_STEPS, CONTROL_WORDS, runSlices, type SliceJob } from './slice.js';

/**
 * Below this many matrix-multiply FLOPs per forward pass, one thread: the pool's fixed costs
 * (copying the inputs and weights to shared memory, waking a worker, gathering and scattering the
 * slices: about 25 µs warm) outweigh the second core. Measured with bench/crossover.js (RNN and
 * LSTM, batch 2 to 64, hidden 16 to 256, each size timed with 1 and 2 threads alternately in the
 * same process, warm pool, median), 2026-11-27 on this 2-core machine:
 *   0.16 MFLOP 0.50×, 0.66 MFLOP 0.98× (RNN) and 1.10× (LSTM), 2.6 MFLOP 1.58×,
 *   5.2 MFLOP 1.68×, 10 MFLOP and up 1.84× to 1.97×.
 * Break-even is near 0.7 MFLOP (0.2 ms of work); 2e6 is where two threads win by half again.
 * A one-shot CLI run also pays the worker's first start (tens of ms): the main thread hides it by
 * taking the worker's slice itself when the worker has not started it by then.
 */
export const PARALLEL_MIN_FLOPS = 2e6;

/**
 * The same threshold before the pool's first use in this process. Starting a worker costs about
 * 25-40 ms of the machine's time (a thread, an isolate, loading the engine's modules); measured
 * with fresh processes, first forward pass, 1 vs 2 threads: 210 MFLOP (RNN 32,50,128,128,2)
 * 64 ms vs 89-96 ms, 3.4 GFLOP (RNN 64,100,256,256,2) 611-621 ms vs 454-461 ms.
 */
export const PARALLEL_COLD_MIN_FLOPS = 5e8;

/** The threshold that applies now: the cold one until a worker exists. */
export function parallelMinFlops(): number {
  return workers.length ? PARALLEL_MIN_FLOPS : PARALLEL_COLD_MIN_FLOPS;
}

/** Matrix-multiply FLOPs of a forward pass (2 per multiply-add), the measure the crossover uses. */
export function forwardFlops(kind: CellKind, config: RecurrentConfig, seqLen: number, batch: number): number {
  const D = numDirections(config);
  const H = config.hiddenSize;
  const Hr = realHiddenSize(config);
  const G = kind.gates.length * H;
  let flops = 0;
  for (let l = 0; l < config.numLayers; l++) {
    const inFeatures = l === 0 ? config.inputSize : D * Hr;
    flops += D * 2 * seqLen * batch * (G * (inFeatures + Hr) + (config.projSize > 0 ? H * Hr : 0));
  }
  return flops;
}

/**
 * How long the main thread waits without any thread finishing a layer step before it gives up on
 * the pass. A worker that dies mid-slice (out of memory, say) never marks its slice done, and its
 * exit event cannot reach a main thread blocked in Atomics.wait; one step of one slice of the
 * largest runs this tool accepts takes seconds, not a minute.
 */
export const STALL_MS = 60_000;

/**
 * Blocks until every slice is done. With a progress observer it wakes ten times a second to report
 * the whole-batch steps done (the step counter over the slices); without one, once a second. The
 * step counter is also the heartbeat: no new step anywhere for stallMs is an error.
 * Shape: control (CONTROL_WORDS) shared Int32Array | stepsPerSlice = layers * directions * seqLen
 */
export function waitForSlices(control: Int32Array, slices: number, stepsPerSlice: number, onProgress?: ProgressObserver, stallMs = STALL_MS): void {
  let lastBeat = -1;
  let lastChange = performance.now();
  for (;;) {
    const done = Atomics.load(control, CONTROL_DONE);
    const steps = Atomics.load(control, CONTROL_STEPS);
    if (done >= slices) break;
    const now = performance.now();
    if (steps + done !== lastBeat) {
      lastBeat = steps + done;
      lastChange = now;
    } else if (now - lastChange > stallMs) {
      throw new InternalError(`parallel forward: no thread finished a step for ${stallMs >= 1000 ? `${Math.round(stallMs / 1000)} s` : `${stallMs} ms`} with ${slices - done} of ${slices} batch slices outstanding; a worker thread may have died (run with --threads 1)`);
    }
    Atomics.wait(control, CONTROL_DONE, done, Math.min(onProgress ? 100 : 1000, stallMs));
    onProgress?.(Math.floor(Atomics.load(control, CONTROL_STEPS) / slices), stepsPerSlice);
  }
  onProgress?.(Math.floor(Atomics.load(control, CONTROL_STEPS) / slices), stepsPerSlice);
}

/** The default thread count: the cores this process may use. */
export function defaultThreads(): number {
  return availableParallelism();
}

/** How many threads a pass gets: at most `requested` and the batch, one below the crossover. */
export function threadsFor(requested: number, flops: number, batch: number, minFlops = PARALLEL_MIN_FLOPS): number {
  if (requested <= 1 || batch < 2 || flops < minFlops) return 1;
  return Math.min(requested, batch);
}

/**
 * The batch is cut into up to SLICES_PER_THREAD slices per thread, taken in turn (a thread that
 * finishes early takes the next). One per thread: the SIMD kernels run faster on more rows (each
 * packed panel is read once per block of 4 rows), and W3 on 2 threads against 1 measured, in the
 * same runs, 1.26-1.59× with 4 slices per thread and 1.71-2.02× with 1 (RNN and LSTM).
 */
const SLICES_PER_THREAD = 1;
/** ... and of at least this many FLOPs each: a slice has fixed costs per step. */
const SLICE_MIN_FLOPS = 1e7;

const workers: Worker[] = [];

function worker(i: number): Worker {
  while (workers.length <= i) {
    // From source (pool.ts under tsx) the worker is the built one: Node 20 gives worker threads no --import loader.
    const w = new Worker(new URL(import.meta.url.endsWith('.ts') ? '../../../dist/modules/run/worker.js' : './worker.js', import.meta.url));
    w.unref();
    // A worker that fails is replaced on the next call; its slice is taken by the main thread.
    w.on('error', () => {
      const at = workers.indexOf(w);
      if (at >= 0) workers.splice(at, 1);
    });
    workers.push(w);
  }
  return workers[i]!;
}

function shared32(size: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * Math.max(size, 1)), 0, size);
}

function sharedCopy(src: Float32Array): Float32Array {
  const dst = shared32(src.length);
  dst.set(src);
  return dst;
}

/** Runs the forward pass on `threads` threads (>= 2); the same RawResult as runAutomatic. */
export function runParallel(
  kind: CellKind,
  config: RecurrentConfig,
  params: ReadonlyMap<string, Tensor>,
  input: PreparedInput,
  dropoutMasks: readonly (Float32Array | null)[],
  threads: number,
  keepTrace: boolean,
  kernel: KernelChoice,
  onProgress?: ProgressObserver,
): RawResult {
  const { seqLen: T, batch: B, D, H, Hr, L } = input.geometry;
  const LD = L * D;
  const wanted = Math.floor(forwardFlops(kind, config, T, B) / SLICE_MIN_FLOPS);
  const slices = Math.min(Math.max(threads, Math.min(wanted, SLICES_PER_THREAD * threads)), B);

  let size = 0;
  const specs = [...params].map(([name, t]) => {
    const spec = { name, shape: [...t.shape], offset: size };
    size += t.size;
    return spec;
  });
  const paramData = shared32(size);
  for (const spec of specs) paramData.set(params.get(spec.name)!.data, spec.offset);
  const bounds = new Int32Array(new SharedArrayBuffer(8 * slices));
  for (let s = 0; s < slices; s++) {
    bounds[2 * s] = Math.floor((s * B) / slices);
    bounds[2 * s + 1] = Math.floor(((s + 1) * B) / slices);
  }
  const lengths = input.lengths ? new Int32Array(new SharedArrayBuffer(4 * B)) : null;
  if (lengths && input.lengths) lengths.set(input.lengths);
  const entryStats = LD * T * STAT_FIELDS;
  const job: SliceJob = {
    kind: kind.type as KindName,
    config,
    params: specs,
    paramData,
    seqLen: T,
    batch: B,
    x: sharedCopy(input.x),
    h0: sharedCopy(input.h0),
    c0: input.c0 ? sharedCopy(input.c0) : null,
    lengths,
    masks: dropoutMasks.map((m) => (m ? sharedCopy(m) : null)),
    keepTrace,
    kernel: { kernel: kernel.kernel, exact: kernel.exact },
    out: shared32(T * B * D * Hr),
    hN: shared32(LD * B * Hr),
    cN: kind.hasCellState ? shared32(LD * B * H) : null,
    traceH: keepTrace ? shared32(LD * T * B * Hr) : null,
    traceC: keepTrace && kind.hasCellState ? shared32(LD * T * B * H) : null,
    stats: keepTrace ? null : new Float64Array(new SharedArrayBuffer(8 * slices * entryStats)),
    bounds,
    slices,
    control: new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS)),
    error: new Uint8Array(new SharedArrayBuffer(1024)),
  };
  for (let i = 0; i < threads - 1; i++) worker(i).postMessage(job);
  runSlices(job, onProgress);
  try {
    waitForSlices(job.control, slices, LD * T, onProgress);
  } catch (err) {
    // A worker that stopped mid-slice cannot be told apart from one that never will finish:
    // start afresh next time.
    for (const w of workers.splice(0)) void w.terminate();
    throw err;
  }
  if (Atomics.load(job.control, CONTROL_FAILED)) {
    const end = job.error.indexOf(0);
    throw new Error(`parallel forward: ${new TextDecoder().decode(job.error.slice(0, end < 0 ? job.error.length : end))}`);
  }

  const layers: LayerTrace[] = [];
  if (job.traceH) {
    for (let i = 0; i < LD; i++) {
      const h = new Tensor(job.traceH.subarray(i * T * B * Hr, (i + 1) * T * B * Hr), [T, B, Hr]);
      const c = job.traceC ? new Tensor(job.traceC.subarray(i * T * B * H, (i + 1) * T * B * H), [T, B, H]) : null;
      layers.push({ layer: Math.floor(i / D), direction: i % D === 0 ? 'forward' : 'reverse', h, c });
    }
  }
  let stats = null;
  if (job.stats) {
    stats = emptyStats(LD, T, Hr);
    for (let s = 0; s < slices; s++) mergeStats(stats.data, job.stats.subarray(s * entryStats, (s + 1) * entryStats), bounds[2 * s]!);
  }
  return { out: job.out, hN: job.hN.slice(), cN: job.cN ? job.cN.slice() : null, layers, stats };
}
