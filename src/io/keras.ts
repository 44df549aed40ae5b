/**
 * Keras model files, read as PyTorch's state_dict so every command that takes weights runs them:
 *
 * - `.keras` (Keras 3's `model.save('m.keras')`): a zip of `metadata.json` (`keras_version`),
 *   `config.json` (the model's config) and `model.weights.h5`, whose weights are under
 *   `layers/<layer>/cell/vars/0, 1, 2` (kernel, recurrent_kernel, bias; a Bidirectional layer's
 *   under `forward_layer/` and `backward_layer/`), `<layer>` the layer's class in snake case,
 *   numbered from the second of a class on (`lstm`, `lstm_1`), its `vars` group naming the layer.
 * - `.h5` (`model.save('m.h5')`, Keras 2's format, which Keras 3 still writes): HDF5 whose root
 *   attributes are `model_config` (JSON) and `keras_version`, the weights under
 *   `model_weights/<layer name>/`, in the order and at the paths the group's `weight_names`
 *   attribute lists (kernel, recurrent_kernel, bias; a Bidirectional layer's forward ones first).
 *
 * The config is read by ./keras-config.ts, as a TF.js model.json's is. hard_sigmoid is computed as
 * the file's producer computes it: Keras 2 (keras_version 2.x) clip(0.2x + 0.5, 0, 1), Keras 3
 * relu6(x + 3) / 6; a file that does not name its version is refused hard_sigmoid. Keras 1 files
 * (per-gate weights, other config keys) and weights-only files (no config) are refused.
 */
import { FormatError } from '../errors.js';
import { gateFunctions } from '../kernels/activations.js';
import { TensorBudget } from './dtypes.js';
import { DEFAULT_MAX_BYTES, type DecodeOptions, type TensorFile, type TensorFormat } from './format.js';
import { Hdf5File, isHdf5 } from './hdf5.js';
import { describeJson, parseJson } from './json.js';
import { isObject, kerasLayers, kerasModules, kerasProducer, recurrentChains, snakeCase, type KerasLayer, type KerasProducer, type KerasWeight, type RecurrentLayer } from './keras-config.js';
import { readZip } from './zip.js';

/** A config nests initializer and dtype-policy configs about 10 levels down; this leaves room and still bounds the walk. */
const CONFIG_DEPTH = { max: 64, what: 'a Keras model config', why: "a Keras model config's nesting" };
/** A recurrent cell's weights in the order Keras creates them (its `vars/0..2`, its `weight_names`). */
const ROLES = ['kernel', 'recurrent_kernel', 'bias'] as const;

const CONFIG = 'config.json';
const METADATA = 'metadata.json';
const WEIGHTS = 'model.weights.h5';

function parseConfig(text: string | Uint8Array, file: string, what: string): Record<string, unknown> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  const doc = parseJson(bytes, `${file}: ${what}`, CONFIG_DEPTH);
  if (!isObject(doc)) throw new FormatError(`${file}: expected ${what} a JSON object {class_name, config}, got ${describeJson(doc)}`);
  return doc;
}

/** Refuses Keras 1 (per-gate weights W_i, U_i, ..., config keys output_dim and inner_activation). */
function checkVersion(version: string | null, file: string): void {
  if (version !== null && Number.parseInt(version, 10) < 2) throw new FormatError(`${file}: expected a file saved by Keras 2 or 3, got keras_version ${version} (refused: Keras 1 stores its recurrent weights per gate)`);
}

function metadata(producer: KerasProducer, version: string | null, modelClass: string, others: string[], backend: string | null): Record<string, string> {
  const out: Record<string, string> = { producer: producer.name, model: modelClass || 'unknown' };
  if (version !== null) out['keras_version'] = version;
  if (backend !== null) out['backend'] = backend;
  out['hard_sigmoid'] = producer.hardSigmoid
    ? `${gateFunctions[producer.hardSigmoid].formula}, as ${producer.name} computes it`
    : 'not known: the file does not name its Keras version';
  if (others.length) out['other_layers'] = `${others.join(', ')} (listed, not run)`;
  return out;
}

/** Each layer's group under `layers/` of a model.weights.h5: the group whose `vars` names it, else the name Keras derives from the classes. */
function kerasGroups(h5: Hdf5File, layers: readonly KerasLayer[]): Map<string, string> {
  const byName = new Map<string, string>();
  for (const key of h5.keys('layers') ?? []) {
    const name = h5.text(`layers/${key}/vars`, 'name');
    if (name !== null && !byName.has(name)) byName.set(name, `layers/${key}`);
  }
  const used = new Map<string, number>();
  const out = new Map<string, string>();
  for (const layer of layers) {
    const base = snakeCase(layer.className);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    out.set(layer.name, byName.get(layer.name) ?? `layers/${n === undefined ? base : `${base}_${n + 1}`}`);
  }
  return out;
}

