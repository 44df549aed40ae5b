/**
 * The GRU whose reset gate multiplies h_{t-1} before the recurrent product: ONNX's GRU with
 * linear_before_reset=0 (its default) and Keras's GRU with reset_after=False. PyTorch has no such
 * module (torch.nn.GRU is ONNX's linear_before_reset=1), so it carries a name of its own. Gates in
 * PyTorch's row order r, z, n, with PyTorch's parameter names and shapes:
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr)    z = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
 *   h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
 * ONNX writes n as h~ = g(X_t W_h^T + (r_t ⊙ H_{t-1}) R_h^T + Rb_h + Wb_h). The product
 * W_hn (r ⊙ h) needs r first, so the step computes it with `recurrent.product`, on the pass's
 * kernel, for the whole batch at once (r ⊙ h rounded to float32 first).
 * Backward, with dh = dL/dh_t, da_n = dh ⊙ (1 - z) ⊙ (1 - n²) and q = W_hn^T da_n (float64):
 *   dgi_n = da_n   dgh_n = 0 (the executor's W_hh h_{t-1} is not what n read)   da_r = q ⊙ h_{t-1} ⊙ r(1 - r)
 *   da_z = dh ⊙ (h_{t-1} - n) ⊙ z(1 - z)   (r and z: the same for gi and gh)
 *   direct dL/dh_{t-1} = dh ⊙ z + q ⊙ r   dW_hn += da_n (r ⊙ h_{t-1})^T   db_hn += da_n
 */
import { tanh } from '../../kernels/activations.js';
import { gruKind } from './gru.js';
import { defineKind, PYTORCH_PARAMETERS, type BackwardStepArgs, type StepArgs, type UpdateArgs } from './kind.js';

/** r ⊙ h_{t-1} and W_hn (r ⊙ h_{t-1}) + b_hn, (batch, hidden), reused across steps. */
let gated = new Float32Array(0);
let recurrentN = new Float32Array(0);
/** r (batch, hidden) in float64, computed once per step for both of its uses. */
let reset = new Float64Array(0);
/** Grows the forward step's buffers to n values each. */
function ensureBuffers(n: number): void {
  if (gated.length >= n) return;
  gated = new Float32Array(n);
  recurrentN = new Float32Array(n);
  reset = new Float64Array(n);
}
/** da_n and q = W_hn^T da_n of one batch row, reused across steps. */
let dan = new Float64Array(0);
let q = new Float64Array(0);

