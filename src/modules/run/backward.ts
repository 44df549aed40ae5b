/**
 * Backpropagation through time for the stacked, bidirectional modules, as PyTorch's autograd
 * computes it, on the automatic path's kernels. Layer by layer from the top, each direction runs
 * time in reverse of its forward order; at each step
 *   dL/dh_t = dL/d(out_t) (the loss or the layer above) + dL/dh_t through step t+1 (and h_n)
 *   the kind's backward step: dL/d(gi_t), dL/d(gh_t), the direct part of dL/dh_{t-1}, dL/dc_{t-1}
 *   dL/dh_{t-1} = dL/d(gh_t) W_hh + the direct part
 * and once the layer's steps are done, its gradients are products over every step at once:
 *   dW_ih = dGI^T X   dW_hh = dGH^T H_prev   dW_hr = dH^T H_full   db = Σ_rows dG   dX = Σ_d dGI_d W_ih_d
 * with X the layer's input (the one below's out, dropout mask applied), all (seqLen * batch) rows.
 * With lengths, a batch element at t >= its length has no step: its gradient rows are zero and the
 * carried dL/dh (dL/dc) passes that step unchanged, so x's gradient there is exactly 0.
 *
 * Shape: dX (seqLen * batch, inFeatures) | dGI, dGH (seqLen * batch, G) per direction |
 *        H_prev (seqLen * batch, realHidden) | step gradients dh (seqLen, batch, realHidden), dc (seqLen, batch, hidden)
 *
 * Kept for the backward pass (estimateBackward counts it): the forward trace (every layer's h, and
 * c, at every step: L * D * seqLen * batch * (realHidden + hidden) values), the forward saves
 * (ForwardSaves: the gate activations, L * D * seqLen * batch * G, as much again for GRU's gh, and
 * L * D * seqLen * batch * hidden for h before the projection), every step's dL/dh and dL/dc (as
 * large as the trace; returned), and one layer's working set at a time, reused across layers and
 * directions: dGI (and dGH) and H_prev over every step, dX, and the layer's input and dL/d(out).
 * Runs on one thread.
 */
import { kernelFor, product, type Kernel } from '../../kernels/kernel.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { CellKind } from '../kinds/index.js';
import { type RecurrentConfig } from '../layer/config.js';
import { layerWeights, parameterSpecs, parameterSuffix } from '../layer/parameters.js';
import type { PreparedInput } from '../layer/prepare.js';
import type { RawResult } from '../layer/result.js';
import { runAutomatic, type ForwardSaves } from './automatic.js';
import { lossSeed, type LossKind } from './loss.js';

/** Time-major gradients, before layout. */
export interface RawGradients {
  /** (seqLen, batch, inputSize). */
  dx: Float32Array;
  /** (numLayers * D, batch, realHidden). */
  dh0: Float32Array;
  /** (numLayers * D, batch, hidden), kinds with a cell state. */
  dc0: Float32Array | null;
  /** By state_dict name, in its order; each has its parameter's shape. */
  params: Map<string, Float32Array>;
  /** In h_n's order: every step's dL/dh_t (seqLen, batch, realHidden) and dL/dc_t (seqLen, batch, hidden), zero past each length. */
  steps: { dh: Float32Array; dc: Float32Array | null }[];
}

export interface RawBackward {
  forward: RawResult;
  loss: number;
  grads: RawGradients;
}

/** src (rows, cols) → (cols, rows), in 32 × 32 blocks. */
function transpose(src: Float32Array, rows: number, cols: number, dst: Float32Array = new Float32Array(rows * cols)): Float32Array {
  const BLOCK = 32;
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = Math.min(rows, r0 + BLOCK);
    for (let c0 = 0; c0 < cols; c0 += BLOCK) {
      const c1 = Math.min(cols, c0 + BLOCK);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c]!;
    }
  }
  return dst;
}

export function allocateSaves(kind: CellKind, config: RecurrentConfig, input: PreparedInput): ForwardSaves {
  const { seqLen: T, batch: B, D, H, G, L } = input.geometry;
  const n = L * D;
  return {
    gates: Array.from({ length: n }, () => new Float32Array(T * B * G)),
    gh: Array.from({ length: n }, () => (kind.gatedRecurrentTerm ? new Float32Array(T * B * G) : null)),
    hFull: Array.from({ length: n }, () => (config.projSize > 0 ? new Float32Array(T * B * H) : null)),
  };
}

