/**
 * LSTM, as torch.nn.LSTM; gates in PyTorch's row order i, f, g, o:
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi)    f = σ(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = σ(W_io x + b_io + W_ho h + b_ho)
 *   c_t = f ⊙ c_{t-1} + i ⊙ g               h_t = o ⊙ tanh(c_t)   (then h_t = h_t W_hr^T with proj_size)
 * Backward, with dc = dL/dc_t + dL/dh_t ⊙ o ⊙ (1 - tanh²(c_t)) the total:
 *   da_i = dc ⊙ g ⊙ i(1 - i)   da_f = dc ⊙ c_{t-1} ⊙ f(1 - f)   da_g = dc ⊙ i ⊙ (1 - g²)
 *   da_o = dL/dh_t ⊙ tanh(c_t) ⊙ o(1 - o)   dL/dc_{t-1} = dc ⊙ f   (the same for gi and gh)
 */
import { tanh } from '../../kernels/activations.js';
import { lanes4 as v } from '../../kernels/wasm/wat.js';
import { defineKind, PYTORCH_PARAMETERS, type BackwardStepArgs, type StepArgs, type UpdateArgs } from './kind.js';

export const lstmKind = defineKind({
  type: 'lstm',
  name: 'LSTM',
  cellName: 'LSTMCell',
  gates: [
    { name: 'i', role: 'input', activation: 'sigmoid' },
    { name: 'f', role: 'forget', activation: 'sigmoid' },
    { name: 'g', role: 'cell-candidate', activation: 'tanh' },
    { name: 'o', role: 'output', activation: 'sigmoid' },
  ],
  parameters: PYTORCH_PARAMETERS,
  hasCellState: true,
  supportsProjection: true,
  hasNonlinearity: false,
  onnx: { op: 'LSTM', gateOrder: ['i', 'o', 'f', 'g'], activations: ['Sigmoid', 'Tanh', 'Tanh'], attributes: {} },
  keras: { className: 'LSTM', gateOrder: ['i', 'f', 'g', 'o'], resetAfter: null, twoBiases: false, tfjs: true },
  recurrentInStep: null,
  gatedRecurrentTerm: false,
  equations: [
    'i_t = σ(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)   f_t = σ(W_if x_t + b_if + W_hf h_{t-1} + b_hf)',
    'g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)   o_t = σ(W_io x_t + b_io + W_ho h_{t-1} + b_ho)',
    'c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t   h_t = o_t ⊙ tanh(c_t)   (h_t = W_hr h_t with --proj-size)',
  ],
  reference: 'lstm',
  story: 'lstm',
  wording: { rankSuffix: 'instead' },
  step({ batch, hiddenSize: H, gi, giOffset, gh, cPrev, hOut, cOut, gates, recurrentActivation: sigmoid }: StepArgs): void {
    const G = 4 * H;
    for (let b = 0; b < batch; b++) {
      const xi = giOffset + b * G;
      const hi = b * G;
      for (let j = 0; j < H; j++) {
        const i = sigmoid(gi[xi + j]! + gh[hi + j]!);
        const f = sigmoid(gi[xi + H + j]! + gh[hi + H + j]!);
        const g = tanh(gi[xi + 2 * H + j]! + gh[hi + 2 * H + j]!);
        const o = sigmoid(gi[xi + 3 * H + j]! + gh[hi + 3 * H + j]!);
        // c is rounded to float32 before tanh, as PyTorch stores it between the two.
        const c = Math.fround(f * cPrev![b * H + j]! + i * g);
        cOut![b * H + j] = c;
        hOut[b * H + j] = o * tanh(c);
        if (gates) {
          gates[hi + j] = i;
          gates[hi + H + j] = f;
          gates[hi + 2 * H + j] = g;
          gates[hi + 3 * H + j] = o;
        }
      }
    }
  },
  update({ batch, hiddenSize: H, gates, cPrev, hOut, cOut }: UpdateArgs): void {
    const G = 4 * H;
    for (let b = 0; b < batch; b++) {
      const at = b * G;
      for (let j = 0; j < H; j++) {
        const c = Math.fround(gates[at + H + j]! * cPrev![b * H + j]! + gates[at + j]! * gates[at + 2 * H + j]!);
        cOut![b * H + j] = c;
        hOut[b * H + j] = gates[at + 3 * H + j]! * tanh(c);
      }
    }
  },
  // The same in float32 lanes: c_t in float32, tanh(c_t) from the fast mode's tanh.
  simdUpdate: {
    locals: ['c'],
    reads: ['gates', 'cPrev'],
    writes: ['cOut', 'hOut'],
    body: (load, store) => [
      v.set('c', v.add(v.mul(load('gates', 1), load('cPrev')), v.mul(load('gates', 0), load('gates', 2)))),
      store('cOut', v.get('c')),
      store('hOut', v.mul(load('gates', 3), v.tanh(v.get('c')))),
    ].join('\n'),
  },
  backward: ({ batch, hiddenSize: H, gates, gatesOffset, cPrev, c, dh, dc, dgi, dgiOffset, dhPrev, dcPrev, dcTotal }: BackwardStepArgs): void => {
    const G = 4 * H;
    for (let b = 0; b < batch; b++) {
      const ga = gatesOffset + b * G;
      const da = dgiOffset + b * G;
      for (let j = 0; j < H; j++) {
        const at = b * H + j;
        const i = gates[ga + j]!;
        const f = gates[ga + H + j]!;
        const g = gates[ga + 2 * H + j]!;
        const o = gates[ga + 3 * H + j]!;
        const tc = tanh(c![at]!);
        const dhj = dh[at]!;
        const dct = dc![at]! + dhj * o * (1 - tc * tc);
        dcTotal![at] = dct;
        dcPrev![at] = dct * f;
        dgi[da + j] = dct * g * i * (1 - i);
        dgi[da + H + j] = dct * cPrev![at]! * f * (1 - f);
        dgi[da + 2 * H + j] = dct * i * (1 - g * g);
        dgi[da + 3 * H + j] = dhj * tc * o * (1 - o);
      }
    }
    dhPrev.fill(0, 0, batch * H);
  },
  // The same in float32 lanes, tanh(c_t) from the fast mode's tanh.
  simdBackward: {
    locals: ['i', 'f', 'g', 'o', 'tc', 'dh', 'dc'],
    reads: ['gates', 'c', 'cPrev', 'dh', 'dc'],
    writes: ['dgi', 'dcPrev', 'dcTotal'],
    body: (load, store) => [
      v.set('i', load('gates', 0)),
      v.set('f', load('gates', 1)),
      v.set('g', load('gates', 2)),
      v.set('o', load('gates', 3)),
      v.set('tc', v.tanh(load('c'))),
      v.set('dh', load('dh')),
      v.set('dc', v.add(load('dc'), v.mul(v.get('dh'), v.get('o'), v.oneMinus(v.mul(v.get('tc'), v.get('tc')))))),
      store('dcTotal', v.get('dc')),
      store('dcPrev', v.mul(v.get('dc'), v.get('f'))),
      store('dgi', v.mul(v.get('dc'), v.get('g'), v.get('i'), v.oneMinus(v.get('i'))), 0),
      store('dgi', v.mul(v.get('dc'), load('cPrev'), v.get('f'), v.oneMinus(v.get('f'))), 1),
      store('dgi', v.mul(v.get('dc'), v.get('i'), v.oneMinus(v.mul(v.get('g'), v.get('g')))), 2),
      store('dgi', v.mul(v.get('dh'), v.get('tc'), v.get('o'), v.oneMinus(v.get('o'))), 3),
    ].join('\n'),
  },
});
