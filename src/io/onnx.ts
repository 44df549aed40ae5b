/**
 * ONNX models (`.onnx`): the recurrent nodes (RNN, LSTM, GRU, any opset) read as PyTorch's
 * state_dict, so every command that takes weights runs them. Decoded with protobufjs from the
 * schema subset in ./onnx/ (compiled in; no .proto is parsed at run time).
 *
 * A node's initializers are W (D, G*H, I), R (D, G*H, H) and B (D, 2*G*H) = [Wb, Rb], with D = 2
 * for direction=bidirectional and the gate blocks in ONNX's order (each kind's `onnx.gateOrder`:
 * LSTM i, o, f, c; GRU z, r, h). They become weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k},
 * bias_hh_l{k} (and _reverse for D = 2) with the blocks in PyTorch's order (LSTM i, f, g, o; GRU
 * r, z, n). Nodes chained as torch.onnx.export writes a stacked module (layer k+1 reads layer k's
 * Y through Squeeze, or Transpose(0, 2, 1, 3) and Reshape when bidirectional) are one module with
 * num_layers = the chain's length. The kind comes from the operator and its attributes (GRU's
 * linear_before_reset), the RNN's nonlinearity from `activations`; both are declared in
 * `modules`, since a state_dict cannot tell them, and so is a batch-first x (the graph transposes
 * its x before the first node, as torch.onnx.export writes a batch_first module). Other operators are listed in the metadata, not
 * run. Attributes PyTorch's modules have no counterpart for are refused, naming them.
 */
import { createRequire } from 'node:module';
import type { Type } from 'protobufjs';
import { FormatError } from '../errors.js';
import { kinds, type CellKind } from '../modules/kinds/index.js';
import { parameterSuffix } from '../modules/layer/parameters.js';
import { Tensor } from '../tensor/tensor.js';
import { decodeElements, ITEM_SIZE, TensorBudget, type ElementType } from './dtypes.js';
import type { DecodeOptions, DeclaredModule, StoredTensor, TensorFile, TensorFormat } from './format.js';
import { onnxDescriptor } from './onnx/descriptor.js';

// ---------------------------------------------------------------------------------------------
// The decoded messages, as protobufjs's toObject gives them (longs as numbers, bytes as Uint8Array).

export interface OnnxTensor {
  name?: string;
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  doubleData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  rawData?: Uint8Array;
  dataLocation?: number;
  externalData?: { key?: string; value?: string }[];
}
export interface OnnxAttribute {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}
export interface OnnxNode {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: OnnxAttribute[];
}
export interface OnnxValueInfo {
  name?: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim?: { dimValue?: number; dimParam?: string }[] } } };
}
export interface OnnxGraph {
  node?: OnnxNode[];
  name?: string;
  initializer?: OnnxTensor[];
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
}
export interface OnnxModel {
  irVersion?: number;
  producerName?: string;
  producerVersion?: string;
  graph?: OnnxGraph;
  opsetImport?: { domain?: string; version?: number }[];
}

/** TensorProto.DataType values. */
export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;
const ONNX_DOUBLE = 11;
const ELEMENT_TYPES: Readonly<Record<number, { type: ElementType; name: string }>> = {
  1: { type: 'f32', name: 'float32' },
  10: { type: 'f16', name: 'float16' },
  11: { type: 'f64', name: 'float64' },
  16: { type: 'bf16', name: 'bfloat16' },
};

let modelType: Type | null = null;

/** The ModelProto type, loaded on first use: protobufjs costs start-up that other formats need not pay. */
export function onnxModelType(): Type {
  if (!modelType) {
    const protobuf = createRequire(import.meta.url)('protobufjs/light.js') as typeof import('protobufjs');
    modelType = protobuf.Root.fromJSON(onnxDescriptor).lookupType('onnx.ModelProto');
  }
  return modelType;
}

