/**
 * Writes a recurrent module as an ONNX model (opset 14): one node per layer, as torch.onnx.export
 * writes a stacked module, with the weights in ONNX's gate order (the inverse of ./onnx.ts).
 *
 * Graph inputs: x (seq_len, batch, input_size), sequence_lens (batch,) int32, initial_h
 * (num_layers * D, batch, H) and, for LSTM, initial_c. Outputs: out (seq_len, batch, D * H), h_n,
 * (c_n). Layer l reads initial_h[l*D:(l+1)*D] (Slice) and the layer below's Y (seq_len, D, batch,
 * H), made (seq_len, batch, D * H) by Squeeze (D = 1) or Transpose(0, 2, 1, 3) and Reshape (D = 2);
 * h_n and c_n are the layers' Y_h and Y_c concatenated. PyTorch's GRU is written with
 * linear_before_reset=1, each kind's attributes coming from its descriptor (`onnx`).
 */
import { ConfigError } from '../errors.js';
import type { CellKind } from '../modules/kinds/index.js';
import type { RecurrentConfig } from '../modules/layer/config.js';
import { parameterSuffix } from '../modules/layer/parameters.js';
import type { Tensor } from '../tensor/tensor.js';
import { ONNX_FLOAT, ONNX_INT32, ONNX_INT64, onnxModelType, type OnnxAttribute, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './onnx.js';

export const ONNX_OPSET = 14;
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7, STRINGS: 8 } as const;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function floatTensor(name: string, dims: number[], data: Float32Array): OnnxTensor {
  const copy = Float32Array.from(data); // little-endian on every platform Node runs on
  return { name, dims, dataType: ONNX_FLOAT, rawData: new Uint8Array(copy.buffer) };
}

