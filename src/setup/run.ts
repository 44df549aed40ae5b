/**
 * From flags and files to a module and its inputs. Sizes come, in order of authority, from the
 * weights file, then from explicit flags, then from the input file, then from defaults; a flag
 * given explicitly that contradicts a file is an error naming both.
 */
import { availableParallelism } from 'node:os';
import type { GateFunction } from '../kernels/activations.js';
import { FormatError, ShapeError, UsageError } from '../errors.js';
import type { KernelName } from '../kernels/kernel.js';
import { DTYPE_NAMES } from '../io/dtypes.js';
import { readTensorFile, readTensorsFile, type StoredTensor, type TensorFile } from '../io/index.js';
import { layoutWarnings } from '../diagnose/layout.js';
import { inferChain } from '../modules/infer-chain.js';
import { recurrentActivationNote, resolveConfig, type RecurrentOptions } from '../modules/layer/config.js';
import { candidateKinds, inferModules, type InferredModule } from '../modules/infer-config.js';
import { kindOf, type CellKind, type KindName } from '../modules/kinds/index.js';
import { cellsAsLayers } from '../modules/layer/parameters.js';
import { checkBudget, estimateForward, formatBytes, type EstimateOptions } from '../modules/memory.js';
import { Recurrent, type ForwardOptions } from '../modules/recurrent.js';
import type { RunGeometry } from '../report/describe.js';
import { Random } from '../tensor/random.js';
import { unravel } from '../tensor/stats.js';
import { formatShape, Tensor } from '../tensor/tensor.js';
import { warning, type Warning } from '../warnings.js';

export interface ModelFlags {
  type: string;
  batch: number;
  seqLen: number;
  inputSize: number;
  hiddenSize: number;
  layers: number;
  nonlinearity: 'tanh' | 'relu';
  bias: boolean;
  batchFirst?: boolean | undefined;
  bidirectional?: boolean | undefined;
  dropout: number;
  train?: boolean | undefined;
  unbatched?: boolean | undefined;
  projSize: number;
  seed: number;
  input?: string | undefined;
  h0?: string | undefined;
  c0?: string | undefined;
  weights?: string | undefined;
  module?: string | undefined;
  lengths?: number[] | undefined;
  enforceSorted?: boolean | undefined;
  maxMemory: number;
  /** Accept NaN and Infinity in x, h_0, c_0 and the weights (the run's report then says where they went). */
  allowNonfinite?: boolean | undefined;
  /** Threads for the automatic path at most (the pool decides below that). */
  threads: number;
  /** The products' kernel (src/kernels/kernel.ts): default wasm where WebAssembly SIMD is available. */
  kernel?: KernelName | undefined;
  /** Float64 sums on every kernel: bit for bit the js kernel's results. */
  exact?: boolean | undefined;
}

/** Whether the user typed the option (as opposed to its default). */
export type Explicit = (key: keyof ModelFlags) => boolean;

export interface RunSetup {
  module: Recurrent;
  x: Tensor;
  forward: ForwardOptions;
  geometry: RunGeometry;
  /** What the tool did on the user's behalf (a cell's weights run as a layer, ...). */
  notes: string[];
  /** Inputs accepted with non-finite values (--allow-nonfinite), data that looks like the other layout. */
  warnings: Warning[];
}

const FLAG: Record<string, string> = {
  type: '--type',
  inputSize: '--input-size',
  hiddenSize: '--hidden-size',
  layers: '--layers',
  bidirectional: '--bidirectional',
  nonlinearity: '--nonlinearity',
  bias: '--no-bias',
  projSize: '--proj-size',
  batch: '--batch',
  seqLen: '--seq-len',
  unbatched: '--unbatched',
};

/**
 * Finite values only: NaN or Infinity in an input would poison every later step. With `allowed`
 * (--allow-nonfinite) they are accepted, and `warnings` gets a line saying where the first is.
 */
export function checkFinite(t: Tensor, label: string, allowed = false, warnings?: Warning[]): Tensor {
  const i = t.data.findIndex((v) => !Number.isFinite(v));
  if (i < 0) return t;
  const found = `${t.data[i]} at [${unravel(i, t.shape).join(', ')}]`;
  if (!allowed) throw new FormatError(`${label}: expected finite numbers, got ${found} (--allow-nonfinite accepts them)`);
  warnings?.push(warning('non-finite-accepted', `${label} holds non-finite values (the first: ${found}); accepted with --allow-nonfinite`));
  return t;
}

