/**
 * The scalar losses a backward pass differentiates, with their gradients with respect to out and
 * h_n (the seeds of backpropagation), in the executors' time-major layouts:
 *   last  Σ_b Σ_j out[T_b - 1, b, j]   (T_b = lengths[b], or seqLen; both directions' halves)
 *   sum   Σ out                        (the zeros past each length included; they carry no gradient)
 *   hn    Σ h_n                        (every layer and direction; not c_n)
 *   mse   mean((out - target)²)        over every element of out, padding included
 * Shape: out, dOut, target (seqLen, batch, D * realHidden) | h_n, dh_n (numLayers * D, batch, realHidden)
 * Sums are float64; the gradients are rounded to float32 once.
 */
import { ConfigError } from '../../errors.js';
import type { PreparedInput } from '../layer/prepare.js';

export const lossKinds = ['last', 'sum', 'hn', 'mse'] as const;

export type LossKind = (typeof lossKinds)[number];

/** Each loss in words, as the documents and help state it (PyTorch's layout of out). */
export const lossDefinitions: Record<LossKind, string> = {
  last: "Σ_b Σ_j out[b, T_b - 1, j]: out at each sequence's last valid step (T_b = its length, else seq_len), both directions' halves",
  sum: 'Σ out: every element of out (the zeros past each length included)',
  hn: 'Σ h_n: every element of h_n, every layer and direction (not c_n)',
  mse: 'mean((out - target)²) over every element of out, padding included',
};

/** Only these losses compare out with a target. */
export const lossesWithTarget: readonly LossKind[] = ['mse'];

export function checkLoss(loss: unknown): LossKind {
  if (typeof loss !== 'string' || !(lossKinds as readonly string[]).includes(loss)) {
    throw new ConfigError(`loss: expected one of ${lossKinds.join(', ')}, got ${typeof loss === 'string' ? `"${loss}"` : String(loss)}`);
  }
  return loss as LossKind;
}

export interface LossSeed {
  value: number;
  /** dL/d(out), time-major. */
  dOut: Float32Array;
  /** dL/d(h_n). */
  dhN: Float32Array;
}

/** The loss's value and its gradients; `target` is time-major (mse only). */
export function lossSeed(loss: LossKind, input: PreparedInput, out: Float32Array, hN: Float32Array, target: Float32Array | null): LossSeed {
  const { seqLen: T, batch: B, D, Hr } = input.geometry;
  const width = D * Hr;
  const dOut = new Float32Array(out.length);
  const dhN = new Float32Array(hN.length);
  let value = 0;
  switch (loss) {
    case 'last':
      for (let b = 0; b < B; b++) {
        const at = ((input.lengths ? input.lengths[b]! : T) - 1) * B * width + b * width;
        for (let j = at; j < at + width; j++) {
          value += out[j]!;
          dOut[j] = 1;
        }
      }
      break;
    case 'sum':
      for (let i = 0; i < out.length; i++) value += out[i]!;
      dOut.fill(1);
      break;
    case 'hn':
      for (let i = 0; i < hN.length; i++) value += hN[i]!;
      dhN.fill(1);
      break;
    case 'mse': {
      const n = out.length;
      for (let i = 0; i < n; i++) {
        const diff = out[i]! - target![i]!;
        value += diff * diff;
        dOut[i] = (2 * diff) / n;
      }
      value /= n;
      break;
    }
  }
  return { value, dOut, dhN };
}
