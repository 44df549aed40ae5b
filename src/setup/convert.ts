/**
 * `convert IN OUT`: one recurrent module from a weights file (a PyTorch state_dict or an ONNX
 * model, a TF.js model.json, a Keras .keras or .h5) written as another: ONNX (.onnx, one node per
 * layer, opset 14), a TF.js layers model (OUT ending in model.json, its weight shard beside it), a
 * Keras 3 model (.keras, or legacy .h5; written through h5wasm, which the caller loads with
 * loadHdf5Writer and passes as `hdf5`) or a state_dict format
 * that writes (.safetensors, .npz, .json). After writing, the source and the written file both run
 * through the engine on one random input, and the largest difference is reported.
 */
import { statSync } from 'node:fs';
import { extname } from 'node:path';
import { UsageError } from '../errors.js';
import { encodeTfjs, isTfjsTarget, readTensorsFile, tfjsRefusal, tfjsShardPath, writeFileAtomic, writerFor, type AtomicWriteOptions, type TensorFile } from '../io/index.js';
import type { Hdf5Writer } from '../io/hdf5-write.js';
import { encodeKerasFile, isKerasTarget, kerasRefusal, KERAS_WRITE_VERSION } from '../io/keras-write.js';
import { encodeOnnx, onnxRefusal, ONNX_OPSET } from '../io/onnx-write.js';
import { inferModules, type InferredModule } from '../modules/infer-config.js';
import { kindOf, kinds, type CellKind, type KindName } from '../modules/kinds/index.js';
import { moduleRepr, resolveConfig, type RecurrentConfig } from '../modules/layer/config.js';
import { Recurrent, type ForwardResult } from '../modules/recurrent.js';
import type { ConvertReport } from '../schema/convert.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { pickModule } from './run.js';

export interface ConvertOptions {
  input: string;
  output: string;
  module?: string | undefined;
  /** The RNN's nonlinearity when IN cannot say it (a state_dict); contradicting a file that says it is an error. */
  nonlinearity?: 'tanh' | 'relu' | undefined;
  seed: number;
  maxMemory: number;
  version: string;
  /** Where the write goes (the CLI's claimed output: atomic, checked, not over an input). */
  writeOptions?: AtomicWriteOptions;
  /** For a TF.js OUT: where its weight shard goes (tfjsShardPath(output), claimed as OUT is). */
  shardWriteOptions?: AtomicWriteOptions;
  /** For a Keras OUT (.keras, .h5): the HDF5 writer (`await loadHdf5Writer()`). */
  hdf5?: Hdf5Writer;
}

/** The check's input sizes: small enough to be instant, long enough to cross several steps. */
const CHECK_SEQ_LEN = 7;
const CHECK_BATCH = 3;

interface Loaded {
  kind: CellKind<KindName>;
  config: RecurrentConfig;
  params: Map<string, Tensor>;
  module: InferredModule;
}

function load(file: string, contents: TensorFile, prefix: string | undefined, nonlinearity?: 'tanh' | 'relu'): Loaded {
  const m = pickModule(file, contents, prefix);
  if (!m) throw new UsageError(`${file}: expected a recurrent module to convert, got none (${inferModules(new Map([...contents.tensors].map(([k, v]) => [k, v.tensor]))).rejected[0]?.reason ?? 'no weight_ih_l0 / RNN, LSTM or GRU node'})`);
  const kind = kindOf(m.type);
  if (nonlinearity && m.nonlinearity && kind.hasNonlinearity && nonlinearity !== m.nonlinearity) {
    throw new UsageError(`--nonlinearity ${nonlinearity} contradicts ${file}: it holds nonlinearity ${m.nonlinearity} (${m.declaredBy ?? 'the file'})`);
  }
  const said = m.nonlinearity ?? nonlinearity;
  const config = resolveConfig(kind, {
    inputSize: m.inputSize,
    hiddenSize: m.hiddenSize,
    numLayers: m.numLayers,
    bidirectional: m.bidirectional,
    bias: m.bias,
    projSize: m.projSize,
    ...(said && kind.hasNonlinearity ? { nonlinearity: said } : {}),
    ...(m.recurrentActivation ? { recurrentActivation: m.recurrentActivation } : {}),
  });
  const params = new Map<string, Tensor>();
  for (const key of m.keys) params.set(key.slice(m.prefix.length), contents.tensors.get(key)!.tensor);
  return { kind, config, params, module: m };
}

