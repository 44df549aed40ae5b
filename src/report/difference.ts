/**
 * The automatic-minus-manual difference of two passes over the same weights and input, as a
 * forward result of its own (out, h_n, c_n and every layer's h and c at every step), so that a run
 * document of it shows each cell's difference: `compare --html` colours its grid by it. Equal
 * infinities differ by 0, as compare counts them; NaN stays NaN.
 */
import type { ForwardResult, LayerTrace } from '../modules/layer/result.js';
import { InternalError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

function minus(a: Tensor, b: Tensor): Tensor {
  if (a.size !== b.size) throw new InternalError(`difference: tensors of ${a.size} and ${b.size} values`);
  const out = new Float32Array(a.size);
  for (let i = 0; i < a.size; i++) {
    const x = a.data[i]!;
    const y = b.data[i]!;
    out[i] = x === y ? 0 : x - y;
  }
  return new Tensor(out, a.shape);
}

/** a − b, tensor by tensor; both passes must have kept their trace. */
export function differenceResult(a: ForwardResult, b: ForwardResult): ForwardResult {
  if (a.trace.layers.length !== b.trace.layers.length) throw new InternalError('difference: both passes must keep their trace');
  const layers: LayerTrace[] = a.trace.layers.map((l, i) => {
    const m = b.trace.layers[i]!;
    return { layer: l.layer, direction: l.direction, h: minus(l.h, m.h), c: l.c && m.c ? minus(l.c, m.c) : null };
  });
  return {
    out: minus(a.out, b.out),
    hN: minus(a.hN, b.hN),
    cN: a.cN && b.cN ? minus(a.cN, b.cN) : null,
    trace: { ...a.trace, layers, stats: null },
  };
}