export const gruResetBeforeKind = defineKind({
  type: 'gru-reset-before',
  name: 'GRUResetBefore',
  cellName: 'GRUResetBeforeCell',
  // The same gates as PyTorch's GRU, in the same rows: only where r is applied differs.
  gates: gruKind.gates,
  parameters: PYTORCH_PARAMETERS,
  hasCellState: false,
  supportsProjection: false,
  hasNonlinearity: false,
  gatedRecurrentTerm: true,
  onnx: { op: 'GRU', gateOrder: ['z', 'r', 'n'], activations: ['Sigmoid', 'Tanh'], attributes: { linear_before_reset: 0 } },
  keras: { className: 'GRU', gateOrder: ['z', 'r', 'n'], resetAfter: false, twoBiases: false, tfjs: true },
  recurrentInStep: 'n',
  equations: [
    'r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)   z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)',
    'n_t = tanh(W_in x_t + b_in + W_hn (r_t ⊙ h_{t-1}) + b_hn)   h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}   (ONNX linear_before_reset=0)',
  ],
  reference: 'gru-reset-before',
  story: 'gru',
  wording: { rankSuffix: 'instead' },
  step({ batch, hiddenSize: H, gi, giOffset, gh, hPrev, hOut, gates, recurrent, recurrentActivation: sigmoid }: StepArgs): void {
    const G = 3 * H;
    ensureBuffers(batch * H);
    for (let b = 0; b < batch; b++) {
      const xi = giOffset + b * G;
      for (let k = 0; k < H; k++) {
        const r = sigmoid(gi[xi + k]! + gh[b * G + k]!);
        reset[b * H + k] = r;
        gated[b * H + k] = r * hPrev[b * H + k]!;
      }
    }
    // W_hn (r ⊙ h) + b_hn: rows 2H..3H of W_hh, for every batch row at once.
    recurrent!.product(gated, 0, batch, recurrentN, 0);
    for (let b = 0; b < batch; b++) {
      const row = b * G;
      const xi = giOffset + row;
      for (let j = 0; j < H; j++) {
        const r = reset[b * H + j]!;
        const z = sigmoid(gi[xi + H + j]! + gh[row + H + j]!);
        const n = tanh(gi[xi + 2 * H + j]! + recurrentN[b * H + j]!);
        hOut[b * H + j] = (1 - z) * n + z * hPrev[b * H + j]!;
        if (gates) {
          gates[row + j] = r;
          gates[row + H + j] = z;
          gates[row + 2 * H + j] = n;
        }
      }
    }
  },
  // The fast mode's gated product (r and z activated; n's block is W_hn h + b_hn, which n does not
  // read, kept as gh as the step keeps it), then n's own product over r ⊙ h, as the step does.
  rawInUpdate: 'n',
  update({ batch, hiddenSize: H, gates, gi, giOffset, gh, hPrev, hOut, recurrent }: UpdateArgs): void {
    const G = 3 * H;
    ensureBuffers(batch * H);
    for (let b = 0; b < batch; b++) {
      const row = b * G;
      for (let k = 0; k < H; k++) {
        gated[b * H + k] = gates[row + k]! * hPrev[b * H + k]!;
        gh[row + 2 * H + k] = gates[row + 2 * H + k]!;
      }
    }
    recurrent!.product(gated, 0, batch, recurrentN, 0);
    for (let b = 0; b < batch; b++) {
      const row = b * G;
      for (let j = 0; j < H; j++) {
        const z = gates[row + H + j]!;
        const n = tanh(gi[giOffset + row + 2 * H + j]! + recurrentN[b * H + j]!);
        gates[row + 2 * H + j] = n;
        hOut[b * H + j] = (1 - z) * n + z * hPrev[b * H + j]!;
      }
    }
  },
  backward: ({ batch, hiddenSize: H, gates, gatesOffset, hPrev, dh, dgi, dgiOffset, dgh, dghOffset, dhPrev, recurrent, dRecurrent }: BackwardStepArgs): void => {
    const G = 3 * H;
    const { weightHh } = recurrent!;
    const dW = dRecurrent!.weightHh;
    const db = dRecurrent!.biasHh;
    if (dan.length < H) (dan = new Float64Array(H)), (q = new Float64Array(H));
    for (let b = 0; b < batch; b++) {
      const ga = gatesOffset + b * G;
      const di = dgiOffset + b * G;
      const dr = dghOffset + b * G;
      for (let j = 0; j < H; j++) {
        const at = b * H + j;
        const z = gates[ga + H + j]!;
        const n = gates[ga + 2 * H + j]!;
        const dhj = dh[at]!;
        const dn = dhj * (1 - z) * (1 - n * n);
        const daz = dhj * (hPrev[at]! - n) * z * (1 - z);
        dan[j] = dn;
        dgi[di + H + j] = daz;
        dgi[di + 2 * H + j] = dn;
        dgh![dr + H + j] = daz;
        dgh![dr + 2 * H + j] = 0;
        if (db) db[2 * H + j] = db[2 * H + j]! + dn;
      }
      q.fill(0, 0, H);
      for (let j = 0; j < H; j++) {
        const w = (2 * H + j) * H;
        const dn = dan[j]!;
        if (dn === 0) continue;
        for (let k = 0; k < H; k++) q[k] = q[k]! + weightHh[w + k]! * dn;
      }
      for (let k = 0; k < H; k++) {
        const at = b * H + k;
        const r = gates[ga + k]!;
        const z = gates[ga + H + k]!;
        const h = hPrev[at]!;
        const dar = Math.fround(q[k]! * h * r * (1 - r));
        dgi[di + k] = dar;
        dgh![dr + k] = dar;
        dhPrev[at] = dh[at]! * z + q[k]! * r;
        const rh = r * h;
        if (rh === 0) continue;
        for (let j = 0; j < H; j++) {
          const i = (2 * H + j) * H + k;
          dW[i] = dW[i]! + dan[j]! * rh;
        }
      }
    }
  },
});
