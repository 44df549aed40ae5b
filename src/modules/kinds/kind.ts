/**
 * A cell kind: the one-step math of a recurrent layer, given the two affine maps PyTorch computes.
 * The stacked runner, the cells, parameter naming and the CLI all work from this description, so a
 * new kind is one file here and one entry in `index.ts`.
 */
import type { Nonlinearity } from '../../kernels/activations.js';

export type KindName = 'rnn' | 'lstm' | 'gru';

export interface StepArgs {
  batch: number;
  hiddenSize: number;
  /** x_t W_ih^T + b_ih, (batch, gateCount * hiddenSize), from `giOffset`. */
  gi: Float32Array;
  giOffset: number;
  /** h_{t-1} W_hh^T + b_hh, (batch, gateCount * hiddenSize). */
  gh: Float32Array;
  /** h_{t-1} (batch, hiddenSize); for LSTM with projections it is not read. */
  hPrev: Float32Array;
  /** c_{t-1} (batch, hiddenSize), for kinds with a cell state. */
  cPrev: Float32Array | null;
  /** Written: the new h before any projection (batch, hiddenSize). */
  hOut: Float32Array;
  /** Written: the new c (batch, hiddenSize), for kinds with a cell state. */
  cOut: Float32Array | null;
  nonlinearity: Nonlinearity;
}

export interface CellKind {
  /** The CLI's `--type` and the spec's `type`. */
  readonly type: KindName;
  /** PyTorch's class name, also the prefix of its error messages. */
  readonly name: 'RNN' | 'LSTM' | 'GRU';
  readonly cellName: 'RNNCell' | 'LSTMCell' | 'GRUCell';
  /** Rows of weight_ih are gateCount * hidden_size, in the order of `gates`. */
  readonly gateCount: number;
  readonly gates: readonly string[];
  readonly hasCellState: boolean;
  /** Only LSTM may project h (proj_size). */
  readonly supportsProjection: boolean;
  /** Only the Elman RNN takes a nonlinearity. */
  readonly hasNonlinearity: boolean;
  /** The step equations, for help text and documentation. */
  readonly equations: readonly string[];
  step(args: StepArgs): void;
}