/** The model in `bytes`, or a FormatError saying why it is not one. */
export function decodeOnnxModel(bytes: Uint8Array, file: string): OnnxModel {
  const type = onnxModelType();
  let model: OnnxModel;
  try {
    model = type.toObject(type.decode(bytes), { longs: Number, bytes: Uint8Array, defaults: false, arrays: false }) as OnnxModel;
  } catch (err) {
    throw new FormatError(`${file}: expected an ONNX model (a protobuf ModelProto), got malformed protobuf (${(err as Error).message})`);
  }
  if (!model.graph || !model.opsetImport?.length) {
    throw new FormatError(`${file}: expected an ONNX model (a protobuf ModelProto with a graph and opset_import), got ${model.graph ? 'no opset_import' : 'no graph'}`);
  }
  return model;
}

// ---------------------------------------------------------------------------------------------
// Tensors.

function tensorValues(t: OnnxTensor, at: string, budget: TensorBudget): StoredTensor {
  const dims = t.dims ?? [];
  if (t.dataLocation === 1 || t.externalData?.length) throw new FormatError(`${at}: expected its data inside the model, got external data (save the model with its weights inside)`);
  const element = ELEMENT_TYPES[t.dataType ?? 0];
  if (!element) throw new FormatError(`${at}: expected float tensor data (FLOAT, FLOAT16, DOUBLE or BFLOAT16), got data_type ${t.dataType ?? 'unset'}`);
  const count = budget.take(dims, at);
  let data: Float32Array;
  if (t.rawData && t.rawData.length) {
    const size = ITEM_SIZE[element.type];
    if (t.rawData.length !== count * size) throw new FormatError(`${at}: expected ${count * size} bytes of raw_data for shape (${dims.join(', ')}), got ${t.rawData.length}`);
    data = decodeElements(t.rawData, 0, count, element.type, true, `${at} raw_data`);
  } else {
    const values = element.type === 'f32' ? t.floatData : element.type === 'f64' ? t.doubleData : t.int32Data;
    const got = values?.length ?? 0;
    if (got !== count) throw new FormatError(`${at}: expected ${count} values for shape (${dims.join(', ')}), got ${got}`);
    data = element.type === 'f16' || element.type === 'bf16' ? decodeElements(new Uint8Array(new Uint16Array(values!).buffer), 0, count, element.type, true, at) : Float32Array.from(values ?? []);
  }
  return { tensor: new Tensor(data, dims), dtype: element.name };
}

/** The integers of a small constant (a Squeeze's axes, a Reshape's shape), or null. */
function constantInts(t: OnnxTensor | undefined): number[] | null {
  if (!t) return null;
  if (t.int64Data?.length) return t.int64Data;
  if (t.int32Data?.length) return t.int32Data;
  const raw = t.rawData;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  // Below opset 9 the exporter writes a Reshape's shape as doubles, cast to int64 by the graph.
  if (raw && view && t.dataType === ONNX_DOUBLE && raw.length % 8 === 0 && raw.length <= 8 * 32) {
    const ints = Array.from({ length: raw.length / 8 }, (_, i) => view.getFloat64(i * 8, true));
    return ints.every(Number.isInteger) ? ints : null;
  }
  if (!raw || !view || (t.dataType !== ONNX_INT64 && t.dataType !== ONNX_INT32)) return null;
  const size = t.dataType === ONNX_INT64 ? 8 : 4;
  if (raw.length % size || raw.length > 8 * 32) return null;
  return Array.from({ length: raw.length / size }, (_, i) => (size === 8 ? Number(view.getBigInt64(i * 8, true)) : view.getInt32(i * 4, true)));
}

// ---------------------------------------------------------------------------------------------
// Weights the graph computes from initializers: below opset 9 torch.onnx.export folds no constants,
// so W, R and B are Slice, Concat and Unsqueeze of the state_dict's tensors. Those operators (and
// Squeeze, Identity) on float32 constants are evaluated here; anything else stays "computed by the graph".

