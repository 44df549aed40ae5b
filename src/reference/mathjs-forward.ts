/**
 * An independent reference forward pass for torch.nn.RNN / LSTM / GRU, written with mathjs in
 * float64, one equation per line, in the style of ONNX's reference RNN. It is deliberately slow
 * and shares no code with the engine (src/modules, src/kernels): it checks them.
 *
 * Each batch element runs on its own as a sequence of column vectors, layer by layer. With
 * lengths (pack_padded_sequence's semantics) an element runs only its first `length` steps: the
 * forward direction from 0, the reverse direction from its own last valid step, out is zero past
 * the length and h_n / c_n are the states after its last valid step. Eval mode only: no dropout.
 *
 * Shape: x (seq_len, batch, input_size), (batch, seq_len, input_size) with batch_first, or
 *        (seq_len, input_size) | h_0, h_n (num_layers * D, batch, real_hidden) (2-D unbatched) |
 *        c_0, c_n (num_layers * D, batch, hidden_size) | out (seq_len, batch, D * real_hidden)
 * where D = 2 if bidirectional else 1 and real_hidden = proj_size || hidden_size.
 */
import { add, dotMultiply, map, matrix, multiply, subtract, type Matrix } from 'mathjs';
import { ConfigError, ShapeError } from '../errors.js';
import type { ReferenceModel } from '../modules/kinds/index.js';

export type NestedNumbers = number | NestedNumbers[];
/** Anything with row-major data and a shape, e.g. the library's Tensor. */
export interface TensorLike {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}
export type TensorInput = TensorLike | NestedNumbers;

/** The module's constructor arguments, with PyTorch's names and defaults. */
export interface ReferenceConfig {
  /** Which equations: a kind's descriptor names them (CellKind.reference). */
  type: ReferenceModel;
  input_size: number;
  hidden_size: number;
  num_layers?: number;
  nonlinearity?: 'tanh' | 'relu';
  /** The σ gates' function (Keras's recurrent_activation): sigmoid, hard_sigmoid = clip(0.2x + 0.5, 0, 1), hard_sigmoid_relu6 = relu6(x + 3) / 6. */
  recurrent_activation?: 'sigmoid' | 'hard_sigmoid' | 'hard_sigmoid_relu6';
  bias?: boolean;
  batch_first?: boolean;
  bidirectional?: boolean;
  proj_size?: number;
  /** Accepted for symmetry with PyTorch's arguments and ignored: the reference runs in eval mode. */
  dropout?: number;
}
export interface ReferenceInputs {
  x: TensorInput;
  h_0?: TensorInput | undefined;
  c_0?: TensorInput | undefined;
  /** Valid steps of each batch element, each in 1..seq_len. */
  lengths?: readonly number[] | undefined;
  /** As pack_padded_sequence: lengths must then be non-increasing. Default false. */
  enforce_sorted?: boolean | undefined;
}
export interface ReferenceOutputs {
  out: NestedNumbers;
  h_n: NestedNumbers;
  /** LSTM only, else null. */
  c_n: NestedNumbers | null;
}
type StateDictInput = ReadonlyMap<string, TensorInput> | Readonly<Record<string, TensorInput>>;

const GATE_FUNCTIONS = {
  sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
  hard_sigmoid: (v: number) => Math.min(1, Math.max(0, 0.2 * v + 0.5)),
  hard_sigmoid_relu6: (v: number) => Math.min(6, Math.max(0, v + 3)) / 6,
};
const tanh = (m: Matrix): Matrix => map(m, (v: number) => Math.tanh(v));
const relu = (m: Matrix): Matrix => map(m, (v: number) => Math.max(v, 0));
const vector = (values: readonly number[]): Matrix => matrix([...values]);
const valuesOf = (v: Matrix): number[] => v.toArray() as number[];