function run(l: Loaded, x: Tensor): ForwardResult {
  const module = new Recurrent(l.kind, { ...l.config, seed: 0 }).eval();
  module.loadStateDict(l.params);
  return module.forward(x, { keepTrace: false });
}

function maxDiff(a: Tensor | null, b: Tensor | null): number | null {
  if (!a || !b) return null;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

/** Why a PyTorch state_dict cannot hold this kind, or null: PyTorch would run the keys as another module. */
function stateDictRefusal(kind: CellKind): string | null {
  const alike = kinds.filter((k) => k.gates.length === kind.gates.length && k.parameters === kind.parameters);
  if (alike[0] === kind) return null;
  return `a state_dict cannot say ${kind.name} (${kind.equations.at(-1)}): its keys would load into torch.nn.${alike[0]!.name}, which computes ${alike[0]!.equations.at(-1)}`;
}

export function convertModel(o: ConvertOptions): ConvertReport {
  const source = readTensorsFile(o.input, { maxBytes: o.maxMemory });
  const src = load(o.input, source, o.module, o.nonlinearity);
  const { kind, config, params, module: m } = src;
  const notes: string[] = [];
  if (kind.hasNonlinearity && !m.nonlinearity) notes.push(`${o.input} does not record the nonlinearity: read as ${config.nonlinearity}${o.nonlinearity ? ' (--nonlinearity)' : '; pass --nonlinearity relu if the model used relu'}`);
  const ext = extname(o.output).toLowerCase();
  let toFormat: string;
  let bytes: Uint8Array;
  // PyTorch's modules and the ONNX writer compute σ: another recurrent activation would be lost.
  const activation = config.recurrentActivation === 'sigmoid' || isTfjsTarget(o.output) || isKerasTarget(o.output) ? null : `recurrent_activation ${config.recurrentActivation} (from ${o.input}), which ${ext === '.onnx' ? 'the ONNX writer cannot say (it writes Sigmoid gates)' : "a PyTorch state_dict cannot say (torch.nn's gates compute σ)"}`;
  if (activation) throw new UsageError(`${o.output}: expected a module whose gates compute σ, got ${activation}`);
  if (isTfjsTarget(o.output)) {
    const refusal = tfjsRefusal(kind, config);
    if (refusal) throw new UsageError(`${o.output}: expected a module TF.js can express, got ${refusal}`);
    const shard = tfjsShardPath(o.output);
    const written = encodeTfjs(kind, config, params, shard, `rnn-inspect ${o.version}`);
    // The shard first: a model.json is never left pointing at a shard that is not there.
    writeFileAtomic(shard, written.shard, o.shardWriteOptions ?? {});
    bytes = written.json;
    toFormat = 'tfjs';
    const layer = `${config.bidirectional ? `Bidirectional(${kind.keras!.className})` : kind.keras!.className}`;
    notes.push(`a TF.js layers model: a Sequential of ${config.numLayers} ${layer} layer${config.numLayers > 1 ? 's' : ''}, each returning sequences, so its output is out, batch-major (batch, seq_len, ${(config.bidirectional ? 2 : 1) * config.hiddenSize}); weights in ${shard} (${written.shard.length} bytes)`);
    if (config.bias) notes.push("bias_ih and bias_hh summed into Keras's one bias (exact for these equations; float32 rounding aside)");
    if (kind.hasNonlinearity || config.recurrentActivation !== 'sigmoid') notes.push(`activation ${kind.hasNonlinearity ? config.nonlinearity : 'tanh'}, recurrent_activation ${config.recurrentActivation}`);
  } else if (isKerasTarget(o.output)) {
    const refusal = kerasRefusal(kind, config);
    if (refusal) throw new UsageError(`${o.output}: expected a module Keras can express, got ${refusal}`);
    if (!o.hdf5) throw new UsageError(`${o.output}: expected an HDF5 writer to write a Keras file (convertModel's hdf5 option: await loadHdf5Writer()), got none`);
    ({ bytes, format: toFormat } = encodeKerasFile(o.output, kind, config, params, o.hdf5, `rnn-inspect ${o.version}`));
    const layer = `${config.bidirectional ? `Bidirectional(${kind.keras!.className})` : kind.keras!.className}`;
    notes.push(`a Keras ${toFormat === 'keras' ? '3 .keras archive' : 'legacy .h5 model'} (keras_version ${KERAS_WRITE_VERSION}): a Sequential of ${config.numLayers} ${layer} layer${config.numLayers > 1 ? 's' : ''}, each returning sequences, so its output is out, batch-major (batch, seq_len, ${(config.bidirectional ? 2 : 1) * config.hiddenSize})`);
    if (config.bias && !kind.keras!.twoBiases) notes.push("bias_ih and bias_hh summed into Keras's one bias (exact for these equations; float32 rounding aside)");
    if (kind.hasNonlinearity || config.recurrentActivation !== 'sigmoid') notes.push(`activation ${kind.hasNonlinearity ? config.nonlinearity : 'tanh'}${kind.gates.some((g) => g.activation === 'sigmoid') ? `, recurrent_activation ${config.recurrentActivation === 'sigmoid' ? 'sigmoid' : "hard_sigmoid (Keras 3's, relu6(x + 3) / 6)"}` : ''}`);
  } else if (ext === '.onnx') {
    const refusal = onnxRefusal(kind, config);
    if (refusal) throw new UsageError(`${o.output}: expected a module ONNX can express, got ${refusal}`);
    bytes = encodeOnnx(kind, config, params, m.prefix);
    toFormat = 'onnx';
    notes.push(`one ${kind.onnx!.op} node per layer, opset ${ONNX_OPSET}; graph inputs x (seq_len, batch, ${config.inputSize}), sequence_lens (batch,) int32, initial_h${kind.hasCellState ? ', initial_c' : ''}`);
    if (Object.keys(kind.onnx!.attributes).length) notes.push(`${Object.entries(kind.onnx!.attributes).map(([k, v]) => `${k}=${v}`).join(', ')}: ${kind.name}'s`);
  } else {
    const writer = writerFor(o.output);
    if (writer.holds !== 'many') throw new UsageError(`${o.output}: expected a format that holds named tensors (a state_dict), got ${writer.name}, which holds one tensor`);
    const refusal = stateDictRefusal(kind);
    if (refusal) throw new UsageError(`${o.output}: expected a module a PyTorch state_dict can express, got ${kind.name}: ${refusal}`);
    const named = new Map([...params].map(([k, v]) => [`${m.prefix}${k}`, v]));
    bytes = writer.writeTensors!(named, o.output);
    toFormat = writer.name;
    if (kind.hasNonlinearity && config.nonlinearity !== 'tanh') notes.push(`a state_dict does not record the nonlinearity: build torch.nn.${kind.name}(..., nonlinearity='${config.nonlinearity}')`);
  }
  if (m.batchFirst) {
    notes.push(`${o.input} takes x batch-first (${m.declaredBy ?? 'the file'}); ${toFormat === 'onnx' ? `the written graph takes x time-first, (seq_len, batch, ${config.inputSize}): swap x's first two axes before it` : `a state_dict does not record batch_first: build torch.nn.${kind.name}(..., batch_first=True)`}`);
  }
  writeFileAtomic(o.output, bytes, o.writeOptions ?? {});
  const bytesWritten = bytes.length + (toFormat === 'tfjs' ? statSync(tfjsShardPath(o.output)).size : 0);

  // The check: the written file read back as any user would, both run on the same random input.
  const written = readTensorsFile(o.output, { maxBytes: o.maxMemory });
  const modelFile = toFormat === 'tfjs' || isKerasTarget(o.output);
  const back = load(o.output, written, m.prefix === '' || modelFile ? undefined : m.prefix);
  // A state_dict cannot carry the nonlinearity: the written one runs with the source's.
  const again: Loaded = toFormat === 'onnx' || modelFile ? back : { ...back, config: { ...back.config, nonlinearity: config.nonlinearity } };
  const x = Tensor.zeros([CHECK_SEQ_LEN, CHECK_BATCH, config.inputSize]);
  new Random(o.seed ^ 0x5eed).fillNormal(x.data);
  const a = run(src, x);
  const b = run(again, x);
  const diffs = { out: maxDiff(a.out, b.out)!, h_n: maxDiff(a.hN, b.hN)!, c_n: maxDiff(a.cN, b.cN) };
  return {
    command: 'convert',
    version: o.version,
    input: o.input,
    output: o.output,
    from_format: source.format,
    to_format: toFormat,
    module: moduleRepr(kind, config),
    type: kind.type,
    prefix: m.prefix,
    bytes: bytesWritten,
    check: { seed: o.seed, x_shape: [...x.shape], max_diff: Math.max(diffs.out, diffs.h_n, diffs.c_n ?? 0), tensors: diffs },
    notes,
  };
}