/** A float32 constant's dims and values, or null. */
function floatConstant(t: OnnxTensor | undefined): { dims: number[]; data: Float32Array } | null {
  if (!t || (t.dataType ?? 0) !== ONNX_FLOAT || t.dataLocation === 1 || t.externalData?.length) return null;
  const dims = t.dims ?? [];
  const count = dims.reduce((a, b) => a * b, 1);
  if (t.rawData && t.rawData.length) return t.rawData.length === count * 4 ? { dims, data: decodeElements(t.rawData, 0, count, 'f32', true, 'constant') } : null;
  return (t.floatData?.length ?? 0) === count ? { dims, data: Float32Array.from(t.floatData ?? []) } : null;
}

/** Axis `axis` of `dims` cut to [start, end): blocks of the inner size copied per outer index. */
function sliceAxis(dims: number[], data: Float32Array, axis: number, start: number, end: number): { dims: number[]; data: Float32Array } {
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = dims[axis]!;
  const out = new Float32Array(outer * (end - start) * inner);
  for (let o = 0; o < outer; o++) out.set(data.subarray((o * n + start) * inner, (o * n + end) * inner), o * (end - start) * inner);
  return { dims: dims.map((d, i) => (i === axis ? end - start : d)), data: out };
}

/** The constant `name` holds, evaluating Slice, Concat, Unsqueeze, Squeeze and Identity of constants; undefined otherwise. */
function foldConstant(name: string, values: Values, depth = 0): OnnxTensor | undefined {
  const known = values.constants.get(name);
  if (known || depth > 64) return known;
  const producer = values.producers.get(name);
  if (!producer) return undefined;
  const { node } = producer;
  const inputs = node.input ?? [];
  const attr = (n: string): OnnxAttribute | undefined => node.attribute?.find((a) => a.name === n);
  const ints = (n: string, slot: number): number[] | null => attr(n)?.ints ?? (inputs[slot] ? constantInts(foldConstant(inputs[slot]!, values, depth + 1)) : null);
  const operand = (slot: number) => (inputs[slot] ? floatConstant(foldConstant(inputs[slot]!, values, depth + 1)) : null);
  let result: { dims: number[]; data: Float32Array } | null = null;
  const x = operand(0);
  if (!x) return undefined;
  const rank = x.dims.length;
  const axisOf = (a: number, r = rank): number => (a < 0 ? a + r : a);
  switch (node.opType) {
    case 'Identity':
      result = x;
      break;
    case 'Unsqueeze': {
      const axes = ints('axes', 1);
      if (!axes) return undefined;
      const dims = [...x.dims];
      for (const a of axes.map((a) => axisOf(a, rank + axes.length)).sort((p, q) => p - q)) dims.splice(a, 0, 1);
      result = { dims, data: x.data };
      break;
    }
    case 'Squeeze': {
      const axes = (ints('axes', 1) ?? x.dims.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) => axisOf(a));
      if (axes.some((a) => x.dims[a] !== 1)) return undefined;
      result = { dims: x.dims.filter((_, i) => !axes.includes(i)), data: x.data };
      break;
    }
    case 'Slice': {
      const starts = ints('starts', 1);
      const ends = ints('ends', 2);
      const axes = ints('axes', 3) ?? starts?.map((_, i) => i) ?? null;
      const steps = ints('steps', 4);
      if (!starts || !ends || !axes || starts.length !== ends.length || axes.length !== starts.length || steps?.some((s) => s !== 1)) return undefined;
      result = x;
      axes.forEach((a, i) => {
        const axis = axisOf(a);
        const n = result!.dims[axis]!;
        const clamp = (v: number): number => Math.min(n, Math.max(0, v < 0 ? v + n : v));
        const [from, to] = [clamp(starts[i]!), clamp(ends[i]!)];
        result = sliceAxis(result!.dims, result!.data, axis, from, Math.max(from, to));
      });
      break;
    }
    case 'Concat': {
      const parts = inputs.map((_, i) => operand(i));
      const axis = axisOf(attr('axis')?.i ?? 0);
      if (parts.some((p) => !p || p.dims.length !== rank || p.dims.some((d, i) => i !== axis && d !== x.dims[i]))) return undefined;
      const outer = x.dims.slice(0, axis).reduce((a, b) => a * b, 1);
      const inner = x.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
      const total = parts.reduce((n, p) => n + p!.dims[axis]!, 0);
      const data = new Float32Array(outer * total * inner);
      let at = 0;
      for (const p of parts) {
        const width = p!.dims[axis]! * inner;
        for (let o = 0; o < outer; o++) data.set(p!.data.subarray(o * width, (o + 1) * width), o * total * inner + at);
        at += width;
      }
      result = { dims: x.dims.map((d, i) => (i === axis ? total : d)), data };
      break;
    }
    default:
      return undefined;
  }
  const folded: OnnxTensor = { name, dims: result.dims, dataType: ONNX_FLOAT, rawData: new Uint8Array(result.data.buffer, result.data.byteOffset, result.data.byteLength) };
  values.constants.set(name, folded);
  return folded;
}

