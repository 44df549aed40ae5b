/**
 * How much memory a forward pass needs, estimated from sizes alone so that a run can be refused
 * before anything large is allocated.
 */
import { projectionSteps } from './run/automatic.js';
import { numDirections, realHiddenSize, type RecurrentConfig } from './layer/config.js';
import type { CellKind } from './kinds/index.js';
import { parameterCount, parameterSpecs } from './layer/parameters.js';

export interface MemoryEstimate {
  bytes: number;
  /** Float32 values held at once: input, layer outputs, the kept trace, gate pre-activations, parameters. */
  values: number;
}

/**
 * keepTrace: every layer's h (and c) at every step is kept (the library's default); without it the
 * trace is a few doubles per step. Two threads hold a shared copy of x and out besides the slices'
 * own, which the factor 2 on x and on a layer's input and output covers.
 */
export function estimateForward(kind: CellKind, config: RecurrentConfig, seqLen: number, batch: number, keepTrace = true): MemoryEstimate {
  const D = numDirections(config);
  const steps = seqLen * batch;
  const layerStates = config.numLayers * D * steps;
  const Hr = realHiddenSize(config);
  const values =
    2 * steps * config.inputSize + // x, its time-major copy (or a thread's shared copy)
    2 * 2 * steps * D * Hr + // a layer's input and output (and their shared copies)
    (keepTrace ? layerStates * Hr : 0) + // h trace
    (keepTrace && kind.hasCellState ? layerStates * config.hiddenSize : 0) + // c trace
    projectionSteps(seqLen, batch) * batch * kind.gates.length * config.hiddenSize + // x W_ih^T for a chunk of steps
    parameterCount(parameterSpecs(kind, config));
  return { bytes: 4 * values, values };
}
