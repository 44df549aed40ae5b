/**
 * What a head reads of a recurrent module's results, as a classifier's forward writes it:
 *   last: out at each sequence's last valid step, out[torch.arange(B), lengths - 1]  (batch, D·H)
 *   h_n:  the top layer's final state, torch.cat([h_n[-2], h_n[-1]], 1) when bidirectional,
 *         h_n[-1] otherwise                                                       (batch, D·H)
 *   all:  out itself, every step                                  (seq, batch, D·H) or batch-first
 * H is proj_size when there is one. Unbatched results give (D·H) for last and h_n.
 */
import { Tensor } from '../tensor/tensor.js';
import { numDirections, realHiddenSize, type RecurrentConfig } from './layer/config.js';
import type { ForwardResult } from './layer/result.js';
import type { Select } from '../schema/pipeline.js';

export type { Select } from '../schema/pipeline.js';

export function selectFeatures(result: ForwardResult, config: RecurrentConfig, select: Select, lengths: readonly number[] | null): Tensor {
  if (select === 'all') return result.out;
  const D = numDirections(config);
  const F = D * realHiddenSize(config);
  const { out, hN } = result;
  const batched = out.rank === 3;
  const B = batched ? out.shape[config.batchFirst ? 0 : 1]! : 1;
  const S = out.shape[batched && config.batchFirst ? 1 : 0]!;
  const y = Tensor.zeros(batched ? [B, F] : [F]);
  if (select === 'last') {
    for (let b = 0; b < B; b++) {
      const t = (lengths?.[b] ?? S) - 1;
      // out's row for (t, b): time-major (S, B, F), batch-first (B, S, F), unbatched (S, F).
      const row = batched ? (config.batchFirst ? b * S + t : t * B + b) : t;
      y.data.set(out.data.subarray(row * F, row * F + F), b * F);
    }
    return y;
  }
  // h_n (L·D, B, H): the top layer's slices are the last D, forward then reverse.
  const H = F / D;
  const LD = hN.shape[0]!;
  for (let b = 0; b < B; b++) {
    for (let d = 0; d < D; d++) {
      const slice = LD - D + d;
      const at = (slice * B + b) * H;
      y.data.set(hN.data.subarray(at, at + H), b * F + d * H);
    }
  }
  return y;
}
