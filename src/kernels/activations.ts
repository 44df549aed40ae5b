/** Pointwise nonlinearities, in double precision on one value. */

export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * tanh through one exp: (1 - e) / (1 + e) with e = exp(-2|v|), the sign restored. Within 4e-16 of
 * Math.tanh (no cancellation: e is in (0, 1]), and faster in V8: a JS function the optimiser
 * inlines, where Math.tanh is a call; the recurrent update applies it to every unit at every step.
 */
export function tanh(v: number): number {
  const e = Math.exp(-2 * Math.abs(v));
  const t = (1 - e) / (1 + e);
  return v < 0 ? -t : t;
}

/** max(v, 0), with NaN passed through as PyTorch's relu does (a NaN must not turn into a quiet 0). */
export function relu(v: number): number {
  return v > 0 || v !== v ? v : 0;
}

export type Nonlinearity = 'tanh' | 'relu';

export const nonlinearities: Readonly<Record<Nonlinearity, (v: number) => number>> = { tanh, relu };
