/**
 * Stacked recurrent modules with torch.nn.RNN / LSTM / GRU's arguments, parameters and semantics.
 * One base class; RNN, LSTM and GRU are thin subclasses that name their kind.
 *
 *   out, h_n = rnn(x, h_0)           (LSTM: out, (h_n, c_n) = lstm(x, (h_0, c_0)))
 *
 * Shape: x (seqLen, batch, inputSize), (batch, seqLen, inputSize) with batchFirst, or (seqLen, inputSize) |
 *        h_0, h_n (numLayers * D, batch, realHidden) whatever batchFirst says | c_0, c_n (numLayers * D, batch, hiddenSize) |
 *        out (seqLen, batch, D * realHidden), batch-first with batchFirst
 * where D = 2 if bidirectional else 1 and realHidden = projSize || hiddenSize.
 */
import { dropoutMask } from '../kernels/dropout.js';
import type { KernelChoice } from '../kernels/kernel.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import type { Warning } from '../warnings.js';
import { execute, type ExecuteOptions, type ProgressObserver, type StepObserver } from './run/index.js';
import type { LoopMistake } from './run/manual.js';
import { configWarnings, moduleRepr, numDirections, realHiddenSize, resolveConfig, type RecurrentConfig, type RecurrentOptions } from './layer/config.js';
import { prepareInput, type ForwardState, type PreparedInput } from './layer/prepare.js';
import { gruKind } from './kinds/gru.js';
import type { CellKind, KindName } from './kinds/index.js';
import { lstmKind } from './kinds/lstm.js';
import { rnnKind } from './kinds/rnn.js';
import { checkStateDict, initParameters, parameterCount, parameterSpecs, type ParameterSpec } from './layer/parameters.js';
import { assembleResult, type ForwardResult } from './layer/result.js';
import { backwardPass, connectivityPass, type BackwardOptions, type BackwardResult, type Connectivity } from './run/gradients.js';

export type { ForwardState } from './layer/prepare.js';
export type { ProgressObserver, StepObserver } from './run/index.js';
export type { TraceStats } from './layer/trace-stats.js';
export type { ForwardResult, LayerTrace, Trace } from './layer/result.js';
export type { BackwardOptions, BackwardResult, Connectivity, StepGradients } from './run/gradients.js';

export interface ForwardOptions extends ForwardState, KernelChoice {
  /** Seed for the dropout masks (training mode only); defaults to the module's seed. */
  dropoutSeed?: number | undefined;
  /**
   * Automatic path only: sees each layer's h_t (batch, realHidden) as soon as it is computed.
   * It needs the whole batch on one thread, so a pass with an observer runs on one thread.
   */
  onStep?: StepObserver | undefined;
  /** With onStep: hand it each step's gate activations (batch, gates * hidden). */
  gates?: boolean | undefined;
  /** Steps done of all (layers × directions × seqLen), from the main thread's share of the batch. */
  onProgress?: ProgressObserver | undefined;
  /**
   * Keep every layer's h (and c) at every step in result.trace.layers (default true). With false,
   * result.trace.layers is empty and result.trace.stats holds per-step running statistics instead.
   */
  keepTrace?: boolean | undefined;
  /**
   * Automatic path only: threads to use at most (default: the cores available). Passes below
   * `parallelMinFlops` matrix-multiply FLOPs (default PARALLEL_MIN_FLOPS once the pool has started,
   * PARALLEL_COLD_MIN_FLOPS before; src/modules/run/pool.ts), with batch 1, or with onStep run on
   * one thread.
   */
  threads?: number | undefined;
  parallelMinFlops?: number | undefined;
}

export class Recurrent {
  readonly kind: CellKind<KindName>;
  readonly config: RecurrentConfig;
  /** As in PyTorch, a new module is in training mode; dropout acts only then. */
  training = true;
  private params: Map<string, Tensor>;

  constructor(kind: CellKind<KindName>, options: RecurrentOptions) {
    this.kind = kind;
    this.config = resolveConfig(kind, options);
    this.params = initParameters(this.parameterSpecs(), this.config.hiddenSize, new Random(this.config.seed));
  }

  get numDirections(): number {
    return numDirections(this.config);
  }

  /** Features of h and of each direction of out: projSize when projecting, else hiddenSize. */
  get realHiddenSize(): number {
    return realHiddenSize(this.config);
  }

  /** PyTorch's warnings for this configuration (dropout on a single layer). */
  get warnings(): Warning[] {
    return configWarnings(this.config);
  }

