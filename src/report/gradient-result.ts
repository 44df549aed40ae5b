/**
 * A backward pass as a forward result of its own: every layer's dL/dh_t (and dL/dc_t) where the
 * forward result has h_t (and c_t), so that a run document of it shows each cell's gradient
 * (`grad --html` draws its grid from it). out is the top layer's dL/dh_t in out's layout; h_n
 * (c_n) is dL/dh_t (dL/dc_t) at the step each slice of h_n was taken (the last valid step forward,
 * t=0 reverse), the cell the page links h_n[k] to.
 */
import type { ForwardResult, LayerTrace } from '../modules/layer/result.js';
import type { BackwardResult } from '../modules/run/gradients.js';
import { Tensor } from '../tensor/tensor.js';

function finals(steps: readonly { direction: string; t: Tensor }[], lengths: Int32Array | null, batched: boolean): Tensor {
  const [T, B, F] = steps[0]!.t.shape as [number, number, number];
  const data = new Float32Array(steps.length * B * F);
  steps.forEach((s, k) => {
    for (let b = 0; b < B; b++) {
      const t = s.direction === 'reverse' ? 0 : (lengths ? lengths[b]! : T) - 1;
      data.set(s.t.data.subarray((t * B + b) * F, (t * B + b + 1) * F), (k * B + b) * F);
    }
  });
  return new Tensor(data, batched ? [steps.length, B, F] : [steps.length, F]);
}

export function gradientResult(result: BackwardResult, { numDirections, batchFirst }: { numDirections: number; batchFirst: boolean }): ForwardResult {
  const { forward } = result;
  const lengths = forward.trace.lengths;
  const batched = forward.out.rank === 3;
  const layers: LayerTrace[] = result.steps.map((s) => ({ layer: s.layer, direction: s.direction, h: s.dh, c: s.dc }));
  // out: the top layer's directions side by side, in out's own layout.
  const top = layers.slice(-numDirections);
  const [T, B, F] = top[0]!.h.shape as [number, number, number];
  const out = new Float32Array(forward.out.size);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < B; b++) {
      const row = batched && batchFirst ? b * T + t : t * B + b;
      top.forEach((l, d) => out.set(l.h.data.subarray((t * B + b) * F, (t * B + b + 1) * F), (row * numDirections + d) * F));
    }
  }
  return {
    out: new Tensor(out, forward.out.shape),
    hN: finals(layers.map((l) => ({ direction: l.direction, t: l.h })), lengths, batched),
    cN: layers[0]!.c ? finals(layers.map((l) => ({ direction: l.direction, t: l.c! })), lengths, batched) : null,
    trace: { ...forward.trace, layers, stats: null },
  };
}
