/**
 * GRU, as torch.nn.GRU; gates in PyTorch's row order r, z, n:
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)    z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *   h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
 * Backward, with dh = dL/dh_t and da_n = dh ⊙ (1 - z) ⊙ (1 - n²):
 *   dgi_n = da_n   dgh_n = da_n ⊙ r   da_r = da_n ⊙ (W_hn h + b_hn) ⊙ r(1 - r)
 *   da_z = dh ⊙ (h_{t-1} - n) ⊙ z(1 - z)   (r and z: the same for gi and gh)   direct dL/dh_{t-1} = dh ⊙ z
 */
import { tanh } from '../../kernels/activations.js';
import { lanes4 as v } from '../../kernels/wasm/wat.js';
import { defineKind, PYTORCH_PARAMETERS, type BackwardStepArgs, type StepArgs, type UpdateArgs } from './kind.js';

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
  onnx: { op: 'GRU', gateOrder: ['z', 'r', 'n'], activations: ['Sigmoid', 'Tanh'], attributes: { linear_before_reset: 1 } },
  keras: { className: 'GRU', gateOrder: ['z', 'r', 'n'], resetAfter: true, twoBiases: true, tfjs: false },
  recurrentInStep: null,
  gatedRecurrentTerm: true,
  equations: [
    'r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)   z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)',
    'n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))   h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}',
  ],
  reference: 'gru',
  story: 'gru',
  wording: { rankSuffix: 'instead' },
  step({ batch, hiddenSize: H, gi, giOffset, gh, hPrev, hOut, gates, recurrentActivation: sigmoid }: StepArgs): void {
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
  rawInUpdate: 'n',
  update({ batch, hiddenSize: H, gates, gi, giOffset, gh, hPrev, hOut }: UpdateArgs): void {
    const G = 3 * H;
    for (let b = 0; b < batch; b++) {
      const row = b * G;
      for (let j = 0; j < H; j++) {
        const at = row + 2 * H + j;
        const z = gates[row + H + j]!;
        gh[at] = gates[at]!;
        const n = tanh(gi[giOffset + at]! + gates[row + j]! * gates[at]!);
        gates[at] = n;
        hOut[b * H + j] = (1 - z) * n + z * hPrev[b * H + j]!;
      }
    }
  },
  // The same in float32 lanes. The fused product copies out the whole of gh: its blocks r and z get
  // zeros, as `update` leaves them in the runner's zeroed buffer.
  simdUpdate: {
    locals: ['ghn', 'z', 'n'],
    reads: ['gates', 'gi', 'hPrev'],
    writes: ['gates', 'gh', 'hOut'],
    body: (load, store) => [
      v.set('ghn', load('gates', 2)),
      v.set('z', load('gates', 1)),
      store('gh', v.zero, 0),
      store('gh', v.zero, 1),
      store('gh', v.get('ghn'), 2),
      v.set('n', v.tanh(v.add(load('gi', 2), v.mul(load('gates', 0), v.get('ghn'))))),
      store('gates', v.get('n'), 2),
      store('hOut', v.add(v.mul(v.oneMinus(v.get('z')), v.get('n')), v.mul(v.get('z'), load('hPrev')))),
    ].join('\n'),
  },
  backward: ({ batch, hiddenSize: H, gates, gatesOffset, gh, ghOffset, hPrev, dh, dgi, dgiOffset, dgh, dghOffset, dhPrev }: BackwardStepArgs): void => {
    const G = 3 * H;
    for (let b = 0; b < batch; b++) {
      const ga = gatesOffset + b * G;
      const gr = ghOffset + b * G;
      const di = dgiOffset + b * G;
      const dr = dghOffset + b * G;
      for (let j = 0; j < H; j++) {
        const at = b * H + j;
        const r = gates[ga + j]!;
        const z = gates[ga + H + j]!;
        const n = gates[ga + 2 * H + j]!;
        const dhj = dh[at]!;
        const dan = dhj * (1 - z) * (1 - n * n);
        const dar = dan * gh![gr + 2 * H + j]! * r * (1 - r);
        const daz = dhj * (hPrev[at]! - n) * z * (1 - z);
        dgi[di + j] = dar;
        dgi[di + H + j] = daz;
        dgi[di + 2 * H + j] = dan;
        dgh![dr + j] = dar;
        dgh![dr + H + j] = daz;
        dgh![dr + 2 * H + j] = dan * r;
        dhPrev[at] = dhj * z;
      }
    }
  },
  // The same in float32 lanes.
  simdBackward: {
    locals: ['r', 'z', 'n', 'dh', 'dn', 'dr', 'dz'],
    reads: ['gates', 'gh', 'hPrev', 'dh'],
    writes: ['dgi', 'dgh', 'dhPrev'],
    body: (load, store) => [
      v.set('r', load('gates', 0)),
      v.set('z', load('gates', 1)),
      v.set('n', load('gates', 2)),
      v.set('dh', load('dh')),
      v.set('dn', v.mul(v.get('dh'), v.oneMinus(v.get('z')), v.oneMinus(v.mul(v.get('n'), v.get('n'))))),
      v.set('dr', v.mul(v.get('dn'), load('gh', 2), v.get('r'), v.oneMinus(v.get('r')))),
      v.set('dz', v.mul(v.get('dh'), v.sub(load('hPrev'), v.get('n')), v.get('z'), v.oneMinus(v.get('z')))),
      store('dgi', v.get('dr'), 0),
      store('dgi', v.get('dz'), 1),
      store('dgi', v.get('dn'), 2),
      store('dgh', v.get('dr'), 0),
      store('dgh', v.get('dz'), 1),
      store('dgh', v.mul(v.get('dn'), v.get('r')), 2),
      store('dhPrev', v.mul(v.get('dh'), v.get('z'))),
    ].join('\n'),
  },
});
