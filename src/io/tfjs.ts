/**
 * TF.js layers models (`model.json` and its weight shards, as tfjs's `model.save` writes them),
 * read as PyTorch's state_dict so every command that takes weights runs them, and written back.
 *
 * model.json is `{modelTopology, weightsManifest, format: "layers-model", ...}`: the topology is
 * Keras's model config (Sequential or functional), the manifest lists groups of weights, each
 * group's bytes the concatenation of its shard files (`paths`, relative to model.json), each
 * weight's bytes following the previous one's in the group (float32, little-endian).
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
 * otherwise than tfjs is refused, naming it: go_backwards on a layer of its own, activations
 * other than tanh (and relu for SimpleRNN), a recurrent_activation other than sigmoid and
 * hard_sigmoid, Masking, time_major, quantized weights.
 *
 * recurrent_activation hard_sigmoid runs as tfjs computes it, clip(0.2x + 0.5, 0, 1): a model.json
 * is run by tfjs, whoever converted it.
 */
import { posix } from 'node:path';
import { FormatError } from '../errors.js';
import type { GateFunction } from '../kernels/activations.js';
import { kinds, type CellKind } from '../modules/kinds/index.js';
import type { RecurrentConfig } from '../modules/layer/config.js';
import { parameterSuffix } from '../modules/layer/parameters.js';
import { Tensor } from '../tensor/tensor.js';
import { TensorBudget } from './dtypes.js';
import type { DecodeOptions, DeclaredModule, StoredTensor, TensorFile, TensorFormat } from './format.js';
import { describeJson, parseJson } from './json.js';

/** A model.json nests initializer configs about 9 levels down; this leaves room and still bounds the walk. */
const TOPOLOGY_DEPTH = { max: 64, what: 'a TF.js model.json', why: "a Keras model config's nesting" };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Bytes per element of the dtypes a manifest may list. */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };

/** Layers that are the identity when a model runs for inference: they may sit between two stacked layers. */
const INFERENCE_IDENTITY = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'ActivityRegularization']);
const KERAS_CLASSES = new Set(kinds.flatMap((k) => (k.keras ? [k.keras.className] : [])));

/** Keras's activation names as they appear in a config, and the function this tool runs for each. */
const GATE_FUNCTION_OF: Readonly<Record<string, GateFunction>> = { sigmoid: 'sigmoid', hard_sigmoid: 'hard_sigmoid', hardSigmoid: 'hard_sigmoid' };

/** True when `bytes` is JSON with a TF.js model's top-level keys (checked on the text before parsing). */
export function isTfjsModel(bytes: Uint8Array): boolean {
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first !== 0x7b /* { */) return false;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.includes('"modelTopology"') && buf.includes('"weightsManifest"');
}

// ---------------------------------------------------------------------------------------------
// The topology.

interface Layer {
  className: string;
  name: string;
  config: Json;
  /** The layers whose outputs this one reads (functional models), when the config says. */
  inbound: string[] | null;
}

/** The layers of a Sequential or functional config, in order. */
function topologyLayers(topology: Json, file: string): { layers: Layer[]; modelClass: string } {
  const model = isObject(topology['model_config']) ? topology['model_config'] : topology;
  const modelClass = String(model['class_name'] ?? '');
  const config = model['config'];
  const list = Array.isArray(config) ? config : isObject(config) ? config['layers'] : undefined;
  if (!Array.isArray(list)) throw new FormatError(`${file}: expected modelTopology with a Sequential or functional model config (a list of layers), got ${describeJson(model)}`);
  const layers = list.map((l, i): Layer => {
    if (!isObject(l) || typeof l['class_name'] !== 'string' || !isObject(l['config'])) throw new FormatError(`${file}: layer ${i}: expected {class_name, config}, got ${describeJson(l)}`);
    const c = l['config'];
    return { className: l['class_name'], name: String(c['name'] ?? l['name'] ?? `layer${i}`), config: c, inbound: inboundOf(l) };
  });
  return { layers, modelClass };
}

