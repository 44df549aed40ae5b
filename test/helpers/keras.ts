/** Comparing the engine's outputs with a Keras or TF.js model's own (test/golden/keras.test.ts, tfjs.test.ts). */
import assert from 'node:assert/strict';

/** The top layer's h_n, (batch, D * H): Keras's last output of a layer that returns no sequences. */
export function topHn(hN: number[][][], directions: number): number[][] {
  const top = hN.slice(hN.length - directions);
  return top[0]!.map((_, b) => top.flatMap((slice) => slice[b]!));
}

/** The largest |a - b| over two nested lists of the same element count. */
export function maxDiff(a: unknown, b: unknown): number {
  const fa = [a].flat(Infinity) as number[];
  const fb = [b].flat(Infinity) as number[];
  assert.equal(fa.length, fb.length, 'element counts');
  return fa.reduce((m, v, i) => Math.max(m, Math.abs(v - fb[i]!)), 0);
}
