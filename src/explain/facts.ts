/**
 * The facts `explain` states, measured from one real forward pass: the layers' roles, what each
 * layer fused at the chosen step (shapes and L2 norms of x_t or the layer below's h_t, its own
 * h_{t-1} and c_{t-1}, the new h_t and c_t, the gates' means), ‖h_t‖ over time, and the checks that
 * out's last step is the top layer's slice of h_n. Nothing here is worded: narrate.ts does that.
 *
 * Shape (time-major working arrays): x (seqLen, batch, inputSize) | h_0 (layers*D, batch, Hr) |
 *        trace h (seqLen, batch, Hr) | out (seqLen, batch, D*Hr), or batch-first, or unbatched
 */
import { UsageError } from '../errors.js';
import { numDirections, realHiddenSize } from '../modules/layer/config.js';
import type { PreparedInput } from '../modules/layer/prepare.js';
import type { ForwardOptions, Recurrent, StepObserver } from '../modules/recurrent.js';
import type { CellKind } from '../modules/kinds/index.js';
import { isActive, type ForwardResult } from '../modules/layer/result.js';
import type { Tensor } from '../tensor/tensor.js';
import { describeTensors, type RunGeometry } from '../report/describe.js';
import { valueDiff } from '../report/non-finite.js';
import { decayOf, xStepNorms } from '../report/grad-report.js';
import type { ExplainBackward, ExplainCheck, ExplainLayer, ExplainReport, Fusion } from '../schema/explain.js';

export interface ExplainOptions {
  version: string;
  /** The time step; negative counts from the end, as Python indexes (-1 is the last). Default: the last. */
  step?: number;
  /** One layer to focus on (negative counts from the top); default all. */
  layer?: number;
  /** Also pass the chief's error back (a backward pass, loss last); default true. */
  backward?: boolean;
}

/** A Python-style index in 0..n-1 or -n..-1, or a UsageError naming the range and what was given. */
export function resolveIndex(flag: string, what: string, value: number, n: number, end = 'end'): number {
  if (!Number.isInteger(value) || value < -n || value >= n) {
    throw new UsageError(`${flag}: expected ${what} in 0..${n - 1} (or -${n}..-1 counting from the ${end}), got ${value}`);
  }
  return value < 0 ? n + value : value;
}

/** --step and --layer as indexes, checked against the run's seq_len and num_layers (UsageError when out of range). */
export function resolveFocus(seqLen: number, numLayers: number, options: ExplainOptions): { step: number; requested: number; layer: number | null } {
  const requested = options.step ?? seqLen - 1;
  return {
    step: resolveIndex('--step', 'a time step', requested, seqLen),
    requested,
    layer: options.layer === undefined ? null : resolveIndex('--layer', 'a layer', options.layer, numLayers, 'top'),
  };
}

/** sqrt of the sum of squares of `width` values per active batch row, read through `row(b)` (an offset or null). */
function rowsNorm(data: Float32Array, B: number, width: number, row: (b: number) => number | null): number {
  let sq = 0;
  for (let b = 0; b < B; b++) {
    const o = row(b);
    if (o === null) continue;
    for (let j = o; j < o + width; j++) sq += data[j]! * data[j]!;
  }
  return Math.sqrt(sq);
}

/**
 * Runs the module and states the facts of that run. The gate means are the gate activations the
 * kind's own step computed at the chosen step (captured as the pass runs), never recomputed here.
 */
export function explainRun(module: Recurrent, x: Tensor, forward: ForwardOptions, g: RunGeometry, options: ExplainOptions, observer?: StepObserver): { facts: ExplainReport; result: ForwardResult } {
  const input = module.prepare(x, forward);
  const { step } = resolveFocus(input.seqLen, module.config.numLayers, options);
  const D = numDirections(module.config);
  const gates: (Float32Array | null)[] = [];
  // `observer` sees every step too (the HTML report's gate statistics).
  const onStep: StepObserver = (l, d, t, h, c, values) => {
    observer?.(l, d, t, h, c, values);
    if (t === step && values) gates[l * D + (d === 'forward' ? 0 : 1)] = values.slice();
  };
  const result = module.forward(x, { ...forward, onStep, gates: true });
  const facts = explainFacts(module, input, result, g, options, gates);
  if (options.backward ?? true) facts.backward = backwardFacts(module, x, forward, g);
  return { facts, result };
}

