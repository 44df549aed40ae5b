/**
 * A cell kind: everything the rest of the tool knows about one recurrent kind, as data plus its
 * one-step math. The stacked runner, the cells, parameter naming, weight recognition, the CLI's
 * help, the JSON schemas, explain's gate accounts and the tests all derive from this description;
 * a new kind is one file in this folder and one entry in `index.ts`.
 *
 * Step contract: with gi = x_t W_ih^T + b_ih and gh = h_{t-1} W_hh^T + b_hh already computed
 * (gates × hidden_size columns each, in the order of `gates`), `step` writes the new h (before any
 * projection) and, for kinds with a cell state, the new c; element-wise per batch row and unit.
 * A kind whose recurrent product multiplies h_{t-1} by a gate before W_hh (ONNX's GRU with
 * linear_before_reset=0) says so with `recurrentInStep` and gets W_hh and b_hh in `recurrent`.
 * What this cannot express: a kind that reads x_t other than through
 * W_ih, or whose parameters differ from PyTorch's weight_ih / weight_hh / bias_ih / bias_hh /
 * weight_hr layout.
 *
 * Update contract (the fast mode): the fast kernel computes the gates with the recurrent product
 * (gates = act(gi + gh) per gate, in float32 lanes), and `update` then writes the new h and c from
 * them (UpdateArgs), as `step` would. `simdUpdate` is the same update in float32 lanes, which the
 * kernel runs in the same call as the product (src/kernels/kernel.ts, prepareGated) where it can:
 * it reads h_{t-1} there as the product's input, so not with a projection, and the module must
 * have been assembled with it (`npm run build:wasm`); elsewhere `update` runs. A kind whose h_t is
 * its one gate's activation says so with `hIsGate` and needs neither.
 *
 * Backward contract: `backward` is the step's derivative, for the pass that runs time in reverse
 * (src/modules/run/backward.ts). Given dL/dh_t (the total: from the loss, the layer above and the
 * later steps, already taken back through weight_hr when projecting), dL/dc_t from the later steps
 * (kinds with a cell state) and what the forward step saved (its gate activations, c_{t-1} and
 * c_t, h_{t-1}, and gh itself for kinds with `gatedRecurrentTerm`), it writes dL/d(gi) and
 * dL/d(gh), the gradients of the two affine maps' outputs, from which the executor forms every
 * weight's, bias's and input's gradient with matrix products; the part of dL/dh_{t-1} that does not
 * go through W_hh (GRU's z ⊙ h_{t-1}); dL/dc_{t-1}; and the total dL/dc_t. Element-wise per batch
 * row and unit, every row (the executor discards the rows of finished sequences).
 * A kind with `recurrentInStep` also gets W_hh and b_hh in `recurrent`: for the rows of gh its step
 * does not read (the part of the recurrent product it computes itself) it writes dL/d(gh) = 0, puts
 * that part's share of dL/dh_{t-1} in the direct part, and adds the part's weight and bias gradients
 * over the batch rows to `dRecurrent` (float64, summed over every step by the executor's caller).
 * What this cannot express, besides what the forward contract cannot: a kind whose derivative needs
 * more of the forward step than its gate activations, c, h_{t-1} and gh (e.g. a gate whose
 * activation's derivative is not a function of its value, as GELU's, which needs the unsaved
 * pre-activation), or a direct path from h_{t-1} to h_t together with a projection (the direct
 * part is hidden_size wide, h_{t-1} proj_size).
 */
import type { Nonlinearity } from '../../kernels/activations.js';
import type { GatedStepArgs, Product } from '../../kernels/kernel.js';
import type { SimdStep } from '../../kernels/wasm/wat.js';

/** What a gate does, in words the explain catalogues translate. */
export type GateRole = 'hidden' | 'input' | 'forget' | 'cell-candidate' | 'output' | 'reset' | 'update' | 'state-candidate';

/**
 * A gate's output nonlinearity; `nonlinearity` is the module's own (tanh or relu, RNN only).
 * `sigmoid` gates run the module's recurrent activation: σ unless the configuration says another
 * (Keras's `recurrent_activation`, e.g. hard_sigmoid; `StepArgs.recurrentActivation`).
 */
export type GateActivation = 'sigmoid' | 'tanh' | 'nonlinearity';

export interface GateSpec {
  /** PyTorch's letter in its docs and weight names (W_ii, W_hr): i, f, g, o; r, z, n; h. */
  readonly name: string;
  readonly role: GateRole;
  readonly activation: GateActivation;
}

/** Which equations of the independent float64 reference (src/reference/) compute this kind. */
export type ReferenceModel = 'rnn' | 'lstm' | 'gru' | 'gru-reset-before';

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
  /** The function of the gates whose activation is `sigmoid`: σ, or the module's recurrent activation. */
  recurrentActivation: (v: number) => number;
  /**
   * For kinds with `recurrentInStep`: the layer's W_hh (gates × hidden_size rows, h's features
   * columns) and b_hh, and the product for the part of the recurrent product the step computes
   * itself; else null.
   */
  recurrent: StepRecurrent | null;
}