/** Decodes a `.keras` archive: config.json read as a model config, the weights from model.weights.h5. */
export function decodeKeras(bytes: Uint8Array, file: string, options: DecodeOptions = {}): TensorFile {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const members = readZip(bytes, file, '.keras', (name) => name === CONFIG || name === METADATA || name === WEIGHTS, { maxTotalBytes: maxBytes });
  const member = (name: string): Uint8Array | null => members.find((m) => m.name === name)?.data ?? null;
  const configBytes = member(CONFIG);
  const weightsBytes = member(WEIGHTS);
  for (const [name, data] of [[CONFIG, configBytes], [WEIGHTS, weightsBytes]] as const) {
    if (!data) throw new FormatError(`${file}: expected a Keras archive with ${CONFIG} and ${WEIGHTS}, got no ${name}${name === WEIGHTS ? ' (a model saved with sharded or .npz weights is not read)' : ''}`);
  }
  const meta = member(METADATA);
  const metaDoc = meta ? parseJson(meta, `${file}: ${METADATA}`) : null;
  const version = isObject(metaDoc) && typeof metaDoc['keras_version'] === 'string' ? metaDoc['keras_version'] : null;
  checkVersion(version, file);
  const producer = kerasProducer(version, WEIGHTS);
  const config = parseConfig(configBytes!, file, CONFIG);
  const { layers, modelClass } = kerasLayers(config, file, CONFIG);
  const { chains, others } = recurrentChains(layers, file, producer, 'a Keras model');
  const h5 = new Hdf5File(weightsBytes!, `${file}: ${WEIGHTS}`);
  const groups = kerasGroups(h5, layers);
  const budget = new TensorBudget(maxBytes);
  const weightsOf = (layer: RecurrentLayer): Map<string, KerasWeight>[] => {
    const base = groups.get(layer.name)!;
    const cells = layer.directions === 2 ? [`${base}/forward_layer/cell/vars`, `${base}/backward_layer/cell/vars`] : [`${base}/cell/vars`];
    return cells.map((vars) => {
      const found = new Map<string, KerasWeight>();
      ROLES.forEach((role, i) => {
        const w = h5.weight(`${vars}/${i}`, budget);
        if (w) found.set(role, w);
      });
      return found;
    });
  };
  const { tensors, modules } = kerasModules(chains, file, producer, weightsOf);
  return { tensors, modules, metadata: metadata(producer, version, String(config['class_name'] ?? modelClass), others, null) };
}

/** Decodes a legacy `.h5` model: the root's model_config attribute read as a model config, the weights under model_weights/. */
export function decodeKerasH5(bytes: Uint8Array, file: string, options: DecodeOptions = {}): TensorFile {
  const h5 = new Hdf5File(bytes, file);
  const configText = h5.text('', 'model_config');
  if (configText === null) {
    const keys = h5.keys('') ?? [];
    const what = keys.includes('layers') && keys.includes('vars') ? `Keras 3 weights without their config (${WEIGHTS}, as save_weights writes it): read the .keras file` : h5.textList('', 'layer_names') ? 'weights without their config (as save_weights writes them): read the file model.save wrote' : `an HDF5 file whose root holds ${keys.slice(0, 6).map((k) => `"${k}"`).join(', ') || 'nothing'}`;
    throw new FormatError(`${file}: expected a Keras model (HDF5 with a model_config attribute, as model.save writes it), got ${what}`);
  }
  const version = h5.text('', 'keras_version');
  checkVersion(version, file);
  const producer = kerasProducer(version, 'model_weights');
  const config = parseConfig(configText, file, 'model_config');
  const { layers, modelClass } = kerasLayers(config, file, 'model_config');
  const { chains, others } = recurrentChains(layers, file, producer, 'a Keras model');
  const budget = new TensorBudget(options.maxBytes);
  const weightsOf = (layer: RecurrentLayer): Map<string, KerasWeight>[] => {
    const group = `model_weights/${layer.name}`;
    const names = h5.textList(group, 'weight_names');
    if (!names) throw new FormatError(`${layer.label}: expected its weights at ${group} with a weight_names attribute, got ${h5.isGroup(group) ? 'a group without one' : 'no such group'}`);
    const per = names.length / layer.directions;
    if (!Number.isInteger(per) || per < 2 || per > ROLES.length) throw new FormatError(`${layer.label}: expected ${layer.directions === 2 ? 'two directions of ' : ''}2 or 3 weights (kernel, recurrent_kernel, bias) in ${group}, got ${names.length}: ${names.slice(0, 6).join(', ')}`);
    return Array.from({ length: layer.directions }, (_, d) => {
      const found = new Map<string, KerasWeight>();
      names.slice(d * per, (d + 1) * per).forEach((name, i) => {
        const w = h5.weight(`${group}/${name}`, budget);
        if (!w) throw new FormatError(`${layer.label}: expected the dataset ${group}/${name} that weight_names lists, got none`);
        found.set(ROLES[i]!, w);
      });
      return found;
    });
  };
  const { tensors, modules } = kerasModules(chains, file, producer, weightsOf);
  return { tensors, modules, metadata: metadata(producer, version, modelClass, others, h5.text('', 'backend')) };
}

export const kerasFormat: TensorFormat = {
  name: 'keras',
  extensions: ['.keras'],
  holds: 'many',
  zipLayout: (names) => names.includes(CONFIG) && (names.includes(WEIGHTS) || names.includes(METADATA)),
  readTensors: decodeKeras,
};

export const kerasH5Format: TensorFormat = {
  name: 'h5',
  extensions: ['.h5', '.hdf5'],
  holds: 'many',
  sniff: isHdf5,
  readTensors: decodeKerasH5,
};