export function readInput(file: string, what: string, maxBytes?: number, allowed = false, warnings?: Warning[]): Tensor {
  return readStoredInput(file, what, maxBytes, allowed, warnings).tensor;
}

/** readInput, with the file's own element type (integer token ids are told apart from features). */
function readStoredInput(file: string, what: string, maxBytes?: number, allowed = false, warnings?: Warning[]): StoredTensor {
  const label = `${what} (${file === '-' ? 'standard input' : file})`;
  const stored = readTensorFile(file, maxBytes === undefined ? {} : { maxBytes });
  checkFinite(stored.tensor, label, allowed, warnings);
  return stored;
}

/**
 * x read from an integer file while the weights hold an Embedding: token ids, most likely, which
 * the model embeds before its recurrent module reads features. The Embedding that feeds
 * `inputSize` features if there is one, else the first; null when x is not integer or there is none.
 */
function tokenIdsEmbedding(stored: StoredTensor, weights: TensorFile | null, inputSize: number): string | null {
  if (!stored.integers || !weights) return null;
  const embeddings = inferChain(new Map([...weights.tensors].map(([k, v]) => [k, v.tensor]))).entries.flatMap((e) => (e.spec.type === 'embedding' ? [e.spec] : []));
  const e = embeddings.find((s) => s.embedding_dim === inputSize) ?? embeddings[0];
  return e ? `${e.name}, Embedding(${e.num_embeddings}, ${e.embedding_dim})` : null;
}

/** The sizes behind an estimate, for a refusal: `seq_len 10 × batch 3 × 4 layer(s), hidden 20; parameters 2.0 GiB`. */
function estimateDetail(seqLen: number, batch: number, numLayers: number, numDirections: number, hiddenSize: number, parameterBytes: number): string {
  const directions = numDirections === 2 ? ' × 2 directions' : '';
  return `seq_len ${seqLen} × batch ${batch} × ${numLayers} layer(s)${directions}, hidden ${hiddenSize}; parameters ${formatBytes(parameterBytes)} of it`;
}

/** The recurrent module a weights file holds, chosen with --module when there are several. */
export function pickModule(file: string, weights: TensorFile, prefix: string | undefined): InferredModule | null {
  const { modules } = inferModules(new Map([...weights.tensors].map(([k, v]) => [k, v.tensor])), weights.modules);
  const names = modules.map((m) => (m.prefix === '' ? '(top level)' : m.prefix.replace(/\.$/, '')));
  if (prefix !== undefined) {
    const want = prefix.replace(/\.$/, '');
    const found = modules.find((m) => m.prefix.replace(/\.$/, '') === want);
    if (!found) throw new UsageError(`--module: expected one of ${names.join(', ') || '(none found)'} in ${file}, got "${prefix}"`);
    return found;
  }
  if (modules.length > 1) {
    throw new UsageError(`--module: ${file} holds ${modules.length} recurrent modules; expected --module with one of ${names.join(', ')}`);
  }
  return modules[0] ?? null;
}

/**
 * No recurrent module in the weights: when a group of its keys was rejected for another kind than
 * the one the flags build (or for no kind at all, its rows fitting none), under a prefix, or a cell's,
 * loading the state_dict into that module would name the wrong kind ("for RNN" on an LSTMCell's
 * weights) or keys the file does not have: the reasons are the error instead, in the file's own
 * key names. A top-level module's group of the flags' kind still gets PyTorch's load_state_dict error.
 */
function noModuleRecognised(file: string, weights: TensorFile, cells: readonly string[], flagged: CellKind): void {
  const { rejected } = inferModules(new Map([...weights.tensors].map(([k, v]) => [k, v.tensor])), weights.modules, { cells });
  if (!rejected.some((g) => g.prefix !== '' || cells.includes(g.prefix) || g.kind === null || kindOf(g.kind).gates.length !== flagged.gates.length)) return;
  const why = rejected.map((g) => `${g.prefix.replace(/\.$/, '') || '(top level)'}: ${g.reason}`).join('; ');
  throw new FormatError(`${file}: expected the weights of a recurrent module (weight_ih_l0, weight_hh_l0, ..., or a cell's weight_ih, weight_hh, ...), got none recognised: ${why}`);
}

