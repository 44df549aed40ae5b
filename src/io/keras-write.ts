/**
 * Writing a recurrent module as a Keras 3 model: a `.keras` archive (metadata.json, config.json,
 * model.weights.h5) or a legacy `.h5` (model_config and keras_version attributes, weights under
 * model_weights/), laid out as Keras 3.15 writes them (./keras.ts describes both), so Keras's
 * `keras.saving.load_model` loads them and ./keras.ts reads them back.
 *
 * The model is a Sequential of one layer per PyTorch layer (Bidirectional, merge_mode concat, for
 * two directions), every layer returning sequences, so its output is the module's `out`
 * (batch-major, as Keras's input is). Weights move as ./tfjs.ts's writer moves them: kernels
 * transposed, gate blocks in Keras's order, b_ih and b_hh summed into Keras's one bias (exact for
 * these equations), GRU reset_after's two rows kept. The files say keras_version 3.0.0: their
 * hard_sigmoid is Keras 3's, relu6(x + 3) / 6.
 */
import { extname } from 'node:path';
import { zipSync } from 'fflate';
import { FormatError } from '../errors.js';
import type { CellKind } from '../modules/kinds/index.js';
import type { RecurrentConfig } from '../modules/layer/config.js';
import { parameterSuffix } from '../modules/layer/parameters.js';
import type { TensorFormat } from './format.js';
import type { Hdf5Group, Hdf5Writer } from './hdf5-write.js';
import { kerasFormat, kerasH5Format } from './keras.js';
import { snakeCase, toKerasColumns, type Json } from './keras-config.js';

/** The Keras version the files follow, for their readers' hard_sigmoid. */
export const KERAS_WRITE_VERSION = '3.0.0';

/** The Keras format `file` names by its extension (the .keras archive, the legacy .h5), or null for another file. */
export function kerasTarget(file: string): TensorFormat | null {
  const ext = extname(file).toLowerCase();
  return [kerasFormat, kerasH5Format].find((f) => f.extensions.includes(ext)) ?? null;
}

/** True when `file` names a Keras file to write (.keras, .h5, .hdf5). */
export function isKerasTarget(file: string): boolean {
  return kerasTarget(file) !== null;
}

/** Why Keras cannot hold this module, or null when it can. */
export function kerasRefusal(kind: CellKind, config: RecurrentConfig): string | null {
  if (!kind.keras) return `Keras has no layer for ${kind.name}`;
  if (config.projSize > 0) return `Keras's ${kind.keras.className} has no projection (proj_size ${config.projSize}, weight_hr)`;
  if (config.recurrentActivation === 'hard_sigmoid') return "recurrent_activation hard_sigmoid as tfjs and Keras 2 compute it (clip(0.2x + 0.5, 0, 1)), which Keras 3's hard_sigmoid (relu6(x + 3) / 6) is not";
  return null;
}

const serialized = (className: string, config: Json, module = 'keras.layers'): Json => ({ module, class_name: className, config, registered_name: null });
const DTYPE = serialized('DTypePolicy', { name: 'float32' }, 'keras');

interface KerasLayerOut {
  /** The layer's name in the config and in model_weights/. */
  name: string;
  className: string;
  config: Json;
  /** Per direction: the cell's weights (kernel, recurrent_kernel[, bias]) and the inner layer's name. */
  directions: { layer: string; weights: { role: string; data: Float32Array; shape: number[] }[] }[];
}

