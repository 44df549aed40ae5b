/**
 * TF.js layers models (`model.json` and its weight shards, as tfjs's `model.save` writes them),
 * read as PyTorch's state_dict so every command that takes weights runs them, and written back.
 *
 * model.json is `{modelTopology, weightsManifest, format: "layers-model", ...}`: the topology is
 * Keras's model config (Sequential or functional), read by ./keras-config.ts as every Keras file's
 * is; the manifest lists groups of weights, each group's bytes the concatenation of its shard
 * files (`paths`, relative to model.json), each weight's bytes following the previous one's in
 * the group (float32, little-endian).
 *
 * recurrent_activation hard_sigmoid runs as tfjs computes it, clip(0.2x + 0.5, 0, 1): a model.json
 * is run by tfjs, whoever converted it. Quantized weights are refused.
 */
import { posix } from 'node:path';
import { FormatError } from '../errors.js';
import type { CellKind } from '../modules/kinds/index.js';
import type { RecurrentConfig } from '../modules/layer/config.js';
import { parameterSuffix } from '../modules/layer/parameters.js';
import { TensorBudget } from './dtypes.js';
import type { DecodeOptions, TensorFile, TensorFormat } from './format.js';
import { describeJson, parseJson } from './json.js';
import { isObject, kerasLayers, kerasModules, recurrentChains, toKerasColumns, type Json, type KerasProducer, type KerasWeight, type RecurrentLayer } from './keras-config.js';

/** A model.json nests initializer configs about 9 levels down; this leaves room and still bounds the walk. */
const TOPOLOGY_DEPTH = { max: 64, what: 'a TF.js model.json', why: "a Keras model config's nesting" };

/** Bytes per element of the dtypes a manifest may list. */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2 };

/** tfjs computes every model.json it runs. */
const TFJS: KerasProducer = { name: 'tfjs', hardSigmoid: 'hard_sigmoid', defaultRecurrentActivation: 'hard_sigmoid', weightsWhere: 'weightsManifest' };

/** True when `bytes` is JSON with a TF.js model's top-level keys (checked on the text before parsing). */
export function isTfjsModel(bytes: Uint8Array): boolean {
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first !== 0x7b /* { */) return false;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.includes('"modelTopology"') && buf.includes('"weightsManifest"');
}

// ---------------------------------------------------------------------------------------------
// The weights.

/** Every weight of the manifest, in order; float32 ones decoded, others sized and skipped. */
function readManifest(manifest: unknown, file: string, options: DecodeOptions, budget: TensorBudget): Map<string, KerasWeight> {
  if (!Array.isArray(manifest)) throw new FormatError(`${file}: expected weightsManifest a list of {paths, weights}, got ${describeJson(manifest)}`);
  const out = new Map<string, KerasWeight>();
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
function layerWeights(weights: Map<string, KerasWeight>, layer: RecurrentLayer): Map<string, KerasWeight>[] {
  const directions = Array.from({ length: layer.directions }, () => new Map<string, KerasWeight>());
  for (const [name, w] of weights) {
    if (!name.startsWith(`${layer.name}/`)) continue;
    const parts = name.slice(layer.name.length + 1).replace(/:\d+$/, '').split('/');
    const role = parts[parts.length - 1]!;
    const d = layer.directions === 2 ? (parts.some((p) => p.startsWith('backward')) ? 1 : parts.some((p) => p.startsWith('forward')) ? 0 : -1) : 0;
    if (d >= 0) directions[d]!.set(role, w);
  }
  return directions;
}

/** Decodes a TF.js layers model: its recurrent layers as PyTorch's state_dict keys, and the modules they make. */
export function decodeTfjs(bytes: Uint8Array, file: string, options: DecodeOptions = {}): TensorFile {
  const doc = parseJson(bytes, file, TOPOLOGY_DEPTH);
  if (!isObject(doc) || !isObject(doc['modelTopology'])) throw new FormatError(`${file}: expected a TF.js model.json {modelTopology, weightsManifest}, got ${describeJson(doc)}`);
  const format = doc['format'];
  if (format !== undefined && format !== 'layers-model') throw new FormatError(`${file}: expected a TF.js layers model (format "layers-model"), got format ${describeJson(format)}`);
  const topology = doc['modelTopology'];
  const { layers, modelClass } = kerasLayers(topology, file, 'modelTopology');
  const { chains, others } = recurrentChains(layers, file, TFJS, 'a TF.js model');
  const weights = readManifest(doc['weightsManifest'], file, options, new TensorBudget(options.maxBytes));
  const { tensors, modules } = kerasModules(chains, file, TFJS, (layer) => layerWeights(weights, layer));
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
