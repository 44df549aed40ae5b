/**
 * A backward pass as the library hands it out: the loss's checks, and the time-major gradients
 * turned into PyTorch's layouts (x's gradient has x's shape, batch-first or unbatched as x is;
 * h_0's and c_0's have theirs; each parameter's has its shape under its state_dict name), with
 * every layer's and direction's dL/dh_t and dL/dc_t and their per-step L2 norms.
 *
 * Shape: steps[i].dh (seqLen, batch, realHidden) and dc (seqLen, batch, hidden), time-major
 *        whatever batch_first says (batch 1 when unbatched), zero past each length
 */
import { ConfigError, ShapeError } from '../../errors.js';
import { formatShape, sameShape, Tensor, type Shape } from '../../tensor/tensor.js';
import type { CellKind } from '../kinds/index.js';
import { kernelFor, type KernelChoice } from '../../kernels/kernel.js';
import { forwardFlops } from './pool.js';
import type { RecurrentConfig } from '../layer/config.js';
import { parameterSpecs } from '../layer/parameters.js';
import { prepareInput, transpose01, type ForwardState, type PreparedInput } from '../layer/prepare.js';
import { assembleResult, type Direction, type ForwardResult } from '../layer/result.js';
import { allocateSaves, runBackward, runForwardBackward } from './backward.js';
import { runAutomatic } from './automatic.js';
import { checkLoss, lossesWithTarget, type LossKind } from './loss.js';

export interface BackwardOptions extends ForwardState, KernelChoice {
  loss: LossKind;
  /** mse only: of out's shape. */
  target?: Tensor | undefined;
}

export interface StepGradients {
  layer: number;
  direction: Direction;
  /** dL/dh_t at every step, the total derivative (seqLen, batch, realHidden); zero past each length. */
  dh: Tensor;
  /** dL/dc_t (seqLen, batch, hidden) for kinds with a cell state. */
  dc: Tensor | null;
  /** Per step t: the L2 norm of dh[t] over the batch elements still active at t (float64 sums); 0 where none is. */
  dhNorm: Float64Array;
  dcNorm: Float64Array | null;
}

export interface BackwardResult {
  loss: { kind: LossKind; value: number };
  forward: ForwardResult;
  grads: {
    x: Tensor;
    /** Only when h_0 (c_0) was given: a state not given is zeros, not an input. */
    h0?: Tensor;
    c0?: Tensor;
    /** By state_dict name, in its order. */
    params: Map<string, Tensor>;
  };
  /** In h_n's order: index layer * numDirections + direction. */
  steps: StepGradients[];
}

/** The shape of out for this input: PyTorch's layout. */
function outShape(config: RecurrentConfig, seqLen: number, batch: number, batched: boolean, width: number): Shape {
  if (!batched) return [seqLen, width];
  return config.batchFirst ? [batch, seqLen, width] : [seqLen, batch, width];
}

/** L2 norm of each step's rows (batch, width) that are active at t, summed in float64. */
export function stepNorms(data: Float32Array, seqLen: number, batch: number, width: number, lengths: Int32Array | null): Float64Array {
  const norms = new Float64Array(seqLen);
  for (let t = 0; t < seqLen; t++) {
    let sq = 0;
    for (let b = 0; b < batch; b++) {
      if (lengths && t >= lengths[b]!) continue;
      const at = (t * batch + b) * width;
      for (let j = at; j < at + width; j++) sq += data[j]! * data[j]!;
    }
    norms[t] = Math.sqrt(sq);
  }
  return norms;
}

/** Why the backward steps cannot differentiate this module (a forward-only kind, σ gates running another function such as hard_sigmoid), or null. */
export function backwardRefusal(kind: CellKind, config: Pick<RecurrentConfig, 'recurrentActivation'>): string | null {
  if (!kind.backward) return `expected a kind with a backward step, got ${kind.name}, which runs forward only`;
  if (config.recurrentActivation !== 'sigmoid') return `expected recurrent_activation sigmoid, got ${config.recurrentActivation} (the backward steps differentiate σ only)`;
  return null;
}

function checkBackward(kind: CellKind, config: RecurrentConfig): void {
  const refusal = backwardRefusal(kind, config);
  if (refusal) throw new ConfigError(`backward: ${refusal}`);
}

/**
 * Checks the loss and target, runs the forward and backward passes, and lays the results out as
 * PyTorch does. `dropoutMasks` are the forward pass's (training mode): the backward pass applies
 * the same ones.
 */
