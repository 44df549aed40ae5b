/**
 * A recurrent module's configuration, checked as PyTorch's constructor checks it. A cell (RNNCell,
 * LSTMCell, GRUCell) is the one-layer, one-direction configuration, checked by the same code.
 */
import { ConfigError } from '../../errors.js';
import { gateFunctions, gateFunctionNames, type GateFunction, type Nonlinearity } from '../../kernels/activations.js';
import { warning, type Warning } from '../../warnings.js';
import { kinds, type CellKind } from '../kinds/index.js';

/** torch.nn.RNN / LSTM / GRU constructor arguments, in camelCase. */
export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number | undefined;
  /** RNN only. */
  nonlinearity?: Nonlinearity | undefined;
  /** What the σ gates compute (Keras's recurrent_activation); sigmoid unless a model file says another. Kinds with σ gates only. */
  recurrentActivation?: GateFunction | undefined;
  bias?: boolean | undefined;
  batchFirst?: boolean | undefined;
  /** Dropout on each layer's output but the last, in training mode only. */
  dropout?: number | undefined;
  bidirectional?: boolean | undefined;
  /** LSTM only: project h to this many features (0: none). */
  projSize?: number | undefined;
  /** Seed of the generator that initialises the weights (and draws dropout masks). */
  seed?: number | undefined;
}

export interface RecurrentConfig {
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  nonlinearity: Nonlinearity;
  recurrentActivation: GateFunction;
  bias: boolean;
  batchFirst: boolean;
  dropout: number;
  bidirectional: boolean;
  projSize: number;
  seed: number;
}

export const DEFAULT_SEED = 0;
/** Seeds are 32-bit: the generator's state. */
export const MAX_SEED = 0xffffffff;

export function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new ConfigError(`seed: expected an integer in 0..${MAX_SEED}, got ${String(seed)}`);
  }
  return seed;
}

export function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${name}: expected a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * The configuration as PyTorch's constructor checks it. `name` is the class named in messages: the
 * kind's module (`RNN`), or its cell (`RNNCell`) for a cell's one-layer configuration.
 */
export function resolveConfig(kind: CellKind, options: RecurrentOptions, name: string = kind.name): RecurrentConfig {
  const inputSize = positiveInteger('input_size', options.inputSize);
  const hiddenSize = positiveInteger('hidden_size', options.hiddenSize);
  const numLayers = positiveInteger('num_layers', options.numLayers ?? 1);
  const nonlinearity = options.nonlinearity ?? 'tanh';
  if (nonlinearity !== 'tanh' && nonlinearity !== 'relu') {
    throw new ConfigError(`nonlinearity: Unknown nonlinearity '${String(nonlinearity)}' (expected tanh or relu)`);
  }
  if (nonlinearity !== 'tanh' && !kind.hasNonlinearity) {
    const takes = kinds.filter((k) => k.hasNonlinearity).map((k) => k.name).join(', ');
    throw new ConfigError(`nonlinearity: expected none for ${name} (only ${takes} takes one), got '${nonlinearity}'`);
  }
  const recurrentActivation = options.recurrentActivation ?? 'sigmoid';
  if (!gateFunctionNames.includes(recurrentActivation)) {
    throw new ConfigError(`recurrent_activation: expected one of ${gateFunctionNames.join(', ')}, got '${String(recurrentActivation)}'`);
  }
  if (recurrentActivation !== 'sigmoid' && !hasSigmoidGates(kind)) {
    const takes = kinds.filter(hasSigmoidGates).map((k) => k.name).join(', ');
    throw new ConfigError(`recurrent_activation: expected none for ${name} (only ${takes} have σ gates), got '${recurrentActivation}'`);
  }
  const dropout = options.dropout ?? 0;
  if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
    throw new ConfigError(
      `dropout: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${String(dropout)}`,
    );
  }
  const projSize = options.projSize ?? 0;
  if (typeof projSize !== 'number' || !Number.isInteger(projSize) || projSize < 0) {
    throw new ConfigError(`proj_size: proj_size should be a positive integer or zero to disable projections, got ${String(projSize)}`);
  }
  if (projSize > 0 && !kind.supportsProjection) {
    const [yes, no] = [kinds.filter((k) => k.supportsProjection), kinds.filter((k) => !k.supportsProjection)].map((ks) => ks.map((k) => k.name));
    throw new ConfigError(`proj_size: proj_size argument is only supported for ${yes!.join(', ')}, not ${no!.join(' or ')} (got proj_size=${projSize} for ${name})`);
  }
  if (projSize > 0 && projSize >= hiddenSize) {
    throw new ConfigError(`proj_size: proj_size has to be smaller than hidden_size, got proj_size=${projSize}, hidden_size=${hiddenSize}`);
  }
  const seed = options.seed ?? DEFAULT_SEED;
  checkSeed(seed);
  return {
    inputSize,
    hiddenSize,
    numLayers,
    nonlinearity,
    recurrentActivation,
    bias: options.bias ?? true,
    batchFirst: options.batchFirst ?? false,
    dropout,
    bidirectional: options.bidirectional ?? false,
    projSize,
    seed,
  };
}

