/**
 * How much memory a forward pass (and the report made of it) needs, estimated from the sizes
 * alone so that a run can be refused before anything large is allocated or looped over.
 *
 * The estimate is a closed formula, O(1) in every size: no list of parameters, layers or steps is
 * built to count them. Sizes are safe integers; their products are computed in float64, where a
 * product of five of them stays below 1e80, far from overflow (1.8e308); an estimate beyond 2^53
 * bytes is refused whatever the budget, since it can no longer be told apart from its neighbours.
 *
 * Shape of what is counted (float32 values unless said): x (seqLen, batch, inputSize) |
 * layer outputs (seqLen, batch, D * realHidden) | trace (numLayers * D, seqLen, batch, realHidden),
 * and c for LSTM | h_0, h_n (numLayers * D, batch, realHidden) | statistics (numLayers * D, seqLen,
 * STAT_FIELDS) float64 | parameters, closed form of parameterSpecs.
 */
import { BudgetError, ConfigError } from '../errors.js';
import type { PipelineSpec } from '../schema/pipeline.js';
import { projectionSteps } from './run/automatic.js';
import { GRAD_ROWS } from '../kernels/over-rows.js';
import { numDirections, realHiddenSize, resolveConfig, type RecurrentConfig } from './layer/config.js';
import { kindOf, type CellKind } from './kinds/index.js';
import { optionsOf } from './pipeline.js';
import { STAT_FIELDS } from './layer/trace-stats.js';

/** The largest typed array V8 makes (Node 20): `new Float32Array(2 ** 32 + 1)` is refused. */
export const MAX_ARRAY_VALUES = 2 ** 32;

/**
 * Bytes the report holds per layer, direction and step beyond the engine's arrays: the step's
 * statistics as a JS object and its text. Measured as peak RSS on (batch 1, seq_len 1000, input 1,
 * hidden 1) at 1000 and 2000 layers: 0.86 KiB more per step with --format json, 0.29 KiB with the
 * table.
 */
export const REPORT_BYTES_PER_STEP = 1024;

/**
 * Bytes per value the report shows as a number (--trace full, --include-tensors): a double in a JS
 * array and its JSON text. Measured as peak RSS on (batch 50, seq_len 1000, input 1, hidden 50):
 * 124 bytes more per value of a second layer with --trace full, 114 per value of out with
 * --include-tensors (both --format json).
 */
export const REPORT_BYTES_PER_VALUE = 128;

export interface EstimateOptions {
  /** The engine keeps every layer's h (and c) at every step (the library's default); else statistics. */
  keepTrace?: boolean;
  /** compare: a second pass (the manual one) whose results and full trace are kept beside the first's. */
  passes?: 1 | 2;
  /** Training mode: dropout masks for each layer's output but the last. */
  training?: boolean;
  /** What the report holds: nothing per step, statistics per step, or every value of the trace. */
  report?: 'none' | 'summary' | 'full';
  /** The report carries out, h_n (and c_n) as numbers. */
  includeTensors?: boolean;
}

export interface MemoryEstimate {
  bytes: number;
  /** The parameters' share of bytes (counted twice: the module's own and one copy). */
  parameterBytes: number;
  /** Parameters of the module, as parameterCount(parameterSpecs(...)) would count them. */
  parameters: number;
  /** Values of the largest single array the run makes. */
  largestArray: number;
}

/** parameterCount(parameterSpecs(kind, config)) in closed form: O(1) in num_layers. */
export function countParameters(kind: CellKind, config: RecurrentConfig): number {
  const D = numDirections(config);
  const L = config.numLayers;
  const H = config.hiddenSize;
  const Hr = realHiddenSize(config);
  const G = kind.gates.length * H;
  const perDirection =
    G * (config.inputSize + Hr) + // layer 0: weight_ih, weight_hh
    (L - 1) * G * (D * Hr + Hr) + // layers above read D * Hr features
    (config.bias ? L * 2 * G : 0) + // bias_ih, bias_hh
    (config.projSize > 0 ? L * config.projSize * H : 0); // weight_hr
  return D * perDirection;
}

