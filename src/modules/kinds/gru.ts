/**
 * GRU, as torch.nn.GRU; gates in PyTorch's row order r, z, n:
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)    z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *   h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
 */
import { sigmoid, tanh } from '../../kernels/activations.js';
import { defineKind, PYTORCH_PARAMETERS, type StepArgs } from './kind.js';

export const gruKind = defineKind({
  type: 'gru',
  name: 'GRU',
  cellName: 'GRUCell',
  gates: [
    { name: 'r', role: 'reset', activation: 'sigmoid' },
    { name: 'z', role: 'update', activation: 'sigmoid' },
    { name: 'n', role: 'state-candidate', activation: 'tanh' },
  ],
  parameters: PYTORCH_PARAMETERS,
  hasCellState: false,
  supportsProjection: false,
  hasNonlinearity: false,
  equations: [
    'r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)   z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)',
    'n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))   h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}',
  ],
  reference: 'gru',
  story: 'gru',
  wording: { rankSuffix: 'instead' },
  step({ batch, hiddenSize: H, gi, giOffset, gh, hPrev, hOut, gates }: StepArgs): void {
    const G = 3 * H;
    for (let b = 0; b < batch; b++) {
      const row = b * G;
      for (let j = 0; j < H; j++) {
        const xi = giOffset + row + j;
        const hi = row + j;
        const r = sigmoid(gi[xi]! + gh[hi]!);
        const z = sigmoid(gi[xi + H]! + gh[hi + H]!);
        const n = tanh(gi[xi + 2 * H]! + r * gh[hi + 2 * H]!);
        hOut[b * H + j] = (1 - z) * n + z * hPrev[b * H + j]!;
        if (gates) {
          gates[hi] = r;
          gates[hi + H] = z;
          gates[hi + 2 * H] = n;
        }
      }
    }
  },
});
