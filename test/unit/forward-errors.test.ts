/**
 * Forward-time checks with PyTorch's wording, the hints that name a likely cause, the lengths
 * checks of pack_padded_sequence, and the shapes of the seed example.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GRU, LSTM, RNN, ShapeError, Tensor } from '../../src/index.js';
import { item } from '../helpers/checked.js';

const zeros = (...shape: number[]): Tensor => Tensor.zeros(shape);
const shapeError = (pattern: RegExp) => (e: unknown) => e instanceof ShapeError && e.exitCode === 2 && pattern.test(e.message);
const seedExample = () => new RNN({ inputSize: 100, hiddenSize: 20, numLayers: 4, batchFirst: true });

describe('the seed example', () => {
  test('RNN(100, 20, num_layers=4, batch_first) on x (3, 10, 100): out (3, 10, 20), h_n (4, 3, 20)', () => {
    const m = seedExample();
    const r = m.forward(zeros(3, 10, 100));
    assert.deepEqual([...r.out.shape], [3, 10, 20]);
    assert.deepEqual([...r.hN.shape], [4, 3, 20]);
    assert.equal(r.cN, null);
    assert.equal(r.trace.layers.length, 4);
    assert.deepEqual([...item(r.trace.layers, 3, 'trace layers').h.shape], [10, 3, 20], 'the trace is time-major');
    const manual = m.forwardManual(zeros(3, 10, 100), { h0: zeros(4, 3, 20) });
    assert.deepEqual([...manual.out.shape], [3, 10, 20]);
    assert.deepEqual([...manual.hN.shape], [4, 3, 20]);
  });

  test('unbatched input (10, 100): out (10, 20), h_n (4, 20)', () => {
    const r = seedExample().forward(zeros(10, 100), { h0: zeros(4, 20) });
    assert.deepEqual([...r.out.shape], [10, 20]);
    assert.deepEqual([...r.hN.shape], [4, 20]);
  });

  test('bidirectional LSTM with projections: out (seq, batch, 2 * proj), c_n (layers * 2, batch, hidden)', () => {
    const r = new LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, projSize: 3 }).forward(zeros(4, 2, 5));
    assert.deepEqual([...r.out.shape], [4, 2, 6]);
    assert.deepEqual([...r.hN.shape], [4, 2, 3]);
    assert.ok(r.cN, 'an LSTM returns c_n');
    assert.deepEqual([...r.cN.shape], [4, 2, 7]);
  });
});

describe('shape errors with PyTorch\'s wording', () => {
  test('h_0 of the wrong size', () => {
    assert.throws(() => seedExample().forward(zeros(3, 10, 100), { h0: zeros(2, 3, 20) }), shapeError(/^h_0: Expected hidden size \(4, 3, 20\), got \[2, 3, 20\]/));
  });

  test('input features other than input_size', () => {
    assert.throws(() => seedExample().forward(zeros(3, 10, 99)), shapeError(/^x: input.size\(-1\) must be equal to input_size. Expected 100, got 99/));
  });

  test('input of rank other than 2 or 3', () => {
    assert.throws(() => seedExample().forward(zeros(1, 3, 10, 100)), shapeError(/RNN: Expected input to be 2D or 3D, got 4D tensor instead/));
    assert.throws(() => new LSTM({ inputSize: 2, hiddenSize: 3 }).forward(zeros(2)), shapeError(/LSTM: Expected input to be 2D or 3D, got 1D/));
    assert.throws(() => new GRU({ inputSize: 2, hiddenSize: 3 }).forward(zeros(1, 1, 1, 2)), shapeError(/GRU: Expected input to be 2D or 3D, got 4D/));
  });

  test('LSTM: h_0 and c_0 checked separately, as hidden[0] and hidden[1]', () => {
    const m = new LSTM({ inputSize: 8, hiddenSize: 6, numLayers: 2 });
    const x = zeros(5, 3, 8);
    assert.throws(() => m.forward(x, { h0: zeros(2, 3, 5), c0: zeros(2, 3, 6) }), shapeError(/^h_0: Expected hidden\[0\] size \(2, 3, 6\), got \[2, 3, 5\]/));
    assert.throws(() => m.forward(x, { h0: zeros(2, 3, 6), c0: zeros(1, 3, 6) }), shapeError(/^c_0: Expected hidden\[1\] size \(2, 3, 6\), got \[1, 3, 6\]/));
    assert.throws(() => m.forward(x, { h0: zeros(2, 3, 6) }), shapeError(/expected both h_0 and c_0/));
  });

  test('LSTM with projections: h_0 has proj_size features, c_0 hidden_size', () => {
    const m = new LSTM({ inputSize: 2, hiddenSize: 4, projSize: 2 });
    assert.throws(() => m.forward(zeros(3, 1, 2), { h0: zeros(1, 1, 4), c0: zeros(1, 1, 4) }), shapeError(/Expected hidden\[0\] size \(1, 1, 2\), got \[1, 1, 4\]; h_0's last dimension is proj_size = 2/));
  });

  test('state rank must follow the input\'s', () => {
    assert.throws(() => seedExample().forward(zeros(3, 10, 100), { h0: zeros(4, 20) }), shapeError(/For batched 3-D input, hx should also be 3-D but got 2-D tensor/));
    assert.throws(() => seedExample().forward(zeros(10, 100), { h0: zeros(4, 1, 20) }), shapeError(/For unbatched 2-D input, hx should also be 2-D but got 3-D tensor/));
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3 });
    assert.throws(() => lstm.forward(zeros(4, 1, 2), { h0: zeros(1, 3), c0: zeros(1, 3) }), shapeError(/For batched 3-D input, hx and cx should also be 3-D but got \(2-D, 2-D\) tensors/));
  });

  test('c_0 given to a module without a cell state', () => {
    assert.throws(() => new GRU({ inputSize: 2, hiddenSize: 3 }).forward(zeros(4, 1, 2), { c0: zeros(1, 1, 3) }), shapeError(/^c_0: expected no cell state for GRU/));
  });

  test('unbatched h_0 of the wrong size', () => {
    // PyTorch unsqueezes an unbatched h_0 before checking it and prints (4, 1, 20), got [3, 1, 20];
    // either form names the expected and the given sizes.
    assert.throws(() => seedExample().forward(zeros(10, 100), { h0: zeros(3, 20) }), shapeError(/Expected hidden size \(4, (1, )?20\), got \[3, (1, )?20\]/));
  });
});

describe('hints', () => {
  test('batch_first does not apply to h_0 when h_0 was given batch-first', () => {
    assert.throws(
      () => seedExample().forward(zeros(3, 10, 100), { h0: zeros(3, 4, 20) }),
      shapeError(/Expected hidden size \(4, 3, 20\), got \[3, 4, 20\]; batch_first does not apply to h_0: it stays \(num_layers\*num_directions, batch, hidden\)/),
    );
  });

  test('the number of layer slices, counting directions', () => {
    const m = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true });
    assert.throws(() => m.forward(zeros(5, 1, 2), { h0: zeros(2, 1, 3) }), shapeError(/num_layers\*num_directions = 2\*2 = 4/));
  });

  test('a batch mismatch, and the smaller last batch', () => {
    assert.throws(() => seedExample().forward(zeros(2, 10, 100), { h0: zeros(4, 3, 20) }), shapeError(/h_0's batch must equal x's batch, 2 \(is the last batch smaller than the others\?\)/));
    assert.throws(() => seedExample().forward(zeros(4, 10, 100), { h0: zeros(4, 3, 20) }), (e) => e instanceof Error && /x's batch, 4$/.test(e.message));
  });

  test('a transposed input', () => {
    assert.throws(() => seedExample().forward(zeros(3, 100, 10)), shapeError(/Expected 100, got 10; is the input transposed\?/));
  });
});

describe('lengths, as pack_padded_sequence checks them', () => {
  const m = new RNN({ inputSize: 2, hiddenSize: 3 });
  const x = zeros(5, 3, 2);

  test('one length per batch element', () => {
    assert.throws(() => m.forward(x, { lengths: [5, 2] }), shapeError(/^lengths: Expected `len\(lengths\)` to be equal to batch_size, but got 2 \(batch_size=3\)$/));
  });

  test('as many lengths as x has steps: x is named as likely in the other layout', () => {
    // Batch-first data (3 sequences of 10 steps) given to a module built time-first, and the reverse.
    // Both signs hold here: 3 lengths for x's 3 steps, and the longest, 10, is x's batch of 10.
    assert.throws(
      () => m.forward(zeros(3, 10, 2), { lengths: [10, 7, 3] }),
      shapeError(/got 3 \(batch_size=10\); there are 3 lengths, the size of x's dimension 0 \(seq_len here\), and the longest length, 10, is the size of x's dimension 1 \(the batch here\): x looks batch-first \(batch, seq_len, features\), but the module has batch_first=False$/),
    );
    const bf = new RNN({ inputSize: 2, hiddenSize: 3, batchFirst: true });
    assert.throws(() => bf.forward(zeros(10, 3, 2), { lengths: [10, 7, 3] }), shapeError(/x looks time-first \(seq_len, batch, features\), but the module has batch_first=True$/));
  });

  test('one sign alone names the other layout: the count of lengths, or the longest as long as the batch', () => {
    // As many lengths as steps, none beyond them: the count alone.
    assert.throws(() => m.forward(zeros(3, 10, 2), { lengths: [3, 2, 1] }), shapeError(/; there are 3 lengths, the size of x's dimension 0 \(seq_len here\): x looks batch-first/));
    // Another count, but the longest is x's batch (10) and beyond seq_len (3): the longest alone.
    assert.throws(() => m.forward(zeros(3, 10, 2), { lengths: [10, 7] }), shapeError(/got 2 \(batch_size=10\); the longest length, 10, is the size of x's dimension 1 \(the batch here\): x looks batch-first/));
    // Neither: another count, and the longest within seq_len.
    assert.throws(() => m.forward(zeros(4, 10, 2), { lengths: [4, 3, 2] }), shapeError(/got 3 \(batch_size=10\)$/));
  });

  test('each length in 1..seq_len', () => {
    // PyTorch's words first (checked against PyTorch 1.13), then which length and what it should be.
    assert.throws(() => m.forward(x, { lengths: [6, 2, 1] }), shapeError(/^lengths: start \(8\) \+ length \(1\) exceeds dimension size \(8\)\. lengths\[0\]: expected an integer in 1\.\.5 \(seq_len\), got 6$/));
    assert.throws(() => m.forward(x, { lengths: [5, 0, 1] }), shapeError(/^lengths: Length of all samples has to be greater than 0, .*; lengths\[1\]: expected an integer in 1\.\.5 \(seq_len\), got 0$/));
    assert.throws(() => m.forward(x, { lengths: [5, 2, 1.5] }), shapeError(/^lengths\[2\]: .* got 1.5$/));
  });

  test('enforce_sorted requires non-increasing lengths, with PyTorch\'s advice', () => {
    assert.throws(
      () => m.forward(x, { lengths: [2, 5, 1], enforceSorted: true }),
      shapeError(/`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence/),
    );
    assert.deepEqual([...m.forward(x, { lengths: [2, 5, 1], enforceSorted: false }).out.shape], [5, 3, 3]);
    assert.deepEqual([...m.forward(x, { lengths: [5, 5, 1], enforceSorted: true }).out.shape], [5, 3, 3]);
  });

  test('lengths need a batched input', () => {
    assert.throws(() => m.forward(zeros(5, 2), { lengths: [5] }), shapeError(/^lengths: expected a batched 3-D input/));
  });
});