/**
 * The backward account: the gradient of loss `last` (the chief's conclusions at each sequence's
 * last step, summed) back through every layer's steps and to x, with the same measures as `grad`'s
 * decay (src/report/grad-report.ts). In training mode the forward pass's dropout masks apply.
 */
export function backwardFacts(module: Recurrent, x: Tensor, forward: ForwardOptions, g: RunGeometry): ExplainBackward {
  const r = module.backward(x, { h0: forward.h0, c0: forward.c0, lengths: forward.lengths, enforceSorted: forward.enforceSorted, dropoutSeed: forward.dropoutSeed, loss: 'last' });
  // The run's own seq_len (the steps the backward pass returned), cut to the longest length.
  const steps = forward.lengths ? Math.max(...forward.lengths) : r.steps[0]!.dhNorm.length;
  const measure = (norms: ArrayLike<number>, direction: 'forward' | 'reverse') => {
    const d = decayOf(norms, direction, steps);
    return { first_step: d.first_step, last_step: d.last_step, at_first: norms[d.first_step]!, at_last: norms[d.last_step]!, ratio: d.ratio, horizon: d.horizon };
  };
  return {
    loss: { kind: 'last', value: r.loss.value },
    steps,
    layers: r.steps.map((s) => ({ layer: s.layer, direction: s.direction, ...measure(s.dhNorm, s.direction) })),
    x: measure(xStepNorms(r.grads.x, g, module.config.batchFirst), 'forward'),
  };
}

