/**
 * The report of one run, the data behind every output format: the table, the JSON document and
 * the NDJSON summary are all renderings of it.
 */
import { numDirections, realHiddenSize } from '../modules/layer/config.js';
import type { Recurrent } from '../modules/recurrent.js';
import type { ForwardResult, LayerTrace } from '../modules/layer/result.js';
import { nonFiniteAt, statsAt, summarize, type TraceStats } from '../modules/layer/trace-stats.js';
import type { Expectation, HnSlice, LayerReport, RunConfigJson, RunReport, StepStats } from '../schema/run.js';
import type { Warning } from '../warnings.js';
import { describeTensors, type RunGeometry, type TensorName } from './describe.js';
import { addPair, agreement, firstNonFinite, nonFiniteWarning } from './non-finite.js';
import { stepStats } from './step-stats.js';

export type TraceLevel = 'none' | 'summary' | 'full';

export interface ReportOptions {
  version: string;
  trace: TraceLevel;
  includeTensors: boolean;
  geometry: RunGeometry;
  expectations?: readonly { name: string; shape: number[] }[] | undefined;
  /** What the tool did on the user's behalf. */
  notes?: readonly string[] | undefined;
  /** Warnings of the setup (an input accepted with non-finite values). */
  warnings?: readonly Warning[] | undefined;
}

/** What layer l of direction d reads at each step, in words. */
function reads(l: number, D: number): string {
  if (l === 0) return 'x[t]';
  return D === 2 ? `layer ${l - 1}'s h_t, forward and reverse concatenated` : `layer ${l - 1}'s new h_t`;
}

export function layerReport(trace: LayerTrace, D: number, lengths: Int32Array | null, full: boolean): LayerReport {
  const [T, B] = trace.h.shape as [number, number, number];
  const hw = trace.h.size / (T * B);
  const cw = trace.c ? trace.c.size / (T * B) : 0;
  const steps = [];
  for (let t = 0; t < T; t++) {
    const h = trace.h.data.subarray(t * B * hw, (t + 1) * B * hw);
    const c = trace.c ? trace.c.data.subarray(t * B * cw, (t + 1) * B * cw) : null;
    steps.push(stepStats(t, h, c, B, lengths, full));
  }
  return {
    layer: trace.layer,
    direction: trace.direction,
    h_n_index: trace.layer * D + (trace.direction === 'reverse' ? 1 : 0),
    reads: reads(trace.layer, D),
    steps,
  };
}

/** The same report from a statistics-only trace (entry = layer * D + direction); summary level only. */
export function layerReportFromStats(stats: TraceStats, entry: number, D: number): LayerReport {
  const layer = Math.floor(entry / D);
  const steps = [];
  for (let t = 0; t < stats.seqLen; t++) {
    const at = statsAt(stats, entry, t);
    const step: StepStats = summarize(stats.data, at, stats.width, t);
    const bad = nonFiniteAt(stats.data, at);
    if (bad) step.non_finite = bad;
    steps.push(step);
  }
  return { layer, direction: entry % D === 0 ? 'forward' : 'reverse', h_n_index: entry, reads: reads(layer, D), steps };
}

function layerReports(result: ForwardResult, D: number, level: TraceLevel): LayerReport[] {
  const { layers, stats, lengths } = result.trace;
  if (level === 'none') return [];
  if (layers.length) return layers.map((t) => layerReport(t, D, lengths, level === 'full'));
  if (level === 'full' || !stats) throw new Error(`--trace ${level}: the forward pass kept no trace`);
  return Array.from({ length: stats.entries }, (_, i) => layerReportFromStats(stats, i, D));
}

/** The element of out at step t, batch element b, feature f (in out's own layout). */
function outAt(result: ForwardResult, g: RunGeometry, batchFirst: boolean, t: number, b: number, f: number): number {
  const width = result.out.shape[result.out.rank - 1]!;
  if (!g.batched) return result.out.data[t * width + f]!;
  return result.out.data[(batchFirst ? b * g.seqLen + t : t * g.batch + b) * width + f]!;
}

/**
 * h_n viewed as (layers, directions, batch, hidden): which slice is which, and for the top layer
 * the slice of out it equals, measured.
 */
