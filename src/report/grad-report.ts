/**
 * The `grad` document: the gradient of a scalar loss flowing back through time and depth, as
 * `rnn-inspect grad --format json` prints it. From a backward pass (Recurrent.backward): the loss,
 * ‖dL/dh_t‖ (and ‖dL/dc_t‖) per layer, direction and step, ‖dL/dx_t‖ per step, each parameter
 * gradient's norm, how fast the gradient decays back through each layer (ratio and horizon, below),
 * the largest singular value of each W_hh beside it (Pascanu et al. tie the two), and with
 * includeTensors every gradient as nested lists in PyTorch's layout.
 *
 *   decay, per layer and direction, over the steps the direction reads (first_step → last_step:
 *   t = 0 → T-1 forward, T-1 → 0 reverse, T = the longest length with --lengths, else seq_len):
 *     ratio   = ‖dL/dh‖ at first_step / ‖dL/dh‖ at last_step      (< 1: it shrinks going back)
 *     horizon = steps from last_step back to the furthest step with ‖dL/dh_t‖ >= 1% of the peak
 *
 *   inspectGradients({ type: 'rnn', inputSize: 100, hiddenSize: 20, numLayers: 4, batchFirst: true }, { seqLen: 50 })
 *   // the document of: rnn-inspect grad --layers 4 --hidden 20 --batch-first --seq-len 50 --format json
 */
import { kindOf, kinds } from '../modules/kinds/index.js';
import type { RecurrentOptions } from '../modules/layer/config.js';
import { numDirections } from '../modules/layer/config.js';
import { countParameters, estimateBackward, REPORT_BYTES_PER_STEP, REPORT_BYTES_PER_VALUE, type MemoryEstimate } from '../modules/memory.js';
import { Recurrent, type BackwardOptions, type BackwardResult, type Connectivity } from '../modules/recurrent.js';
import { lossDefinitions } from '../modules/run/loss.js';
import { forwardFlops } from '../modules/run/pool.js';
import type { Decay, GradLayer, GradReport } from '../schema/grad.js';
import { Random, randomInput } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { version as packageVersion } from '../version.js';
import type { Warning } from '../warnings.js';
import { describeTensors, type RunGeometry } from './describe.js';
import { num } from './number.js';
import { configJson } from './run-report.js';

/** A step counts toward the horizon while its norm is at least this share of the layer's largest. */
export const HORIZON_FRACTION = 0.01;

/** Power iteration on WᵀW: at most this many iterations, stopped when σ changes by less than the tolerance (relative). */
export const POWER_ITERATIONS = 500;
export const POWER_TOLERANCE = 1e-7;
/** The start vector: standard normal from this seed (deterministic; a constant start can be orthogonal to the top singular vector). */
export const POWER_SEED = 1;

export const POWER_ITERATION_TEXT =
  `power iteration on W_hhᵀ W_hh in float64 from a standard normal start (seed ${POWER_SEED}), ` +
  `at most ${POWER_ITERATIONS} iterations, stopped when σ changes by less than ${POWER_TOLERANCE} × σ`;

export const CONNECTIVITY_DEFINITION =
  "matrix[t][s] = ‖∂(Σ_{b,j} out[t, b, j]) / ∂x_s‖: one backward pass per step t of out (batch elements past their length have no out_t), the L2 norm of that gradient's slice at step s over the batch and the input features";