/**
 * What a kind's `update` reads and writes, the buffers of the fast kernel's fused product
 * (GatedStepArgs, src/kernels/kernel.ts): `gates` (batch, gates * hiddenSize), activated, in the
 * order of `gates` (the `rawInUpdate` gate's block holding gh instead, which the update replaces
 * by the gate's activation and copies into `gh`'s same block, for the backward pass); gi from
 * `giOffset`; h_{t-1} and c_{t-1}; written hOut and cOut (batch, hiddenSize).
 */
export interface UpdateArgs extends GatedStepArgs {
  hiddenSize: number;
  gates: Float32Array;
  gh: Float32Array;
  /** As StepArgs.recurrent: for a kind with `recurrentInStep`, its gate's product. */
  recurrent: StepRecurrent | null;
}

/** A layer's recurrent weights, handed to the step of a kind that multiplies h by a gate before W_hh. */
export interface RecurrentWeights {
  weightHh: Float32Array;
  biasHh: Float32Array | null;
}

/** What the forward step of a kind with `recurrentInStep` gets: the weights, and its gate's product. */
export interface StepRecurrent extends RecurrentWeights {
  /**
   * y (rows, hidden_size) = x W_g^T + b_g for the rows of W_hh and b_hh of the `recurrentInStep`
   * gate g, on the pass's kernel (the js kernel: each output one float64 sum over k in order, plus
   * the bias, rounded once to float32).
   */
  product: Product;
}

/**
 * The step's recurrent weights for a kind with `recurrentInStep` (else null): W_hh's rows of that
 * gate prepared with `prepare` (a kernel's, src/kernels/kernel.ts), once per layer and direction.
 */
export function stepRecurrent(
  kind: Pick<CellKind, 'gates' | 'recurrentInStep'>,
  weights: RecurrentWeights,
  hiddenSize: number,
  inFeatures: number,
  prepare: (w: Float32Array, outFeatures: number, inFeatures: number, b: Float32Array | null) => Product,
): StepRecurrent | null {
  if (kind.recurrentInStep === null) return null;
  const g = kind.gates.findIndex((gate) => gate.name === kind.recurrentInStep);
  const rows = weights.weightHh.subarray(g * hiddenSize * inFeatures, (g + 1) * hiddenSize * inFeatures);
  const bias = weights.biasHh ? weights.biasHh.subarray(g * hiddenSize, (g + 1) * hiddenSize) : null;
  return { ...weights, product: prepare(rows, hiddenSize, inFeatures, bias) };
}

export interface BackwardStepArgs {
  batch: number;
  hiddenSize: number;
  /** The gate activations the forward step wrote, (batch, gates * hiddenSize) from `gatesOffset`. */
  gates: Float32Array;
  gatesOffset: number;
  /** gh as the forward step read it, (batch, gates * hiddenSize) from `ghOffset`; null unless `gatedRecurrentTerm`. */
  gh: Float32Array | null;
  ghOffset: number;
  /** h_{t-1} (batch, hiddenSize), the state the step read; read only by kinds with a direct path (GRU). */
  hPrev: Float32Array;
  /** c_{t-1} and c_t (batch, hiddenSize), for kinds with a cell state. */
  cPrev: Float32Array | null;
  c: Float32Array | null;
  /** dL/dh_t (batch, hiddenSize), before the projection: everything that reaches h_t. */
  dh: Float32Array;
  /** dL/dc_t (batch, hiddenSize) through c_{t+1} and c_n, for kinds with a cell state. */
  dc: Float32Array | null;
  /** Written: dL/d(gi) (batch, gates * hiddenSize) from `dgiOffset`. */
  dgi: Float32Array;
  dgiOffset: number;
  /** Written with `gatedRecurrentTerm`: dL/d(gh) (batch, gates * hiddenSize) from `dghOffset`; otherwise null, dL/d(gh) being dL/d(gi). */
  dgh: Float32Array | null;
  dghOffset: number;
  /** Written: the part of dL/dh_{t-1} (batch, hiddenSize) that does not go through W_hh; zeros for kinds without one. */
  dhPrev: Float32Array;
  /** Written: dL/dc_{t-1} and the total dL/dc_t (through h_t too), (batch, hiddenSize), for kinds with a cell state. */
  dcPrev: Float32Array | null;
  dcTotal: Float32Array | null;
  nonlinearity: Nonlinearity;
  /** For kinds with `recurrentInStep`: the layer's W_hh and b_hh, as the forward step got them; else null. */
  recurrent: RecurrentWeights | null;
  /** For kinds with `recurrentInStep`: added to, the gradients of the recurrent product the step computes itself; else null. */
  dRecurrent: RecurrentGradients | null;
}