/** A nested list as given, or a tensor rebuilt as one (row-major). */
function toNested(t: TensorInput): NestedNumbers {
  if (typeof t === 'number' || Array.isArray(t)) return t;
  const build = (dim: number, offset: number): NestedNumbers[] => {
    const stride = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: t.shape[dim]! }, (_, i) =>
      dim === t.shape.length - 1 ? Number(t.data[offset + i]) : build(dim + 1, offset + i * stride),
    );
  };
  return t.shape.length === 0 ? Number(t.data[0]) : build(0, 0);
}
/** The shape of a nested list whose every row agrees (else a ShapeError naming `name`). */
function shapeOf(v: NestedNumbers, name: string): number[] {
  if (!Array.isArray(v)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ShapeError(`${name}: expected finite numbers, got ${String(v)}`);
    return [];
  }
  const rows = v.map((row) => shapeOf(row, name).join());
  if (rows.some((r) => r !== rows[0])) throw new ShapeError(`${name}: expected a rectangular nested list, got rows of shapes ${[...new Set(rows)].map((r) => `[${r}]`).join(', ')}`);
  return [v.length, ...(v.length ? shapeOf(v[0]!, name) : [])];
}
function checked(name: string, t: TensorInput, expected: readonly number[]): NestedNumbers {
  const nested = toNested(t);
  const got = shapeOf(nested, name);
  if (got.join() !== expected.join()) throw new ShapeError(`${name}: expected shape [${expected.join(', ')}], got [${got.join(', ')}]`);
  return nested;
}

/** One layer and direction's weights, split per gate: W_i[k] is gate k's rows of weight_ih. */
interface Weights { Wi: Matrix[]; Wh: Matrix[]; bi: Matrix[]; bh: Matrix[]; Wr: Matrix | null }

/** One time step: the equations of torch.nn.RNNCell / LSTMCell / GRUCell on vectors x, h, c. */
function step(config: Required<ReferenceConfig>, w: Weights, x: Matrix, h: Matrix, c: Matrix): [Matrix, Matrix] {
  const { Wi, Wh, bi, bh } = w;
  const gate = GATE_FUNCTIONS[config.recurrent_activation];
  const sigmoid = (m: Matrix): Matrix => map(m, gate);
  const xPart = (k: number): Matrix => add(multiply(Wi[k]!, x), bi[k]!); // W_i* x + b_i*
  const hPart = (k: number): Matrix => add(multiply(Wh[k]!, h), bh[k]!); // W_h* h + b_h*
  if (config.type === 'rnn') {
    const act = config.nonlinearity === 'relu' ? relu : tanh;
    return [act(add(xPart(0), hPart(0))), c]; //                h' = act(W_ih x + b_ih + W_hh h + b_hh)
  }
  if (config.type === 'gru' || config.type === 'gru-reset-before') {
    const r = sigmoid(add(xPart(0), hPart(0))); //               r = σ(W_ir x + b_ir + W_hr h + b_hr)
    const z = sigmoid(add(xPart(1), hPart(1))); //               z = σ(W_iz x + b_iz + W_hz h + b_hz)
    const n =
      config.type === 'gru'
        ? tanh(add(xPart(2), dotMultiply(r, hPart(2)))) //       n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
        : tanh(add(add(xPart(2), multiply(Wh[2]!, dotMultiply(r, h))), bh[2]!)); // n = tanh(W_in x + b_in + W_hn (r ⊙ h) + b_hn)
    const one = map(z, () => 1);
    return [add(dotMultiply(subtract(one, z), n), dotMultiply(z, h)), c]; // h' = (1 - z) ⊙ n + z ⊙ h
  }
  const i = sigmoid(add(xPart(0), hPart(0))); //                 i = σ(W_ii x + b_ii + W_hi h + b_hi)
  const f = sigmoid(add(xPart(1), hPart(1))); //                 f = σ(W_if x + b_if + W_hf h + b_hf)
  const g = tanh(add(xPart(2), hPart(2))); //                    g = tanh(W_ig x + b_ig + W_hg h + b_hg)
  const o = sigmoid(add(xPart(3), hPart(3))); //                 o = σ(W_io x + b_io + W_ho h + b_ho)
  const cNew = add(dotMultiply(f, c), dotMultiply(i, g)); //     c' = f ⊙ c + i ⊙ g
  const hNew = dotMultiply(o, tanh(cNew)); //                    h' = o ⊙ tanh(c')
  return [w.Wr ? multiply(w.Wr, hNew) : hNew, cNew]; //          h' = W_hr h' with proj_size
}