/** `gates[layer * D + direction]`: each gate's activation (batch, gates * hidden) at the chosen step. */
export function explainFacts(
  module: Recurrent,
  input: PreparedInput,
  result: ForwardResult,
  g: RunGeometry,
  options: ExplainOptions,
  gates: readonly (Float32Array | null)[],
): ExplainReport {
  const { config, kind } = module;
  const D = numDirections(config);
  const Hr = realHiddenSize(config);
  const H = config.hiddenSize;
  const L = config.numLayers;
  const { seqLen: T, batch: B, lengths } = input;
  const { step: t, requested, layer: focus } = resolveFocus(T, L, options);
  const traces = result.trace.layers;
  const dropoutActed = module.training && config.dropout > 0 && L > 1;
  const active = (b: number, s: number): boolean => isActive(lengths, b, s);
  const validAt = (s: number): number => Array.from({ length: B }, (_, b) => b).filter((b) => active(b, s)).length;
  const batchShape = (w: number): number[] => (g.batched ? [B, w] : [w]);

  const layers: ExplainLayer[] = Array.from({ length: L }, (_, l) => ({
    layer: l,
    role: L === 1 ? 'only' : l === 0 ? 'bottom' : l === L - 1 ? 'top' : 'middle',
    reads: l === 0 ? 'x' : 'layer_below',
    input_features: l === 0 ? config.inputSize : D * Hr,
    h_n_indices: Array.from({ length: D }, (_, d) => l * D + d),
  }));

  const fusions: Fusion[] = [];
  const timeFlow: ExplainReport['time_flow'] = [];
  for (let l = 0; l < L; l++) {
    if (focus !== null && l !== focus) continue;
    for (let d = 0; d < D; d++) {
      const idx = l * D + d;
      const tr = traces[idx]!;
      // The step a batch row's previous state comes from: t-1 (forward) or t+1 (reverse), or null for h_0 / c_0.
      const prevStep = (b: number): number | null => {
        const s = d === 0 ? t - 1 : t + 1;
        return s >= 0 && s < T && active(b, s) ? s : null;
      };
      // Each batch row's previous state: the trace at the neighbouring step, or h_0 / c_0.
      const gather = (trace: Float32Array, init: Float32Array, w: number): Float32Array => {
        const rows = new Float32Array(B * w);
        for (let b = 0; b < B; b++) {
          const s = prevStep(b);
          const from = s === null ? (idx * B + b) * w : (s * B + b) * w;
          rows.set((s === null ? init : trace).subarray(from, from + w), b * w);
        }
        return rows;
      };
      const hPrevRows = gather(tr.h.data, input.h0, Hr);
      const cPrevRows = tr.c && input.c0 ? gather(tr.c.data, input.c0, H) : null;
      const atStep = (b: number, w: number): number | null => (active(b, t) ? b * w : null);
      const here = (w: number) => (b: number): number | null => (active(b, t) ? (t * B + b) * w : null);

      // The layer's input at t: x_t, or the layer below's h_t (both directions side by side).
      const inWidth = layers[l]!.input_features;
      const inRows = new Float32Array(B * inWidth);
      for (let b = 0; b < B; b++) {
        if (l === 0) inRows.set(input.x.subarray((t * B + b) * inWidth, (t * B + b + 1) * inWidth), b * inWidth);
        else for (let e = 0; e < D; e++) inRows.set(traces[(l - 1) * D + e]!.h.data.subarray((t * B + b) * Hr, (t * B + b + 1) * Hr), b * inWidth + e * Hr);
      }

      const nominalPrev = d === 0 ? t - 1 : t + 1;
      const prevT = nominalPrev >= 0 && nominalPrev < T ? nominalPrev : null;
      fusions.push({
        layer: l,
        direction: d === 0 ? 'forward' : 'reverse',
        h_n_index: idx,
        t,
        prev_t: prevT,
        input: {
          from: l === 0 ? 'x' : 'layer_below',
          from_layer: l === 0 ? null : l - 1,
          shape: batchShape(inWidth),
          norm: rowsNorm(inRows, B, inWidth, (b) => atStep(b, inWidth)),
        },
        h_prev: { shape: batchShape(Hr), norm: rowsNorm(hPrevRows, B, Hr, (b) => atStep(b, Hr)) },
        c_prev: cPrevRows ? { shape: batchShape(H), norm: rowsNorm(cPrevRows, B, H, (b) => atStep(b, H)) } : null,
        h: { shape: batchShape(Hr), norm: rowsNorm(tr.h.data, B, Hr, here(Hr)) },
        c: tr.c ? { shape: batchShape(H), norm: rowsNorm(tr.c.data, B, H, here(H)) } : null,
        gates: kind.gates.length > 1 && !dropoutActed && validAt(t) > 0 && gates[idx] ? gateMeans(kind, H, gates[idx]!, B, (b) => active(b, t)) : null,
        valid: validAt(t),
      });
      timeFlow.push({
        layer: l,
        direction: d === 0 ? 'forward' : 'reverse',
        norms: Array.from({ length: T }, (_, s) => rowsNorm(tr.h.data, B, Hr, (b) => (active(b, s) ? (s * B + b) * Hr : null))),
      });
    }
  }

  const lastStep = (b: number): number => (lengths ? lengths[b]! - 1 : T - 1);
  const hNSlices = Array.from({ length: L * D }, (_, index) => ({
    index,
    layer: Math.floor(index / D),
    direction: index % D === 0 ? ('forward' as const) : ('reverse' as const),
    steps: Array.from({ length: B }, (_, b) => (index % D === 0 ? lastStep(b) : 0)),
  }));

  return {
    command: 'explain',
    version: options.version,
    module: module.toString(),
    type: kind.type,
    config: {
      input_size: config.inputSize,
      hidden_size: H,
      proj_size: config.projSize,
      h_features: Hr,
      num_layers: L,
      num_directions: D as 1 | 2,
      batch_first: config.batchFirst,
      batched: g.batched,
      batch: B,
      seq_len: T,
      lengths: lengths ? Array.from(lengths) : null,
      nonlinearity: kind.hasNonlinearity ? config.nonlinearity : null,
      dropout: config.dropout,
      dropout_acted: dropoutActed,
      h0_given: g.h0Given,
      c0_given: g.c0Given,
    },
    step: t,
    step_requested: requested,
    focus_layer: focus,
    tensors: describeTensors(kind, config, g).map(({ name, shape, dims }) => ({ name, shape, dims })),
    layers,
    fusions,
    time_flow: timeFlow,
    h_n_slices: hNSlices,
    checks: outChecks(module, result, g, lastStep),
  };
}