function hnSlices(module: Recurrent, result: ForwardResult, g: RunGeometry): HnSlice[] {
  const { config } = module;
  const D = numDirections(config);
  const Hr = realHiddenSize(config);
  const { seqLen: T, batch: B } = g;
  const lastStep = (b: number): number => (g.lengths ? g.lengths[b]! - 1 : T - 1);
  const slices: HnSlice[] = [];
  for (let l = 0; l < config.numLayers; l++) {
    for (let d = 0; d < D; d++) {
      const index = l * D + d;
      const steps = Array.from({ length: B }, (_, b) => (d === 0 ? lastStep(b) : 0));
      let equalsOut: string | null = null;
      let maxAbsDiff: number | null = null;
      let notComparable = 0;
      if (l === config.numLayers - 1) {
        const cols = D === 2 ? `${d * Hr}:${(d + 1) * Hr}` : ':';
        const step = d === 1 ? '0' : g.lengths ? 'lengths[b]-1' : '-1';
        equalsOut = !g.batched ? `out[${step}, ${cols}]` : config.batchFirst ? `out[:, ${step}, ${cols}]` : `out[${step}, :, ${cols}]`;
        const hn = result.hN.data;
        const agree = agreement();
        for (let b = 0; b < B; b++) {
          const t = steps[b]!;
          for (let j = 0; j < Hr; j++) addPair(agree, 0, hn[(index * B + b) * Hr + j]!, outAt(result, g, config.batchFirst, t, b, d * Hr + j));
        }
        maxAbsDiff = agree.maxAbsDiff;
        notComparable = agree.notComparable;
      }
      slices.push({ index, layer: l, direction: d === 0 ? 'forward' : 'reverse', equals_out: equalsOut, max_abs_diff: maxAbsDiff, ...(notComparable ? { not_comparable: notComparable } : {}), steps });
    }
  }
  return slices;
}

/** The configuration as the JSON documents spell it (PyTorch's argument names). */
export function configJson(module: Recurrent, g: RunGeometry): RunConfigJson {
  const { kind, config } = module;
  return {
    type: kind.type,
    input_size: config.inputSize,
    hidden_size: config.hiddenSize,
    num_layers: config.numLayers,
    nonlinearity: config.nonlinearity,
    bias: config.bias,
    batch_first: config.batchFirst,
    dropout: config.dropout,
    bidirectional: config.bidirectional,
    proj_size: config.projSize,
    training: module.training,
    seed: config.seed,
    batch: g.batch,
    seq_len: g.seqLen,
    unbatched: !g.batched,
  };
}

export function buildRunReport(module: Recurrent, result: ForwardResult, options: ReportOptions): RunReport {
  const { kind, config } = module;
  const g = options.geometry;
  const described = describeTensors(kind, config, g);
  const shapes = Object.fromEntries(described.map((d) => [d.name, d.shape])) as RunReport['shapes'];
  const actual: Partial<Record<TensorName, number[] | undefined>> = {
    ...shapes,
    out: [...result.out.shape],
    h_n: [...result.hN.shape],
    ...(result.cN ? { c_n: [...result.cN.shape] } : {}),
  };
  const D = numDirections(config);
  const nonFinite = firstNonFinite(result, D);
  const report: RunReport = {
    command: 'run',
    version: options.version,
    module: module.toString(),
    config: configJson(module, g),
    shapes: actual as RunReport['shapes'],
    dims: Object.fromEntries(described.map((d) => [d.name, d.dims.map((x) => x.name)])) as RunReport['dims'],
    meanings: Object.fromEntries(described.map((d) => [d.name, d.meaning])) as RunReport['meanings'],
    h_n_slices: hnSlices(module, result, g),
    parameters: module.parameterSpecs().map((s) => ({ name: s.name, shape: [...s.shape], count: s.shape.reduce((a, b) => a * b, 1) })),
    parameter_count: module.parameterCount(),
    lengths: g.lengths ? [...g.lengths] : null,
    layers: layerReports(result, D, options.trace),
    warnings: [...module.warnings, ...(options.warnings ?? []), ...(nonFinite ? [nonFiniteWarning(nonFinite, g.batched, D)] : [])],
    ...(nonFinite ? { non_finite: nonFinite } : {}),
    notes: [...(options.notes ?? [])],
  };
  if (options.expectations) report.expectations = checkExpectations(options.expectations, actual);
  if (options.includeTensors) {
    report.tensors = { out: result.out.toNested(), h_n: result.hN.toNested(), ...(result.cN ? { c_n: result.cN.toNested() } : {}) };
  }
  return report;
}

export function checkExpectations(expected: readonly { name: string; shape: number[] }[], actual: Partial<Record<TensorName, number[] | undefined>>): Expectation[] {
  return expected.map(({ name, shape }) => {
    const got = actual[name as TensorName] ?? null;
    const ok = got !== null && got.length === shape.length && got.every((v, i) => v === shape[i]);
    return { name: name as TensorName, expected: shape, actual: got, ok };
  });
}
