/**
 * Keras model configs, as TF.js model.json (./tfjs.ts), Keras 3's `.keras` and Keras's legacy `.h5`
 * (./keras.ts) carry them, read as PyTorch's state_dict: one reading of the layers for every file
 * that holds them; each reader says where the weights are and which producer computes the file.
 *
 * SimpleRNN, LSTM and GRU layers (and Bidirectional wrappers, merge_mode concat) become the
 * engine's kinds through each kind's `keras` form (src/modules/kinds/): kernel (input, G*units) is
 * W_ih transposed, recurrent_kernel (units, G*units) W_hh transposed, the gate blocks moved from
 * Keras's order (LSTM i, f, c, o; GRU z, r, h) to PyTorch's (i, f, g, o; r, z, n); one bias is
 * b_ih with b_hh = 0, GRU reset_after's two rows are b_ih and b_hh. GRU reset_after=False is the
 * engine's GRUResetBefore. Consecutive layers that stack as PyTorch stacks them (same kind,
 * units, directions, activations and bias; every layer but the top returning sequences; Dropout
 * between them is the identity at inference) are one module of num_layers = their count. Other
 * layers (Dense, Embedding, ...) are listed in the metadata, not run. What the engine would run
 * otherwise than the producer is refused, naming it: go_backwards on a layer of its own,
 * activations other than tanh (and relu for SimpleRNN), a recurrent_activation other than sigmoid
 * and hard_sigmoid, Masking and mask_zero, time_major, a float16 dtype policy, a nested model,
 * quantized weights.
 *
 * A layer is `{class_name, config}` (tfjs, Keras 2) or `{module, class_name, config,
 * registered_name}` (Keras 3); a functional model's inbound nodes are `[[[name, 0, 0, {}]]]`
 * (tfjs, Keras 2) or `[{args: [{class_name: "__keras_tensor__", config: {keras_history: [name,
 * 0, 0]}}], kwargs}]` (Keras 3). A Bidirectional layer wraps `layer` and, in Keras 3, names its
 * `backward_layer` (go_backwards true), which must be the same layer run backwards.
 */
import { FormatError } from '../errors.js';
import { gateFunctions, type GateFunction } from '../kernels/activations.js';
import { kinds, type CellKind } from '../modules/kinds/index.js';
import { parameterSuffix } from '../modules/layer/parameters.js';
import { Tensor } from '../tensor/tensor.js';
import type { DeclaredModule, StoredTensor } from './format.js';
import { describeJson } from './json.js';

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Layers that are the identity when a model runs for inference: they may sit between two stacked layers. */
const INFERENCE_IDENTITY = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']);
/** Layers that are models: what they hold is not read. */
const NESTED_MODELS = new Set(['Sequential', 'Functional', 'Model']);
export const KERAS_CLASSES = new Set(kinds.flatMap((k) => (k.keras ? [k.keras.className] : [])));

/** Who computes a file, for its activations: tfjs, Keras 2 or Keras 3. */
export interface KerasProducer {
  /** For messages: `tfjs`, `Keras 3`. */
  name: string;
  /**
   * What the file's `hard_sigmoid` is: clip(0.2x + 0.5, 0, 1) for tfjs and Keras 2, relu6(x + 3) / 6
   * for Keras 3; null for a file that does not say its Keras version (hard_sigmoid is then refused).
   */
  hardSigmoid: GateFunction | null;
  /** recurrent_activation when a config leaves it out (tfjs and Keras 2: hard_sigmoid; Keras 3: sigmoid). */
  defaultRecurrentActivation: 'sigmoid' | 'hard_sigmoid';
  /** Where the weights are, for messages: `weightsManifest`, `model.weights.h5`. */
  weightsWhere: string;
}