/** The model's layers and their Keras weights. */
function kerasModel(kind: CellKind, config: RecurrentConfig, params: ReadonlyMap<string, { data: Float32Array }>): KerasLayerOut[] {
  const form = kind.keras!;
  const { hiddenSize: H, numLayers: L } = config;
  const D = config.bidirectional ? 2 : 1;
  const G = kind.gates.length * H;
  const base = snakeCase(form.className);
  const out: KerasLayerOut[] = [];
  for (let l = 0; l < L; l++) {
    const inFeatures = l === 0 ? config.inputSize : D * H;
    const name = `${base}_l${l}`;
    const cell = (layerName: string, goBackwards: boolean): Json => ({
      name: layerName,
      trainable: true,
      dtype: DTYPE,
      return_sequences: true,
      return_state: false,
      go_backwards: goBackwards,
      stateful: false,
      unroll: false,
      zero_output_for_mask: D === 2,
      units: H,
      activation: kind.hasNonlinearity ? config.nonlinearity : 'tanh',
      ...(kind.gates.some((g) => g.activation === 'sigmoid') ? { recurrent_activation: config.recurrentActivation === 'sigmoid' ? 'sigmoid' : 'hard_sigmoid' } : {}),
      use_bias: config.bias,
      ...(form.resetAfter === null ? {} : { reset_after: form.resetAfter }),
      dropout: 0,
      recurrent_dropout: 0,
    });
    const directions = Array.from({ length: D }, (_, d) => {
      const s = parameterSuffix(l, d);
      const weights = [
        { role: 'kernel', data: toKerasColumns(kind, params.get(`weight_ih${s}`)!.data, inFeatures, H), shape: [inFeatures, G] },
        { role: 'recurrent_kernel', data: toKerasColumns(kind, params.get(`weight_hh${s}`)!.data, H, H), shape: [H, G] },
      ];
      if (config.bias) {
        const bih = params.get(`bias_ih${s}`)!.data;
        const bhh = params.get(`bias_hh${s}`)!.data;
        if (form.twoBiases) {
          const two = new Float32Array(2 * G);
          two.set(toKerasColumns(kind, bih, 1, H), 0);
          two.set(toKerasColumns(kind, bhh, 1, H), G);
          weights.push({ role: 'bias', data: two, shape: [2, G] });
        } else {
          weights.push({ role: 'bias', data: toKerasColumns(kind, Float32Array.from(bih, (v, i) => v + bhh[i]!), 1, H), shape: [G] });
        }
      }
      return { layer: D === 2 ? `${d === 0 ? 'forward' : 'backward'}_${name}` : name, weights };
    });
    if (D === 2) {
      const outer = `bidirectional_l${l}`;
      const layer = serialized(form.className, cell(directions[0]!.layer, false));
      const backward = serialized(form.className, cell(directions[1]!.layer, true));
      out.push({ name: outer, className: 'Bidirectional', config: { name: outer, trainable: true, dtype: DTYPE, merge_mode: 'concat', layer, backward_layer: backward }, directions });
    } else {
      out.push({ name, className: form.className, config: cell(name, false), directions });
    }
  }
  return out;
}

function modelConfig(layers: readonly KerasLayerOut[], inputSize: number): Json {
  const input = serialized('InputLayer', { batch_shape: [null, null, inputSize], dtype: 'float32', sparse: false, ragged: false, name: 'input_layer', optional: false });
  return {
    module: 'keras',
    class_name: 'Sequential',
    config: { name: 'sequential', trainable: true, dtype: DTYPE, layers: [input, ...layers.map((l) => serialized(l.className, l.config))] },
    registered_name: null,
    build_config: { input_shape: [null, null, inputSize] },
  };
}

/** The cell's weights under `vars/0, 1, 2` of `group`, with the `vars` groups Keras writes for every object. */
function writeCell(group: Hdf5Group, layerName: string, cellName: string, weights: KerasLayerOut['directions'][number]['weights']): void {
  group.group('vars').attr('name', layerName);
  const vars = group.group('cell').group('vars');
  vars.attr('name', cellName);
  weights.forEach((w, i) => vars.dataset(String(i), w.data, w.shape));
}