// ---------------------------------------------------------------------------------------------
// Nodes.

const RECURRENT_OPS = new Set(kinds.flatMap((k) => (k.onnx ? [k.onnx.op] : [])));
/** Operators between two chained layers, as torch.onnx.export writes them. */
const PASS_THROUGH = new Set(['Squeeze', 'Unsqueeze', 'Transpose', 'Reshape', 'Identity']);

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b ?? new Uint8Array(0));

function nodeName(node: OnnxNode, index: number): string {
  return `${node.opType} node ${node.name ? `"${node.name}"` : `#${index}`}`;
}

interface RecurrentNode {
  index: number;
  node: OnnxNode;
  kind: CellKind;
  label: string;
  hiddenSize: number;
  directions: 1 | 2;
  nonlinearity: 'tanh' | 'relu';
  /** ONNX's layout: 1 takes X as (batch, seq_length, input_size) and writes Y as (batch, seq_length, D, H). */
  layout: 0 | 1;
  W: StoredTensor;
  R: StoredTensor;
  B: StoredTensor | null;
  /** The graph input sequence_lens comes from, through casts, if any. */
  sequenceLens: string | null;
}

/** The kind, direction, hidden size and activations of a recurrent node; refuses what PyTorch's modules cannot be. */
function readAttributes(node: OnnxNode, label: string): Pick<RecurrentNode, 'kind' | 'hiddenSize' | 'directions' | 'nonlinearity' | 'layout'> {
  const attrs = new Map((node.attribute ?? []).map((a) => [a.name ?? '', a]));
  const int = (name: string): number => attrs.get(name)?.i ?? 0;
  const ofOp = kinds.filter((k) => k.onnx?.op === node.opType);
  const known = new Set(['direction', 'hidden_size', 'activations', 'activation_alpha', 'activation_beta', 'clip', 'layout', 'input_forget', 'output_sequence', ...ofOp.flatMap((k) => Object.keys(k.onnx!.attributes))]);
  for (const name of attrs.keys()) if (!known.has(name)) throw new FormatError(`${label}: expected the attributes of ONNX's ${node.opType}, got "${name}" (refused: not a PyTorch module's)`);
  if (attrs.has('clip')) throw new FormatError(`${label}: expected no clip attribute, got clip=${attrs.get('clip')!.f} (refused: PyTorch's modules do not clip the cell input)`);
  for (const name of ['activation_alpha', 'activation_beta']) {
    if (attrs.get(name)?.floats?.length) throw new FormatError(`${label}: expected no ${name} attribute, got [${attrs.get(name)!.floats!.join(', ')}] (refused: PyTorch's activations take no parameters)`);
  }
  const layout = int('layout');
  if (layout !== 0 && layout !== 1) throw new FormatError(`${label}: expected layout 0 (X as (seq_length, batch, input_size)) or 1 (X as (batch, seq_length, input_size)), got layout=${layout}`);
  if (int('input_forget') !== 0) throw new FormatError(`${label}: expected input_forget=0, got input_forget=${int('input_forget')} (refused: PyTorch's LSTM has no coupled input and forget gates)`);
  const kind = ofOp.find((k) => Object.entries(k.onnx!.attributes).every(([name, value]) => (int(name) !== 0 ? 1 : 0) === value));
  if (!kind) {
    const which = ofOp.flatMap((k) => Object.keys(k.onnx!.attributes)).map((name) => `${name}=${int(name)}`);
    throw new FormatError(`${label}: expected ${node.opType} attributes of ${ofOp.map((k) => k.name).join(' or ')}, got ${[...new Set(which)].join(', ')}`);
  }
  const direction = attrs.has('direction') ? text(attrs.get('direction')!.s) : 'forward';
  if (direction !== 'forward' && direction !== 'bidirectional') {
    throw new FormatError(`${label}: expected direction forward or bidirectional, got "${direction}"${direction === 'reverse' ? ' (refused: PyTorch has no reverse-only module)' : ''}`);
  }
  const directions = direction === 'bidirectional' ? 2 : 1;
  const hiddenSize = attrs.get('hidden_size')?.i ?? 0;
  // Activations: this kind's, per direction, case as ONNX's reference runtime accepts them.
  let nonlinearity: 'tanh' | 'relu' = 'tanh';
  const given = (attrs.get('activations')?.strings ?? []).map((s) => text(s));
  if (given.length) {
    const form = kind.onnx!.activations;
    if (given.length !== form.length * directions) {
      throw new FormatError(`${label}: expected activations with ${form.length * directions} entries (${form.length} per direction), got [${given.join(', ')}]`);
    }
    for (let i = 0; i < given.length; i++) {
      const want = form[i % form.length]!;
      const got = given[i]!.toLowerCase();
      if (want === 'nonlinearity') {
        if (got !== 'tanh' && got !== 'relu') throw new FormatError(`${label}: expected activations Tanh or Relu (PyTorch's nonlinearity), got "${given[i]}" (refused)`);
        if (i > 0 && got !== nonlinearity) throw new FormatError(`${label}: expected one activation for both directions, got [${given.join(', ')}] (refused: PyTorch's RNN has one nonlinearity)`);
        nonlinearity = got;
      } else if (got !== want.toLowerCase()) {
        throw new FormatError(`${label}: expected activations [${form.join(', ')}] per direction (${kind.name}'s), got [${given.join(', ')}] (refused: activations other than the defaults)`);
      }
    }
  }
  return { kind, hiddenSize, directions, nonlinearity, layout };
}