export function backwardPass(
  kind: CellKind,
  config: RecurrentConfig,
  params: ReadonlyMap<string, Tensor>,
  x: Tensor,
  given: BackwardOptions | undefined,
  dropoutMasks: (input: ReturnType<typeof prepareInput>) => (Float32Array | null)[],
): BackwardResult {
  // A JavaScript caller may leave the options out: that is a missing loss, not a TypeError.
  const options: Partial<BackwardOptions> = given ?? {};
  checkBackward(kind, config);
  const loss = checkLoss(options.loss);
  const input = prepareInput(kind, config, x, options);
  const { seqLen: T, batch: B, D, H, Hr } = input.geometry;
  const shape = outShape(config, T, B, input.batched, D * Hr);
  let target: Float32Array | null = null;
  if (lossesWithTarget.includes(loss)) {
    if (!options.target) throw new ShapeError(`target: expected a tensor of out's shape ${formatShape(shape)} for loss ${loss}, got none`);
    if (!sameShape(options.target.shape, shape)) {
      throw new ShapeError(`target: expected out's shape ${formatShape(shape)} for loss ${loss}, got ${formatShape(options.target.shape)}`);
    }
    target = input.batched && config.batchFirst ? transpose01(options.target.data, B, T, D * Hr) : options.target.data;
  } else if (options.target) {
    throw new ConfigError(`target: expected none for loss ${loss} (only ${lossesWithTarget.join(', ')} compares out with a target), got a tensor ${formatShape(options.target.shape)}`);
  }
  const kernel = backwardKernel(kind, config, input, options);
  const raw = runForwardBackward(kind, config, params, input, dropoutMasks(input), loss, target, kernel);
  const { grads } = raw;
  const dx = input.batched && config.batchFirst ? transpose01(grads.dx, T, B, config.inputSize) : grads.dx;
  const specs = parameterSpecs(kind, config);
  const result: BackwardResult = {
    loss: { kind: loss, value: raw.loss },
    forward: assembleResult(config, input, raw.forward),
    grads: {
      x: new Tensor(dx, x.shape),
      params: new Map(specs.map((s) => [s.name, new Tensor(grads.params.get(s.name)!, s.shape)])),
    },
    steps: grads.steps.map((step, i) => ({
      layer: Math.floor(i / D),
      direction: i % D === 0 ? 'forward' : 'reverse',
      dh: new Tensor(step.dh, [T, B, Hr]),
      dc: step.dc ? new Tensor(step.dc, [T, B, H]) : null,
      dhNorm: stepNorms(step.dh, T, B, Hr, input.lengths),
      dcNorm: step.dc ? stepNorms(step.dc, T, B, H, input.lengths) : null,
    })),
  };
  if (options.h0) result.grads.h0 = new Tensor(grads.dh0, options.h0.shape);
  if (options.c0 && grads.dc0) result.grads.c0 = new Tensor(grads.dc0, options.c0.shape);
  return result;
}

/** The kernel of a forward and backward pass: as chosen, else by size (the backward's products are about twice the forward's). */
function backwardKernel(kind: CellKind, config: RecurrentConfig, input: PreparedInput, choice: KernelChoice) {
  return kernelFor(choice, 3 * forwardFlops(kind, config, input.geometry.seqLen, input.geometry.batch));
}

export interface Connectivity {
  /** matrix[t][s] = ‖∂(Σ_{b,j} out[t, b, j]) / ∂x_s‖ (L2 over batch and features); seqLen × seqLen, time order. */
  matrix: number[][];
  /** Backward passes run: one per step of out. */
  passes: number;
}

/**
 * How much each step of out depends on each step of x: one forward pass, then one backward pass per
 * step t seeded with dL/d(out_t) = 1 (batch elements past their length have no out_t and add
 * nothing), each giving ∂(Σ out_t)/∂x; its slice at s is entry [t][s]. A unidirectional module's
 * entries with s > t are exactly 0. Eval mode only (no dropout masks).
 */
export function connectivityPass(kind: CellKind, config: RecurrentConfig, params: ReadonlyMap<string, Tensor>, x: Tensor, state: ForwardState & KernelChoice): Connectivity {
  checkBackward(kind, config);
  const input = prepareInput(kind, config, x, state);
  const { seqLen: T, batch: B, D, Hr, L } = input.geometry;
  const save = allocateSaves(kind, config, input);
  const kernel = backwardKernel(kind, config, input, state);
  const forward = runAutomatic(kind, config, params, input, [], { keepTrace: true, save, kernel });
  const width = D * Hr;
  const dOut = new Float32Array(T * B * width);
  const dhN = new Float32Array(L * D * B * Hr);
  const matrix: number[][] = [];
  for (let t = 0; t < T; t++) {
    dOut.fill(0);
    for (let b = 0; b < B; b++) if (!input.lengths || t < input.lengths[b]!) dOut.fill(1, (t * B + b) * width, (t * B + b + 1) * width);
    const grads = runBackward(kind, config, params, input, [], forward, save, dOut, dhN, kernel);
    matrix.push([...stepNorms(grads.dx, T, B, config.inputSize, null)]);
  }
  return { matrix, passes: T };
}
