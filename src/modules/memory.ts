/**
 * How much memory a forward pass needs, estimated from sizes alone so that a run can be refused
 * before anything large is allocated.
 */
import { numDirections, realHiddenSize, type RecurrentConfig } from './config.js';
import type { CellKind } from './kinds/index.js';
import { parameterCount, parameterSpecs } from './parameters.js';

export interface MemoryEstimate {
  bytes: number;
  /** Float32 values held at once: input, every layer's trace, gate pre-activations, parameters. */
  values: number;
}

export function estimateForward(kind: CellKind, config: RecurrentConfig, seqLen: number, batch: number): MemoryEstimate {
  const D = numDirections(config);
  const steps = seqLen * batch;
  const layerStates = config.numLayers * D * steps;
  const values =
    steps * config.inputSize + // x, and its time-major copy
    2 * layerStates * realHiddenSize(config) + // each layer's output and its trace
    (kind.hasCellState ? layerStates * config.hiddenSize : 0) + // c trace
    steps * kind.gateCount * config.hiddenSize + // x W_ih^T for one layer and direction
    parameterCount(parameterSpecs(kind, config));
  return { bytes: 4 * values, values };
}
