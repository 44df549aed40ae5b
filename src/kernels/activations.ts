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

/**
 * The squashing function of the gates (PyTorch's σ; Keras's `recurrent_activation`). Keras's
 * `hard_sigmoid` is two functions, by producer: tfjs and Keras 2 compute clip(0.2x + 0.5, 0, 1),
 * Keras 3 computes relu6(x + 3) / 6 (slope 1/6, saturating at ±3 instead of ±2.5).
 */
export type GateFunction = 'sigmoid' | 'hard_sigmoid' | 'hard_sigmoid_relu6';

export function hardSigmoid(v: number): number {
  const y = 0.2 * v + 0.5;
  return y > 1 ? 1 : y < 0 ? 0 : y !== y ? v : y;
}

export function hardSigmoidRelu6(v: number): number {
  const y = v + 3;
  return y > 6 ? 1 : y < 0 ? 0 : y !== y ? v : y / 6;
}

export const gateFunctions: Readonly<Record<GateFunction, { readonly f: (v: number) => number; readonly formula: string; readonly computedBy: string }>> = {
  sigmoid: { f: sigmoid, formula: '1 / (1 + exp(-x))', computedBy: 'PyTorch, ONNX, tfjs and Keras compute σ' },
  hard_sigmoid: { f: hardSigmoid, formula: 'clip(0.2x + 0.5, 0, 1)', computedBy: 'tfjs and Keras 2 compute hard_sigmoid' },
  hard_sigmoid_relu6: { f: hardSigmoidRelu6, formula: 'relu6(x + 3) / 6', computedBy: 'Keras 3 computes hard_sigmoid' },
};

export const gateFunctionNames = Object.keys(gateFunctions) as [GateFunction, ...GateFunction[]];
