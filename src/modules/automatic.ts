/**
 * The automatic path, as nn.RNN / nn.LSTM / nn.GRU run: layer by layer, each over the whole
 * sequence. The input projections of a layer are one matrix product for all steps; then each step
 * adds h_{t-1} W_hh^T + b_hh and applies the kind's gates.
 *
 * Shape: layer input (seqLen * batch, inFeatures) | gi (seqLen * batch, gates * hidden) |
 *        gh (batch, gates * hidden) | layer output (seqLen, batch, D * realHidden)
 * With lengths, a batch element's steps at t >= length are skipped: its h (and c) stay as they
 * were and its output is zero, so the reverse direction starts at the element's own last step.
 */
import { applyMask } from '../kernels/dropout.js';
import { linear } from '../kernels/linear.js';
import { Tensor } from '../tensor/tensor.js';
import { numDirections, realHiddenSize, type RecurrentConfig } from './config.js';
import type { PreparedInput } from './forward-input.js';
import type { CellKind } from './kinds/index.js';
import { layerWeights } from './parameters.js';
import { isActive, type Direction, type LayerTrace, type RawResult } from './result.js';

/** Called after each step of each layer and direction, in the order the automatic path runs them. */
export type StepObserver = (layer: number, direction: Direction, t: number, h: Float32Array, c: Float32Array | null) => void;

export function runAutomatic(
  kind: CellKind,
  config: RecurrentConfig,
  params: ReadonlyMap<string, Tensor>,
  input: PreparedInput,
  dropoutMasks: readonly (Float32Array | null)[],
  onStep?: StepObserver,
): RawResult {
  const { seqLen: T, batch: B, lengths } = input;
  const D = numDirections(config);
  const H = config.hiddenSize;
  const Hr = realHiddenSize(config);
  const G = kind.gateCount * H;
  const L = config.numLayers;
  const hN = new Float32Array(L * D * B * Hr);
  const cN = kind.hasCellState ? new Float32Array(L * D * B * H) : null;
  const gh = new Float32Array(B * G);
  const hFull = new Float32Array(B * H);
  const cNew = kind.hasCellState ? new Float32Array(B * H) : null;
  const hProj = config.projSize > 0 ? new Float32Array(B * Hr) : hFull;
  const traces: LayerTrace[] = [];
  let layerIn = input.x;
  let out = new Float32Array(0);

  for (let l = 0; l < L; l++) {
    out = new Float32Array(T * B * D * Hr);
    for (let d = 0; d < D; d++) {
      const w = layerWeights(params, l, d);
      const gi = new Float32Array(T * B * G);
      linear(layerIn, 0, T * B, w.inFeatures, w.weightIh, G, w.biasIh, gi, 0);
      const idx = l * D + d;
      const h = input.h0.slice(idx * B * Hr, (idx + 1) * B * Hr);
      const c = input.c0 ? input.c0.slice(idx * B * H, (idx + 1) * B * H) : null;
      const hTrace = new Float32Array(T * B * Hr);
      const cTrace = c ? new Float32Array(T * B * H) : null;
      for (let s = 0; s < T; s++) {
        const t = d === 0 ? s : T - 1 - s;
        linear(h, 0, B, Hr, w.weightHh, G, w.biasHh, gh, 0);
        kind.step({ batch: B, hiddenSize: H, gi, giOffset: t * B * G, gh, hPrev: h, cPrev: c, hOut: hFull, cOut: cNew, nonlinearity: config.nonlinearity });
        if (w.weightHr) linear(hFull, 0, B, H, w.weightHr, Hr, null, hProj, 0);
        for (let b = 0; b < B; b++) {
          if (!isActive(lengths, b, t)) continue;
          const hRow = hProj.subarray(b * Hr, (b + 1) * Hr);
          h.set(hRow, b * Hr);
          hTrace.set(hRow, (t * B + b) * Hr);
          out.set(hRow, ((t * B + b) * D + d) * Hr);
          if (c && cNew && cTrace) {
            const cRow = cNew.subarray(b * H, (b + 1) * H);
            c.set(cRow, b * H);
            cTrace.set(cRow, (t * B + b) * H);
          }
        }
        onStep?.(l, d === 0 ? 'forward' : 'reverse', t, hTrace.subarray(t * B * Hr, (t + 1) * B * Hr), cTrace ? cTrace.subarray(t * B * H, (t + 1) * B * H) : null);
      }
      hN.set(h, idx * B * Hr);
      if (cN && c) cN.set(c, idx * B * H);
      traces.push({
        layer: l,
        direction: d === 0 ? 'forward' : 'reverse',
        h: new Tensor(hTrace, [T, B, Hr]),
        c: cTrace ? new Tensor(cTrace, [T, B, H]) : null,
      });
    }
    const mask = dropoutMasks[l];
    if (mask && l < L - 1) {
      layerIn = out.slice();
      applyMask(layerIn, mask);
    } else {
      layerIn = out;
    }
  }
  return { out, hN, cN, layers: traces };
}