/** What a node input names: an initializer, a Constant's output, or something the graph computes. */
interface Values {
  constants: Map<string, OnnxTensor>;
  producers: Map<string, { node: OnnxNode; index: number }>;
}

function recurrentNode(file: string, node: OnnxNode, index: number, values: Values, budget: TensorBudget): RecurrentNode {
  const label = `${file}: ${nodeName(node, index)}`;
  const attributes = readAttributes(node, label);
  const { kind, hiddenSize: H, directions: D } = attributes;
  const inputs = node.input ?? [];
  const G = kind.gates.length;
  const weight = (slot: number, what: string, shape: (number | null)[]): StoredTensor | null => {
    const name = inputs[slot] ?? '';
    if (name === '') return null;
    const t = foldConstant(name, values);
    if (!t) throw new FormatError(`${label}: expected ${what} as an initializer or a Constant (or Slice, Concat, Unsqueeze of them), got "${name}", computed by the graph`);
    const stored = tensorValues(t, `${label} ${what} "${name}"`, budget);
    const got = stored.tensor.shape;
    if (got.length !== shape.length || shape.some((d, i) => d !== null && d !== got[i])) {
      throw new FormatError(`${label}: expected ${what} of shape (${shape.map((d) => d ?? 'input_size').join(', ')}) for hidden_size ${H}, got (${got.join(', ')})`);
    }
    return stored;
  };
  if (!(H > 0)) throw new FormatError(`${label}: expected a hidden_size attribute greater than 0, got ${H}`);
  const W = weight(1, 'W', [D, G * H, null]);
  const R = weight(2, 'R', [D, G * H, H]);
  if (!W || !R) throw new FormatError(`${label}: expected inputs W and R, got ${inputs.length} inputs`);
  const B = weight(3, 'B', [D, 2 * G * H]);
  if (kind.onnx!.op === 'LSTM' && (inputs[7] ?? '') !== '') throw new FormatError(`${label}: expected no peephole weights P, got "${inputs[7]}" (refused: PyTorch's LSTM has no peepholes)`);
  // sequence_lens: a graph input, possibly through Casts (as torch.onnx.export writes pack_padded_sequence).
  let lens = inputs[4] ?? '';
  for (let hops = 0; lens !== '' && hops < 8; hops++) {
    const producer = values.producers.get(lens);
    if (!producer || producer.node.opType !== 'Cast') break;
    lens = producer.node.input?.[0] ?? '';
  }
  return { index, node, label: nodeName(node, index), ...attributes, W, R, B, sequenceLens: lens === '' ? null : lens };
}