/** The largest singular value of a matrix (rows, cols), by power iteration. */
export function largestSingularValue(w: Tensor): { sigma: number; iterations: number; converged: boolean } {
  const [rows, cols] = w.shape as [number, number];
  const a = Float64Array.from(w.data);
  const start = new Random(POWER_SEED).fillNormal(new Float32Array(cols));
  let v = Float64Array.from(start);
  const normalise = (u: Float64Array): number => {
    let sq = 0;
    for (const x of u) sq += x * x;
    const n = Math.sqrt(sq);
    if (n > 0) for (let i = 0; i < u.length; i++) u[i] = u[i]! / n;
    return n;
  };
  normalise(v);
  const u = new Float64Array(rows);
  let sigma = 0;
  for (let it = 1; it <= POWER_ITERATIONS; it++) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += a[r * cols + c]! * v[c]!;
      u[r] = s;
    }
    const next = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) next[c] = next[c]! + a[r * cols + c]! * u[r]!;
    // ‖WᵀW v‖ for a unit v tends to σ²
    const s2 = normalise(next);
    const estimate = Math.sqrt(s2);
    v = next;
    if (!Number.isFinite(estimate)) return { sigma: estimate, iterations: it, converged: false };
    if (estimate === 0 || Math.abs(estimate - sigma) <= POWER_TOLERANCE * estimate) return { sigma: estimate, iterations: it, converged: true };
    sigma = estimate;
  }
  return { sigma, iterations: POWER_ITERATIONS, converged: false };
}

function l2(data: Float32Array): number {
  let sq = 0;
  for (const x of data) sq += x * x;
  return Math.sqrt(sq);
}

/** ‖dL/dx_t‖ per step, from x's gradient in x's own layout. */
export function xStepNorms(dx: Tensor, g: Pick<RunGeometry, 'batched'>, batchFirst: boolean): number[] {
  // The sizes from the tensor itself: (seq_len, input) unbatched, else (batch, seq_len, input) or (seq_len, batch, input).
  const T = !g.batched || !batchFirst ? dx.shape[0]! : dx.shape[1]!;
  const B = !g.batched ? 1 : batchFirst ? dx.shape[0]! : dx.shape[1]!;
  const I = dx.shape[dx.rank - 1]!;
  const sq = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = !g.batched ? t : batchFirst ? b * T + t : t * B + b;
      for (let j = row * I; j < (row + 1) * I; j++) sq[t] = sq[t]! + dx.data[j]! * dx.data[j]!;
    }
  }
  return [...sq].map(Math.sqrt);
}

/** The decay of one layer's and direction's ‖dL/dh_t‖ back through the steps it reads. */
export function decayOf(norms: ArrayLike<number>, direction: 'forward' | 'reverse', validSteps: number): Pick<Decay, 'first_step' | 'last_step' | 'ratio' | 'horizon' | 'peak'> {
  const first = direction === 'forward' ? 0 : validSteps - 1;
  const last = direction === 'forward' ? validSteps - 1 : 0;
  let peak = 0;
  for (let t = 0; t < validSteps; t++) peak = Math.max(peak, norms[t]!);
  const atLast = norms[last]!;
  const ratio = atLast === 0 ? null : norms[first]! / atLast;
  let horizon = 0;
  if (peak > 0) {
    // Walk back from the last step read; the furthest step still above the threshold sets the horizon.
    for (let k = 0; k < validSteps; k++) {
      const t = direction === 'forward' ? last - k : last + k;
      if (norms[t]! >= HORIZON_FRACTION * peak) horizon = k + 1;
    }
  }
  return { first_step: first, last_step: last, ratio, horizon, peak };
}

function decaySentence(layer: number, direction: string, d: Pick<Decay, 'first_step' | 'last_step' | 'ratio' | 'horizon' | 'peak'>, steps: number, wHh: string, sigma: number): string {
  const who = `layer ${layer} (${direction})`;
  const sigmaText = `σ_max(${wHh}) = ${num(sigma)}`;
  if (d.peak === 0) return `${who}: no gradient reaches this layer; the loss does not depend on it (${sigmaText}).`;
  const span = `from t=${d.last_step} back to t=${d.first_step}`;
  const change =
    d.ratio === null
      ? `‖dL/dh_t‖ is 0 at t=${d.last_step}, where this direction's backward pass starts, and gets its gradient only from the loss and the layer above`
      : d.ratio < 1
        ? `‖dL/dh_t‖ shrinks by a factor of ${num(1 / d.ratio)} ${span}`
        : d.ratio > 1
          ? `‖dL/dh_t‖ grows by a factor of ${num(d.ratio)} ${span}`
          : `‖dL/dh_t‖ is the same at t=${d.last_step} and t=${d.first_step}`;
  const reach =
    d.horizon >= steps
      ? `it stays above 1% of its peak over all ${steps} steps, so every input still reaches the loss`
      : `it stays above 1% of its peak for ${d.horizon} of ${steps} steps, so inputs further back than that barely move the loss: this layer's memory horizon is about ${d.horizon} step${d.horizon === 1 ? '' : 's'}`;
  return `${who}: ${change}; ${reach} (${sigmaText}).`;
}

