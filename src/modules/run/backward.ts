/**
 * Backpropagation through time for the stacked, bidirectional modules, as PyTorch's autograd
 * computes it, on the automatic path's kernels. Layer by layer from the top, each direction runs
 * time in reverse of its forward order; at each step
 *   dL/dh_t = dL/d(out_t) (the loss or the layer above) + dL/dh_t through step t+1 (and h_n)
 *   the kind's backward step: dL/d(gi_t), dL/d(gh_t), the direct part of dL/dh_{t-1}, dL/dc_{t-1}
 *   dL/dh_{t-1} = dL/d(gh_t) W_hh + the direct part
 * and once the layer's steps are done, its gradients are products over every step at once:
 *   dW_ih = dGI^T X   dW_hh = dGH^T H_prev   dW_hr = dH^T H_full   db = Σ_rows dG   dX = Σ_d dGI_d W_ih_d
 * with X the layer's input (the one below's out, dropout mask applied), all (seqLen * batch) rows
 * (the kernel's productsOverRows: one pass over dGI gives dW_ih, dW_hh and db when dGH is dGI).
 * The fast kernel runs the kind's step in float32 lanes (its simdBackward) where it has one.
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
import { kernelFor, stepExport, type Kernel, type StepBuffers, type StepOffsets } from '../../kernels/kernel.js';
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

/**
 * Values of dGI per product of dX = dGI W_ih (rows × gates × hidden; at most 512 rows): the rows
 * stay in cache while each panel of W_ih passes. Measured on W3's LSTM (G = 1024), the wasm
 * kernel's rate with 256 rows was 10% above that with 512; 32 to 256 rows were level.
 */
const DX_VALUES = 1 << 18;

/** g, plus the part of its gradient a kind's step summed itself (recurrentInStep), when there is one. */
function withRecurrent(g: Float32Array, part: Float64Array | null | undefined): Float32Array {
  if (part) for (let i = 0; i < g.length; i++) g[i] = g[i]! + part[i]!;
  return g;
}

