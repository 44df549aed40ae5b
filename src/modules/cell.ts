/**
 * One time step, as torch.nn.RNNCell / LSTMCell / GRUCell: the manual gearbox, where the loop over
 * time is the caller's.
 *   RNNCell:  h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)
 *   LSTMCell: (h', c') from gates i, f, g, o     GRUCell: h' from gates r, z, n
 * Shape: x (batch, inputSize) or (inputSize) | h, c (batch, hiddenSize) or (hiddenSize) |
 *        weight_ih (gates * hidden, inputSize) | weight_hh (gates * hidden, hidden) | bias_* (gates * hidden)
 * LSTMCell also takes proj_size (not in PyTorch's LSTMCell) so that one layer of an LSTM with
 * projections can be stepped by hand: then h is (batch, projSize) and weight_hr is (projSize, hidden).
 * A cell is the one-layer, one-direction configuration of its kind (resolveCellConfig).
 */
import { ShapeError } from '../errors.js';
import type { Nonlinearity } from '../kernels/activations.js';
import { Random } from '../tensor/random.js';
import { Tensor, type Shape } from '../tensor/tensor.js';
import { gruKind } from './kinds/gru.js';
import type { CellKind } from './kinds/index.js';
import { lstmKind } from './kinds/lstm.js';
import { rnnKind } from './kinds/rnn.js';
import { realHiddenSize, resolveCellConfig, type CellOptions, type RecurrentConfig } from './layer/config.js';
import { cellAsLayer, checkStateDict, initParameters, layerParameterSpecs, weightsWithSuffix, type ParameterSpec } from './layer/parameters.js';
import { cellStep } from './run/cell-step.js';
import { backwardPass, type BackwardOptions, type BackwardResult } from './run/gradients.js';

export type { CellOptions } from './layer/config.js';

/** A cell stepped over a sequence: h0 and c0 are the cell's states (batch, features), or (features) unbatched. */
export type CellBackwardOptions = Omit<BackwardOptions, 'lengths' | 'enforceSorted'>;

export class CellBase {
  readonly kind: CellKind;
  readonly config: RecurrentConfig;
  private params: Map<string, Tensor>;

  constructor(kind: CellKind, options: CellOptions) {
    this.kind = kind;
    this.config = resolveCellConfig(kind, options);
    this.params = initParameters(this.parameterSpecs(), this.config.hiddenSize, new Random(this.config.seed));
  }

  get inputSize(): number {
    return this.config.inputSize;
  }

  get hiddenSize(): number {
    return this.config.hiddenSize;
  }

  get bias(): boolean {
    return this.config.bias;
  }

  get nonlinearity(): Nonlinearity {
    return this.config.nonlinearity;
  }

  get projSize(): number {
    return this.config.projSize;
  }

  /** h's features: projSize when projecting, else hiddenSize. */
  get realHiddenSize(): number {
    return realHiddenSize(this.config);
  }

  parameterSpecs(): ParameterSpec[] {
    return layerParameterSpecs(this.kind, this.config, 0, 0, '');
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

  /**
   * The gradient of a loss over the cell stepped along x (seqLen, batch, inputSize) or (seqLen,
   * inputSize), `h = cell(x[t], h)` for every t, with out the new h of every step: the one-layer
   * module's backward pass (the same weights as layer 0), gradients named as the cell's parameters.
   */
  backward(x: Tensor, options: CellBackwardOptions): BackwardResult {
    const h0 = options?.h0;
    const c0 = options?.c0;
    if (x.rank !== 2 && x.rank !== 3) throw new ShapeError(`x: ${this.kind.cellName} over a sequence: expected (seqLen, batch, inputSize) or (seqLen, inputSize), got ${x.rank}D`);
    const batched = x.rank === 3;
    const B = batched ? x.shape[1]! : 1;
    if (h0) this.checkState('h', h0, batched, B, this.realHiddenSize);
    if (c0) this.checkState('c', c0, batched, B, this.hiddenSize);
    const asLayer = (t: Tensor | undefined): Tensor | undefined => (t ? new Tensor(t.data, [1, ...t.shape]) : undefined);
    const result = backwardPass(this.kind, this.config, cellAsLayer(this.params)!, x, { ...options, h0: asLayer(h0), c0: asLayer(c0) }, () => []);
    const { grads } = result;
    grads.params = new Map([...grads.params].map(([name, t]) => [name.replace(/_l0$/, ''), t]));
    if (h0 && grads.h0) grads.h0 = new Tensor(grads.h0.data, h0.shape);
    if (c0 && grads.c0) grads.c0 = new Tensor(grads.c0.data, c0.shape);
    return result;
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
    const sizes = { batch: B, hiddenSize: H, realHidden: Hr, nonlinearity: this.nonlinearity };
    const next = cellStep(kind, weightsWithSuffix(this.params, ''), sizes, x.data, h ? h.data : new Float32Array(B * Hr), c ? c.data : null);
    const shape = (n: number): Shape => (batched ? [B, n] : [n]);
    return { h: new Tensor(next.h, shape(Hr)), c: next.c ? new Tensor(next.c, shape(H)) : null };
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
