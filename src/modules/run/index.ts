/**
 * The executors of a forward pass and the one place that chooses among them: the automatic path
 * (layer by layer, the fast kernels) on one thread or split over the worker pool, and the manual
 * path (a cell stepped in a loop, the plain reference product). Each takes the prepared input
 * (time-major x, states, lengths, the geometry) and returns time-major results.
 */
import { kernelFor, resolveKernel, type KernelChoice } from '../../kernels/kernel.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { CellKind } from '../kinds/index.js';
import type { RecurrentConfig } from '../layer/config.js';
import type { PreparedInput } from '../layer/prepare.js';
import type { RawResult } from '../layer/result.js';
import { runAutomatic, type ProgressObserver, type StepObserver } from './automatic.js';
import { runManual, type LoopMistake } from './manual.js';
import { defaultThreads, forwardFlops, parallelMinFlops, runParallel, threadsFor } from './pool.js';

export type { ProgressObserver, StepObserver } from './automatic.js';
export { forwardFlops, PARALLEL_MIN_FLOPS, threadsFor } from './pool.js';

export interface ExecuteOptions {
  /** automatic: the module over the whole sequence; manual: a cell stepped in a loop. */
  path: 'automatic' | 'manual';
  keepTrace: boolean;
  onStep?: StepObserver | undefined;
  /** With onStep: hand it each step's gate activations. */
  gates?: boolean | undefined;
  onProgress?: ProgressObserver | undefined;
  /** Threads at most (default: the cores); the automatic path without an observer only. */
  threads?: number | undefined;
  parallelMinFlops?: number | undefined;
  /** The automatic path's products (src/kernels/kernel.ts); the manual path runs the plain reference. */
  kernel?: KernelChoice | undefined;
  /** The manual path only: make this known mistake of hand-written loops. */
  mistake?: LoopMistake | undefined;
}

/** The executor for these options: the manual loop, the pool, or the automatic path on this thread. */
export function execute(
  kind: CellKind,
  config: RecurrentConfig,
  params: ReadonlyMap<string, Tensor>,
  input: PreparedInput,
  dropoutMasks: readonly (Float32Array | null)[],
  options: ExecuteOptions,
): RawResult {
  const { keepTrace, onStep, onProgress } = options;
  if (options.path === 'manual') return runManual(kind, config, params, input, dropoutMasks, onProgress, options.mistake);
  // An observer sees whole-batch steps in order, so it keeps the pass on one thread.
  const requested = onStep ? 1 : (options.threads ?? defaultThreads());
  const flops = forwardFlops(kind, config, input.seqLen, input.batch);
  const threads = threadsFor(requested, flops, input.batch, options.parallelMinFlops ?? parallelMinFlops());
  const kernel = resolveKernel(options.kernel, flops);
  if (threads > 1) return runParallel(kind, config, params, input, dropoutMasks, threads, keepTrace, kernel, onProgress);
  return runAutomatic(kind, config, params, input, dropoutMasks, { keepTrace, onStep, gates: options.gates, onProgress, kernel: kernelFor(kernel) });
}
