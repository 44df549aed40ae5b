/**
 * What a forward pass returns, and the one place that turns the time-major working arrays into
 * PyTorch's layouts: out batch-first when asked, unbatched input squeezed back.
 *
 * Shape: out (seqLen, batch, D * realHidden), or (batch, seqLen, ...) with batch_first, or
 *        (seqLen, D * realHidden) unbatched | h_n (numLayers * D, batch, realHidden), never batch-first |
 *        c_n (numLayers * D, batch, hiddenSize)
 */
import { Tensor } from '../../tensor/tensor.js';
import { numDirections, realHiddenSize, type RecurrentConfig } from './config.js';
import { transpose01, type PreparedInput } from './prepare.js';
import type { TraceStats } from './trace-stats.js';

export type Direction = 'forward' | 'reverse';

/** One layer and direction over time: what it produced at every step (zero past a sequence's length). */
export interface LayerTrace {
  layer: number;
  direction: Direction;
  /** (seqLen, batch, realHidden), time-major whatever batch_first says. */
  h: Tensor;
  /** (seqLen, batch, hiddenSize) for kinds with a cell state. */
  c: Tensor | null;
}

export interface Trace {
  seqLen: number;
  batch: number;
  /** In h_n's order: index layer * numDirections + direction; empty when the forward pass was asked not to keep the trace. */
  layers: LayerTrace[];
  /** Without a kept trace (keepTrace: false): per-step running statistics of every layer's h; else null. */
  stats: TraceStats | null;
  /** Valid steps per batch element, or null when every sequence is full length. */
  lengths: Int32Array | null;
}

export interface ForwardResult {
  out: Tensor;
  hN: Tensor;
  cN: Tensor | null;
  trace: Trace;
}

/** Time-major results of a runner, before layout. */
export interface RawResult {
  out: Float32Array;
  hN: Float32Array;
  cN: Float32Array | null;
  layers: LayerTrace[];
  stats: TraceStats | null;
}

export function assembleResult(config: RecurrentConfig, input: PreparedInput, raw: RawResult): ForwardResult {
  const { seqLen: T, batch: B, batched } = input;
  const D = numDirections(config);
  const Hr = realHiddenSize(config);
  const layers = config.numLayers * D;
  let out: Tensor;
  if (!batched) out = new Tensor(raw.out, [T, D * Hr]);
  else if (config.batchFirst) out = new Tensor(transpose01(raw.out, T, B, D * Hr), [B, T, D * Hr]);
  else out = new Tensor(raw.out, [T, B, D * Hr]);
  const hShape = batched ? [layers, B, Hr] : [layers, Hr];
  const cShape = batched ? [layers, B, config.hiddenSize] : [layers, config.hiddenSize];
  return {
    out,
    hN: new Tensor(raw.hN, hShape),
    cN: raw.cN ? new Tensor(raw.cN, cShape) : null,
    trace: { seqLen: T, batch: B, layers: raw.layers, stats: raw.stats, lengths: input.lengths },
  };
}

/** True when batch element b still has input at step t. */
export function isActive(lengths: Int32Array | null, b: number, t: number): boolean {
  return lengths === null || t < lengths[b]!;
}
