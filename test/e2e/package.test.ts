// The package as a library: `import { RNN, RNNCell } from 'rnn-inspect'` resolves through the
// package's exports to the built code, and the README's example runs as written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LSTM, RNN, RNNCell, Tensor } from 'rnn-inspect';
import { item } from '../helpers/checked.js';
import { flatten } from '../helpers/nested.js';

test("the README's library example: shapes, manual = automatic, PyTorch's repr", () => {
  const rnn = new RNN({ inputSize: 100, hiddenSize: 20, numLayers: 4, batchFirst: true, seed: 0 }).eval();
  const x = Tensor.zeros([3, 10, 100]);
  x.data.forEach((_, i) => (x.data[i] = Math.sin(i)));
  const { out, hN, trace } = rnn.forward(x);
  assert.deepEqual(out.shape, [3, 10, 20]);
  assert.deepEqual(hN.shape, [4, 3, 20]);
  assert.equal(trace.layers.length, 4);
  // The cell loop's float64 sums are the exact mode's; the default fast kernel's within float32 rounding.
  const manual = rnn.forwardManual(x).out.data;
  assert.deepEqual(manual, rnn.forward(x, { exact: true }).out.data);
  out.data.forEach((v, i) => assert.ok(Math.abs(v - item(manual, i, 'manual out')) <= 1e-5, `out[${i}]`));
  assert.equal(String(rnn), 'RNN(100, 20, num_layers=4, batch_first=True)');
  const cell = new RNNCell({ inputSize: 100, hiddenSize: 20 });
  assert.deepEqual(cell.forward(Tensor.zeros([3, 100])).shape, [3, 20]);
  const lstm = new LSTM({ inputSize: 8, hiddenSize: 16, projSize: 4, bidirectional: true });
  const r = lstm.forward(Tensor.zeros([5, 3, 8]), { lengths: [5, 3, 2] });
  assert.deepEqual([r.out.shape, r.hN.shape, r.cN?.shape], [[5, 3, 8], [2, 3, 4], [2, 3, 16]]);
});

test("the float64 reference resolves as the package's 'rnn-inspect/reference' subpath and agrees with the engine", async () => {
  const { referenceForward } = await import('rnn-inspect/reference');
  const rnn = new RNN({ inputSize: 4, hiddenSize: 3, numLayers: 2, seed: 7 }).eval();
  const x = Tensor.zeros([5, 2, 4]);
  x.data.forEach((_, i) => (x.data[i] = Math.cos(i)));
  const ref = referenceForward({ type: 'rnn', input_size: 4, hidden_size: 3, num_layers: 2 }, rnn.stateDict(), { x });
  const out = rnn.forward(x).out;
  const expected = flatten(ref.out);
  assert.equal(expected.length, out.size);
  const diff = Math.max(...out.data.map((v, i) => Math.abs(v - item(expected, i, 'reference out'))));
  assert.ok(diff < 1e-6, `max |engine - reference| = ${diff}`);
});