/** The producer of a file from the Keras version it names (`2.15.0`, `3.15.1`), if any. */
export function kerasProducer(version: string | null, weightsWhere: string): KerasProducer {
  const major = version === null ? NaN : Number.parseInt(version, 10);
  if (!Number.isFinite(major)) return { name: 'an unknown Keras', hardSigmoid: null, defaultRecurrentActivation: 'hard_sigmoid', weightsWhere };
  return major >= 3
    ? { name: `Keras ${version}`, hardSigmoid: 'hard_sigmoid_relu6', defaultRecurrentActivation: 'sigmoid', weightsWhere }
    : { name: `Keras ${version}`, hardSigmoid: 'hard_sigmoid', defaultRecurrentActivation: 'hard_sigmoid', weightsWhere };
}

/** snake_case as Keras's naming.to_snake_case: SimpleRNN → simple_rnn, LSTM → lstm. */
export function snakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// The topology.

export interface KerasLayer {
  className: string;
  name: string;
  config: Json;
  /** The layers whose outputs this one reads (functional models), when the config says. */
  inbound: string[] | null;
}

/** The layers of a Sequential or functional config, in order. `what` names the file's kind for messages. */
export function kerasLayers(topology: Json, file: string, what: string): { layers: KerasLayer[]; modelClass: string } {
  const model = isObject(topology['model_config']) ? topology['model_config'] : topology;
  const modelClass = String(model['class_name'] ?? '');
  const config = model['config'];
  const list = Array.isArray(config) ? config : isObject(config) ? config['layers'] : undefined;
  if (!Array.isArray(list)) throw new FormatError(`${file}: expected ${what} with a Sequential or functional model config (a list of layers), got ${describeJson(model)}`);
  const layers = list.map((l, i): KerasLayer => {
    if (!isObject(l) || typeof l['class_name'] !== 'string' || !isObject(l['config'])) throw new FormatError(`${file}: layer ${i}: expected {class_name, config}, got ${describeJson(l)}`);
    const c = l['config'];
    return { className: l['class_name'], name: String(c['name'] ?? l['name'] ?? `layer${i}`), config: c, inbound: inboundOf(l) };
  });
  return { layers, modelClass };
}

/** Every `keras_history` layer name under a Keras 3 node's args and kwargs, in order. */
function kerasHistory(v: unknown, into: string[], depth = 0): void {
  if (depth > 16) return;
  if (Array.isArray(v)) for (const e of v) kerasHistory(e, into, depth + 1);
  else if (isObject(v)) {
    const history = isObject(v['config']) ? v['config']['keras_history'] : undefined;
    if (v['class_name'] === '__keras_tensor__' && Array.isArray(history)) into.push(String(history[0]));
    else for (const e of Object.values(v)) kerasHistory(e, into, depth + 1);
  }
}

/** The names of the layers a functional model's layer reads: `[[[name, 0, 0, {}]]]` (tfjs, Keras 2) or Keras 3's nodes. */
function inboundOf(layer: Json): string[] | null {
  const nodes = layer['inbound_nodes'];
  if (!Array.isArray(nodes) || !nodes.length) return null;
  const first = nodes[0];
  if (Array.isArray(first)) return first.map((entry) => (Array.isArray(entry) ? String(entry[0]) : '?'));
  if (!isObject(first)) return null;
  const names: string[] = [];
  kerasHistory([first['args'], first['kwargs']], names);
  return names;
}

/** A recurrent layer (or a Bidirectional one) as the engine will run it. */
export interface RecurrentLayer {
  name: string;
  /** The layer's class (Bidirectional for a wrapper). */
  className: string;
  label: string;
  kind: CellKind;
  units: number;
  directions: 1 | 2;
  nonlinearity: 'tanh' | 'relu';
  recurrentActivation: GateFunction;
  bias: boolean;
  returnSequences: boolean;
  returnState: boolean;
  /** The inner layer's name within a Bidirectional wrapper, else null. */
  inner: string | null;
}

function flag(config: Json, key: string, fallback: boolean): boolean {
  const v = config[key];
  return v === undefined || v === null ? fallback : v === true;
}