/** out[outAt + i] = a[aAt + i] + b[bAt + i] for i < n (a function of its own, so the optimiser compiles the loop alone). */
function addInto(out: Float32Array, outAt: number, a: Float32Array, aAt: number, b: Float32Array, bAt: number, n: number): void {
  for (let i = 0; i < n; i++) out[outAt + i] = a[aAt + i]! + b[bAt + i]!;
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
      const recurT = kernel.prepareTransposed(w.weightHh, G, Hr);
      const projectT = proj ? kernel.prepareTransposed(w.weightHr!, Hr, H) : null;
      // The fast kernel runs the kind's step in float32 lanes when the kind has one.
      const simdStep = kind.simdBackward && kernel.prepareStep ? kernel.prepareStep(stepExport('backward', kind.type), kind.simdBackward, B, H, G, config.nonlinearity === 'relu' ? 1 : 0) : null;
      const addDirect = !simdStep || kind.simdBackward!.writes.includes('dhPrev');
      // Its buffers by slot (the backward contract's names); those that change with t are set at each step.
      const stepBuffers: StepBuffers = { gates: saves.gates[idx]!, gh: saves.gh[idx] ?? null, hPrev: hPrevAll, dgi, dgh, dhPrev: direct, dcTotal };
      const stepOffsets: StepOffsets = {};
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
          if (D === 1) addInto(stepDh, stepAt, dOut, stepAt, carry, 0, B * Hr);
          else for (let b = 0; b < B; b++) addInto(stepDh, stepAt + b * Hr, dOut, (t * B + b) * dOutWidth + d * Hr, carry, b * Hr, Hr);
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
            addInto(stepDh, at, dOut, outAt, carry, b * Hr, Hr);
            if (cPrevRows) cPrevRows.set(fromTrace ? cTrace!.subarray((prevT * B + b) * H, (prevT * B + b + 1) * H) : c0!.subarray(b * H, (b + 1) * H), b * H);
          }
        }
        if (projectT) projectT(stepDh, stepAt, B, dhFull!, 0);
        const dh = dhFull ?? stepDh;
        const dhAt = dhFull ? 0 : stepAt;
        const c = cTrace ? cTrace.subarray(t * B * H, (t + 1) * B * H) : null;
        if (simdStep) {
          const gatesAt = t * B * G;
          stepBuffers.cPrev = cPrev;
          stepBuffers.c = c;
          stepBuffers.dh = dh;
          stepBuffers.dc = cCarry;
          stepBuffers.dcPrev = cNext;
          stepOffsets.gates = stepOffsets.gh = stepOffsets.dgi = stepOffsets.dgh = gatesAt;
          stepOffsets.hPrev = stepAt;
          stepOffsets.dh = dhAt;
          simdStep(stepBuffers, stepOffsets);
        } else {
          kind.backward!({
            batch: B,
            hiddenSize: H,
            gates: saves.gates[idx]!,
            gatesOffset: t * B * G,
            gh: saves.gh[idx] ?? null,
            ghOffset: t * B * G,
            hPrev: hPrevAll.subarray(stepAt, stepAt + B * Hr),
            cPrev,
            c,
            dh: dh.subarray(dhAt, dhAt + B * H),
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
        }
        if (lengths) {
          for (let b = 0; b < B; b++) {
            if (t < lengths[b]!) continue;
            // No step here: nothing flows into the gates, the carried gradients pass unchanged.
            dgi.fill(0, (t * B + b) * G, (t * B + b + 1) * G);
            dgh?.fill(0, (t * B + b) * G, (t * B + b + 1) * G);
          }
        }
        recurT(dgh ?? dgi, t * B * G, B, carryNext, 0);
        if (!proj && addDirect) addInto(carryNext, 0, carryNext, 0, direct, 0, B * Hr);
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
      dh0.set(carry, idx * B * Hr);
      if (dc0 && cCarry) dc0.set(cCarry, idx * B * H);
      steps[idx] = { dh: stepDh, dc: stepDc };

      // The layer's gradients, each a product over every step.
      const suffix = parameterSuffix(l, d);
      // Without a gated recurrent term dGH is dGI: one pass over it gives both weights' gradients and the bias's.
      const bias = config.bias;
      if (dgh) {
        const [dWih, dbIh] = kernel.productsOverRows(dgi, G, [layerIn], [K], R, bias);
        const [dWhh, dbHh] = kernel.productsOverRows(dgh, G, [hPrevAll], [Hr], R, bias);
        named.set('weight_ih' + suffix, dWih!);
        named.set('weight_hh' + suffix, withRecurrent(dWhh!, dRecurrent?.weightHh));
        if (bias) {
          named.set('bias_ih' + suffix, dbIh!);
          named.set('bias_hh' + suffix, withRecurrent(dbHh!, dRecurrent?.biasHh));
        }
      } else {
        const [dWih, dWhh, db] = kernel.productsOverRows(dgi, G, [layerIn, hPrevAll], [K, Hr], R, bias);
        named.set('weight_ih' + suffix, dWih!);
        named.set('weight_hh' + suffix, withRecurrent(dWhh!, dRecurrent?.weightHh));
        if (bias) {
          named.set('bias_ih' + suffix, db!);
          named.set('bias_hh' + suffix, withRecurrent(db!.slice(), dRecurrent?.biasHh));
        }
      }
      if (proj) named.set('weight_hr' + suffix, kernel.productsOverRows(stepDh, Hr, [saves.hFull[idx]!], [H], R, false)[0]!);
      // dX = dGI W_ih, by dxRows rows (each row's sums are the same whatever the chunk).
      const inputT = kernel.prepareTransposed(w.weightIh, G, K);
      const dxRows = Math.max(16, Math.min(512, Math.floor(DX_VALUES / G)));
      for (let r0 = 0; r0 < R; r0 += dxRows) inputT(dgi, r0 * G, Math.min(dxRows, R - r0), dxDirection, r0 * K);
      kernel.release(mark);
      if (dxDirection !== dx) for (let i = 0; i < dx.length; i++) dx[i] = dx[i]! + dxDirection[i]!;
    }
    if (mask) for (let i = 0; i < dx.length; i++) dx[i] = dx[i]! * mask[i]!;
    dOut = dx;
  }
  // In state_dict order.
  const ordered = new Map(parameterSpecs(kind, config).map((s) => [s.name, named.get(s.name)!]));
  return { dx, dh0, dc0, params: ordered, steps };
}
