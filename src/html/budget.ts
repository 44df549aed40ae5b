/**
 * Whether a page can keep every hidden state of a run: when the full trace fits the memory budget
 * and this many numbers (16 MiB as float32; the page keeps MAX_REPORT_VALUES of them at most, so
 * a larger trace buys little). Otherwise the page has statistics only, and says so.
 */
import type { ForwardResult } from '../modules/layer/result.js';
import { estimateForward } from '../modules/memory.js';
import type { Recurrent } from '../modules/recurrent.js';

export const HTML_TRACE_VALUES = 2 ** 22;

export function htmlKeepsValues(module: Recurrent, seqLen: number, batch: number, maxMemory: number): boolean {
  const estimate = estimateForward(module.kind, module.config, seqLen, batch, { keepTrace: true, report: 'summary' });
  const without = estimateForward(module.kind, module.config, seqLen, batch, { keepTrace: false, report: 'summary' });
  return estimate.bytes <= maxMemory && (estimate.bytes - without.bytes) / 4 <= HTML_TRACE_VALUES;
}

/** Whether the kept traces of these passes (every h and c) fit HTML_TRACE_VALUES numbers. */
export function fitsPageTrace(results: readonly ForwardResult[]): boolean {
  let n = 0;
  for (const r of results) for (const l of r.trace.layers) n += l.h.size + (l.c?.size ?? 0);
  return n <= HTML_TRACE_VALUES;
}