function describeInferred(m: InferredModule, key: keyof ModelFlags): string {
  switch (key) {
    case 'type':
      return m.declaredBy ? `a ${kindOf(m.type).name} (${m.declaredBy})` : `a ${kindOf(m.type).name} (weight_ih_l0 rows = ${kindOf(m.type).gates.length} × hidden_size)`;
    case 'nonlinearity':
      return `nonlinearity ${m.nonlinearity ?? 'tanh'} (${m.declaredBy ?? 'the weights'})`;
    case 'inputSize':
      return `input_size ${m.inputSize} (${m.prefix}weight_ih_l0 columns)`;
    case 'hiddenSize':
      return `hidden_size ${m.hiddenSize}`;
    case 'layers':
      return `num_layers ${m.numLayers}`;
    case 'bidirectional':
      return m.bidirectional ? 'a bidirectional module' : 'a unidirectional module (no _reverse keys)';
    case 'bias':
      return m.bias ? 'bias parameters' : 'no bias parameters';
    case 'projSize':
      return `proj_size ${m.projSize}`;
    default:
      return '';
  }
}

/** The flags that choose the module (no data). */
export type ModuleFlags = Pick<ModelFlags, 'type' | 'nonlinearity' | 'inputSize' | 'hiddenSize' | 'layers' | 'bidirectional' | 'bias' | 'projSize' | 'weights' | 'module' | 'maxMemory'>;

/** The module's kind and sizes (as a state_dict tells them), and where they came from. */
export interface ChosenModule extends Pick<InferredModule, 'inputSize' | 'hiddenSize' | 'numLayers' | 'bidirectional' | 'bias' | 'projSize'> {
  kind: CellKind<KindName>;
  /** The RNN's nonlinearity: a model file's (ONNX activations) when it declares one, else --nonlinearity. */
  nonlinearity: 'tanh' | 'relu';
  /** What the σ gates compute: the model file's recurrent activation when it declares one, else σ. */
  recurrentActivation: GateFunction;
  /** The state_dict read from --weights (a cell's renamed as a layer's), and the module found in it. */
  weights: TensorFile | null;
  inferred: InferredModule | null;
  /** --weights held a cell's weights, run as a one-layer module. */
  cell: boolean;
  notes: string[];
}

/** The module's kind and sizes: from --weights when given (a contradicting explicit flag is an error), else from the flags. */
export function chooseModule(flags: ModuleFlags, explicit: Explicit): ChosenModule {
  let weights: TensorFile | null = null;
  let inferred: InferredModule | null = null;
  let cell = false;
  const notes: string[] = [];
  if (flags.weights) {
    weights = readTensorsFile(flags.weights, { maxBytes: flags.maxMemory });
    const asLayers = cellsAsLayers(weights.tensors);
    if (asLayers) weights = { ...weights, tensors: asLayers.tensors };
    inferred = pickModule(flags.weights, weights, flags.module);
    if (!inferred) noModuleRecognised(flags.weights, weights, asLayers?.prefixes ?? [], kindOf(flags.type));
    if (inferred && asLayers?.prefixes.includes(inferred.prefix)) {
      cell = true;
      const where = inferred.prefix ? ` under ${inferred.prefix.replace(/\.$/, '')}` : '';
      notes.push(`${flags.weights} holds a cell's weights${where} (weight_ih, weight_hh, ...): run as a one-layer module, which steps that cell over every time step`);
    }
  } else if (flags.module !== undefined) {
    throw new UsageError(`--module: expected --weights FILE to pick a module from, got no --weights`);
  }

  // The module's configuration: the weights' word is final; a contradicting flag is an error.
  const fromWeights = <K extends keyof ModuleFlags>(key: K, value: ModuleFlags[K]): ModuleFlags[K] => {
    if (!inferred || !flags.weights) return flags[key];
    if (explicit(key) && flags[key] !== value) {
      throw new UsageError(`${FLAG[key]} ${String(flags[key])} contradicts ${flags.weights}: it holds ${describeInferred(inferred, key)}`);
    }
    return value;
  };
  // Kinds with the same gate count and parameters look alike in a state_dict: --type picks among them,
  // unless the file declares its kind (an ONNX node), whose word is final.
  const picks = inferred && !inferred.declaredBy && explicit('type') && (candidateKinds(inferred) as string[]).includes(flags.type);
  const type = !inferred ? flags.type : picks ? flags.type : fromWeights('type', inferred.type);
  const nonlinearity = inferred?.declaredBy && inferred.nonlinearity && kindOf(type).hasNonlinearity ? fromWeights('nonlinearity', inferred.nonlinearity) : flags.nonlinearity;
  const recurrentActivation = (inferred?.declaredBy && inferred.recurrentActivation) || 'sigmoid';
  if (recurrentActivation !== 'sigmoid') notes.push(recurrentActivationNote(recurrentActivation, inferred!.declaredBy!));
  return {
    kind: kindOf(type),
    nonlinearity,
    recurrentActivation,
    inputSize: inferred ? fromWeights('inputSize', inferred.inputSize) : flags.inputSize,
    hiddenSize: inferred ? fromWeights('hiddenSize', inferred.hiddenSize) : flags.hiddenSize,
    numLayers: inferred ? fromWeights('layers', inferred.numLayers) : flags.layers,
    bidirectional: (inferred ? fromWeights('bidirectional', inferred.bidirectional) : flags.bidirectional) ?? false,
    bias: inferred ? fromWeights('bias', inferred.bias) : flags.bias,
    projSize: inferred ? fromWeights('projSize', inferred.projSize) : flags.projSize,
    weights,
    inferred,
    cell,
    notes,
  };
}