export function referenceForward(configIn: ReferenceConfig, stateDict: StateDictInput, inputs: ReferenceInputs): ReferenceOutputs {
  const c = configIn; // absent or undefined arguments take PyTorch's defaults
  const config: Required<ReferenceConfig> = {
    type: c.type, input_size: c.input_size, hidden_size: c.hidden_size, num_layers: c.num_layers ?? 1, nonlinearity: c.nonlinearity ?? 'tanh', recurrent_activation: c.recurrent_activation ?? 'sigmoid',
    bias: c.bias ?? true, batch_first: c.batch_first ?? false, bidirectional: c.bidirectional ?? false, proj_size: c.proj_size ?? 0, dropout: c.dropout ?? 0,
  };
  const { type, input_size: I, hidden_size: H, num_layers: L, proj_size: P } = config;
  const gates = ({ rnn: 1, lstm: 4, gru: 3, 'gru-reset-before': 3 } as Record<string, number | undefined>)[type];
  if (gates === undefined) throw new ConfigError(`type: expected rnn, lstm, gru or gru-reset-before, got ${String(type)}`);
  for (const [name, v] of [['input_size', I], ['hidden_size', H], ['num_layers', L]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ConfigError(`${name}: expected a positive integer, got ${String(v)}`);
  }
  if (config.nonlinearity !== 'tanh' && (config.nonlinearity !== 'relu' || type !== 'rnn')) {
    throw new ConfigError(`nonlinearity: expected tanh, or relu for RNN, got ${String(config.nonlinearity)}`);
  }
  if (!(config.recurrent_activation in GATE_FUNCTIONS) || (config.recurrent_activation !== 'sigmoid' && type === 'rnn')) {
    throw new ConfigError(`recurrent_activation: expected ${Object.keys(GATE_FUNCTIONS).join(', ')} for LSTM and GRU, got ${String(config.recurrent_activation)}`);
  }
  if (!Number.isInteger(P) || P < 0 || (P > 0 && (type !== 'lstm' || P >= H))) {
    throw new ConfigError(`proj_size: expected 0 or, for LSTM, an integer less than hidden_size ${H}, got ${P}`);
  }
  const D = config.bidirectional ? 2 : 1;
  const R = P || H; // real hidden size: the features of h and of each direction of out
  const params = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
  const param = (name: string, shape: number[]): NestedNumbers => {
    const t = params.get(name);
    if (t === undefined) throw new ShapeError(`state_dict: missing key "${name}"`);
    return checked(`state_dict["${name}"]`, t, shape);
  };
  const rowsOf = (m: NestedNumbers, k: number, n: number): Matrix => matrix((m as NestedNumbers[]).slice(k * n, (k + 1) * n) as number[][]);
  const weights = (l: number, d: number): Weights => {
    const s = `_l${l}${d === 1 ? '_reverse' : ''}`;
    const wi = param('weight_ih' + s, [gates * H, l === 0 ? I : D * R]);
    const wh = param('weight_hh' + s, [gates * H, R]);
    const zero = Array.from({ length: gates * H }, () => 0);
    const bi = config.bias ? (param('bias_ih' + s, [gates * H]) as number[]) : zero;
    const bh = config.bias ? (param('bias_hh' + s, [gates * H]) as number[]) : zero;
    const k = Array.from({ length: gates }, (_, g) => g);
    return {
      Wi: k.map((g) => rowsOf(wi, g, H)), Wh: k.map((g) => rowsOf(wh, g, H)),
      bi: k.map((g) => vector(bi.slice(g * H, (g + 1) * H))), bh: k.map((g) => vector(bh.slice(g * H, (g + 1) * H))),
      Wr: P > 0 ? matrix(param('weight_hr' + s, [P, H]) as number[][]) : null,
    };
  };

  const xNested = toNested(inputs.x);
  const xShape = shapeOf(xNested, 'x');
  const batched = xShape.length === 3;
  if ((!batched && xShape.length !== 2) || xShape.includes(0)) throw new ShapeError(`x: expected a non-empty 2-D or 3-D input, got [${xShape.join(', ')}]`);
  // Batched x[t][b][i] (or x[b][t][i] with batch_first); unbatched input is a batch of one.
  const xs = batched ? (xNested as number[][][]) : (xNested as number[][]).map((row) => [row]);
  const [T, B] = batched && config.batch_first ? [xShape[1]!, xShape[0]!] : [xShape[0]!, batched ? xShape[1]! : 1];
  checked('x', xNested, batched ? (config.batch_first ? [B, T, I] : [T, B, I]) : [T, I]);
  const xAt = (t: number, b: number): number[] => (batched && config.batch_first ? xs[b]![t]! : xs[t]![b]!);
  const state = (name: string, t: TensorInput | undefined, n: number): number[][][] => {
    if (t === undefined) return Array.from({ length: L * D }, () => Array.from({ length: B }, () => new Array<number>(n).fill(0)));
    const s = checked(name, t, batched ? [L * D, B, n] : [L * D, n]);
    return batched ? (s as number[][][]) : (s as number[][]).map((row) => [row]);
  };
  const h0 = state('h_0', inputs.h_0, R);
  const c0 = state('c_0', inputs.c_0, H);
  const lengths = inputs.lengths ?? new Array<number>(B).fill(T);
  if (lengths.length !== B) throw new ShapeError(`lengths: expected ${B} lengths (one per batch element), got ${lengths.length}`);
  lengths.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 1 || n > T) throw new ShapeError(`lengths[${b}]: expected an integer in 1..${T}, got ${n}`);
    if (inputs.enforce_sorted && b > 0 && n > lengths[b - 1]!) throw new ShapeError(`lengths: expected non-increasing lengths with enforce_sorted, got ${lengths.join(', ')}`);
  });

  const layerWeights = Array.from({ length: L }, (_, l) => Array.from({ length: D }, (_, d) => weights(l, d)));
  const out: number[][][] = Array.from({ length: T }, () => Array.from({ length: B }, () => new Array<number>(D * R).fill(0)));
  const hN = h0.map((slice) => slice.map((row) => [...row]));
  const cN = c0.map((slice) => slice.map((row) => [...row]));
  for (let b = 0; b < B; b++) {
    const len = lengths[b]!;
    let seq: Matrix[] = Array.from({ length: len }, (_, t) => vector(xAt(t, b))); // this layer's input, valid steps only
    for (let l = 0; l < L; l++) {
      const outputs: number[][][] = Array.from({ length: len }, () => []); // outputs[t][d]: h at step t
      for (let d = 0; d < D; d++) {
        let h = vector(h0[l * D + d]![b]!);
        let c = vector(c0[l * D + d]![b]!);
        for (let s = 0; s < len; s++) {
          const t = d === 0 ? s : len - 1 - s; // the reverse direction starts at this element's last valid step
          [h, c] = step(config, layerWeights[l]![d]!, seq[t]!, h, c);
          outputs[t]![d] = valuesOf(h);
        }
        hN[l * D + d]![b] = valuesOf(h);
        cN[l * D + d]![b] = valuesOf(c);
      }
      seq = outputs.map((dirs) => vector(dirs.flat())); // [forward h_t ; reverse h_t]
    }
    seq.forEach((v, t) => (out[t]![b] = valuesOf(v))); // steps past len stay zero
  }
  const unbatch = (m: number[][][]): NestedNumbers => (batched ? m : m.map((slice) => slice[0]!));
  const outLaid = batched && config.batch_first ? Array.from({ length: B }, (_, b) => out.map((row) => row[b]!)) : out;
  return { out: unbatch(outLaid), h_n: unbatch(hN), c_n: type === 'lstm' ? unbatch(cN) : null };
}