/** Gradients of W_hh (gates × hidden_size rows, h's features columns) and b_hh, float64, summed over steps and batch rows. */
export interface RecurrentGradients {
  weightHh: Float64Array;
  biasHh: Float64Array | null;
}

/**
 * How ONNX writes a kind: the operator (RNN, LSTM, GRU, any opset), the order of its gate blocks in
 * W, R and B, the activations it lists per direction when they are this kind's, and the
 * attributes that tell it from another kind of the same operator (GRU's linear_before_reset).
 */
export interface OnnxForm {
  readonly op: string;
  /** This kind's gate names (GateSpec.name) in ONNX's row order: LSTM i, o, f, c is PyTorch's i, o, f, g. */
  readonly gateOrder: readonly string[];
  /** ONNX's activation names for one direction (its defaults); `nonlinearity` stands for the module's Tanh or Relu. */
  readonly activations: readonly string[];
  /** Attributes with the value this kind has (absent in a node means 0, ONNX's default). */
  readonly attributes: Readonly<Record<string, number>>;
}

/**
 * How Keras and TF.js write a kind: the layer class, the order of the gate blocks in the columns of
 * `kernel` (input, gates * units) and `recurrent_kernel` (units, gates * units), which are W_ih and
 * W_hh transposed, and the config value that tells it from another kind of the same class
 * (GRU's reset_after). `bias` is one vector (b_ih + b_hh merged, exact for these equations) unless
 * `twoBiases`: rows [input bias, recurrent bias] (GRU reset_after=True).
 */
export interface KerasForm {
  readonly className: string;
  /** This kind's gate names (GateSpec.name) in Keras's column order: LSTM i, f, c, o is PyTorch's i, f, g, o. */
  readonly gateOrder: readonly string[];
  readonly resetAfter: boolean | null;
  readonly twoBiases: boolean;
  /** tfjs-layers (4.22) runs it: its GRUCell throws on reset_after: true. */
  readonly tfjs: boolean;
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
  /**
   * A gate multiplies part of the recurrent affine map (GRU's r ⊙ (W_hn h + b_hn)): the forward
   * pass saves gh for the backward step, and dL/d(gh) differs from dL/d(gi). Otherwise gh is not
   * saved and the two gradients are one.
   */
  readonly gatedRecurrentTerm: boolean;
  /** The kind's ONNX node, or null when ONNX has none. */
  readonly onnx: OnnxForm | null;
  /** The kind's Keras / TF.js layer, or null when Keras has none. */
  readonly keras: KerasForm | null;
  /**
   * The gate whose recurrent product the step computes itself, from `StepArgs.recurrent`: a gate
   * multiplies h_{t-1} before W_hh (ONNX's GRU with linear_before_reset=0: W_hn (r ⊙ h_{t-1}),
   * gate n); null for none. gh still holds h_{t-1} W_hh^T + b_hh for every gate; the step reads
   * the gates' parts it needs.
   */
  readonly recurrentInStep: string | null;
  step(args: StepArgs): void;
  /**
   * For a kind whose every gate is its activation of gi + gh (no gated recurrent term, nothing of
   * the recurrent product in the step): the step's state update from the gates already activated
   * (the fast kernel computes them with the recurrent product, src/kernels/kernel.ts). Absent,
   * without `hIsGate`: the step always runs.
   */
  readonly update?: ((args: UpdateArgs) => void) | undefined;
  /**
   * With `update`, for a kind with a gated recurrent term: the gate whose block `update` receives
   * as gh alone (not activated, gi not added), to gate and activate itself (GRU's n).
   */
  readonly rawInUpdate?: string | undefined;
  /**
   * `update` in float32 lanes (the update contract above), assembled into the fast kernel's module
   * as the export named by stepExport('update', type). Absent: the fast mode runs `update`.
   */
  readonly simdUpdate?: SimdStep | undefined;
  /**
   * h_t is the activation of the kind's one gate (the Elman RNN's h): with the fast kernel's gates
   * the runner takes h from them, and the kind needs no `update`.
   */
  readonly hIsGate?: boolean | undefined;
  /**
   * The step's derivative (the backward contract above); null for a kind the backward pass cannot run.
   */
  readonly backward: ((args: BackwardStepArgs) => void) | null;
  /**
   * `backward` in float32 lanes, for the fast kernel (assembled into its module as the export
   * named by stepExport('backward', type)): the same derivative, on the buffers it names. A kind
   * that does not write `dhPrev` has no direct part (it stays zero). Absent: the fast mode runs
   * `backward` too.
   */
  readonly simdBackward?: SimdStep | undefined;
}

/** Keeps a kind's `type` as a literal type, so the list of kinds gives the KindName union. */
export function defineKind<const T extends string>(kind: CellKind<T>): CellKind<T> {
  return kind;
}