/** A config's activation name: `"tanh"`, or Keras 3's serialised `{class_name: "function", config: "tanh"}`. */
function activationName(v: unknown, fallback: string): string {
  if (v === undefined || v === null) return fallback;
  if (isObject(v) && typeof v['config'] === 'string') return v['config'];
  return typeof v === 'string' ? v : describeJson(v);
}

/** A layer's dtype policy name (`float32`, `mixed_float16`) from Keras 2's string or policy object, or Keras 3's DTypePolicy. */
function dtypePolicy(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (isObject(v) && isObject(v['config']) && typeof v['config']['name'] === 'string') return v['config']['name'];
  return null;
}

/** The engine's reading of a SimpleRNN, LSTM or GRU config; refuses what it would run otherwise than the producer. */
function cellLayer(className: string, config: Json, label: string, wrapped: boolean, producer: KerasProducer): Omit<RecurrentLayer, 'name' | 'className' | 'directions' | 'inner' | 'label'> {
  const ofClass = kinds.filter((k) => k.keras?.className === className);
  const resetAfter = config['reset_after'] === true;
  const kind = ofClass.find((k) => k.keras!.resetAfter === null || k.keras!.resetAfter === resetAfter)!;
  const units = config['units'];
  if (typeof units !== 'number' || !Number.isInteger(units) || units < 1) throw new FormatError(`${label}: expected units a positive integer, got ${describeJson(units)}`);
  const activation = activationName(config['activation'], 'tanh');
  let nonlinearity: 'tanh' | 'relu' = 'tanh';
  if (kind.hasNonlinearity && (activation === 'tanh' || activation === 'relu')) nonlinearity = activation;
  else if (activation !== 'tanh') throw new FormatError(`${label}: expected activation tanh${kind.hasNonlinearity ? ' or relu' : ''}, got "${activation}" (refused: not an activation the engine runs for ${className})`);
  let recurrentActivation: GateFunction = 'sigmoid';
  if (kind.gates.some((g) => g.activation === 'sigmoid')) {
    const given = activationName(config['recurrent_activation'], producer.defaultRecurrentActivation);
    if (given === 'sigmoid') recurrentActivation = 'sigmoid';
    else if (given === 'hard_sigmoid' || given === 'hardSigmoid') {
      if (!producer.hardSigmoid) throw new FormatError(`${label}: expected a file that names its Keras version for recurrent_activation hard_sigmoid, got none (refused: Keras 2 computes clip(0.2x + 0.5, 0, 1), Keras 3 relu6(x + 3) / 6)`);
      recurrentActivation = producer.hardSigmoid;
    }
    else throw new FormatError(`${label}: expected recurrent_activation sigmoid or hard_sigmoid, got "${given}" (refused: not a gate function the engine runs)`);
  }
  if (!wrapped && flag(config, 'go_backwards', false)) throw new FormatError(`${label}: expected go_backwards false, got true (refused: PyTorch has no reverse-only module, and the layer returns its outputs in reverse time order)`);
  if (flag(config, 'time_major', false)) throw new FormatError(`${label}: expected time_major false, got true (refused: run a batch-major model)`);
  const policy = dtypePolicy(config['dtype']);
  if (policy !== null && policy !== 'float32' && policy !== 'float64') throw new FormatError(`${label}: expected dtype policy float32, got "${policy}" (refused: the engine computes in float32, the layer in its policy's dtype)`);
  return { kind, units, nonlinearity, recurrentActivation, bias: flag(config, 'use_bias', true), returnSequences: flag(config, 'return_sequences', false), returnState: flag(config, 'return_state', false) };
}