/** The recurrent node whose Y feeds `node`'s X through pass-through operators only, if any; with the operators passed. */
function feeder(node: OnnxNode, values: Values, recurrentByNode: Map<OnnxNode, RecurrentNode>): { from: RecurrentNode; ops: OnnxNode[] } | null {
  let name = node.input?.[0] ?? '';
  const ops: OnnxNode[] = [];
  for (let hops = 0; hops < 16; hops++) {
    const producer = values.producers.get(name);
    if (!producer) return null;
    const from = recurrentByNode.get(producer.node);
    if (from) return producer.node.output?.[0] === name ? { from, ops } : null;
    if (!PASS_THROUGH.has(producer.node.opType ?? '')) return null;
    ops.push(producer.node);
    name = producer.node.input?.[0] ?? '';
  }
  return null;
}

/** True when the operators between two layers turn (T, D, B, H) into (T, B, D*H) as a stacked module does. */
function chainsLikeStack(from: RecurrentNode, ops: OnnxNode[], values: Values): boolean {
  // layout=1's Y is (B, T, D, H): a Reshape (or Squeeze, D = 1) alone makes it (B, T, D*H).
  if (from.layout === 1) return ops.length > 0 && ops.every((op) => op.opType === 'Squeeze' || op.opType === 'Reshape' || op.opType === 'Identity');
  if (from.directions === 1) return ops.length > 0 && ops.every((op) => op.opType === 'Squeeze' || op.opType === 'Reshape' || op.opType === 'Identity');
  const perm = ops.find((op) => op.opType === 'Transpose')?.attribute?.find((a) => a.name === 'perm')?.ints;
  const reshape = ops.find((op) => op.opType === 'Reshape');
  // The target shape: a constant, through Casts below opset 9 (Cast of a Constant, not folded).
  let shape = reshape?.input?.[1] ?? '';
  for (let hops = 0; hops < 4 && !values.constants.has(shape); hops++) {
    const producer = values.producers.get(shape);
    if (producer?.node.opType !== 'Cast') break;
    shape = producer.node.input?.[0] ?? '';
  }
  const target = reshape ? constantInts(values.constants.get(shape)) : null;
  return perm?.join() === '0,2,1,3' && target !== null && target.length === 3 && target[2] === -1;
}

/**
 * True when the chain's first X is the graph's x through Transpose(perm 1, 0, 2): the graph takes x
 * as (batch, seq_len, features), as torch.onnx.export writes a batch_first module.
 */
