// Progress from a forward pass: in whole-batch layer steps out of layers × directions × seq_len,
// never decreasing, and reaching the total, whether one thread runs the pass or the pool does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LSTM, Tensor } from '../../src/index.js';

for (const threads of [1, 2]) {
  test(`onProgress with ${threads} thread(s): counts whole-batch layer steps up to the total`, () => {
    const m = new LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, seed: 3 }).eval();
    const x = Tensor.zeros([9, 6, 5]);
    x.data.forEach((_, i) => (x.data[i] = Math.sin(i)));
    const calls: [number, number][] = [];
    m.forward(x, { threads, parallelMinFlops: 0, keepTrace: false, onProgress: (done, total) => calls.push([done, total]) });
    const total = 2 * 2 * 9;
    assert.ok(calls.length > 0);
    assert.ok(calls.every(([, t]) => t === total), `totals ${[...new Set(calls.map((c) => c[1]))]}`);
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] >= calls[i - 1][0], `step count went down at call ${i}`);
    assert.equal(Math.max(...calls.map((c) => c[0])), total);
  });
}