/**
 * The forward pass (the automatic path on this thread, with the full trace and the saves), the
 * loss, and the backward pass. `target` is time-major, for mse.
 */
export function runForwardBackward(
  kind: CellKind,
  config: RecurrentConfig,
  params: ReadonlyMap<string, Tensor>,
  input: PreparedInput,
  dropoutMasks: readonly (Float32Array | null)[],
  loss: LossKind,
  target: Float32Array | null,
  kernel: Kernel = kernelFor(),
): RawBackward {
  const save = allocateSaves(kind, config, input);
  const forward = runAutomatic(kind, config, params, input, dropoutMasks, { keepTrace: true, save, kernel });
  const seed = lossSeed(loss, input, forward.out, forward.hN, target);
  const grads = runBackward(kind, config, params, input, dropoutMasks, forward, save, seed.dOut, seed.dhN, kernel);
  return { forward, loss: seed.value, grads };
}

/** Rows (steps × batch) per chunk of the weight-gradient products: the inner dimension, kept cache-sized. */
export const GRAD_ROWS = 512;

/**
 * A^T B (M, N) for A (R, M) and B (R, N), row-major: the sum over rows, as gemm products of
 * GRAD_ROWS rows at a time (each chunk transposed, so both operands are unit-stride in the inner
 * dimension and stay in cache), the chunks' products summed in float64 and rounded once.
 */
function productOverRows(kernel: Kernel, a: Float32Array, M: number, b: Float32Array, N: number, R: number): Float32Array {
  const rows = Math.min(R, GRAD_ROWS);
  const aT = new Float32Array(M * rows);
  const bT = new Float32Array(N * rows);
  const part = new Float32Array(M * N);
  const sum = R > rows ? new Float64Array(M * N) : null;
  for (let r0 = 0; r0 < R; r0 += rows) {
    const n = Math.min(rows, R - r0);
    transpose(a.subarray(r0 * M, (r0 + n) * M), n, M, aT);
    transpose(b.subarray(r0 * N, (r0 + n) * N), n, N, bT);
    product(kernel, aT, 0, M, n, bT, N, null, part, 0);
    if (sum) for (let i = 0; i < part.length; i++) sum[i] = sum[i]! + part[i]!;
  }
  return sum ? Float32Array.from(sum) : part;
}

/** Column sums of a (rows, cols) array, in float64. */
function columnSums(src: Float32Array, rows: number, cols: number): Float32Array {
  const sum = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) sum[c] = sum[c]! + src[r * cols + c]!;
  return Float32Array.from(sum);
}