/**
 * `estimate`: what the command keeps besides the module (keepTrace: every hidden state; passes:
 * compare's second pass; report: what the report holds per step), which the memory estimate counts
 * before anything large is allocated.
 */
export function setupRun(flags: ModelFlags, explicit: Explicit, estimate: Omit<EstimateOptions, 'training'> = {}): RunSetup {
  const warnings: Warning[] = [];
  const allowed = flags.allowNonfinite ?? false;
  const chosen = chooseModule(flags, explicit);
  const { kind, nonlinearity, recurrentActivation, hiddenSize, numLayers, bidirectional, bias, projSize, weights, inferred, cell, notes } = chosen;
  let { inputSize } = chosen;

  // The data: an input file fixes batch and seq_len; without one, random x from the flags.
  let x: Tensor | null = null;
  let batch = flags.batch;
  let seqLen = flags.seqLen;
  let batched = !flags.unbatched;
  // A file that declares a batch-first x (an ONNX graph transposing it) runs so without the flag.
  const batchFirst = flags.batchFirst ?? inferred?.batchFirst ?? false;
  if (flags.input) {
    const stored = readStoredInput(flags.input, 'x', flags.maxMemory, allowed, warnings);
    x = stored.tensor;
    const label = flags.input === '-' ? 'standard input' : flags.input;
    const embedding = inferred ? tokenIdsEmbedding(stored, weights, inputSize) : null;
    const dtype = stored.elementType ? DTYPE_NAMES[stored.elementType] : stored.dtype;
    const ids = embedding ? `${label} holds integers (${dtype}), token ids it seems, and ${flags.weights} holds an Embedding (${embedding})` : '';
    const embedFirst = `embed them first, as the model does: rnn-inspect pipeline --weights ${flags.weights} --input ${flags.input}`;
    if (x.rank === 2 || x.rank === 3) {
      batched = x.rank === 3;
      const fileSeq = batched ? x.shape[batchFirst ? 1 : 0]! : x.shape[0]!;
      const fileBatch = batched ? x.shape[batchFirst ? 0 : 1]! : 1;
      const layout = !batched ? '(seq_len, input_size)' : batchFirst ? '(batch, seq_len, input_size)' : '(seq_len, batch, input_size)';
      const clash = (key: 'batch' | 'seqLen', fileValue: number): void => {
        if (explicit(key) && flags[key] !== fileValue) {
          throw new UsageError(`${FLAG[key]} ${flags[key]} contradicts ${label}: x ${formatShape(x!.shape)} read as ${layout} has ${key === 'batch' ? 'batch' : 'seq_len'} ${fileValue}`);
        }
      };
      if (flags.unbatched && batched) throw new UsageError(`--unbatched contradicts ${label}: expected a 2-D x (seq_len, input_size), got ${formatShape(x.shape)}`);
      if (!batched && explicit('batch')) throw new UsageError(`--batch ${flags.batch} contradicts ${label}: x ${formatShape(x.shape)} is unbatched (2-D: seq_len, input_size)`);
      if (batched) clash('batch', fileBatch);
      clash('seqLen', fileSeq);
      batch = fileBatch;
      seqLen = fileSeq;
      const features = x.shape[x.rank - 1]!;
      if (!inferred && !explicit('inputSize')) inputSize = features;
      else if (features !== inputSize) {
        const source = inferred ? `${flags.weights} holds weight_ih_l0 with ${inputSize} columns` : `--input-size ${inputSize} was given`;
        const hint = ids ? `; ${ids}: ${embedFirst}` : '';
        throw new ShapeError(`x: input.size(-1) must be equal to input_size. Expected ${inputSize}, got ${features} (${source}; ${label} has ${features} features per step)${hint}`);
      }
      if (ids) warnings.push(warning('token-ids-as-features', `${ids}, but ${inferred!.prefix.replace(/\.$/, '') || 'the recurrent module'} reads x ${formatShape(x.shape)} as ${features} features per step, not as ids: ${embedFirst}`));
    }
  }
  if (!batched) {
    // An unbatched x runs as a batch of one, as PyTorch runs it (h_n's slices, the report's batch).
    if (!flags.input && explicit('batch') && flags.batch !== 1) throw new UsageError(`--batch ${flags.batch} contradicts --unbatched: an unbatched x (seq_len, input_size) has no batch dimension`);
    batch = 1;
  }

  const options: RecurrentOptions = {
    inputSize,
    hiddenSize,
    numLayers,
    nonlinearity,
    recurrentActivation,
    bias,
    batchFirst,
    dropout: flags.dropout,
    bidirectional,
    projSize,
    seed: flags.seed,
  };
  const config = resolveConfig(kind, options);
  const need = estimateForward(kind, config, seqLen, batch, { ...estimate, training: flags.train ?? false });
  checkBudget(need.bytes, flags.maxMemory, 'a run', estimateDetail(seqLen, batch, numLayers, bidirectional ? 2 : 1, hiddenSize, need.parameterBytes), need.largestArray);
  const module = new Recurrent(kind, options).train(flags.train ?? false);
  if (weights && flags.weights) {
    const prefix = inferred?.prefix ?? '';
    const own = new Map<string, Tensor>();
    for (const [k, v] of weights.tensors) if (k.startsWith(prefix)) own.set(k.slice(prefix.length), checkFinite(v.tensor, `${flags.weights}: ${k}`, allowed, warnings));
    module.loadStateDict(own);
  }
  if (!x) {
    const shape = !batched ? [seqLen, inputSize] : batchFirst ? [batch, seqLen, inputSize] : [seqLen, batch, inputSize];
    x = Tensor.zeros(shape);
    new Random(flags.seed ^ 0x5eed).fillNormal(x.data);
  }
  let h0 = flags.h0 ? readInput(flags.h0, 'h_0', flags.maxMemory, allowed, warnings) : undefined;
  let c0 = flags.c0 ? readInput(flags.c0, 'c_0', flags.maxMemory, allowed, warnings) : undefined;
  if (cell && batched) {
    // A cell's state is (batch, hidden); as the one layer's h_0 it is (1, batch, hidden).
    const asLayer = (t: Tensor | undefined, name: string): Tensor | undefined => {
      if (t?.rank !== 2) return t;
      notes.push(`${name} ${formatShape(t.shape)} is a cell's state; as the layer's ${name} it is ${formatShape([1, ...t.shape])}`);
      return t.reshape([1, ...t.shape]);
    };
    h0 = asLayer(h0, 'h_0');
    c0 = asLayer(c0, 'c_0');
  }
  warnings.push(...layoutWarnings(config, { x: x.shape, h0: h0?.shape, c0: c0?.shape, lengths: flags.lengths, xData: flags.input ? x.data : undefined }));
  if (c0 && !kind.hasCellState) throw new UsageError(`--c0: expected only with --type lstm (c is LSTM's cell state), got --type ${kind.type}`);
  // More threads than cores only add workers to wait on (measured: 8 threads on 2 cores ran slower
  // than 2 and used 90 MB more), so the CLI caps the request and says so.
  const cores = availableParallelism();
  let threads = flags.threads;
  if (threads > cores) {
    notes.push(`--threads ${threads}: this machine has ${cores} core${cores === 1 ? '' : 's'}; ${cores} thread${cores === 1 ? '' : 's'} used`);
    threads = cores;
  }
  const forward: ForwardOptions = { threads };
  if (flags.kernel) forward.kernel = flags.kernel;
  if (flags.exact) forward.exact = true;
  // For tests and tuning: the FLOPs from which a pass uses the worker pool (src/modules/run/pool.ts).
  const minFlops = process.env['RNN_INSPECT_PARALLEL_MIN_FLOPS'];
  if (minFlops !== undefined && minFlops !== '' && Number.isFinite(Number(minFlops))) forward.parallelMinFlops = Number(minFlops);
  if (h0) forward.h0 = h0;
  if (c0) forward.c0 = c0;
  if (flags.lengths) forward.lengths = flags.lengths;
  if (flags.enforceSorted) forward.enforceSorted = true;
  return {
    module,
    x,
    forward,
    notes,
    warnings,
    geometry: { seqLen, batch, batched, h0Given: !!h0, c0Given: !!c0, lengths: flags.lengths ?? null },
  };
}