/** True when some gate of the kind runs σ, which a recurrent activation replaces (LSTM, GRU; not the Elman RNN). */
export function hasSigmoidGates(kind: CellKind): boolean {
  return kind.gates.some((g) => g.activation === 'sigmoid');
}

/** The function the σ gates run, for StepArgs. */
export function recurrentActivationOf(config: Pick<RecurrentConfig, 'recurrentActivation'>): (v: number) => number {
  return gateFunctions[config.recurrentActivation].f;
}

/** What a run says of σ gates that compute another function, and who said so. */
export function recurrentActivationNote(fn: GateFunction, source: string): string {
  const g = gateFunctions[fn];
  return `recurrent_activation ${fn}: the σ gates compute ${g.formula}, as ${g.computedBy} (${source})`;
}

/** A cell's options: one layer, one direction, no batch_first or dropout. */
export type CellOptions = Pick<RecurrentOptions, 'inputSize' | 'hiddenSize' | 'bias' | 'nonlinearity' | 'projSize' | 'seed'>;

/** A cell is the one-layer, one-direction configuration, checked by the same code as the stacked module. */
export function resolveCellConfig(kind: CellKind, options: CellOptions): RecurrentConfig {
  const { inputSize, hiddenSize, bias, nonlinearity, projSize, seed } = options;
  return resolveConfig(kind, { inputSize, hiddenSize, bias, nonlinearity, projSize, seed, numLayers: 1 }, kind.cellName);
}

/** PyTorch's warning for dropout on a single layer (it has no effect there). */
export function configWarnings(config: RecurrentConfig): Warning[] {
  if (config.dropout > 0 && config.numLayers === 1) {
    return [
      warning('dropout-single-layer', `dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects num_layers greater than 1, but got dropout=${config.dropout} and num_layers=1`),
    ];
  }
  return [];
}

export function numDirections(config: RecurrentConfig): number {
  return config.bidirectional ? 2 : 1;
}

/** Features of h and out per direction: proj_size when projecting, else hidden_size. */
export function realHiddenSize(config: RecurrentConfig): number {
  return config.projSize > 0 ? config.projSize : config.hiddenSize;
}

/** PyTorch's repr of the module: `RNN(100, 20, num_layers=4, batch_first=True)`. */
export function moduleRepr(kind: CellKind, config: RecurrentConfig): string {
  const py = (v: boolean | number): string => (typeof v === 'boolean' ? (v ? 'True' : 'False') : Number.isInteger(v) ? v.toFixed(1) : String(v));
  let s = `${config.inputSize}, ${config.hiddenSize}`;
  if (config.projSize !== 0) s += `, proj_size=${config.projSize}`;
  if (config.numLayers !== 1) s += `, num_layers=${config.numLayers}`;
  if (!config.bias) s += `, bias=${py(false)}`;
  if (config.batchFirst) s += `, batch_first=${py(true)}`;
  if (config.dropout !== 0) s += `, dropout=${py(config.dropout)}`;
  if (config.bidirectional) s += `, bidirectional=${py(true)}`;
  return `${kind.name}(${s})`;
}

/** The sizes every executor works with, computed once per forward pass (PreparedInput.geometry). */
export interface Geometry {
  seqLen: number;
  batch: number;
  /** Directions: 2 when bidirectional. */
  D: number;
  /** hidden_size: the width of the gates and of c. */
  H: number;
  /** h's features: proj_size when projecting, else hidden_size. */
  Hr: number;
  /** Gate columns of weight_ih and weight_hh: gates × hidden_size. */
  G: number;
  L: number;
  inputSize: number;
}

export function geometryOf(kind: CellKind, config: RecurrentConfig, seqLen: number, batch: number): Geometry {
  return {
    seqLen,
    batch,
    D: numDirections(config),
    H: config.hiddenSize,
    Hr: realHiddenSize(config),
    G: kind.gates.length * config.hiddenSize,
    L: config.numLayers,
    inputSize: config.inputSize,
  };
}