/** The backward pass from dL/d(out) (time-major) and dL/d(h_n), over a forward pass's trace and saves. */
export function runBackward(
  kind: CellKind,
  config: RecurrentConfig,
  params: ReadonlyMap<string, Tensor>,
  input: PreparedInput,
  dropoutMasks: readonly (Float32Array | null)[],
  forward: RawResult,
  saves: ForwardSaves,
  dOutTop: Float32Array,
  dhN: Float32Array,
  kernel: Kernel = kernelFor(),
): RawGradients {
  const { lengths } = input;
  const { seqLen: T, batch: B, D, H, Hr, G, L, inputSize } = input.geometry;
  const R = T * B;
  const proj = config.projSize > 0;
  const cell = kind.hasCellState;
  const gated = kind.gatedRecurrentTerm;
  const named = new Map<string, Float32Array>();
  const steps: RawGradients['steps'] = new Array(L * D);
  const dh0 = new Float32Array(L * D * B * Hr);
  const dc0 = cell ? new Float32Array(L * D * B * H) : null;
  // One step's buffers, reused: the carried dL/dh (and dL/dc) and the next step's.
  let carry = new Float32Array(B * Hr);
  let carryNext = new Float32Array(B * Hr);
  let cCarry = cell ? new Float32Array(B * H) : null;
  let cNext = cell ? new Float32Array(B * H) : null;
  const dcTotal = cell ? new Float32Array(B * H) : null;
  const cPrevRows = cell && lengths ? new Float32Array(B * H) : null;
  const dhFull = proj ? new Float32Array(B * H) : null;
  const direct = new Float32Array(B * H);
  // One layer and direction's buffers, reused: every row is written before it is read.
  const dgi = new Float32Array(R * G);
  const dgh = gated ? new Float32Array(R * G) : null;
  const hPrevAll = new Float32Array(R * Hr);
  // A kind that computes part of its recurrent product in its step sums that part's gradients here.
  const dRecurrent = kind.recurrentInStep ? { weightHh: new Float64Array(G * Hr), biasHh: config.bias ? new Float64Array(G) : null } : null;
  let dOut = dOutTop;
  let dx = new Float32Array(0);

  for (let l = L - 1; l >= 0; l--) {
    const K = l === 0 ? inputSize : D * Hr;
    // The layer's input (R, K): x, or the layer below's out (its directions side by side) with its dropout mask.
    let layerIn: Float32Array;
    const mask = l > 0 ? (dropoutMasks[l - 1] ?? null) : null;
    if (l === 0) layerIn = input.x;
    else if (D === 1 && !mask) layerIn = forward.layers[l - 1]!.h.data;
    else {
      layerIn = new Float32Array(R * K);
      for (let d = 0; d < D; d++) {
        const h = forward.layers[(l - 1) * D + d]!.h.data;
        for (let r = 0; r < R; r++) layerIn.set(h.subarray(r * Hr, (r + 1) * Hr), r * K + d * Hr);
      }
      if (mask) for (let i = 0; i < layerIn.length; i++) layerIn[i] = layerIn[i]! * mask[i]!;
    }
    dx = new Float32Array(R * K);
    const dxDirection = D > 1 ? new Float32Array(R * K) : dx;
    for (let d = 0; d < D; d++) {
      const idx = l * D + d;
      const w = layerWeights(params, l, d);
      const mark = kernel.mark();
      // dL/dh_{t-1} = dGH_t W_hh and, projecting, dL/dh_full = dL/dh W_hr: products with the transposes.
      const recurT = kernel.prepare(transpose(w.weightHh, G, Hr), Hr, G, null);
      const projectT = proj ? kernel.prepare(transpose(w.weightHr!, Hr, H), H, Hr, null) : null;
      const trace = forward.layers[idx]!;
      const hTrace = trace.h.data;
      const cTrace = trace.c?.data ?? null;
      const h0 = input.h0.subarray(idx * B * Hr, (idx + 1) * B * Hr);
      const c0 = input.c0 ? input.c0.subarray(idx * B * H, (idx + 1) * B * H) : null;
      const stepDh = new Float32Array(R * Hr);
      const stepDc = cell ? new Float32Array(R * H) : null;
      const dOutWidth = D * Hr;
      if (!lengths) {
        // Every step read the state the step before wrote (in the direction's order), the first h_0.
        if (d === 0) {
          hPrevAll.set(h0, 0);
          hPrevAll.set(hTrace.subarray(0, (T - 1) * B * Hr), B * Hr);
        } else {
          hPrevAll.set(hTrace.subarray(B * Hr), 0);
          hPrevAll.set(h0, (T - 1) * B * Hr);
        }
      }
      carry.set(dhN.subarray(idx * B * Hr, (idx + 1) * B * Hr));
      cCarry?.fill(0);
      dRecurrent?.weightHh.fill(0);
      dRecurrent?.biasHh?.fill(0);
      for (let s = T - 1; s >= 0; s--) {
        const t = d === 0 ? s : T - 1 - s;
        const prevT = d === 0 ? t - 1 : t + 1;
        const stepAt = t * B * Hr;
        let cPrev: Float32Array | null = null;
        if (!lengths) {
          for (let b = 0; b < B; b++) {
            const outAt = (t * B + b) * dOutWidth + d * Hr;
            const at = stepAt + b * Hr;
            for (let j = 0; j < Hr; j++) stepDh[at + j] = dOut[outAt + j]! + carry[b * Hr + j]!;
          }
          if (cell) cPrev = prevT >= 0 && prevT < T ? cTrace!.subarray(prevT * B * H, (prevT + 1) * B * H) : c0;
        } else {
          cPrev = cPrevRows;
          for (let b = 0; b < B; b++) {
            const len = lengths[b]!;
            if (t >= len) continue; // its rows stay zero: stepDh is fresh, hPrevAll's are never read
            // The state this step read: the trace at the step before (in the direction's order), or h_0.
            const fromTrace = prevT >= 0 && prevT < len;
            const at = stepAt + b * Hr;
            const outAt = (t * B + b) * dOutWidth + d * Hr;
            if (fromTrace) hPrevAll.set(hTrace.subarray((prevT * B + b) * Hr, (prevT * B + b + 1) * Hr), at);
            else hPrevAll.set(h0.subarray(b * Hr, (b + 1) * Hr), at);
            for (let j = 0; j < Hr; j++) stepDh[at + j] = dOut[outAt + j]! + carry[b * Hr + j]!;
            if (cPrevRows) cPrevRows.set(fromTrace ? cTrace!.subarray((prevT * B + b) * H, (prevT * B + b + 1) * H) : c0!.subarray(b * H, (b + 1) * H), b * H);
          }
        }
        if (projectT) projectT(stepDh, stepAt, B, dhFull!, 0);
        kind.backward!({
          batch: B,
          hiddenSize: H,
          gates: saves.gates[idx]!,
          gatesOffset: t * B * G,
          gh: saves.gh[idx] ?? null,
          ghOffset: t * B * G,
          hPrev: hPrevAll.subarray(stepAt, stepAt + B * Hr),
          cPrev,
          c: cTrace ? cTrace.subarray(t * B * H, (t + 1) * B * H) : null,
          dh: dhFull ?? stepDh.subarray(stepAt, stepAt + B * Hr),
          dc: cCarry,
          dgi,
          dgiOffset: t * B * G,
          dgh,
          dghOffset: t * B * G,
          dhPrev: direct,
          dcPrev: cNext,
          dcTotal,
          nonlinearity: config.nonlinearity,
          recurrent: dRecurrent ? { weightHh: w.weightHh, biasHh: w.biasHh } : null,
          dRecurrent,
        });
        if (lengths) {
          for (let b = 0; b < B; b++) {
            if (t < lengths[b]!) continue;
            // No step here: nothing flows into the gates, the carried gradients pass unchanged.
            dgi.fill(0, (t * B + b) * G, (t * B + b + 1) * G);
            dgh?.fill(0, (t * B + b) * G, (t * B + b + 1) * G);
          }
        }
        recurT(dgh ?? dgi, t * B * G, B, carryNext, 0);
        if (!proj) for (let i = 0; i < B * Hr; i++) carryNext[i] = carryNext[i]! + direct[i]!;
        if (stepDc) stepDc.set(dcTotal!, t * B * H);
        if (lengths) {
          for (let b = 0; b < B; b++) {
            if (t < lengths[b]!) continue;
            carryNext.set(carry.subarray(b * Hr, (b + 1) * Hr), b * Hr);
            if (cNext && cCarry) cNext.set(cCarry.subarray(b * H, (b + 1) * H), b * H);
            stepDc?.fill(0, (t * B + b) * H, (t * B + b + 1) * H);
          }
        }
        [carry, carryNext] = [carryNext, carry];
        if (cell) [cCarry, cNext] = [cNext, cCarry];
      }
      kernel.release(mark);
      dh0.set(carry, idx * B * Hr);
      if (dc0 && cCarry) dc0.set(cCarry, idx * B * H);
      steps[idx] = { dh: stepDh, dc: stepDc };

      // The layer's gradients, each a product over every step.
      const suffix = parameterSuffix(l, d);
      named.set('weight_ih' + suffix, productOverRows(kernel, dgi, G, layerIn, K, R));
      const dWhh = productOverRows(kernel, dgh ?? dgi, G, hPrevAll, Hr, R);
      if (dRecurrent) for (let i = 0; i < dWhh.length; i++) dWhh[i] = dWhh[i]! + dRecurrent.weightHh[i]!;
      named.set('weight_hh' + suffix, dWhh);
      if (config.bias) {
        const dbIh = columnSums(dgi, R, G);
        named.set('bias_ih' + suffix, dbIh);
        const dbHh = dgh ? columnSums(dgh, R, G) : dbIh.slice();
        if (dRecurrent?.biasHh) for (let i = 0; i < G; i++) dbHh[i] = dbHh[i]! + dRecurrent.biasHh[i]!;
        named.set('bias_hh' + suffix, dbHh);
      }
      if (proj) named.set('weight_hr' + suffix, productOverRows(kernel, stepDh, Hr, saves.hFull[idx]!, H, R));
      product(kernel, dgi, 0, R, G, transpose(w.weightIh, G, K), K, null, dxDirection, 0);
      if (dxDirection !== dx) for (let i = 0; i < dx.length; i++) dx[i] = dx[i]! + dxDirection[i]!;
    }
    if (mask) for (let i = 0; i < dx.length; i++) dx[i] = dx[i]! * mask[i]!;
    dOut = dx;
  }
  // In state_dict order.
  const ordered = new Map(parameterSpecs(kind, config).map((s) => [s.name, named.get(s.name)!]));
  return { dx, dh0, dc0, params: ordered, steps };
}