/** A module as a Keras 3 `.keras` archive. */
export function encodeKeras(kind: CellKind, config: RecurrentConfig, params: ReadonlyMap<string, { data: Float32Array }>, hdf5: Hdf5Writer, producer: string): Uint8Array {
  const refusal = kerasRefusal(kind, config);
  if (refusal) throw new FormatError(`Keras: expected a module Keras can express, got ${refusal}`);
  const layers = kerasModel(kind, config, params);
  const cellName = `${snakeCase(kind.keras!.className)}_cell`;
  const weights = hdf5((root) => {
    root.group('vars').attr('name', 'sequential');
    const group = root.group('layers');
    const used = new Map<string, number>();
    for (const layer of layers) {
      const base = snakeCase(layer.className);
      const n = used.get(base);
      used.set(base, n === undefined ? 0 : n + 1);
      const g = group.group(n === undefined ? base : `${base}_${n + 1}`);
      if (layer.directions.length === 2) {
        g.group('vars').attr('name', layer.name);
        layer.directions.forEach((d, i) => writeCell(g.group(i === 0 ? 'forward_layer' : 'backward_layer'), d.layer, cellName, d.weights));
      } else {
        writeCell(g, layer.name, cellName, layer.directions[0]!.weights);
      }
    }
  });
  const text = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));
  // mtime fixed so that the same module always gives the same bytes.
  return zipSync(
    { 'metadata.json': text({ keras_version: KERAS_WRITE_VERSION, written_by: producer }), 'config.json': text(modelConfig(layers, config.inputSize)), 'model.weights.h5': [weights, { level: 0 }] },
    { level: 6, mtime: new Date(1980, 0, 1) },
  );
}

/** A module as a legacy `.h5` model, as Keras 3's `model.save('m.h5')` lays it out. */
export function encodeKerasH5(kind: CellKind, config: RecurrentConfig, params: ReadonlyMap<string, { data: Float32Array }>, hdf5: Hdf5Writer, producer: string): Uint8Array {
  const refusal = kerasRefusal(kind, config);
  if (refusal) throw new FormatError(`Keras: expected a module Keras can express, got ${refusal}`);
  const layers = kerasModel(kind, config, params);
  const cellName = `${snakeCase(kind.keras!.className)}_cell`;
  const { module: _, registered_name: __, build_config: ___, ...legacy } = modelConfig(layers, config.inputSize);
  return hdf5((root) => {
    root.attr('backend', 'tensorflow');
    root.attr('keras_version', KERAS_WRITE_VERSION);
    root.attr('model_config', JSON.stringify(legacy));
    root.attr('written_by', producer);
    const weights = root.group('model_weights');
    weights.attr('backend', 'tensorflow');
    weights.attr('keras_version', KERAS_WRITE_VERSION);
    weights.attr('layer_names', layers.map((l) => l.name));
    for (const layer of layers) {
      const g = weights.group(layer.name);
      const names: string[] = [];
      const top = g.group('sequential').group(layer.name);
      for (const d of layer.directions) {
        const cell = (layer.directions.length === 2 ? top.group(d.layer) : top).group(cellName);
        for (const w of d.weights) {
          cell.dataset(w.role, w.data, w.shape);
          names.push(['sequential', layer.name, ...(layer.directions.length === 2 ? [d.layer] : []), cellName, w.role].join('/'));
        }
      }
      g.attr('weight_names', names);
    }
  });
}

/** The Keras file `file` names (kerasTarget), encoded: the archive or the legacy .h5; its format's name beside it. */
export function encodeKerasFile(file: string, kind: CellKind, config: RecurrentConfig, params: ReadonlyMap<string, { data: Float32Array }>, hdf5: Hdf5Writer, producer: string): { bytes: Uint8Array; format: string } {
  const format = kerasTarget(file);
  if (!format) throw new FormatError(`${file}: expected a Keras file name (${[...kerasFormat.extensions, ...kerasH5Format.extensions].join(', ')}), got "${extname(file) || 'none'}"`);
  const encode = format === kerasFormat ? encodeKeras : encodeKerasH5;
  return { bytes: encode(kind, config, params, hdf5, producer), format: format.name };
}
