/** Tensors print as PyTorch prints them (torch/_tensor_str.py defaults), with the shape after the body. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { Tensor } from '../../src/index.js';

test('a small matrix: one width, 4 decimals, rows aligned under the first', () => {
  const t = new Tensor(Float32Array.from([0.1, -2.5, 3, 4, 5, 6]), [2, 3]);
  // torch.tensor([[0.1, -2.5, 3], [4, 5, 6]]) prints this body.
  assert.equal(String(t), 'tensor([[ 0.1000, -2.5000,  3.0000],\n        [ 4.0000,  5.0000,  6.0000]], shape=(2, 3))');
  assert.equal(inspect(t), String(t), 'console.log shows the same, not a raw Float32Array');
});

test('integers print with a trailing point; 3-D blocks are separated by a blank line', () => {
  const t = new Tensor(Float32Array.from({ length: 8 }, (_, i) => i), [2, 2, 2]);
  assert.equal(String(t), 'tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]], shape=(2, 2, 2))');
});

test('scientific notation when magnitudes span more than 1000x; scalars and empty tensors', () => {
  assert.equal(String(new Tensor(Float32Array.from([1e-6, 5]), [2])), 'tensor([1.0000e-06, 5.0000e+00], shape=(2,))');
  assert.equal(String(new Tensor(Float32Array.from([2.5]), [])), 'tensor(2.5000)');
  assert.equal(String(Tensor.zeros([0, 3])), 'tensor([], shape=(0, 3))');
  assert.match(String(new Tensor(Float32Array.from([Infinity, NaN, 1]), [3])), /^tensor\(\[inf, nan,\s+1\.\], shape=\(3,\)\)$/);
});

test('above 1000 elements: the first and last 3 along each dimension, and rows wrap at 80 columns', () => {
  const t = new Tensor(Float32Array.from({ length: 40 * 50 }, (_, i) => 100 + i / 10), [40, 50]);
  const s = String(t);
  assert.match(s, /^tensor\(\[\[100\.0000, 100\.1000, 100\.2000, \.\.\., 104\.7000, 104\.8000, 104\.9000\],\n {8}\[105\.0000,/);
  assert.match(s, /\n {8}\.\.\.,\n/);
  assert.match(s, /shape=\(40, 50\)\)$/);
  const wide = String(new Tensor(Float32Array.from({ length: 30 }, (_, i) => i + 0.5), [30]));
  assert.ok(wide.split('\n').every((line) => line.length <= 80), wide);
  assert.ok(wide.split('\n').length > 1);
});