  train(mode = true): this {
    this.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** PyTorch's repr: `RNN(100, 20, num_layers=4, batch_first=True)`. */
  toString(): string {
    return moduleRepr(this.kind, this.config);
  }

  parameterSpecs(): ParameterSpec[] {
    return parameterSpecs(this.kind, this.config);
  }

  parameterCount(): number {
    return parameterCount(this.parameterSpecs());
  }

  /** The parameters by state_dict name, in PyTorch's order (copies). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.params].map(([k, t]) => [k, t.clone()]));
  }

  /** Replaces every parameter, as load_state_dict(strict=True): missing, unexpected or misshapen keys are errors. */
  loadStateDict(stateDict: ReadonlyMap<string, Tensor> | Record<string, Tensor>): this {
    const map = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    this.params = checkStateDict(this.kind.name, this.parameterSpecs(), map);
    return this;
  }

  /** Checks and normalises the inputs as PyTorch's forward does, without running anything. */
  prepare(x: Tensor, state: ForwardState = {}): PreparedInput {
    return prepareInput(this.kind, this.config, x, state);
  }

  /** The automatic path: the whole sequence layer by layer, as nn.RNN runs it. */
  forward(x: Tensor, options: ForwardOptions = {}): ForwardResult {
    return this.run(x, options, 'automatic');
  }

  /** The manual path: a loop over time stepping one cell per layer, as a person writes it with nn.RNNCell. */
  forwardManual(x: Tensor, options: ForwardOptions = {}): ForwardResult {
    return this.run(x, options, 'manual');
  }

  /**
   * The manual path making one known mistake of hand-written loops on purpose (every layer fed
   * x[t], or the reverse direction stepped forward in time): what such a loop would have given.
   */
  forwardMistaken(x: Tensor, mistake: LoopMistake, options: ForwardOptions = {}): ForwardResult {
    return this.run(x, options, 'manual', mistake);
  }

  /**
   * The gradient of a scalar loss (`last`, `sum`, `hn` or `mse`; src/modules/run/loss.ts) with
   * respect to x, h_0 and c_0 (when given), every parameter and every layer's h_t (and c_t), as
   * PyTorch's autograd computes it: a forward pass on the automatic path (one thread), then
   * backpropagation through time. In training mode with dropout, the backward pass applies the
   * forward pass's masks (drawn from `dropoutSeed` as forward draws them).
   */
  backward(x: Tensor, options: BackwardOptions & Pick<ForwardOptions, 'dropoutSeed'>): BackwardResult {
    return backwardPass(this.kind, this.config, this.params, x, options, (input) => this.dropoutMasks(input, options));
  }

  /**
   * ‖∂out_t/∂x_s‖ for every t and s (src/modules/run/gradients.ts `connectivityPass`): one forward
   * pass and seq_len backward passes, in eval mode whatever the module's mode (no dropout).
   */
  connectivity(x: Tensor, state: ForwardState & KernelChoice = {}): Connectivity {
    return connectivityPass(this.kind, this.config, this.params, x, state);
  }

  private run(x: Tensor, options: ForwardOptions, path: ExecuteOptions['path'], mistake?: LoopMistake): ForwardResult {
    const input = this.prepare(x, options);
    const raw = execute(this.kind, this.config, this.params, input, this.dropoutMasks(input, options), {
      path,
      keepTrace: path === 'manual' || (options.keepTrace ?? true),
      onStep: options.onStep,
      gates: options.gates,
      onProgress: options.onProgress,
      threads: options.threads,
      parallelMinFlops: options.parallelMinFlops,
      kernel: { kernel: options.kernel, exact: options.exact },
      mistake,
    });
    return assembleResult(this.config, input, raw);
  }

  /**
   * The dropout masks for each layer's output but the last, drawn up front from a seeded generator
   * so that the automatic and manual paths drop the same elements.
   */
  private dropoutMasks(input: PreparedInput, options: ForwardOptions): (Float32Array | null)[] {
    const { dropout, numLayers } = this.config;
    if (!this.training || dropout === 0 || numLayers === 1) return [];
    const random = new Random(options.dropoutSeed ?? this.config.seed);
    const { seqLen, batch, D, Hr } = input.geometry;
    const size = seqLen * batch * D * Hr;
    return Array.from({ length: numLayers - 1 }, () => dropoutMask(size, dropout, () => random.next()));
  }
}

/** torch.nn.RNN: Elman RNN with tanh or relu. */
export class RNN extends Recurrent {
  constructor(options: RecurrentOptions) {
    super(rnnKind, options);
  }
}

/** torch.nn.LSTM: gates i, f, g, o; a cell state c beside h; optional projections (projSize). */
export class LSTM extends Recurrent {
  constructor(options: RecurrentOptions) {
    super(lstmKind, options);
  }
}

/** torch.nn.GRU: gates r, z, n. */
export class GRU extends Recurrent {
  constructor(options: RecurrentOptions) {
    super(gruKind, options);
  }
}