export function estimateForward(kind: CellKind, config: RecurrentConfig, seqLen: number, batch: number, options: EstimateOptions = {}): MemoryEstimate {
  const { keepTrace = true, passes = 1, training = false, report = 'none', includeTensors = false } = options;
  const D = numDirections(config);
  const L = config.numLayers;
  const H = config.hiddenSize;
  const Hr = realHiddenSize(config);
  const G = kind.gates.length * H;
  const C = kind.hasCellState ? H : 0;
  const steps = seqLen * batch;
  const layerOut = steps * D * Hr;
  const trace = L * D * steps * (Hr + C);
  const states = L * D * batch * (Hr + C);
  const parameters = countParameters(kind, config);
  const masks = training && config.dropout > 0 && L > 1 ? L * layerOut : 0; // (L - 1) masks and a dropped copy
  // Two threads hold a shared copy of x, out, the states and the parameters besides the slices' own,
  // which the factor 2 on each covers.
  const pass =
    2 * steps * config.inputSize + // x, its time-major copy (or a thread's shared copy)
    2 * 2 * layerOut + // a layer's input and output (and their shared copies)
    3 * states + // h_0, h_n (c_0, c_n) and shared copies
    (keepTrace ? trace : 2 * L * D * seqLen * STAT_FIELDS) + // the trace, or its float64 statistics
    projectionSteps(seqLen, batch) * batch * G + // x W_ih^T for a chunk of steps
    batch * 4 * G + // gh, h, c and a projection of one step
    masks;
  // The second pass keeps its out, h_n and full trace while the first's are held for the comparison.
  const second = passes === 2 ? layerOut + states + trace : 0;
  const values = pass + second + 2 * parameters;
  const reportValues = (report === 'full' ? passes * trace : 0) + (includeTensors ? layerOut + states : 0);
  const reportBytes = (report === 'none' ? 0 : L * D * seqLen * REPORT_BYTES_PER_STEP) + reportValues * REPORT_BYTES_PER_VALUE;
  const largestArray = Math.max(
    steps * config.inputSize,
    layerOut,
    keepTrace ? steps * (Hr + C) : 0,
    states,
    L * D * seqLen * STAT_FIELDS,
    G * Math.max(config.inputSize, D * Hr),
  );
  return { bytes: 4 * values + reportBytes, parameterBytes: 4 * 2 * parameters, parameters, largestArray };
}

/** A size in B, KiB, ... EiB, one decimal. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/**
 * Throws a BudgetError naming the estimate and the budget when `bytes` exceeds `budget`, when it is
 * beyond 2^53, or when one array would be larger than a typed array can be. `what` names the run
 * ("a run", "a pipeline"), `detail` the sizes behind the estimate.
 */
export function checkBudget(bytes: number, budget: number, what: string, detail: string, largestArray = 0): void {
  if (!(bytes <= budget) || bytes > Number.MAX_SAFE_INTEGER) {
    throw new BudgetError(
      `--max-memory: expected ${what} within ${formatBytes(budget)}, got an estimate of ${formatBytes(bytes)} (${detail}); raise --max-memory or shrink the run`,
    );
  }
  if (largestArray > MAX_ARRAY_VALUES) {
    throw new BudgetError(
      `${what}: expected arrays of at most 2^32 values (the most a JavaScript typed array holds), got one of ${largestArray.toExponential(2)} values (${detail}); shrink the run`,
    );
  }
}

/** The sizes a composed model's module sees: its seq_len and batch. */
export type StageSizes = (input: string, batchFirst: boolean) => { seqLen: number; batch: number };

export interface PipelineEstimate {
  bytes: number;
  parameterBytes: number;
  largestArray: number;
  /** The module with the largest estimate, and it. */
  largest: { name: string; bytes: number };
}

/**
 * A composed model's estimate from its spec alone, before any module is constructed (a module
 * allocates its parameters when it is): the sum over modules, each with the seq_len and batch of
 * the input its chain of sources starts from (`sizes`), all of them held until the report is made.
 * A module's configuration is checked here as its constructor would (ConfigError, named).
 */