/** The mean of each gate over the active rows and all units, from the activations the step wrote. */
function gateMeans(kind: CellKind, H: number, values: Float32Array, B: number, active: (b: number) => boolean): { name: string; mean: number }[] {
  const G = kind.gates.length * H;
  const sums = new Array<number>(kind.gates.length).fill(0);
  let n = 0;
  for (let b = 0; b < B; b++) {
    if (!active(b)) continue;
    n++;
    for (let k = 0; k < kind.gates.length; k++) {
      let sum = 0;
      for (let j = b * G + k * H; j < b * G + (k + 1) * H; j++) sum += values[j]!;
      sums[k]! += sum;
    }
  }
  return kind.gates.map((gate, k) => ({ name: gate.name, mean: n ? sums[k]! / (n * H) : 0 }));
}

/**
 * out against h_n, measured: the top layer's forward slice at each sequence's last step, the
 * reverse slice at t=0, and with lengths the padded last step that is not the final state.
 */
function outChecks(module: Recurrent, result: ForwardResult, g: RunGeometry, lastStep: (b: number) => number): ExplainCheck[] {
  const { config } = module;
  const D = numDirections(config);
  const Hr = realHiddenSize(config);
  // The run's own sizes: an unbatched x runs as a batch of one.
  const { seqLen: T, batch: B } = result.trace;
  const W = D * Hr;
  const outAt = (b: number, s: number, j: number): number => {
    const i = !g.batched ? s * W + j : config.batchFirst ? (b * T + s) * W + j : (s * B + b) * W + j;
    return result.out.data[i]!;
  };
  // Python indexing of out; a per-element step (lengths[b]-1) indexes the batch with b.
  const index = (step: string, cols: string): string => {
    const batch = step.includes('[b]') ? 'b' : ':';
    return !g.batched ? `out[${step}, ${cols}]` : config.batchFirst ? `out[${batch}, ${step}, ${cols}]` : `out[${step}, ${batch}, ${cols}]`;
  };
  // Equal infinities are equal; a NaN facing a number differs; NaN on both sides is not comparable.
  const compare = (kind: ExplainCheck['kind'], left: string, right: string, hnIndex: number, cols: number, step: (b: number) => number): ExplainCheck => {
    let max = 0;
    let notComparable = 0;
    const differing: number[] = [];
    for (let b = 0; b < B; b++) {
      let m = 0;
      for (let j = 0; j < Hr; j++) {
        const d = valueDiff(outAt(b, step(b), cols + j), result.hN.data[(hnIndex * B + b) * Hr + j]!);
        if (Number.isNaN(d)) notComparable++;
        else m = Math.max(m, d);
      }
      if (m > 0) differing.push(b);
      max = Math.max(max, m);
    }
    return { kind, left, right, max_abs_diff: max, equal: max === 0 && notComparable === 0, differing, ...(notComparable ? { not_comparable: notComparable } : {}) };
  };
  const fwdCols = D === 2 ? `:${Hr}` : ':';
  const top = (config.numLayers - 1) * D;
  const hnName = (i: number): string => `h_n[${i - config.numLayers * D}]`;
  const checks: ExplainCheck[] = [];
  const ragged = g.lengths !== null && g.lengths.some((n) => n < T);
  checks.push(compare('forward_top', index(ragged ? 'lengths[b]-1' : '-1', fwdCols), hnName(top), top, 0, lastStep));
  if (D === 2) checks.push(compare('reverse_top', index('0', `${Hr}:`), hnName(top + 1), top + 1, Hr, () => 0));
  if (ragged) checks.push(compare('padded_last', index('-1', fwdCols), hnName(top), top, 0, () => T - 1));
  return checks;
}
