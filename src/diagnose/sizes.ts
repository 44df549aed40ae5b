/**
 * The module doctor checks, when the user gave only some of its sizes: what was not given is read
 * from the shapes (input_size from x's last dimension, hidden_size and num_layers from h_0 or c_0;
 * a c_0 or a proj_size means the kind with a cell state), and every assumption is noted.
 */
import type { Nonlinearity } from '../kernels/activations.js';
import { kindOf, kinds, kindWithCellState, type CellKind, type KindName } from '../modules/kinds/index.js';
import { resolveConfig, type RecurrentConfig } from '../modules/layer/config.js';
import type { Shape } from '../tensor/tensor.js';

/** A module's arguments as far as they are known; what is undefined is read from the shapes. */
export interface PartialModule {
  type?: string | undefined;
  inputSize?: number | undefined;
  hiddenSize?: number | undefined;
  numLayers?: number | undefined;
  nonlinearity?: Nonlinearity | undefined;
  bias?: boolean | undefined;
  batchFirst?: boolean | undefined;
  bidirectional?: boolean | undefined;
  projSize?: number | undefined;
}

/** Used when neither the user nor the shapes say: PyTorch has no default, these are run's. */
export const DOCTOR_DEFAULTS = { inputSize: 100, hiddenSize: 20, numLayers: 1 } as const;

/** The state's slices dimension: 0, unless the state looks batch-first (x's batch at 0, not at 1). */
function layerSlices(state: Shape, x: Shape, batchFirst: boolean): number {
  if (state.length === 3 && x.length === 3) {
    const batch = x[batchFirst ? 0 : 1]!;
    if (state[0] === batch && state[1] !== batch) return state[1]!;
  }
  return state[0]!;
}

export function completeModule(
  given: PartialModule,
  shapes: { x: Shape; h0?: Shape | undefined; c0?: Shape | undefined },
  notes: string[],
): { kind: CellKind<KindName>; config: RecurrentConfig } {
  const { x, h0, c0 } = shapes;
  let kind = given.type === undefined ? kinds[0] : kindOf(given.type);
  if (given.type === undefined && (c0 || given.projSize)) {
    kind = c0 ? kindWithCellState() : kinds.find((k) => k.supportsProjection)!;
    notes.push(`type ${kind.name}: ${c0 ? 'a c_0 was given' : '--proj-size was given'} (no --type given)`);
  }
  let inputSize = given.inputSize;
  let hiddenSize = given.hiddenSize;
  let numLayers = given.numLayers;
  const projSize = given.projSize ?? 0;
  if (x.length === 2 || x.length === 3) {
    const fits = (s: Shape | undefined): s is Shape => !!s && s.length === x.length;
    if (inputSize === undefined) {
      inputSize = x[x.length - 1]!;
      notes.push(`input_size=${inputSize}: x's last dimension (no --input-size given)`);
    }
    const hFrom = projSize ? (fits(c0) ? (['c_0', c0] as const) : null) : fits(h0) ? (['h_0', h0] as const) : fits(c0) ? (['c_0', c0] as const) : null;
    if (hiddenSize === undefined && hFrom) {
      hiddenSize = hFrom[1][hFrom[1].length - 1]!;
      notes.push(`hidden_size=${hiddenSize}: ${hFrom[0]}'s last dimension (no --hidden-size given)`);
    }
    const state = fits(h0) ? (['h_0', h0] as const) : fits(c0) ? (['c_0', c0] as const) : null;
    const D = given.bidirectional ? 2 : 1;
    const slices = state ? layerSlices(state[1], x, !!given.batchFirst) : 0;
    if (numLayers === undefined && state && slices % D === 0) {
      numLayers = slices / D;
      notes.push(`num_layers=${numLayers}: ${state[0]}'s ${slices} slice${slices === 1 ? '' : 's'}${D === 2 ? ' over 2 directions' : ''} (no --layers given)`);
    }
  }
  const config = resolveConfig(kind, {
    inputSize: inputSize ?? DOCTOR_DEFAULTS.inputSize,
    hiddenSize: hiddenSize ?? DOCTOR_DEFAULTS.hiddenSize,
    numLayers: numLayers ?? DOCTOR_DEFAULTS.numLayers,
    nonlinearity: given.nonlinearity,
    bias: given.bias,
    batchFirst: !!given.batchFirst,
    bidirectional: given.bidirectional,
    projSize,
  });
  return { kind, config };
}