function int64Tensor(name: string, values: number[]): OnnxTensor {
  return { name, dims: [values.length], dataType: ONNX_INT64, int64Data: values };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): OnnxValueInfo {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

/** Rows of a (gates * H, cols) PyTorch parameter, gate blocks reordered into ONNX's order. */
function toOnnxOrder(kind: CellKind, data: Float32Array, H: number, cols: number, into: Float32Array, at: number): void {
  kind.onnx!.gateOrder.forEach((name, slot) => {
    const g = kind.gates.findIndex((gate) => gate.name === name);
    into.set(data.subarray(g * H * cols, (g + 1) * H * cols), at + slot * H * cols);
  });
}

/** Why ONNX cannot hold this module, or null when it can. */
export function onnxRefusal(kind: CellKind, config: RecurrentConfig): string | null {
  if (!kind.onnx) return `ONNX has no node for ${kind.name}`;
  if (config.projSize > 0) return `ONNX's LSTM has no projection (proj_size ${config.projSize}, weight_hr): its h is hidden_size wide`;
  return null;
}

/**
 * The ONNX model bytes of a module with PyTorch's parameters `params` (unprefixed keys).
 * `name` is the module's path, used in node names (`/rnn/LSTM_1`), so a reader finds the same prefix.
 */
export function encodeOnnx(kind: CellKind, config: RecurrentConfig, params: ReadonlyMap<string, Tensor>, name = ''): Uint8Array {
  const refusal = onnxRefusal(kind, config);
  if (refusal) throw new ConfigError(`ONNX: expected a module ONNX can express, got ${refusal}`);
  const form = kind.onnx!;
  const { numLayers: L, hiddenSize: H, inputSize } = config;
  const D = config.bidirectional ? 2 : 1;
  const G = kind.gates.length * H;
  const path = name === '' ? '' : `/${name.replace(/\.$/, '').split('.').join('/')}`;
  const nodes: OnnxNode[] = [];
  const initializer: OnnxTensor[] = [];
  const attr = (n: string, v: Omit<OnnxAttribute, 'name'>): OnnxAttribute => ({ name: n, ...v });
  const activations = form.activations.map((a) => (a === 'nonlinearity' ? (config.nonlinearity === 'relu' ? 'Relu' : 'Tanh') : a));
  initializer.push(int64Tensor('axes_0', [0]), D === 1 ? int64Tensor('squeeze_axes', [1]) : int64Tensor('reshape_to', [0, 0, -1]));

  let layerIn = 'x';
  const yh: string[] = [];
  const yc: string[] = [];
  for (let l = 0; l < L; l++) {
    const cols = l === 0 ? inputSize : D * H;
    const W = new Float32Array(D * G * cols);
    const R = new Float32Array(D * G * H);
    const B = new Float32Array(D * 2 * G);
    for (let d = 0; d < D; d++) {
      const s = parameterSuffix(l, d);
      toOnnxOrder(kind, params.get(`weight_ih${s}`)!.data, H, cols, W, d * G * cols);
      toOnnxOrder(kind, params.get(`weight_hh${s}`)!.data, H, H, R, d * G * H);
      if (config.bias) {
        toOnnxOrder(kind, params.get(`bias_ih${s}`)!.data, H, 1, B, d * 2 * G);
        toOnnxOrder(kind, params.get(`bias_hh${s}`)!.data, H, 1, B, d * 2 * G + G);
      }
    }
    const tag = `${form.op}_${l}`;
    initializer.push(floatTensor(`W_${l}`, [D, G, cols], W), floatTensor(`R_${l}`, [D, G, H], R));
    if (config.bias) initializer.push(floatTensor(`B_${l}`, [D, 2 * G], B));
    initializer.push(int64Tensor(`start_${l}`, [l * D]), int64Tensor(`end_${l}`, [(l + 1) * D]));
    const states = kind.hasCellState ? ['initial_h', 'initial_c'] : ['initial_h'];
    const sliced = states.map((state) => {
      nodes.push({ name: `${path}/Slice_${state}_${l}`, opType: 'Slice', input: [state, `start_${l}`, `end_${l}`, 'axes_0'], output: [`${state}_${l}`] });
      return `${state}_${l}`;
    });
    const outputs = [`Y_${l}`, `Y_h_${l}`, ...(kind.hasCellState ? [`Y_c_${l}`] : [])];
    nodes.push({
      name: `${path}/${tag}`,
      opType: form.op,
      input: [layerIn, `W_${l}`, `R_${l}`, config.bias ? `B_${l}` : '', 'sequence_lens', ...sliced],
      output: outputs,
      attribute: [
        attr('hidden_size', { type: ATTR.INT, i: H }),
        attr('direction', { type: ATTR.STRING, s: utf8(D === 2 ? 'bidirectional' : 'forward') }),
        attr('activations', { type: ATTR.STRINGS, strings: Array.from({ length: D }, () => activations).flat().map(utf8) }),
        ...Object.entries(form.attributes).map(([n, v]) => attr(n, { type: ATTR.INT, i: v })),
      ],
    });
    yh.push(`Y_h_${l}`);
    if (kind.hasCellState) yc.push(`Y_c_${l}`);
    const merged = l === L - 1 ? 'out' : `X_${l + 1}`;
    if (D === 1) nodes.push({ name: `${path}/Squeeze_${l}`, opType: 'Squeeze', input: [`Y_${l}`, 'squeeze_axes'], output: [merged] });
    else {
      nodes.push({ name: `${path}/Transpose_${l}`, opType: 'Transpose', input: [`Y_${l}`], output: [`Y_t_${l}`], attribute: [attr('perm', { type: ATTR.INTS, ints: [0, 2, 1, 3] })] });
      nodes.push({ name: `${path}/Reshape_${l}`, opType: 'Reshape', input: [`Y_t_${l}`, 'reshape_to'], output: [merged] });
    }
    layerIn = merged;
  }
  nodes.push({ name: `${path}/Concat_h_n`, opType: 'Concat', input: yh, output: ['h_n'], attribute: [attr('axis', { type: ATTR.INT, i: 0 })] });
  if (kind.hasCellState) nodes.push({ name: `${path}/Concat_c_n`, opType: 'Concat', input: yc, output: ['c_n'], attribute: [attr('axis', { type: ATTR.INT, i: 0 })] });

  const state = [L * D, 'batch', H];
  const model = {
    irVersion: 7,
    producerName: 'rnn-inspect',
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: name.replace(/\.$/, '') || 'rnn',
      node: nodes,
      initializer,
      input: [
        valueInfo('x', ONNX_FLOAT, ['seq_len', 'batch', inputSize]),
        valueInfo('sequence_lens', ONNX_INT32, ['batch']),
        valueInfo('initial_h', ONNX_FLOAT, state),
        ...(kind.hasCellState ? [valueInfo('initial_c', ONNX_FLOAT, state)] : []),
      ],
      output: [
        valueInfo('out', ONNX_FLOAT, ['seq_len', 'batch', D * H]),
        valueInfo('h_n', ONNX_FLOAT, state),
        ...(kind.hasCellState ? [valueInfo('c_n', ONNX_FLOAT, state)] : []),
      ],
    },
  };
  const type = onnxModelType();
  return type.encode(type.fromObject(model)).finish();
}