function readsBatchFirst(first: RecurrentNode, values: Values): boolean {
  let name = first.node.input?.[0] ?? '';
  for (let hops = 0; hops < 4; hops++) {
    const producer = values.producers.get(name);
    if (!producer) return false;
    const op = producer.node.opType;
    if (op === 'Transpose') return producer.node.attribute?.find((a) => a.name === 'perm')?.ints?.join() === '1,0,2';
    if (op !== 'Identity') return false;
    name = producer.node.input?.[0] ?? '';
  }
  return false;
}

/** The module prefix of a chain from its first node's name: "/rnn/LSTM" is "rnn.", as PyTorch's module path. */
function prefixOf(first: RecurrentNode, chains: number, used: Set<string>, i: number): string {
  const parts = (first.node.name ?? '').split('/').filter((p) => p !== '');
  let prefix = parts.length > 1 ? `${parts.slice(0, -1).join('.')}.` : chains === 1 ? '' : `${first.kind.onnx!.op.toLowerCase()}${i}.`;
  if (used.has(prefix)) prefix = `${prefix.replace(/\.$/, '')}_${i}.`;
  used.add(prefix);
  return prefix;
}

/** Copies gate blocks of `rows` rows from ONNX's order into the kind's (PyTorch's). */
function reorder(kind: CellKind, src: Float32Array, srcOffset: number, rows: number, cols: number): Float32Array {
  const order = kind.onnx!.gateOrder;
  const out = new Float32Array(kind.gates.length * rows * cols);
  kind.gates.forEach((gate, g) => {
    const from = order.indexOf(gate.name);
    out.set(src.subarray(srcOffset + from * rows * cols, srcOffset + (from + 1) * rows * cols), g * rows * cols);
  });
  return out;
}

/** A chain of nodes as a PyTorch state_dict, keys `${prefix}weight_ih_l{k}[_reverse]`. */
function chainStateDict(chain: RecurrentNode[], prefix: string, into: Map<string, StoredTensor>): void {
  chain.forEach((n, l) => {
    const { kind, hiddenSize: H } = n;
    const G = kind.gates.length * H;
    const I = n.W.tensor.shape[2]!;
    for (let d = 0; d < n.directions; d++) {
      const s = parameterSuffix(l, d);
      const put = (name: string, data: Float32Array, shape: number[], from: StoredTensor): void => {
        into.set(`${prefix}${name}${s}`, { tensor: new Tensor(data, shape), dtype: from.dtype });
      };
      put('weight_ih', reorder(kind, n.W.tensor.data, d * G * I, H, I), [G, I], n.W);
      put('weight_hh', reorder(kind, n.R.tensor.data, d * G * H, H, H), [G, H], n.R);
      if (n.B) {
        put('bias_ih', reorder(kind, n.B.tensor.data, d * 2 * G, H, 1), [G], n.B);
        put('bias_hh', reorder(kind, n.B.tensor.data, d * 2 * G + G, H, 1), [G], n.B);
      }
    }
  });
}

