// The pool's worker really starts, from the built package and from source alike: after a pass on two
// threads the worker is kept (the warm threshold applies). A worker that fails to load is dropped
// within a few hundred milliseconds, and the main thread then takes every slice without a word.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LSTM, Tensor } from '../../src/index.js';
import { PARALLEL_COLD_MIN_FLOPS, PARALLEL_MIN_FLOPS, parallelMinFlops } from '../../src/modules/run/pool.js';

test('a pass with threads: 2 starts a worker that loads and is kept', async () => {
  assert.equal(parallelMinFlops(), PARALLEL_COLD_MIN_FLOPS, 'no worker before the first parallel pass');
  const m = new LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, seed: 3 }).eval();
  m.forward(Tensor.zeros([9, 6, 5]), { threads: 2, parallelMinFlops: 0 });
  assert.equal(parallelMinFlops(), PARALLEL_MIN_FLOPS, 'the worker exists once the pass has run');
  await sleep(2000);
  assert.equal(parallelMinFlops(), PARALLEL_MIN_FLOPS, 'the worker is still there: it loaded');
});