/** The names of the layers a functional model's layer reads, from tfjs's / Keras 2's `inbound_nodes` ([[[name, 0, 0, {}]]]). */
function inboundOf(layer: Json): string[] | null {
  const nodes = layer['inbound_nodes'];
  if (!Array.isArray(nodes) || !nodes.length) return null;
  const first = nodes[0];
  if (!Array.isArray(first)) return null;
  return first.map((entry) => (Array.isArray(entry) ? String(entry[0]) : '?'));
}

/** A recurrent layer (or a Bidirectional one) as the engine will run it. */
interface RecurrentLayer {
  name: string;
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

/** The engine's reading of a SimpleRNN, LSTM or GRU config; refuses what it would run otherwise than tfjs. */
function cellLayer(className: string, config: Json, label: string, wrapped: boolean): Omit<RecurrentLayer, 'name' | 'directions' | 'inner' | 'label'> {
  const ofClass = kinds.filter((k) => k.keras?.className === className);
  const resetAfter = config['reset_after'] === true;
  const kind = ofClass.find((k) => k.keras!.resetAfter === null || k.keras!.resetAfter === resetAfter)!;
  const units = config['units'];
  if (typeof units !== 'number' || !Number.isInteger(units) || units < 1) throw new FormatError(`${label}: expected units a positive integer, got ${describeJson(units)}`);
  const activation = String(config['activation'] ?? 'tanh');
  let nonlinearity: 'tanh' | 'relu' = 'tanh';
  if (kind.hasNonlinearity && (activation === 'tanh' || activation === 'relu')) nonlinearity = activation;
  else if (activation !== 'tanh') throw new FormatError(`${label}: expected activation tanh${kind.hasNonlinearity ? ' or relu' : ''}, got "${activation}" (refused: not an activation the engine runs for ${className})`);
  let recurrentActivation: GateFunction = 'sigmoid';
  if (kind.gates.some((g) => g.activation === 'sigmoid')) {
    const given = String(config['recurrent_activation'] ?? 'hard_sigmoid');
    const fn = GATE_FUNCTION_OF[given];
    if (!fn) throw new FormatError(`${label}: expected recurrent_activation sigmoid or hard_sigmoid, got "${given}" (refused: not a gate function the engine runs)`);
    recurrentActivation = fn;
  }
  if (!wrapped && flag(config, 'go_backwards', false)) throw new FormatError(`${label}: expected go_backwards false, got true (refused: PyTorch has no reverse-only module, and the layer returns its outputs in reverse time order)`);
  if (flag(config, 'time_major', false)) throw new FormatError(`${label}: expected time_major false, got true (refused: run a batch-major model)`);
  return { kind, units, nonlinearity, recurrentActivation, bias: flag(config, 'use_bias', true), returnSequences: flag(config, 'return_sequences', false), returnState: flag(config, 'return_state', false) };
}

/** A layer the engine runs, or null for one it lists; refuses Masking and what cellLayer refuses. */
function recurrentLayer(layer: Layer, file: string): RecurrentLayer | null {
  const label = `${file}: layer "${layer.name}" (${layer.className})`;
  if (layer.className === 'Masking') {
    throw new FormatError(`${label}: expected no Masking layer, got one (mask_value ${describeJson(layer.config['mask_value'] ?? 0)}) (refused: masked steps are not run as Keras skips them; pass --lengths for padded sequences)`);
  }
  if (KERAS_CLASSES.has(layer.className)) {
    return { name: layer.name, label, inner: null, directions: 1, ...cellLayer(layer.className, layer.config, label, false) };
  }
  if (layer.className !== 'Bidirectional') return null;
  const inner = layer.config['layer'];
  if (!isObject(inner) || typeof inner['class_name'] !== 'string' || !isObject(inner['config'])) throw new FormatError(`${label}: expected a wrapped layer {class_name, config}, got ${describeJson(inner)}`);
  const innerClass = inner['class_name'];
  if (!KERAS_CLASSES.has(innerClass)) throw new FormatError(`${label}: expected it to wrap ${[...KERAS_CLASSES].join(', ')}, got ${innerClass} (refused)`);
  const mergeMode = layer.config['merge_mode'] ?? 'concat';
  if (mergeMode !== 'concat') throw new FormatError(`${label}: expected merge_mode concat, got ${describeJson(mergeMode)} (refused: PyTorch's bidirectional output concatenates the directions)`);
  const innerConfig = inner['config'];
  if (flag(innerConfig, 'go_backwards', false)) throw new FormatError(`${label}: expected a wrapped layer with go_backwards false, got true (refused: its directions would be swapped)`);
  const cell = cellLayer(innerClass, innerConfig, `${label} wrapping ${innerClass}`, true);
  return { name: layer.name, label, inner: String(innerConfig['name'] ?? innerClass.toLowerCase()), directions: 2, ...cell };
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

// ---------------------------------------------------------------------------------------------
// The weights.

interface ManifestWeight {
  name: string;
  shape: number[];
  data: Float32Array | null;
}

/** Every weight of the manifest, in order; float32 ones decoded, others sized and skipped. */
function readManifest(manifest: unknown, file: string, options: DecodeOptions, budget: TensorBudget): Map<string, ManifestWeight> {
  if (!Array.isArray(manifest)) throw new FormatError(`${file}: expected weightsManifest a list of {paths, weights}, got ${describeJson(manifest)}`);
  const out = new Map<string, ManifestWeight>();
  manifest.forEach((group, g) => {
    const at = `${file}: weightsManifest[${g}]`;
    if (!isObject(group) || !Array.isArray(group['paths']) || !Array.isArray(group['weights'])) throw new FormatError(`${at}: expected {paths, weights}, got ${describeJson(group)}`);
    const paths = group['paths'].map(String);
    const specs = group['weights'].map((w, i) => {
      if (!isObject(w) || typeof w['name'] !== 'string' || !Array.isArray(w['shape']) || !w['shape'].every((d) => Number.isInteger(d) && (d as number) >= 0)) {
        throw new FormatError(`${at}.weights[${i}]: expected {name, shape, dtype}, got ${describeJson(w)}`);
      }
      const dtype = String(w['dtype'] ?? 'float32');
      const quantization = isObject(w['quantization']) ? String(w['quantization']['dtype']) : null;
      const size = quantization ? QUANTIZED_BYTES[quantization] : DTYPE_BYTES[dtype];
      if (size === undefined) throw new FormatError(`${at}.weights[${i}] "${w['name']}": expected dtype ${Object.keys(DTYPE_BYTES).join(', ')}, got ${quantization ? `quantization ${quantization}` : dtype}`);
      return { name: w['name'], shape: w['shape'] as number[], size, float: dtype === 'float32' && !quantization, quantization };
    });
    const expected = specs.reduce((sum, s) => sum + s.size * s.shape.reduce((a, b) => a * b, 1), 0);
    const shards = paths.map((p) => {
      if (!options.sibling) throw new FormatError(`${file}: expected the weight shard "${p}" beside model.json, got a model.json read from a stream (give its path)`);
      if (posix.isAbsolute(p) || /^[a-z][a-z0-9+.-]*:/i.test(p)) throw new FormatError(`${at}: expected shard paths relative to model.json, got "${p}"`);
      return options.sibling(p);
    });
    const got = shards.reduce((sum, s) => sum + s.length, 0);
    if (got !== expected) throw new FormatError(`${at}: expected ${expected} bytes in ${paths.map((p) => `"${p}"`).join(', ') || 'no shards'} for ${specs.length} weights, got ${got}`);
    const bytes = new Uint8Array(got);
    let at0 = 0;
    for (const s of shards) {
      bytes.set(s, at0);
      at0 += s.length;
    }
    let offset = 0;
    for (const s of specs) {
      const count = s.shape.reduce((a, b) => a * b, 1);
      let data: Float32Array | null = null;
      if (s.float) {
        budget.take(s.shape, `${file}: ${s.name}`);
        data = new Float32Array(count);
        const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * 4);
        for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
      }
      out.set(s.name, { name: s.name, shape: s.shape, data });
      offset += count * s.size;
    }
  });
  return out;
}

/** Keras's names for a layer's weights: `layer/kernel`, `bidi/forward_lstm/kernel`, `lstm/lstm_cell/kernel:0`. */
function layerWeights(layer: RecurrentLayer, weights: Map<string, ManifestWeight>): Map<string, ManifestWeight>[] {
  const directions = Array.from({ length: layer.directions }, () => new Map<string, ManifestWeight>());
  for (const [name, w] of weights) {
    if (!name.startsWith(`${layer.name}/`)) continue;
    const parts = name.slice(layer.name.length + 1).replace(/:\d+$/, '').split('/');
    const role = parts[parts.length - 1]!;
    const d = layer.directions === 2 ? (parts.some((p) => p.startsWith('backward')) ? 1 : parts.some((p) => p.startsWith('forward')) ? 0 : -1) : 0;
    if (d >= 0) directions[d]!.set(role, w);
  }
  return directions;
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
function layerStateDict(layer: RecurrentLayer, l: number, inFeatures: number | null, weights: Map<string, ManifestWeight>, prefix: string, into: Map<string, StoredTensor>): void {
  const { kind, units: H } = layer;
  const G = kind.gates.length * H;
  layerWeights(layer, weights).forEach((found, d) => {
    const direction = layer.directions === 2 ? ` ${d === 0 ? 'forward' : 'backward'} layer` : '';
    const get = (role: string, shapes: number[][]): ManifestWeight => {
      const w = found.get(role);
      const want = shapes.map((s) => `(${s.map((v) => (v < 0 ? 'input' : v)).join(', ')})`).join(' or ');
      if (!w) throw new FormatError(`${layer.label}${direction}: expected a weight ${layer.name}/.../${role} of shape ${want} in weightsManifest, got none`);
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

/** Decodes a TF.js layers model: its recurrent layers as PyTorch's state_dict keys, and the modules they make. */
export function decodeTfjs(bytes: Uint8Array, file: string, options: DecodeOptions = {}): TensorFile {
  const doc = parseJson(bytes, file, TOPOLOGY_DEPTH);
  if (!isObject(doc) || !isObject(doc['modelTopology'])) throw new FormatError(`${file}: expected a TF.js model.json {modelTopology, weightsManifest}, got ${describeJson(doc)}`);
  const format = doc['format'];
  if (format !== undefined && format !== 'layers-model') throw new FormatError(`${file}: expected a TF.js layers model (format "layers-model"), got format ${describeJson(format)}`);
  const topology = doc['modelTopology'];
  const { layers, modelClass } = topologyLayers(topology, file);

  // Chains of layers that stack; an identity layer (Dropout) between two is skipped.
  const chains: RecurrentLayer[][] = [];
  const others: string[] = [];
  let open: RecurrentLayer[] | null = null;
  let previous: string | null = null;
  for (const layer of layers) {
    const r = recurrentLayer(layer, file);
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
  if (!chains.length) throw new FormatError(`${file}: expected a TF.js model with ${[...KERAS_CLASSES].join(', ')} or Bidirectional layers, got none (${layers.length} layers: ${[...new Set(layers.map((l) => l.className))].slice(0, 8).join(', ') || 'none'})`);

  const weights = readManifest(doc['weightsManifest'], file, options, new TensorBudget(options.maxBytes));
  const tensors = new Map<string, StoredTensor>();
  const modules: DeclaredModule[] = [];
  for (const chain of chains) {
    const prefix = chains.length === 1 ? '' : `${chain[0]!.name}.`;
    chain.forEach((layer, l) => layerStateDict(layer, l, l === 0 ? null : layer.directions * layer.units, weights, prefix, tensors));
    const top = chain[chain.length - 1]!;
    const first = chain[0]!;
    const output = top.returnSequences ? 'out, every step' : "the top layer's h_n (return_sequences false)";
    const state = top.returnState ? `; return_state: h_n${first.kind.hasCellState ? ' and c_n' : ''} too` : '';
    const activation = first.recurrentActivation === 'sigmoid' ? '' : `, recurrent_activation ${first.recurrentActivation} as tfjs computes it`;
    const names = chain.map((r) => `"${r.name}"`).join(', ');
    modules.push({
      prefix,
      type: first.kind.type,
      nonlinearity: first.nonlinearity,
      ...(first.recurrentActivation === 'sigmoid' ? {} : { recurrentActivation: first.recurrentActivation }),
      source: `${chain.length === 1 ? 'layer' : `${chain.length} stacked layers`} ${names} of ${file} (${first.directions === 2 ? `Bidirectional ${first.kind.keras!.className}` : first.kind.keras!.className}${first.kind.keras!.resetAfter === null ? '' : `, reset_after ${first.kind.keras!.resetAfter}`}${activation}; the model's output: ${output}${state}; its x is batch-major: run with --batch-first)`,
    });
  }
  const metadata: Record<string, string> = {
    producer: String(doc['generatedBy'] ?? topology['keras_version'] ?? 'unknown'),
    model: modelClass || 'unknown',
  };
  if (typeof topology['keras_version'] === 'string') metadata['keras_version'] = topology['keras_version'];
  if (doc['convertedBy']) metadata['converted_by'] = String(doc['convertedBy']);
  if (others.length) metadata['other_layers'] = `${others.join(', ')} (listed, not run)`;
  return { tensors, metadata, modules };
}

// ---------------------------------------------------------------------------------------------
// Writing.

/** True when `file` names a TF.js model to write: it ends in `model.json`, as tfjs's file handler names it. */
export function isTfjsTarget(file: string): boolean {
  return /model\.json$/i.test(file);
}

/** The shard tfjs writes beside `model.json`: `weights.bin` (`my.model.json` → `my.weights.bin`). */
export function tfjsShardPath(modelJson: string): string {
  return modelJson.replace(/model\.json$/i, 'weights.bin');
}

/** Why TF.js cannot hold this module, or null when it can. */
export function tfjsRefusal(kind: CellKind, config: RecurrentConfig): string | null {
  if (!kind.keras) return `TF.js has no layer for ${kind.name}`;
  if (!kind.keras.tfjs) return `${kind.name} is Keras's ${kind.keras.className} with reset_after: ${kind.keras.resetAfter}, which tfjs cannot load (its GRUCell throws on reset_after: true); TF.js's GRU is the reset-before one (gru-reset-before)`;
  if (config.projSize > 0) return `Keras's ${kind.keras.className} has no projection (proj_size ${config.projSize}, weight_hr)`;
  if (config.recurrentActivation !== 'sigmoid' && config.recurrentActivation !== 'hard_sigmoid') return `recurrent_activation ${config.recurrentActivation}, which tfjs does not compute (its hard_sigmoid is clip(0.2x + 0.5, 0, 1))`;
  return null;
}

/** Rows of a (G*H, cols) PyTorch weight as the columns of a (cols, G*H) Keras matrix, in Keras's gate order. */
function toKerasColumns(kind: CellKind, data: Float32Array, cols: number, H: number): Float32Array {
  const order = kind.keras!.gateOrder;
  const G = kind.gates.length * H;
  const out = new Float32Array(cols * G);
  kind.gates.forEach((gate, g) => {
    const slot = order.indexOf(gate.name);
    for (let j = 0; j < H; j++) for (let c = 0; c < cols; c++) out[c * G + slot * H + j] = data[(g * H + j) * cols + c]!;
  });
  return out;
}

/**
 * A module with PyTorch's parameters `params` (unprefixed keys) as a TF.js layers model: a
 * Sequential of one layer per PyTorch layer (Bidirectional for two directions), every layer
 * returning sequences, so the model's output is the module's `out` (batch-major, as Keras's input
 * is). b_ih and b_hh are summed into Keras's one bias, which is exact for these equations.
 */
export function encodeTfjs(kind: CellKind, config: RecurrentConfig, params: ReadonlyMap<string, { data: Float32Array }>, shard: string, producer: string): { json: Uint8Array; shard: Uint8Array } {
  const refusal = tfjsRefusal(kind, config);
  if (refusal) throw new FormatError(`TF.js: expected a module TF.js can express, got ${refusal}`);
  const form = kind.keras!;
  const { hiddenSize: H, numLayers: L } = config;
  const D = config.bidirectional ? 2 : 1;
  const G = kind.gates.length * H;
  const base = form.className.toLowerCase();
  const layers: Json[] = [];
  const specs: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const chunks: Float32Array[] = [];
  const weight = (name: string, shape: number[], data: Float32Array): void => {
    specs.push({ name, shape, dtype: 'float32' });
    chunks.push(data);
  };
  for (let l = 0; l < L; l++) {
    const inFeatures = l === 0 ? config.inputSize : D * H;
    const name = `${base}_l${l}`;
    const cell: Json = {
      name,
      trainable: true,
      units: H,
      activation: kind.hasNonlinearity ? config.nonlinearity : 'tanh',
      ...(kind.gates.some((g) => g.activation === 'sigmoid') ? { recurrent_activation: config.recurrentActivation } : {}),
      use_bias: config.bias,
      ...(form.resetAfter === null ? {} : { reset_after: form.resetAfter }),
      return_sequences: true,
      return_state: false,
      go_backwards: false,
      stateful: false,
      unroll: false,
    };
    const input = l === 0 ? { batch_input_shape: [null, null, inFeatures], dtype: 'float32' } : {};
    const outer = D === 2 ? `bidirectional_l${l}` : name;
    layers.push(D === 2 ? { class_name: 'Bidirectional', config: { name: outer, trainable: true, merge_mode: 'concat', layer: { class_name: form.className, config: cell }, ...input } } : { class_name: form.className, config: { ...cell, ...input } });
    for (let d = 0; d < D; d++) {
      const s = parameterSuffix(l, d);
      const path = D === 2 ? `${outer}/${d === 0 ? 'forward' : 'backward'}_${name}` : name;
      weight(`${path}/kernel`, [inFeatures, G], toKerasColumns(kind, params.get(`weight_ih${s}`)!.data, inFeatures, H));
      weight(`${path}/recurrent_kernel`, [H, G], toKerasColumns(kind, params.get(`weight_hh${s}`)!.data, H, H));
      if (config.bias) {
        const merged = Float32Array.from(params.get(`bias_ih${s}`)!.data, (v, i) => v + params.get(`bias_hh${s}`)!.data[i]!);
        weight(`${path}/bias`, [G], toKerasColumns(kind, merged, 1, H));
      }
    }
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const floats = new Float32Array(total);
  let at = 0;
  for (const c of chunks) {
    floats.set(c, at);
    at += c.length;
  }
  const bytes = new Uint8Array(total * 4);
  const view = new DataView(bytes.buffer);
  floats.forEach((v, i) => view.setFloat32(i * 4, v, true));
  const doc = {
    modelTopology: { class_name: 'Sequential', config: { name: 'sequential', layers }, backend: 'tensor_flow.js' },
    format: 'layers-model',
    generatedBy: producer,
    convertedBy: null,
    weightsManifest: [{ paths: [posix.basename(shard.replace(/\\/g, '/'))], weights: specs }],
  };
  return { json: new TextEncoder().encode(`${JSON.stringify(doc)}\n`), shard: bytes };
}

export const tfjsFormat: TensorFormat = {
  name: 'tfjs',
  extensions: [],
  holds: 'many',
  layout: isTfjsModel,
  readTensors: decodeTfjs,
};