/** The wrapped layer's config of a Bidirectional wrapper (`layer` or `backward_layer`), checked. */
function wrappedConfig(v: unknown, label: string, key: string): { className: string; config: Json } {
  if (!isObject(v) || typeof v['class_name'] !== 'string' || !isObject(v['config'])) throw new FormatError(`${label}: expected a wrapped ${key} {class_name, config}, got ${describeJson(v)}`);
  if (!KERAS_CLASSES.has(v['class_name'])) throw new FormatError(`${label}: expected it to wrap ${[...KERAS_CLASSES].join(', ')}, got ${v['class_name']} (refused)`);
  return { className: v['class_name'], config: v['config'] };
}

/** A layer the engine runs, or null for one it lists; refuses Masking, nested models and what cellLayer refuses. */
function recurrentLayer(layer: KerasLayer, file: string, producer: KerasProducer): RecurrentLayer | null {
  const label = `${file}: layer "${layer.name}" (${layer.className})`;
  if (layer.className === 'Masking') {
    throw new FormatError(`${label}: expected no Masking layer, got one (mask_value ${describeJson(layer.config['mask_value'] ?? 0)}) (refused: masked steps are not run as Keras skips them; pass --lengths for padded sequences)`);
  }
  if (layer.config['mask_zero'] === true) throw new FormatError(`${label}: expected mask_zero false, got true (refused: masked steps are not run as Keras skips them; pass --lengths for padded sequences)`);
  if (NESTED_MODELS.has(layer.className)) throw new FormatError(`${label}: expected layers, got a nested model (refused: save the model its recurrent layers are in, or flatten it)`);
  if (KERAS_CLASSES.has(layer.className)) {
    return { name: layer.name, className: layer.className, label, inner: null, directions: 1, ...cellLayer(layer.className, layer.config, label, false, producer) };
  }
  if (layer.className !== 'Bidirectional') return null;
  const inner = wrappedConfig(layer.config['layer'], label, 'layer');
  const mergeMode = layer.config['merge_mode'] === undefined ? 'concat' : layer.config['merge_mode'];
  if (mergeMode !== 'concat') throw new FormatError(`${label}: expected merge_mode concat, got ${describeJson(mergeMode)} (refused: PyTorch's bidirectional output concatenates the directions)`);
  if (flag(inner.config, 'go_backwards', false)) throw new FormatError(`${label}: expected a wrapped layer with go_backwards false, got true (refused: its directions would be swapped)`);
  const where = `${label} wrapping ${inner.className}`;
  const cell = cellLayer(inner.className, inner.config, where, true, producer);
  if (layer.config['backward_layer'] !== undefined && layer.config['backward_layer'] !== null) {
    const back = wrappedConfig(layer.config['backward_layer'], label, 'backward_layer');
    const backward = { className: back.className, ...cellLayer(back.className, back.config, `${label} backward_layer`, true, producer) };
    const same = backward.className === inner.className && (['kind', 'units', 'nonlinearity', 'recurrentActivation', 'bias', 'returnSequences', 'returnState'] as const).every((k) => backward[k] === cell[k]);
    if (!same) throw new FormatError(`${label}: expected a backward_layer like its forward layer (${inner.className} of ${cell.units} units), got another ${back.className} config (refused: PyTorch's two directions are one kind of layer)`);
    if (!flag(back.config, 'go_backwards', false)) throw new FormatError(`${label}: expected a backward_layer with go_backwards true, got false (refused: both directions would run forward)`);
  }
  return { name: layer.name, className: layer.className, label, inner: String(inner.config['name'] ?? inner.className.toLowerCase()), directions: 2, ...cell };
}

/** True when `upper` stacks on `lower` as layer k+1 of one PyTorch module. */
function stacks(lower: RecurrentLayer, upper: RecurrentLayer): boolean {
  return (
    lower.returnSequences &&
    !lower.returnState &&
    lower.kind === upper.kind &&
    lower.units === upper.units &&
    lower.directions === upper.directions &&
    lower.nonlinearity === upper.nonlinearity &&
    lower.recurrentActivation === upper.recurrentActivation &&
    lower.bias === upper.bias
  );
}

