/**
 * One time step, as torch.nn.RNNCell / LSTMCell / GRUCell: the manual gearbox, where the loop over
 * time is the caller's.
 *   RNNCell:  h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)
 *   LSTMCell: (h', c') from gates i, f, g, o     GRUCell: h' from gates r, z, n
 * Shape: x (batch, inputSize) or (inputSize) | h, c (batch, hiddenSize) or (hiddenSize) |
 *        weight_ih (gates * hidden, inputSize) | weight_hh (gates * hidden, hidden) | bias_* (gates * hidden)
 * LSTMCell also takes proj_size (not in PyTorch's LSTMCell) so that one layer of an LSTM with
 * projections can be stepped by hand: then h is (batch, projSize) and weight_hr is (projSize, hidden).
 */
import { ConfigError, ShapeError } from '../errors.js';
import type { Nonlinearity } from '../kernels/activations.js';
import { linear } from '../kernels/linear.js';
import { Random } from '../tensor/random.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import { checkSeed, DEFAULT_SEED, positiveInteger } from './config.js';
import { gruKind } from './kinds/gru.js';
import type { CellKind } from './kinds/index.js';
import { lstmKind } from './kinds/lstm.js';
import { rnnKind } from './kinds/rnn.js';
import { checkStateDict, initParameters, type ParameterSpec } from './parameters.js';

export interface CellOptions {
  inputSize: number;
  hiddenSize: number;
  bias?: boolean;
  /** RNNCell only. */
  nonlinearity?: Nonlinearity;
  /** LSTMCell only: h carries projSize features (weight_hr). */
  projSize?: number;
  seed?: number;
}

export class CellBase {
  readonly kind: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  readonly nonlinearity: Nonlinearity;
  readonly projSize: number;
  private params: Map<string, Tensor>;

  constructor(kind: CellKind, options: CellOptions) {
    this.kind = kind;
    this.inputSize = positiveInteger('input_size', options.inputSize);
    this.hiddenSize = positiveInteger('hidden_size', options.hiddenSize);
    this.bias = options.bias ?? true;
    this.nonlinearity = options.nonlinearity ?? 'tanh';
    if (this.nonlinearity !== 'tanh' && this.nonlinearity !== 'relu') {
      throw new ConfigError(`nonlinearity: Unknown nonlinearity: ${String(this.nonlinearity)} (expected tanh or relu)`);
    }
    if (this.nonlinearity !== 'tanh' && !kind.hasNonlinearity) {
      throw new ConfigError(`nonlinearity: expected none for ${kind.cellName} (only RNNCell takes one), got '${this.nonlinearity}'`);
    }
    this.projSize = options.projSize ?? 0;
    if (this.projSize !== 0) {
      if (!kind.supportsProjection) throw new ConfigError(`proj_size: proj_size argument is only supported for LSTM, not RNN or GRU`);
      positiveInteger('proj_size', this.projSize);
      if (this.projSize >= this.hiddenSize) throw new ConfigError(`proj_size: proj_size has to be smaller than hidden_size`);
    }
    this.params = initParameters(this.parameterSpecs(), this.hiddenSize, new Random(checkSeed(options.seed ?? DEFAULT_SEED)));
  }

  /** h's features: projSize when projecting, else hiddenSize. */
  get realHiddenSize(): number {
    return this.projSize || this.hiddenSize;
  }

  parameterSpecs(): ParameterSpec[] {
    const G = this.kind.gateCount * this.hiddenSize;
    const specs: ParameterSpec[] = [
      { name: 'weight_ih', shape: [G, this.inputSize], layer: 0, direction: 0 },
      { name: 'weight_hh', shape: [G, this.realHiddenSize], layer: 0, direction: 0 },
    ];
    if (this.bias) {
      specs.push({ name: 'bias_ih', shape: [G], layer: 0, direction: 0 }, { name: 'bias_hh', shape: [G], layer: 0, direction: 0 });
    }
    if (this.projSize) specs.push({ name: 'weight_hr', shape: [this.projSize, this.hiddenSize], layer: 0, direction: 0 });
    return specs;
  }

  stateDict(): Map<string, Tensor> {
    return new Map([...this.params].map(([k, t]) => [k, t.clone()]));
  }

