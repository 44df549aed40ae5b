/**
 * The manual path: the loop a person writes with nn.RNNCell / LSTMCell / GRUCell, one cell per
 * layer and direction holding that layer's weights.
 *
 *   for t in 0..seqLen-1:            # time (horizontal)
 *     input = x[t]
 *     for l in 0..numLayers-1:       # depth (vertical)
 *       h[l] = cell[l](input, h[l])  # layer l reads the layer below's NEW h, not x[t]
 *       input = h[l]
 *   out[t] = h[numLayers-1]
 *
 * A bidirectional stack cannot run time-major: the reverse direction of layer l at step t needs
 * layer l-1 at every later step. There the loop is layer-major: each layer runs forward over the
 * whole sequence, then backward, and the layer above reads both.
 *
 * With a `mistake`, the loop makes one of the known mistakes of hand-written loops on purpose
 * (every layer fed x[t]; the reverse direction stepped forward in time), so that a user's tensors
 * can be recognised as that mistake (compare --against).
 */
import { Tensor } from '../../tensor/tensor.js';
import type { ProgressObserver } from './automatic.js';
import { recurrentActivationOf, type RecurrentConfig } from '../layer/config.js';
import type { PreparedInput } from '../layer/prepare.js';
import type { CellKind } from '../kinds/index.js';
import { layerWeights } from '../layer/parameters.js';
import { isActive, type LayerTrace, type RawResult } from '../layer/result.js';
import { cellStep } from './cell-step.js';

/** Rows of `next` whose sequence has ended keep the values of `prev`. */
function holdFinished(next: Tensor, prev: Tensor, lengths: Int32Array | null, t: number): void {
  if (!lengths) return;
  const n = next.shape[1]!;
  for (let b = 0; b < lengths.length; b++) {
    if (!isActive(lengths, b, t)) next.data.set(prev.data.subarray(b * n, (b + 1) * n), b * n);
  }
}

/** What the step hands upward and to out: h, with finished sequences zeroed. */
function emitted(h: Tensor, lengths: Int32Array | null, t: number): Float32Array {
  const data = h.data.slice();
  if (!lengths) return data;
  const n = h.shape[1]!;
  for (let b = 0; b < lengths.length; b++) if (!isActive(lengths, b, t)) data.fill(0, b * n, (b + 1) * n);
  return data;
}

/** Mistakes of hand-written loops the manual path can make on purpose. */
export const loopMistakes = ['layers-read-x', 'reverse-not-reversed'] as const;
export type LoopMistake = (typeof loopMistakes)[number];

export function runManual(
  kind: CellKind,
  config: RecurrentConfig,
  params: ReadonlyMap<string, Tensor>,
  input: PreparedInput,
  dropoutMasks: readonly (Float32Array | null)[],
  onProgress?: ProgressObserver,
  mistake?: LoopMistake,
): RawResult {
  const { lengths } = input;
  const { seqLen: T, batch: B, D, L, H, Hr } = input.geometry;
  const weights = Array.from({ length: L }, (_, l) => Array.from({ length: D }, (_, d) => layerWeights(params, l, d)));
  const sizes = { batch: B, hiddenSize: H, realHidden: Hr, nonlinearity: config.nonlinearity, recurrentActivation: recurrentActivationOf(config) };
  const h = Array.from({ length: L * D }, (_, i) => new Tensor(input.h0.slice(i * B * Hr, (i + 1) * B * Hr), [B, Hr]));
  const c = Array.from({ length: L * D }, (_, i) => (input.c0 ? new Tensor(input.c0.slice(i * B * H, (i + 1) * B * H), [B, H]) : null));
  const hTrace = Array.from({ length: L * D }, () => new Float32Array(T * B * Hr));
  const cTrace = Array.from({ length: L * D }, () => (kind.hasCellState ? new Float32Array(T * B * H) : null));
  const out = new Float32Array(T * B * D * Hr);
  let done = 0;

  const stepCell = (l: number, d: number, t: number, x: Tensor): Float32Array => {
    const i = l * D + d;
    const step = cellStep(kind, weights[l]![d]!, sizes, x.data, h[i]!.data, c[i]?.data ?? null);
    const next = { h: new Tensor(step.h, [B, Hr]), c: step.c ? new Tensor(step.c, [B, H]) : null };
    holdFinished(next.h, h[i]!, lengths, t);
    if (next.c && c[i]) holdFinished(next.c, c[i]!, lengths, t);
    h[i] = next.h;
    c[i] = next.c;
    const emit = emitted(next.h, lengths, t);
    hTrace[i]!.set(emit, t * B * Hr);
    if (next.c) cTrace[i]!.set(emitted(next.c, lengths, t), t * B * H);
    onProgress?.(++done, L * D * T);
    return emit;
  };
  const dropped = (l: number, t: number, data: Float32Array, width: number): Float32Array => {
    const mask = l < L - 1 ? dropoutMasks[l] : null;
    if (!mask) return data;
    return data.map((v, k) => v * mask[t * B * width + k]!);
  };

  if (D === 1 && !mistake) {
    for (let t = 0; t < T; t++) {
      let x = new Tensor(input.x.slice(t * B * config.inputSize, (t + 1) * B * config.inputSize), [B, config.inputSize]);
      for (let l = 0; l < L; l++) {
        const emit = stepCell(l, 0, t, x);
        if (l === L - 1) out.set(emit, t * B * Hr);
        else x = new Tensor(dropped(l, t, emit, Hr), [B, Hr]);
      }
    }
  } else {
    let layerIn = input.x;
    let width = config.inputSize;
    for (let l = 0; l < L; l++) {
      const layerOut = new Float32Array(T * B * D * Hr);
      const [source, sourceWidth] = mistake === 'layers-read-x' ? [input.x, config.inputSize] : [layerIn, width];
      for (let d = 0; d < D; d++) {
        for (let s = 0; s < T; s++) {
          const t = d === 0 || mistake === 'reverse-not-reversed' ? s : T - 1 - s;
          const emit = stepCell(l, d, t, new Tensor(source.slice(t * B * sourceWidth, (t + 1) * B * sourceWidth), [B, sourceWidth]));
          for (let b = 0; b < B; b++) layerOut.set(emit.subarray(b * Hr, (b + 1) * Hr), ((t * B + b) * D + d) * Hr);
        }
      }
      if (l === L - 1) out.set(layerOut);
      const w = D * Hr;
      layerIn = new Float32Array(layerOut.length);
      for (let t = 0; t < T; t++) layerIn.set(dropped(l, t, layerOut.subarray(t * B * w, (t + 1) * B * w), w), t * B * w);
      width = w;
    }
  }

  const layers: LayerTrace[] = [];
  for (let i = 0; i < L * D; i++) {
    const ct = cTrace[i];
    layers.push({
      layer: Math.floor(i / D),
      direction: i % D === 0 ? 'forward' : 'reverse',
      h: new Tensor(hTrace[i]!, [T, B, Hr]),
      c: ct ? new Tensor(ct, [T, B, H]) : null,
    });
  }
  const hN = new Float32Array(L * D * B * Hr);
  h.forEach((t, i) => hN.set(t.data, i * B * Hr));
  let cN: Float32Array | null = null;
  if (kind.hasCellState) {
    cN = new Float32Array(L * D * B * H);
    c.forEach((t, i) => cN!.set(t!.data, i * B * H));
  }
  return { out, hN, cN, layers, stats: null };
}
