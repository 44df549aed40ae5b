/**
 * A cell kind: everything the rest of the tool knows about one recurrent kind, as data plus its
 * one-step math. The stacked runner, the cells, parameter naming, weight recognition, the CLI's
 * help, the JSON schemas, explain's gate accounts and the tests all derive from this description;
 * a new kind is one file in this folder and one entry in `index.ts`.
 *
 * Step contract: with gi = x_t W_ih^T + b_ih and gh = h_{t-1} W_hh^T + b_hh already computed
 * (gates × hidden_size columns each, in the order of `gates`), `step` writes the new h (before any
 * projection) and, for kinds with a cell state, the new c; element-wise per batch row and unit.
 * What this cannot express: a kind whose recurrent product is not one affine map of h_{t-1} per
 * gate (e.g. one that multiplies h by a gate before W_hh), that reads x_t other than through
 * W_ih, or whose parameters differ from PyTorch's weight_ih / weight_hh / bias_ih / bias_hh /
 * weight_hr layout.
 */
import type { Nonlinearity } from '../../kernels/activations.js';

/** What a gate does, in words the explain catalogues translate. */
export type GateRole = 'hidden' | 'input' | 'forget' | 'cell-candidate' | 'output' | 'reset' | 'update' | 'state-candidate';

/** A gate's output nonlinearity; `nonlinearity` is the module's own (tanh or relu, RNN only). */
export type GateActivation = 'sigmoid' | 'tanh' | 'nonlinearity';

export interface GateSpec {
  /** PyTorch's letter in its docs and weight names (W_ii, W_hr): i, f, g, o; r, z, n; h. */
  readonly name: string;
  readonly role: GateRole;
  readonly activation: GateActivation;
}

/** Which equations of the independent float64 reference (src/reference/) compute this kind. */
export type ReferenceModel = 'rnn' | 'lstm' | 'gru';

/** Which account of the cell explain tells (a catalogue entry per language). */
export type Story = 'elman' | 'lstm' | 'gru';

/** A parameter of one layer and direction, as PyTorch names and shapes it. */
export interface ParameterTemplate {
  /** state_dict name before the `_l{k}[_reverse]` suffix. */
  readonly name: 'weight_ih' | 'weight_hh' | 'bias_ih' | 'bias_hh' | 'weight_hr';
  /** rows: gates × hidden_size, or proj_size. */
  readonly rows: 'gates' | 'proj';
  /** columns: the layer's input features, h's features (proj_size or hidden_size), hidden_size; none for a bias. */
  readonly cols: 'input' | 'h' | 'hidden' | null;
  /** Present only with bias=True, or only with proj_size > 0. */
  readonly when: 'always' | 'bias' | 'proj';
}

/** PyTorch's parameters of one layer, in state_dict order (torch/nn/modules/rnn.py). */
export const PYTORCH_PARAMETERS: readonly ParameterTemplate[] = [
  { name: 'weight_ih', rows: 'gates', cols: 'input', when: 'always' },
  { name: 'weight_hh', rows: 'gates', cols: 'h', when: 'always' },
  { name: 'bias_ih', rows: 'gates', cols: null, when: 'bias' },
  { name: 'bias_hh', rows: 'gates', cols: null, when: 'bias' },
  { name: 'weight_hr', rows: 'proj', cols: 'hidden', when: 'proj' },
];

export interface StepArgs {
  batch: number;
  hiddenSize: number;
  /** x_t W_ih^T + b_ih, (batch, gates * hiddenSize), from `giOffset`. */
  gi: Float32Array;
  giOffset: number;
  /** h_{t-1} W_hh^T + b_hh, (batch, gates * hiddenSize). */
  gh: Float32Array;
  /** h_{t-1} (batch, hiddenSize); for LSTM with projections it is not read. */
  hPrev: Float32Array;
  /** c_{t-1} (batch, hiddenSize), for kinds with a cell state. */
  cPrev: Float32Array | null;
  /** Written: the new h before any projection (batch, hiddenSize). */
  hOut: Float32Array;
  /** Written: the new c (batch, hiddenSize), for kinds with a cell state. */
  cOut: Float32Array | null;
  /** When not null, written: each gate's activation, (batch, gates * hiddenSize) in the order of `gates`. */
  gates: Float32Array | null;
  nonlinearity: Nonlinearity;
}

export interface CellKind<T extends string = string> {
  /** The CLI's `--type` and the spec's `type`. */
  readonly type: T;
  /** PyTorch's class name, also the prefix of its error messages. */
  readonly name: string;
  readonly cellName: string;
  /** Rows of weight_ih are gates.length × hidden_size, in this order (PyTorch's). */
  readonly gates: readonly GateSpec[];
  readonly parameters: readonly ParameterTemplate[];
  readonly hasCellState: boolean;
  /** Only LSTM may project h (proj_size). */
  readonly supportsProjection: boolean;
  /** Only the Elman RNN takes a nonlinearity. */
  readonly hasNonlinearity: boolean;
  /** The step equations, for help text and documentation. */
  readonly equations: readonly string[];
  /** The reference equations that check this kind, or null when the reference cannot. */
  readonly reference: ReferenceModel | null;
  readonly story: Story;
  /** PyTorch's words where they differ by kind: "Expected input to be 2D or 3D, got 4D <rankSuffix>". */
  readonly wording: { readonly rankSuffix: string };
  step(args: StepArgs): void;
}

/** Keeps a kind's `type` as a literal type, so the list of kinds gives the KindName union. */
export function defineKind<const T extends string>(kind: CellKind<T>): CellKind<T> {
  return kind;
}
