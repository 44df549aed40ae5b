/** Pointwise nonlinearities, in double precision on one value. */

export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

export const tanh = Math.tanh;

export function relu(v: number): number {
  return v > 0 ? v : 0;
}

export type Nonlinearity = 'tanh' | 'relu';

export const nonlinearities: Readonly<Record<Nonlinearity, (v: number) => number>> = { tanh, relu };