/** Chains of layers that stack (an identity layer such as Dropout between two is skipped), and the layers listed, not run. */
export function recurrentChains(layers: readonly KerasLayer[], file: string, producer: KerasProducer, what: string): { chains: RecurrentLayer[][]; others: string[] } {
  const chains: RecurrentLayer[][] = [];
  const others: string[] = [];
  let open: RecurrentLayer[] | null = null;
  let previous: string | null = null;
  for (const layer of layers) {
    const r = recurrentLayer(layer, file, producer);
    const readsPrevious = layer.inbound === null || previous === null || (layer.inbound.length === 1 && layer.inbound[0] === previous);
    if (r && layer.inbound && layer.inbound.length > 1) throw new FormatError(`${r.label}: expected one input, got ${layer.inbound.length} (${layer.inbound.join(', ')}; refused: initial states given as inputs)`);
    if (r) {
      const last = open?.[open.length - 1];
      if (open && last && readsPrevious && stacks(last, r)) open.push(r);
      else chains.push((open = [r]));
      previous = layer.name;
    } else if (INFERENCE_IDENTITY.has(layer.className) && readsPrevious) {
      if (previous !== null) previous = layer.name;
    } else {
      if (layer.className !== 'InputLayer') others.push(`${layer.className} "${layer.name}"`);
      open = null;
      previous = layer.name;
    }
  }
  if (!chains.length) throw new FormatError(`${file}: expected ${what} with ${[...KERAS_CLASSES].join(', ')} or Bidirectional layers, got none (${layers.length} layers: ${[...new Set(layers.map((l) => l.className))].slice(0, 8).join(', ') || 'none'})`);
  return { chains, others };
}

// ---------------------------------------------------------------------------------------------
// The weights.

/** One weight as the file stores it; data null for one that is not float32 (sized, not decoded). */
export interface KerasWeight {
  name: string;
  shape: number[];
  data: Float32Array | null;
}

/** A layer's weights by role (`kernel`, `recurrent_kernel`, `bias`), one map per direction. */
export type WeightsOf = (layer: RecurrentLayer) => Map<string, KerasWeight>[];

/** Rows of a (G*H, cols) PyTorch weight as the columns of a (cols, G*H) Keras matrix, in Keras's gate order. */
export function toKerasColumns(kind: CellKind, data: Float32Array, cols: number, H: number): Float32Array {
  const order = kind.keras!.gateOrder;
  const G = kind.gates.length * H;
  const out = new Float32Array(cols * G);
  kind.gates.forEach((gate, g) => {
    const slot = order.indexOf(gate.name);
    for (let j = 0; j < H; j++) for (let c = 0; c < cols; c++) out[c * G + slot * H + j] = data[(g * H + j) * cols + c]!;
  });
  return out;
}

/** Columns of a (rows, G*H) Keras matrix, gate blocks in PyTorch's order, as a (G*H, rows) PyTorch weight. */
function fromKerasColumns(kind: CellKind, data: Float32Array, rows: number, H: number): Float32Array {
  const order = kind.keras!.gateOrder;
  const G = kind.gates.length * H;
  const out = new Float32Array(G * rows);
  kind.gates.forEach((gate, g) => {
    const slot = order.indexOf(gate.name);
    for (let j = 0; j < H; j++) for (let r = 0; r < rows; r++) out[(g * H + j) * rows + r] = data[r * G + slot * H + j]!;
  });
  return out;
}

