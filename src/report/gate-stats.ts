/**
 * Gate statistics per cell (layer, direction, step), for kinds with more than one gate (LSTM:
 * i, f, g, o; GRU: r, z, n): each gate's mean over the valid sequences and hidden units, and how
 * saturated it is, the fraction of its values near the ends of its range. A sigmoid gate is
 * saturated below 0.1 (closed) or above 0.9 (open); a tanh gate below -0.9 or above 0.9.
 * The values are the activations the kind's own step wrote (ForwardOptions.gates), never
 * recomputed.
 * Shape: gates at one step (batch, gates * hidden_size), gate k in columns k*H .. (k+1)*H-1.
 */
import type { GateActivation } from '../modules/kinds/index.js';
import { numDirections } from '../modules/layer/config.js';
import type { Recurrent } from '../modules/recurrent.js';
import type { StepObserver } from '../modules/run/index.js';

/** The ends of each activation's range counted as saturated: [below, above]. */
export const SATURATION: Record<Exclude<GateActivation, 'nonlinearity'>, readonly [number, number]> = {
  sigmoid: [0.1, 0.9],
  tanh: [-0.9, 0.9],
};

export interface GateStep {
  t: number;
  /** Per gate, in the kind's order; null where no sequence has input at this step. */
  mean: (number | null)[];
  /** Fraction of the gate's values below / above its saturation bounds. */
  low: (number | null)[];
  high: (number | null)[];
}

export interface GateStats {
  gates: { name: string; activation: GateActivation; bounds: readonly [number, number] | null }[];
  layers: { layer: number; direction: 'forward' | 'reverse'; steps: GateStep[] }[];
}

/**
 * An observer that gathers gate statistics while the module runs (pass `onStep` with
 * `gates: true`), or null for a kind with a single gate (RNN), which has nothing to show.
 */
export function gateCollector(module: Recurrent, lengths: readonly number[] | null): { onStep: StepObserver; stats(): GateStats } | null {
  const { kind, config } = module;
  if (kind.gates.length < 2) return null;
  const H = config.hiddenSize;
  const D = numDirections(config);
  const gates = kind.gates.map((g) => ({ name: g.name, activation: g.activation, bounds: g.activation === 'nonlinearity' ? null : SATURATION[g.activation] }));
  const empty = (t: number): GateStep => ({ t, mean: gates.map(() => null), low: gates.map(() => null), high: gates.map(() => null) });
  // Steps by entry (layer * D + direction), filled as the pass reaches them; seq_len is the last t seen + 1.
  const steps: GateStep[][] = Array.from({ length: config.numLayers * D }, () => []);
  let seqLen = 0;
  const onStep: StepObserver = (l, direction, t, _h, _c, values) => {
    const entry = steps[l * D + (direction === 'forward' ? 0 : 1)];
    if (!values || !entry) return;
    seqLen = Math.max(seqLen, t + 1);
    const step = (entry[t] = empty(t));
    const G = gates.length * H;
    const B = values.length / G;
    gates.forEach((g, k) => {
      let sum = 0;
      let low = 0;
      let high = 0;
      let n = 0;
      for (let b = 0; b < B; b++) {
        if (lengths && t >= lengths[b]!) continue;
        for (let j = 0; j < H; j++) {
          const v = values[b * G + k * H + j]!;
          sum += v;
          if (g.bounds && v < g.bounds[0]) low++;
          if (g.bounds && v > g.bounds[1]) high++;
          n++;
        }
      }
      if (!n) return;
      step.mean[k] = sum / n;
      step.low[k] = g.bounds ? low / n : null;
      step.high[k] = g.bounds ? high / n : null;
    });
  };
  const stats = (): GateStats => ({
    gates,
    layers: steps.map((entry, i) => ({
      layer: Math.floor(i / D),
      direction: i % D === 0 ? 'forward' : 'reverse',
      steps: Array.from({ length: seqLen }, (_, t) => entry[t] ?? empty(t)),
    })),
  });
  return { onStep, stats };
}

/** Two observers as one: both see every step. */
export function bothObservers(a: StepObserver | undefined, b: StepObserver | undefined): StepObserver | undefined {
  if (!a) return b;
  if (!b) return a;
  return (...args) => {
    a(...args);
    b(...args);
  };
}
