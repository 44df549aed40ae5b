/**
 * One time step of one layer and direction for the whole batch, written plainly: the two affine
 * maps with the reference product (src/kernels/linear.ts), the kind's step, then the projection.
 * What nn.RNNCell / LSTMCell / GRUCell compute, and what the manual (cell-loop) executor steps.
 *
 * Shape: x (batch, inFeatures) | hPrev (batch, Hr) | cPrev (batch, H) | h (batch, Hr) | c (batch, H) |
 *        gates (batch, G) when asked
 */
import { linear } from '../../kernels/linear.js';
import { sigmoid, type Nonlinearity } from '../../kernels/activations.js';
import { stepRecurrent, type CellKind } from '../kinds/index.js';
import type { Product } from '../../kernels/kernel.js';
import type { LayerWeights } from '../layer/parameters.js';

/** y = x W^T + b with the reference product. */
const reference = (w: Float32Array, N: number, K: number, b: Float32Array | null): Product => (x, xOffset, rows, y, yOffset) => linear(x, xOffset, rows, K, w, N, b, y, yOffset);

export interface CellStepSizes {
  batch: number;
  hiddenSize: number;
  /** h's features: proj_size when projecting, else hidden_size. */
  realHidden: number;
  nonlinearity: Nonlinearity;
  /** The σ gates' function (the module's recurrent activation); σ when absent. */
  recurrentActivation?: (v: number) => number;
}

export function cellStep(
  kind: CellKind,
  w: LayerWeights,
  sizes: CellStepSizes,
  x: Float32Array,
  hPrev: Float32Array,
  cPrev: Float32Array | null,
  gates: Float32Array | null = null,
): { h: Float32Array; c: Float32Array | null } {
  const { batch: B, hiddenSize: H, realHidden: Hr } = sizes;
  const G = kind.gates.length * H;
  const gi = new Float32Array(B * G);
  const gh = new Float32Array(B * G);
  linear(x, 0, B, w.inFeatures, w.weightIh, G, w.biasIh, gi, 0);
  linear(hPrev, 0, B, Hr, w.weightHh, G, w.biasHh, gh, 0);
  const hOut = new Float32Array(B * H);
  const cOut = kind.hasCellState ? new Float32Array(B * H) : null;
  const c = kind.hasCellState ? (cPrev ?? new Float32Array(B * H)) : null;
  kind.step({ batch: B, hiddenSize: H, gi, giOffset: 0, gh, hPrev, cPrev: c, hOut, cOut, gates, nonlinearity: sizes.nonlinearity, recurrentActivation: sizes.recurrentActivation ?? sigmoid, recurrent: stepRecurrent(kind, w, H, Hr, reference) });
  if (!w.weightHr) return { h: hOut, c: cOut };
  const h = new Float32Array(B * Hr);
  linear(hOut, 0, B, H, w.weightHr, Hr, null, h, 0);
  return { h, c: cOut };
}