export interface GradReportOptions {
  version?: string;
  geometry: RunGeometry;
  includeTensors?: boolean;
  connectivity?: Connectivity | undefined;
  /** Given with the backward pass (mse): its shape is reported. */
  targetShape?: readonly number[] | undefined;
  notes?: readonly string[] | undefined;
  warnings?: readonly Warning[] | undefined;
}

export function buildGradReport(module: Recurrent, result: BackwardResult, options: GradReportOptions): GradReport {
  const { kind, config } = module;
  const g = options.geometry;
  const D = numDirections(config);
  const shapes: Record<string, number[]> = Object.fromEntries(describeTensors(kind, config, g).map((t) => [t.name, t.shape]));
  shapes['out'] = [...result.forward.out.shape];
  shapes['h_n'] = [...result.forward.hN.shape];
  if (options.targetShape) shapes['target'] = [...options.targetShape];
  const validSteps = g.lengths ? Math.max(...g.lengths) : g.seqLen;
  const layers: GradLayer[] = result.steps.map((s) => ({
    layer: s.layer,
    direction: s.direction,
    steps: Array.from(s.dhNorm, (n, t) => (s.dcNorm ? { t, dh_norm: n, dc_norm: s.dcNorm[t]! } : { t, dh_norm: n })),
  }));
  const params = result.grads.params;
  const parameterGradNorms = Object.fromEntries([...params].map(([name, t]) => [name, l2(t.data)]));
  const state = module.stateDict();
  const sigmaMax = [...state.keys()]
    .filter((name) => name.startsWith('weight_hh'))
    .map((name) => {
      const s = largestSingularValue(state.get(name)!);
      return { name, sigma_max: s.sigma, iterations: s.iterations, converged: s.converged };
    });
  const sigmaOf = new Map(sigmaMax.map((s) => [s.name, s.sigma_max]));
  const decay: Decay[] = result.steps.map((s, i) => {
    const wHh = `weight_hh_l${s.layer}${i % D === 1 ? '_reverse' : ''}`;
    const d = decayOf(s.dhNorm, s.direction, validSteps);
    const sigma = sigmaOf.get(wHh) ?? NaN;
    return { layer: s.layer, direction: s.direction, ...d, w_hh: wHh, sigma_max: sigma, sentence: decaySentence(s.layer, s.direction, d, validSteps, wHh, sigma) };
  });
  const xNorms = xStepNorms(result.grads.x, g, config.batchFirst);
  const xd = decayOf(xNorms, 'forward', validSteps);
  const xReach =
    xd.peak === 0
      ? 'the loss does not depend on x at all'
      : xd.horizon >= validSteps
        ? `‖dL/dx_t‖ stays above 1% of its peak over all ${validSteps} steps: the loss still depends on the first input`
        : `‖dL/dx_t‖ stays above 1% of its peak over the last ${xd.horizon} of ${validSteps} steps: inputs further back barely move the loss`;
  const report: GradReport = {
    command: 'grad',
    version: options.version ?? packageVersion(),
    module: module.toString(),
    config: configJson(module, g),
    loss: { kind: result.loss.kind, value: result.loss.value, definition: lossDefinitions[result.loss.kind] },
    shapes,
    lengths: g.lengths ? [...g.lengths] : null,
    layers,
    x_grad_norms: xNorms,
    x_decay: { ratio: xd.ratio, horizon: xd.horizon, sentence: `x: ${xReach}${xd.ratio === null || xd.peak === 0 ? '' : ` (‖dL/dx_0‖ / ‖dL/dx_${xd.last_step}‖ = ${num(xd.ratio)})`}.` },
    parameter_grad_norms: parameterGradNorms,
    sigma_max: sigmaMax,
    power_iteration: POWER_ITERATION_TEXT,
    decay,
    warnings: [...module.warnings, ...(options.warnings ?? [])],
    notes: [...(options.notes ?? [])],
  };
  if (options.connectivity) report.connectivity = { definition: CONNECTIVITY_DEFINITION, matrix: options.connectivity.matrix, passes: options.connectivity.passes };
  if (options.includeTensors) report.grads = gradTensors(result, (t) => t.toNested());
  return report;
}

