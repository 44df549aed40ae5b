/**
 * Elman RNN, as torch.nn.RNN:
 *   h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)     (or relu)
 * Backward: dL/da = dL/dh_t ⊙ (1 - h_t²) (relu: ⊙ [h_t > 0]), the same for gi and gh.
 */
import { relu, tanh } from '../../kernels/activations.js';
import { lanes4 as v } from '../../kernels/wasm/wat.js';
import { defineKind, PYTORCH_PARAMETERS, type BackwardStepArgs, type StepArgs } from './kind.js';

export const rnnKind = defineKind({
  type: 'rnn',
  name: 'RNN',
  cellName: 'RNNCell',
  gates: [{ name: 'h', role: 'hidden', activation: 'nonlinearity' }],
  parameters: PYTORCH_PARAMETERS,
  hasCellState: false,
  supportsProjection: false,
  hasNonlinearity: true,
  onnx: { op: 'RNN', gateOrder: ['h'], activations: ['nonlinearity'], attributes: {} },
  keras: { className: 'SimpleRNN', gateOrder: ['h'], resetAfter: null, twoBiases: false, tfjs: true },
  recurrentInStep: null,
  gatedRecurrentTerm: false,
  equations: ['h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)   (relu with --nonlinearity relu)'],
  reference: 'rnn',
  story: 'elman',
  wording: { rankSuffix: 'tensor instead' },
  step({ batch, hiddenSize, gi, giOffset, gh, hOut, gates, nonlinearity }: StepArgs): void {
    const n = batch * hiddenSize;
    // One loop per nonlinearity, so each calls its function directly (the optimiser inlines it).
    if (nonlinearity === 'tanh') for (let i = 0; i < n; i++) hOut[i] = tanh(gi[giOffset + i]! + gh[i]!);
    else for (let i = 0; i < n; i++) hOut[i] = relu(gi[giOffset + i]! + gh[i]!);
    gates?.set(hOut.subarray(0, n));
  },
  // h_t is the gate's activation: the fast kernel's gates are h, with no update to run.
  hIsGate: true,
  backward: ({ batch, hiddenSize, gates, gatesOffset, dh, dgi, dgiOffset, dhPrev, nonlinearity }: BackwardStepArgs): void => {
    const n = batch * hiddenSize;
    // The saved activation is h_t itself; its derivative is a function of it.
    if (nonlinearity === 'tanh') {
      for (let i = 0; i < n; i++) {
        const h = gates[gatesOffset + i]!;
        dgi[dgiOffset + i] = dh[i]! * (1 - h * h);
      }
    } else for (let i = 0; i < n; i++) dgi[dgiOffset + i] = gates[gatesOffset + i]! > 0 ? dh[i]! : 0;
    dhPrev.fill(0, 0, n);
  },
  // The same in float32 lanes: relu (option 1) keeps dh where h > 0.
  simdBackward: {
    locals: ['h'],
    reads: ['gates', 'dh'],
    writes: ['dgi'],
    body: (load, store) => `${v.set('h', load('gates'))}
      (if (local.get $option)
        (then ${store('dgi', `(v128.and ${load('dh')} (f32x4.gt ${v.get('h')} (v128.const f32x4 0 0 0 0)))`)})
        (else ${store('dgi', v.mul(load('dh'), v.oneMinus(v.mul(v.get('h'), v.get('h')))))}))`,
  },
});