export function estimatePipeline(spec: PipelineSpec, sizes: StageSizes, options: EstimateOptions = {}): PipelineEstimate {
  const modules = spec.modules;
  const index = new Map(modules.map((m, i) => [m.name, i]));
  const reads = (i: number): string => modules[i]!.input ?? (i === 0 ? 'x' : modules[i - 1]!.name);
  const total: PipelineEstimate = { bytes: 0, parameterBytes: 0, largestArray: 0, largest: { name: '', bytes: -1 } };
  modules.forEach((m, i) => {
    // The input tensor this module's chain of sources starts from; a cycle (refused later) stops the walk.
    let src = i;
    for (let hops = 0; index.has(reads(src)) && hops < modules.length; hops++) src = index.get(reads(src))!;
    // The layout of the chain's first recurrent module decides which dimension of token ids is batch.
    const first = modules.slice(src, i + 1).find((n) => n.type !== 'embedding' && n.type !== 'linear');
    const { seqLen, batch } = sizes(reads(src), (first && 'batch_first' in first ? first.batch_first : undefined) ?? false);
    let e: MemoryEstimate;
    if (m.type === 'embedding' || m.type === 'linear') {
      // Parameters (the module's and one copy), the output at every position, the input a head selects.
      const [parameters, width, input] =
        m.type === 'embedding'
          ? [m.num_embeddings * m.embedding_dim, m.embedding_dim, seqLen * batch * 2]
          : [m.out_features * m.in_features + (m.bias === false ? 0 : m.out_features), m.out_features, seqLen * batch * m.in_features];
      const out = seqLen * batch * width;
      e = { bytes: 4 * (2 * parameters + out + input) + (options.includeTensors ? REPORT_BYTES_PER_VALUE * out : 0), parameterBytes: 8 * parameters, parameters, largestArray: Math.max(parameters, out, input) };
    } else {
      let config: RecurrentConfig;
      const kind = kindOf(m.type);
      try {
        config = resolveConfig(kind, optionsOf(m, 0));
      } catch (err) {
        if (err instanceof ConfigError) throw new ConfigError(`${m.name}: ${err.message}`);
        throw err;
      }
      e = estimateForward(kind, config, seqLen, batch, options);
    }
    total.bytes += e.bytes;
    total.parameterBytes += e.parameterBytes;
    total.largestArray = Math.max(total.largestArray, e.largestArray);
    if (e.bytes > total.largest.bytes) total.largest = { name: m.name, bytes: e.bytes };
  });
  return total;
}

/**
 * Memory a backward pass needs (values held at once), from sizes alone: the forward pass with its
 * full trace, the saves, the step gradients it returns, the parameter gradients, and the largest
 * layer's working set (see the header of src/modules/run/backward.ts).
 */
export function estimateBackward(kind: CellKind, config: RecurrentConfig, seqLen: number, batch: number): MemoryEstimate {
  const D = numDirections(config);
  const Hr = realHiddenSize(config);
  const H = config.hiddenSize;
  const G = kind.gates.length * H;
  const R = seqLen * batch;
  const LD = config.numLayers * D;
  const gated = kind.gatedRecurrentTerm;
  const proj = config.projSize > 0;
  const K = Math.max(config.inputSize, config.numLayers > 1 ? D * Hr : 0);
  const saves = LD * R * (G + (gated ? G : 0) + (proj ? H : 0));
  const stepGradients = LD * R * (Hr + (kind.hasCellState ? H : 0));
  const chunk = Math.min(R, GRAD_ROWS);
  const layer =
    R * G * (gated ? 2 : 1) + // dGI (and dGH)
    R * Hr + // H_prev
    R * K * 4 + // the layer's input (a copy above layer 0), dX, one direction's share of it, dL/d(out)
    (G + K) * chunk + 3 * G * K + // a weight-gradient product: transposed chunks, its part and float64 sum
    G * (K + Hr) + (proj ? Hr * H : 0); // transposed weights
  const forward = estimateForward(kind, config, seqLen, batch, { keepTrace: true });
  const parameters = countParameters(kind, config);
  const values = saves + stepGradients + layer + parameters; // beyond the forward pass's own
  return { ...forward, bytes: forward.bytes + 4 * values, largestArray: Math.max(forward.largestArray, saves / LD, layer) };
}
