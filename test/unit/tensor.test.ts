/** Tensor basics: nested-list round trip, defects named by path, PyTorch's shape printing. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FormatError, InternalError, Tensor, formatShape, numel, tensorFromNested } from '../../src/index.js';

describe('tensorFromNested and toNested', () => {
  test('round trip keeps shape and row-major order', () => {
    const nested = [
      [[1, 2, 3], [4, 5, 6]],
      [[7, 8, 9], [10, 11, 12.5]],
    ];
    const t = tensorFromNested(nested, 'x');
    assert.deepEqual([...t.shape], [2, 2, 3]);
    assert.deepEqual([...t.data], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12.5]);
    assert.deepEqual(t.toNested(), nested);
    assert.deepEqual(tensorFromNested(t.toNested(), 'again').data, t.data);
  });

  test('1-D and scalar', () => {
    assert.deepEqual(tensorFromNested([0.5, -1], 'v').toNested(), [0.5, -1]);
    const s = tensorFromNested(3, 's');
    assert.deepEqual([...s.shape], []);
    assert.equal(s.toNested(), 3);
  });

  test('values are stored as float32', () => {
    assert.equal(tensorFromNested([0.1], 'v').data[0], Math.fround(0.1));
  });

  test('a ragged list names the path of the defect', () => {
    assert.throws(() => tensorFromNested([[1, 2], [3]], 'x'), (e) => e instanceof FormatError && /^x\[1\]: ragged nested list: expected a list of 2, got a list of 1/.test(e.message));
    assert.throws(() => tensorFromNested([[[1], [2]], [[3], 4]], 'h_0'), /h_0\[1\]\[1\]: ragged nested list/);
    assert.throws(() => tensorFromNested([1, [2]], 'x'), /x\[1\]: ragged nested list: expected a number/);
  });

  test('a non-numeric value is an error naming path and value', () => {
    assert.throws(() => tensorFromNested([[1, 'a']], 'x'), (e) => e instanceof FormatError && /x\[0\]\[1\]: expected a number, got the string "a"/.test(e.message));
    assert.throws(() => tensorFromNested([null], 'x'), /x\[0\]: expected a number, got null/);
    assert.throws(() => tensorFromNested('abc', 'x'), /FormatError: x: expected a number or a nested list of numbers/);
    assert.throws(() => tensorFromNested([1, NaN], 'x'), /x\[1\]: expected a finite number, got NaN/);
    assert.throws(() => tensorFromNested([[]], 'x'), /x: expected a non-empty nested list/);
  });
});

describe('shapes', () => {
  test('formatShape prints as PyTorch prints a size tuple', () => {
    assert.equal(formatShape([4, 3, 20]), '(4, 3, 20)');
    assert.equal(formatShape([5]), '(5,)');
    assert.equal(formatShape([]), '()');
  });

  test('numel, reshape, clone', () => {
    assert.equal(numel([4, 3, 20]), 240);
    assert.equal(numel([]), 1);
    const t = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    assert.deepEqual(t.reshape([3, 2]).toNested(), [[1, 2], [3, 4], [5, 6]]);
    const c = t.clone();
    c.data[0] = 9;
    assert.equal(t.data[0], 1, 'clone copies the data');
    assert.equal(t.rank, 2);
    assert.equal(t.size, 6);
  });

  test('data that does not fit the shape is an internal error', () => {
    assert.throws(() => new Tensor(new Float32Array(5), [2, 3]), (e) => e instanceof InternalError && /\(2, 3\)/.test(e.message));
  });
});