  /** Replaces the weights; keys, shapes and count must match exactly. */
  loadStateDict(stateDict: ReadonlyMap<string, Tensor> | Record<string, Tensor>): this {
    const map = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    this.params = checkStateDict(this.kind.cellName, this.parameterSpecs(), map);
    return this;
  }

  private checkState(name: string, t: Tensor, batched: boolean, batch: number, features: number): void {
    const rank = batched ? 2 : 1;
    if (t.rank !== rank) {
      throw new ShapeError(`${name}: ${this.kind.cellName}: Expected hidden to be ${rank}D for ${rank}D input, got ${t.rank}D`);
    }
    if (t.shape[t.rank - 1] !== features) {
      throw new ShapeError(`${name}: ${name === 'c' ? 'hidden1' : 'hidden0'} has inconsistent hidden_size: got ${t.shape[t.rank - 1]}, expected ${features}`);
    }
    if (batched && t.shape[0] !== batch) {
      throw new ShapeError(`${name}: Input batch size ${batch} doesn't match ${name === 'c' ? 'hidden1' : 'hidden0'} batch size ${t.shape[0]}`);
    }
  }

  /** One step for the whole batch, for any kind; h (and c) default to zeros. */
  step(x: Tensor, h?: Tensor, c?: Tensor): { h: Tensor; c: Tensor | null } {
    const { kind } = this;
    if (x.rank !== 1 && x.rank !== 2) {
      throw new ShapeError(`x: ${kind.cellName}: Expected input to be 1D or 2D, got ${x.rank}D instead`);
    }
    const batched = x.rank === 2;
    const B = batched ? x.shape[0]! : 1;
    if (x.shape[x.rank - 1] !== this.inputSize) {
      throw new ShapeError(`x: input has inconsistent input_size: got ${x.shape[x.rank - 1]} expected ${this.inputSize}`);
    }
    const H = this.hiddenSize;
    const Hr = this.realHiddenSize;
    if (h) this.checkState('h', h, batched, B, Hr);
    if (c) this.checkState('c', c, batched, B, H);
    const G = kind.gateCount * H;
    const p = this.params;
    const gi = new Float32Array(B * G);
    const gh = new Float32Array(B * G);
    const hPrev = h ? h.data : new Float32Array(B * Hr);
    const cPrev = kind.hasCellState ? (c ? c.data : new Float32Array(B * H)) : null;
    linear(x.data, 0, B, this.inputSize, p.get('weight_ih')!.data, G, p.get('bias_ih')?.data ?? null, gi, 0);
    linear(hPrev, 0, B, Hr, p.get('weight_hh')!.data, G, p.get('bias_hh')?.data ?? null, gh, 0);
    const hOut = new Float32Array(B * H);
    const cOut = kind.hasCellState ? new Float32Array(B * H) : null;
    kind.step({ batch: B, hiddenSize: H, gi, giOffset: 0, gh, hPrev, cPrev, hOut, cOut, nonlinearity: this.nonlinearity });
    let hNew = hOut;
    if (this.projSize) {
      hNew = new Float32Array(B * Hr);
      linear(hOut, 0, B, H, p.get('weight_hr')!.data, Hr, null, hNew, 0);
    }
    const shape = (n: number): Shape => (batched ? [B, n] : [n]);
    return { h: new Tensor(hNew, shape(Hr)), c: cOut ? new Tensor(cOut, shape(H)) : null };
  }
}

/** torch.nn.RNNCell: `cell.forward(x, h?)` returns h'. */
export class RNNCell extends CellBase {
  constructor(options: CellOptions) {
    super(rnnKind, options);
  }

  forward(x: Tensor, h?: Tensor): Tensor {
    return this.step(x, h).h;
  }
}

/** torch.nn.GRUCell: `cell.forward(x, h?)` returns h'. */
export class GRUCell extends CellBase {
  constructor(options: CellOptions) {
    super(gruKind, options);
  }

  forward(x: Tensor, h?: Tensor): Tensor {
    return this.step(x, h).h;
  }
}

/** torch.nn.LSTMCell: `cell.forward(x, [h, c]?)` returns [h', c']. */
export class LSTMCell extends CellBase {
  constructor(options: CellOptions) {
    super(lstmKind, options);
  }

  forward(x: Tensor, state?: readonly [Tensor, Tensor]): [Tensor, Tensor] {
    const { h, c } = this.step(x, state?.[0], state?.[1]);
    return [h, c!];
  }
}