/** Decodes an ONNX model's recurrent nodes into named tensors (PyTorch's state_dict names) and the modules they make. */
export function decodeOnnx(bytes: Uint8Array, file: string, options: DecodeOptions = {}): TensorFile {
  const model = decodeOnnxModel(bytes, file);
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  const budget = new TensorBudget(options.maxBytes);
  const values: Values = { constants: new Map(), producers: new Map() };
  for (const t of graph.initializer ?? []) values.constants.set(t.name ?? '', t);
  nodes.forEach((node, index) => {
    for (const out of node.output ?? []) values.producers.set(out, { node, index });
    const value = node.opType === 'Constant' ? node.attribute?.find((a) => a.name === 'value')?.t : undefined;
    if (value) values.constants.set(node.output?.[0] ?? '', value);
  });

  const recurrent: RecurrentNode[] = [];
  nodes.forEach((node, index) => {
    if (RECURRENT_OPS.has(node.opType ?? '') && (node.domain ?? '') === '') recurrent.push(recurrentNode(file, node, index, values, budget));
  });
  if (!recurrent.length) {
    const ops = [...new Set(nodes.map((n) => n.opType ?? '?'))];
    throw new FormatError(`${file}: expected an ONNX graph with ${[...RECURRENT_OPS].join(', ')} nodes, got none (${nodes.length} nodes: ${ops.slice(0, 8).join(', ') || 'none'}${ops.length > 8 ? ', ...' : ''})`);
  }

  // Chains: layer k+1 reads layer k's Y; a node with one such reader continues into it.
  const byNode = new Map(recurrent.map((r) => [r.node, r]));
  const next = new Map<RecurrentNode, RecurrentNode>();
  const hasPrevious = new Set<RecurrentNode>();
  for (const r of recurrent) {
    const fed = feeder(r.node, values, byNode);
    if (!fed) continue;
    const { from, ops } = fed;
    const stacks = from.kind === r.kind && from.layout === r.layout && from.hiddenSize === r.hiddenSize && from.directions === r.directions && from.nonlinearity === r.nonlinearity && (from.B === null) === (r.B === null);
    if (stacks && !next.has(from) && r.W.tensor.shape[2] === from.directions * from.hiddenSize && chainsLikeStack(from, ops, values)) {
      next.set(from, r);
      hasPrevious.add(r);
    }
  }
  const chains: RecurrentNode[][] = [];
  for (const r of recurrent) {
    if (hasPrevious.has(r)) continue;
    const chain = [r];
    for (let n = next.get(r); n; n = next.get(n)) chain.push(n);
    chains.push(chain);
  }

  const tensors = new Map<string, StoredTensor>();
  const modules: DeclaredModule[] = [];
  const used = new Set<string>();
  chains.forEach((chain, i) => {
    const first = chain[0]!;
    const prefix = prefixOf(first, chains.length, used, i);
    chainStateDict(chain, prefix, tensors);
    const lens = chain.map((n) => n.sequenceLens).find((s) => s !== null) ?? null;
    const batchFirst = first.layout === 1 || readsBatchFirst(first, values);
    modules.push({
      prefix,
      type: first.kind.type,
      nonlinearity: first.nonlinearity,
      source: `${chain.length === 1 ? first.label : `${chain.length} chained ${first.node.opType} nodes (${chain.map((n) => n.node.name || `#${n.index}`).join(', ')})`}${lens ? `, sequence_lens from graph input "${lens}"` : ''}${first.layout === 1 ? ', x batch-first (layout=1)' : batchFirst ? ', x batch-first (Transpose perm 1,0,2 before it)' : ''}`,
      ...(batchFirst ? { batchFirst } : {}),
    });
  });

  const others = new Map<string, number>();
  for (const node of nodes) if (!byNode.has(node)) others.set(node.opType ?? '?', (others.get(node.opType ?? '?') ?? 0) + 1);
  const metadata: Record<string, string> = {
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim() || 'unknown',
    opset: (model.opsetImport ?? []).map((o) => `${o.domain || 'ai.onnx'} ${o.version ?? '?'}`).join(', '),
    ir_version: String(model.irVersion ?? 'unset'),
    graph_inputs: (graph.input ?? []).map((v) => v.name ?? '').filter((n) => !values.constants.has(n)).join(', '),
    graph_outputs: (graph.output ?? []).map((v) => v.name ?? '').join(', '),
  };
  if (others.size) metadata['other_ops'] = `${[...others].map(([op, n]) => (n > 1 ? `${op} ×${n}` : op)).join(', ')} (listed, not run)`;
  return { tensors, metadata, modules };
}

export const onnxFormat: TensorFormat = {
  name: 'onnx',
  extensions: ['.onnx'],
  holds: 'many',
  readTensors: decodeOnnx,
};