/** Layer l's weights as PyTorch's `weight_ih_l{l}[_reverse]`...; `inFeatures` null for layer 0 (any input size). */
function layerStateDict(layer: RecurrentLayer, l: number, inFeatures: number | null, weightsOf: WeightsOf, where: string, prefix: string, into: Map<string, StoredTensor>): void {
  const { kind, units: H } = layer;
  const G = kind.gates.length * H;
  weightsOf(layer).forEach((found, d) => {
    const direction = layer.directions === 2 ? ` ${d === 0 ? 'forward' : 'backward'} layer` : '';
    const get = (role: string, shapes: number[][]): KerasWeight => {
      const w = found.get(role);
      const want = shapes.map((s) => `(${s.map((v) => (v < 0 ? 'input' : v)).join(', ')})`).join(' or ');
      if (!w) throw new FormatError(`${layer.label}${direction}: expected a weight ${layer.name}/.../${role} of shape ${want} in ${where}, got none`);
      if (!shapes.some((s) => s.length === w.shape.length && s.every((v, i) => v < 0 || v === w.shape[i]))) throw new FormatError(`${layer.label}${direction}: expected ${w.name} of shape ${want}, got (${w.shape.join(', ')})`);
      if (!w.data) throw new FormatError(`${layer.label}${direction}: expected ${w.name} as float32, got another dtype or quantized data (refused)`);
      return w;
    };
    const kernel = get('kernel', [[inFeatures ?? -1, G]]);
    const features = kernel.shape[0]!;
    const recurrent = get('recurrent_kernel', [[H, G]]);
    const s = parameterSuffix(l, d);
    const put = (name: string, data: Float32Array, shape: number[]): void => void into.set(`${prefix}${name}${s}`, { tensor: new Tensor(data, shape), dtype: 'float32', elementType: 'f32' });
    put('weight_ih', fromKerasColumns(kind, kernel.data!, features, H), [G, features]);
    put('weight_hh', fromKerasColumns(kind, recurrent.data!, H, H), [G, H]);
    if (layer.bias) {
      const two = kind.keras!.twoBiases;
      const bias = get('bias', [two ? [2, G] : [G]]);
      put('bias_ih', fromKerasColumns(kind, bias.data!.subarray(0, G), 1, H), [G]);
      put('bias_hh', two ? fromKerasColumns(kind, bias.data!.subarray(G, 2 * G), 1, H) : new Float32Array(G), [G]);
    }
  });
}

/** The chains' weights as PyTorch's state_dict keys (prefixed by the first layer's name when there are several), and the modules they make. */
export function kerasModules(chains: readonly RecurrentLayer[][], file: string, producer: KerasProducer, weightsOf: WeightsOf): { tensors: Map<string, StoredTensor>; modules: DeclaredModule[] } {
  const tensors = new Map<string, StoredTensor>();
  const modules: DeclaredModule[] = [];
  for (const chain of chains) {
    const prefix = chains.length === 1 ? '' : `${chain[0]!.name}.`;
    chain.forEach((layer, l) => layerStateDict(layer, l, l === 0 ? null : layer.directions * layer.units, weightsOf, producer.weightsWhere, prefix, tensors));
    const top = chain[chain.length - 1]!;
    const first = chain[0]!;
    const output = top.returnSequences ? 'out, every step' : "the top layer's h_n (return_sequences false)";
    const state = top.returnState ? `; return_state: h_n${first.kind.hasCellState ? ' and c_n' : ''} too` : '';
    const fn = first.recurrentActivation;
    const activation = fn === 'sigmoid' ? '' : `, recurrent_activation hard_sigmoid as ${producer.name} computes it: ${gateFunctions[fn].formula}`;
    const names = chain.map((r) => `"${r.name}"`).join(', ');
    modules.push({
      prefix,
      type: first.kind.type,
      nonlinearity: first.nonlinearity,
      ...(fn === 'sigmoid' ? {} : { recurrentActivation: fn }),
      source: `${chain.length === 1 ? 'layer' : `${chain.length} stacked layers`} ${names} of ${file} (${first.directions === 2 ? `Bidirectional ${first.kind.keras!.className}` : first.kind.keras!.className}${first.kind.keras!.resetAfter === null ? '' : `, reset_after ${first.kind.keras!.resetAfter}`}${activation}; the model's output: ${output}${state}; its x is batch-major: run with --batch-first)`,
    });
  }
  return { tensors, modules };
}
