/**
 * Which runs stay on the main thread instead of the supervised worker (./supervisor.ts).
 *
 * The worker costs every command its start-up (a thread and an isolate: the seed example always
 * in a worker measured 420 -> 488 ms wall, 208 -> 244 ms CPU, median of 20 on a busy 2-core
 * machine; a run handed over after the main thread parsed it also loads the program twice, 278 ->
 * 366 ms CPU). A run as small as the seed example computes for a few milliseconds, so
 * on the main thread a signal waits at most that long for its handler. Whatever may take longer
 * or block goes to the worker: any file input (large, or a FIFO that blocks in open), --reference,
 * pipeline and inspect, and forward passes above these bounds.
 */
import type { Command } from 'commander';

/** A few milliseconds of the forward pass (the seed example bounds at 0.6 M multiply-adds). */
export const INLINE_MAX_MACS = 1e7;
/** Hidden-state values a trace may print (the seed example has 2,400). */
export const INLINE_MAX_VALUES = 2e5;

/** Options that read files (which may be large, or FIFOs that block), and compare's slow --reference. */
const WORKER_OPTIONS = ['input', 'h0', 'c0', 'weights', 'spec', 'reference'];

/**
 * Whether the command `cmd` (about to run) is small enough for the main thread. The bound on the
 * forward pass's multiply-adds takes 4 gates per layer (LSTM's, the most of any kind) and needs
 * nothing but the flags: a bound, not the engine's own count.
 */
export function runsInline(cmd: Command, maxMacs = INLINE_MAX_MACS): boolean {
  const name = cmd.name();
  if (name === 'doctor' || name === 'schema') return true;
  if (name !== 'run' && name !== 'explain' && name !== 'compare') return false;
  const o = cmd.opts();
  if (WORKER_OPTIONS.some((k) => o[k] !== undefined)) return false;
  const [T = 0, B = 0, I = 0, H = 0, L = 0] = ['seqLen', 'batch', 'inputSize', 'hiddenSize', 'layers'].map((k) => Number(o[k]));
  const D = o['bidirectional'] ? 2 : 1;
  const macs = 4 * H * T * (o['unbatched'] ? 1 : B) * D * (I + H + (L - 1) * (D * H + H));
  const values = T * B * L * D * H;
  return (name === 'compare' ? 2 : 1) * macs <= maxMacs && values <= INLINE_MAX_VALUES;
}
