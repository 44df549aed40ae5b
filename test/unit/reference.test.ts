/**
 * The mathjs reference (src/reference/mathjs-forward.ts) on cases checkable by hand, and its input
 * checks. Its agreement with PyTorch is checked by test/golden/library.test.js.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, ShapeError } from '../../src/index.js';
import { referenceForward, type ReferenceConfig } from '../../src/reference/mathjs-forward.js';
import { listAt, numberAt } from '../helpers/nested.js';
import { unchecked } from '../helpers/unchecked.js';

// A one-unit ReLU RNN without bias: h' = relu(1 * x + 0.5 * h), so every value is exact.
const unit: ReferenceConfig = { type: 'rnn', input_size: 1, hidden_size: 1, nonlinearity: 'relu', bias: false };
const unitWeights = { weight_ih_l0: [[1]], weight_hh_l0: [[0.5]] };

describe('reference by hand', () => {
  test('one direction over three steps, h_0 given', () => {
    const r = referenceForward(unit, unitWeights, { x: [[[1]], [[2]], [[-4]]], h_0: [[[2]]] });
    // h = relu(1 + 1) = 2, relu(2 + 1) = 3, relu(-4 + 1.5) = 0
    assert.deepEqual(r, { out: [[[2]], [[3]], [[0]]], h_n: [[[0]]], c_n: null });
  });

  test('bidirectional with a length: zero past it, the reverse direction starts at the last valid step', () => {
    const config: ReferenceConfig = { ...unit, bidirectional: true };
    const weights = { ...unitWeights, weight_ih_l0_reverse: [[1]], weight_hh_l0_reverse: [[0.5]] };
    const r = referenceForward(config, weights, { x: [[[1]], [[2]], [[3]]], lengths: [2] });
    // forward: relu(1) = 1, relu(2 + 0.5) = 2.5;  reverse from t = 1: relu(2) = 2, relu(1 + 1) = 2
    assert.deepEqual(r.out, [[[1, 2]], [[2.5, 2]], [[0, 0]]]);
    assert.deepEqual(r.h_n, [[[2.5]], [[2]]]);
  });

  test('batch_first and unbatched layouts', () => {
    const bf = referenceForward({ ...unit, batch_first: true }, unitWeights, { x: [[[1], [2]], [[3], [4]]] });
    // element 0: 1, 2.5; element 1: 3, 5.5 -> (batch, seq, 1)
    assert.deepEqual(bf.out, [[[1], [2.5]], [[3], [5.5]]]);
    assert.deepEqual(bf.h_n, [[[2.5], [5.5]]]);
    const single = referenceForward(unit, unitWeights, { x: [[1], [2]], h_0: [[0]] });
    assert.deepEqual(single, { out: [[1], [2.5]], h_n: [[2.5]], c_n: null });
  });

  test('a one-unit LSTM step: c = f c + i g, h = o tanh(c), and a projection', () => {
    const sd = { weight_ih_l0: [[0], [0], [0], [0]], weight_hh_l0: [[0], [0], [0], [0]], bias_ih_l0: [0, 0, 0, 0], bias_hh_l0: [0, 0, Math.log(3) / 2, 0] };
    // Every sigmoid is 0.5, g = tanh(ln(3) / 2) = 0.5: c = 0.5 * 1 + 0.5 * 0.5 = 0.75
    const r = referenceForward({ type: 'lstm', input_size: 1, hidden_size: 1 }, sd, { x: [[[7]]], h_0: [[[0]]], c_0: [[[1]]] });
    assert.ok(Math.abs(numberAt(r.c_n, 0, 0, 0) - 0.75) < 1e-15);
    assert.ok(Math.abs(numberAt(r.h_n, 0, 0, 0) - 0.5 * Math.tanh(0.75)) < 1e-15);
    const proj: ReferenceConfig = { type: 'lstm', input_size: 1, hidden_size: 2, proj_size: 1 };
    const psd = {
      weight_ih_l0: Array(8).fill([0]), weight_hh_l0: Array(8).fill([0]), bias_ih_l0: Array(8).fill(0),
      bias_hh_l0: [0, 0, 0, 0, Math.log(3) / 2, Math.log(3) / 2, 0, 0], // rows i i f f g g o o
      weight_hr_l0: [[2, -4]],
    };
    const p = referenceForward(proj, psd, { x: [[[1]]] });
    // c = 0.5 * 0 + 0.5 * 0.5 = 0.25 in both units, h = 0.5 tanh(0.25) each, projected: (2 - 4) * h
    const v = 0.5 * Math.tanh(0.25);
    const cells = listAt(p.c_n, 0, 0);
    assert.equal(cells.length, 2);
    for (const c of cells) assert.ok(typeof c === 'number' && Math.abs(c - 0.25) < 1e-15);
    assert.ok(Math.abs(numberAt(p.out, 0, 0, 0) - -2 * v) < 1e-15);
    assert.deepEqual(p.h_n, p.out, 'one step: h_n is out');
  });
});

describe('reference input checks', () => {
  const x = [[[1]], [[2]]];
  test('state_dict: missing key and misshapen value', () => {
    assert.throws(() => referenceForward(unit, { weight_ih_l0: [[1]] }, { x }), (e) => e instanceof ShapeError && /missing key "weight_hh_l0"/.test(e.message));
    assert.throws(() => referenceForward(unit, { ...unitWeights, weight_hh_l0: [[0.5, 1]] }, { x }), /weight_hh_l0"\]: expected shape \[1, 1\], got \[1, 2\]/);
  });

  test('x: feature size, rank, raggedness', () => {
    assert.throws(() => referenceForward(unit, unitWeights, { x: [[[1, 2]]] }), /x: expected shape \[1, 1, 1\], got \[1, 1, 2\]/);
    assert.throws(() => referenceForward(unit, unitWeights, { x: [1, 2] }), /x: expected a non-empty 2-D or 3-D input/);
    assert.throws(() => referenceForward(unit, unitWeights, { x: [[[1]], [[2], [3]]] }), /x: expected a rectangular nested list/);
    assert.throws(() => referenceForward(unit, unitWeights, { x: [[[1]], [[unchecked<number>('a')]]] }), /x: expected finite numbers/);
  });

  test('h_0 shape, lengths range and order', () => {
    assert.throws(() => referenceForward(unit, unitWeights, { x, h_0: [[[1], [2]]] }), /h_0: expected shape \[1, 1, 1\], got \[1, 2, 1\]/);
    assert.throws(() => referenceForward(unit, unitWeights, { x, lengths: [3] }), /lengths\[0\]: expected an integer in 1..2, got 3/);
    const x2 = [[[1], [1]], [[2], [2]]];
    assert.throws(() => referenceForward(unit, unitWeights, { x: x2, lengths: [1, 2], enforce_sorted: true }), /non-increasing/);
    assert.deepEqual(referenceForward(unit, unitWeights, { x: x2, lengths: [1, 2] }).h_n, [[[1], [2.5]]]);
  });

  test('configuration', () => {
    const err = (p: RegExp) => (e: unknown) => e instanceof ConfigError && p.test(e.message);
    assert.throws(() => referenceForward({ ...unit, type: 'gru', nonlinearity: 'tanh', proj_size: 1 }, {}, { x }), err(/^proj_size:/));
    assert.throws(() => referenceForward({ type: 'lstm', input_size: 1, hidden_size: 1, nonlinearity: 'relu' }, {}, { x }), err(/^nonlinearity:/));
    assert.throws(() => referenceForward({ ...unit, type: unchecked<ReferenceConfig['type']>('transformer') }, {}, { x }), err(/^type:/));
    assert.throws(() => referenceForward({ ...unit, hidden_size: 0 }, {}, { x }), err(/^hidden_size: expected a positive integer/));
    const explicitUndefined = { ...unit, num_layers: undefined, batch_first: undefined, bidirectional: undefined, proj_size: undefined };
    assert.deepEqual(referenceForward(explicitUndefined, unitWeights, { x }), referenceForward(unit, unitWeights, { x }), 'undefined takes the default');
  });
});
