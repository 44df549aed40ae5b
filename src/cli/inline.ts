/**
 * Which runs stay on the main thread instead of the supervised worker (./supervisor.ts).
 *
 * The worker costs every command its start-up (a thread, an isolate and loading the program a
 * second time: the seed example measured 420 -> 488 ms wall, 208 -> 244 ms CPU, median of 20 on
 * a busy 2-core machine). A run as small as the seed example computes for a few milliseconds, so
 * on the main thread a signal waits at most that long for its handler. Whatever may take longer
 * or block goes to the worker: any file input (large, or a FIFO that blocks in open), --reference,
 * pipeline and inspect, and forward passes above these bounds.
 */
import type { Command } from 'commander';
import { resolveConfig } from '../modules/layer/config.js';
import { kindOf } from '../modules/kinds/index.js';
import { forwardFlops } from '../modules/run/pool.js';

/** A few milliseconds of the forward pass (the seed example is 0.3 MFLOP). */
export const INLINE_MAX_FLOPS = 2e7;
/** Hidden-state values a trace may print (the seed example has 2,400). */
export const INLINE_MAX_VALUES = 2e5;

const FILE_OPTIONS = ['input', 'h0', 'c0', 'weights', 'spec', 'reference'];

/** Whether the command `cmd` (about to run) is small enough for the main thread. */
export function runsInline(cmd: Command, maxFlops = INLINE_MAX_FLOPS): boolean {
  const name = cmd.name();
  if (name === 'doctor' || name === 'schema') return true;
  if (name !== 'run' && name !== 'explain' && name !== 'compare') return false;
  const o = cmd.opts();
  if (FILE_OPTIONS.some((k) => o[k] !== undefined)) return false;
  try {
    const kind = kindOf(o['type'] as string);
    const config = resolveConfig(kind, {
      inputSize: o['inputSize'] as number,
      hiddenSize: o['hiddenSize'] as number,
      numLayers: o['layers'] as number,
      bidirectional: !!o['bidirectional'],
      projSize: o['projSize'] as number,
    });
    const [T, B] = [o['seqLen'] as number, o['unbatched'] ? 1 : (o['batch'] as number)];
    const values = T * B * config.numLayers * (config.bidirectional ? 2 : 1) * config.hiddenSize;
    return forwardFlops(kind, config, T, B) * (name === 'compare' ? 2 : 1) <= maxFlops && values <= INLINE_MAX_VALUES;
  } catch {
    // A configuration the command itself will refuse, at once.
    return true;
  }
}