/** The gradients by the names the document and --save use: x, h_0, c_0 (when given), then every parameter. */
export function gradTensors<T>(result: BackwardResult, as: (t: Tensor) => T): Record<string, T> {
  const out: Record<string, T> = { x: as(result.grads.x) };
  if (result.grads.h0) out['h_0'] = as(result.grads.h0);
  if (result.grads.c0) out['c_0'] = as(result.grads.c0);
  for (const [name, t] of result.grads.params) out[name] = as(t);
  return out;
}

/** Multiply-adds of one forward pass; a backward pass costs exactly twice as many (two products per forward one). */
export function forwardMacs(module: Recurrent, seqLen: number, batch: number): number {
  return forwardFlops(module.kind, module.config, seqLen, batch) / 2;
}

/** Multiply-adds of --connectivity: one forward pass and seq_len backward passes. */
export function connectivityMacs(module: Recurrent, seqLen: number, batch: number): number {
  return forwardMacs(module, seqLen, batch) * (1 + 2 * seqLen);
}

/** Memory of a grad run: the backward pass, the document's per-step numbers, and with includeTensors every gradient as numbers. */
export function estimateGrad(module: Recurrent, seqLen: number, batch: number, options: { includeTensors?: boolean; connectivity?: boolean } = {}): MemoryEstimate {
  const { kind, config } = module;
  const e = estimateBackward(kind, config, seqLen, batch);
  const D = numDirections(config);
  const perStep = config.numLayers * D * seqLen * REPORT_BYTES_PER_STEP;
  const tensors = options.includeTensors ? (seqLen * batch * config.inputSize + countParameters(kind, config) + 2 * config.numLayers * D * batch * config.hiddenSize) * REPORT_BYTES_PER_VALUE : 0;
  const matrix = options.connectivity ? seqLen * seqLen * REPORT_BYTES_PER_VALUE : 0;
  return { ...e, bytes: e.bytes + perStep + tensors + matrix };
}

export interface InspectGradientsOptions extends BackwardOptions {
  x?: Tensor;
  batch?: number;
  seqLen?: number;
  unbatched?: boolean;
  includeTensors?: boolean;
  connectivity?: boolean;
  version?: string;
}

/** The grad document for a module (or its options) on x, or, as the CLI does, on random x from the seed. */
export function inspectGradients(module: Recurrent | (RecurrentOptions & { type?: string }), options: Partial<InspectGradientsOptions> = {}): GradReport {
  const m = module instanceof Recurrent ? module : new Recurrent(module.type === undefined ? kinds[0] : kindOf(module.type), module).eval();
  const { x: given, batch = 3, seqLen = 10, unbatched = false, includeTensors = false, connectivity = false, version, loss = 'last', ...state } = options;
  const { inputSize, batchFirst, seed } = m.config;
  const shape = unbatched ? [seqLen, inputSize] : batchFirst ? [batch, seqLen, inputSize] : [seqLen, batch, inputSize];
  const x = given ?? new Tensor(randomInput(shape, seed), shape);
  const input = m.prepare(x, state);
  const result = m.backward(x, { ...state, loss });
  const geometry = { seqLen: input.seqLen, batch: input.batch, batched: input.batched, h0Given: !!state.h0, c0Given: !!state.c0, lengths: state.lengths ?? null };
  return buildGradReport(m, result, {
    geometry,
    includeTensors,
    ...(version ? { version } : {}),
    ...(connectivity ? { connectivity: m.connectivity(x, state) } : {}),
    ...(state.target ? { targetShape: state.target.shape } : {}),
  });
}
