/** The kernels on cases checkable by hand: linear, the pointwise nonlinearities, dropout masks. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nonlinearities, relu, sigmoid, tanh } from '../../src/kernels/activations.js';
import { applyMask, dropoutMask } from '../../src/kernels/dropout.js';
import { linear } from '../../src/kernels/linear.js';
import { Random } from '../../src/tensor/random.js';

describe('linear: y = x W^T + b', () => {
  test('a 2x3 input through a 2x3 weight, by hand', () => {
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]); // (2, 3)
    const w = Float32Array.from([1, 0, -1, 0.5, 0.5, 0.5]); // (2 out, 3 in)
    const b = Float32Array.from([0.25, -0.5]);
    const y = new Float32Array(4);
    linear(x, 0, 2, 3, w, 2, b, y, 0);
    // row 0: 1 - 3 + 0.25 = -1.75,  (1 + 2 + 3) / 2 - 0.5 = 2.5
    // row 1: 4 - 6 + 0.25 = -1.75,  (4 + 5 + 6) / 2 - 0.5 = 7
    assert.deepEqual([...y], [-1.75, 2.5, -1.75, 7]);
  });

  test('without bias, and with offsets into x and y', () => {
    const x = Float32Array.from([9, 9, 1, 2, 3]); // one row at offset 2
    const w = Float32Array.from([1, 1, 1, 2, 0, -1]);
    const y = Float32Array.from([7, 7, 7]);
    linear(x, 2, 1, 3, w, 2, null, y, 1);
    assert.deepEqual([...y], [7, 6, -1]);
  });

  test('sums in double precision and rounds once to float32', () => {
    // In float32, 1 + 2^-30 rounds to 1 and the sum would be 0.
    const x = Float32Array.from([1, 2 ** -30, -1]);
    const y = new Float32Array(1);
    linear(x, 0, 1, 3, Float32Array.from([1, 1, 1]), 1, null, y, 0);
    assert.equal(y[0], 2 ** -30);
  });
});

describe('nonlinearities', () => {
  test('sigmoid', () => {
    assert.equal(sigmoid(0), 0.5);
    assert.ok(Math.abs(sigmoid(Math.log(3)) - 0.75) < 1e-15); // 1 / (1 + 1/3)
    for (const v of [-3, -0.5, 0.1, 2]) assert.ok(Math.abs(sigmoid(v) + sigmoid(-v) - 1) < 1e-15);
    assert.equal(sigmoid(1000), 1);
    assert.equal(sigmoid(-1000), 0);
  });

  test('tanh', () => {
    assert.equal(tanh(0), 0);
    assert.ok(Math.abs(tanh(Math.log(2)) - 0.6) < 1e-15); // (4 - 1) / (4 + 1)
    assert.equal(tanh(-0.7), -tanh(0.7));
    assert.equal(nonlinearities.tanh, tanh);
  });

  test('relu', () => {
    assert.equal(relu(-1.5), 0);
    assert.equal(relu(0), 0);
    assert.equal(relu(2.25), 2.25);
    assert.ok(Number.isNaN(relu(NaN)), 'NaN passes through, as torch.relu(torch.tensor(float("nan"))) gives nan');
    assert.equal(nonlinearities.relu, relu);
  });
});

describe('dropout masks', () => {
  test('an element is zeroed when the uniform draw is below p; survivors are scaled by 1/(1-p)', () => {
    const draws = [0.1, 0.5, 0.9, 0.24, 0.25];
    let i = 0;
    const mask = dropoutMask(5, 0.25, () => draws[i++]);
    assert.deepEqual([...mask], [0, 4 / 3, 4 / 3, 0, 4 / 3].map(Math.fround));
    assert.equal(i, 5, 'one draw per element');
  });

  test('p = 0 keeps everything at scale 1; p = 1 zeroes everything', () => {
    const random = new Random(1);
    assert.ok(dropoutMask(50, 0, () => random.next()).every((v) => v === 1));
    assert.ok(dropoutMask(50, 1, () => random.next()).every((v) => v === 0));
  });

  test('about p of a large mask is zeroed, and the mean is about 1', () => {
    const random = new Random(42);
    const mask = dropoutMask(20000, 0.3, () => random.next());
    const zeros = mask.filter((v) => v === 0).length / mask.length;
    const mean = mask.reduce((a, b) => a + b, 0) / mask.length;
    assert.ok(Math.abs(zeros - 0.3) < 0.02, `zeroed fraction ${zeros}`);
    assert.ok(Math.abs(mean - 1) < 0.03, `mean ${mean}`);
  });

  test('applyMask multiplies in place', () => {
    const data = Float32Array.from([1, -2, 3]);
    applyMask(data, Float32Array.from([0, 2, 0.5]));
    assert.deepEqual([...data], [0, -4, 1.5]);
  });
});

test('tanh through exp agrees with Math.tanh to 1e-15, keeps odd symmetry and saturates exactly', async () => {
  const { tanh } = await import('../../src/kernels/activations.js');
  let worst = 0;
  for (let i = -400000; i <= 400000; i++) {
    const v = i / 20000; // [-20, 20] in steps of 5e-5
    worst = Math.max(worst, Math.abs(tanh(v) - Math.tanh(v)));
    assert.ok(tanh(-v) === -tanh(v), `tanh(${-v}) = ${tanh(-v)}, -tanh(${v}) = ${-tanh(v)}`); // === : ±0 alike
  }
  assert.ok(worst < 1e-15, `max |tanh - Math.tanh| = ${worst}`);
  assert.equal(tanh(1000), 1);
  assert.equal(tanh(-1000), -1);
  assert.equal(tanh(Infinity), 1);
  assert.equal(tanh(0), 0);
  assert.ok(Number.isNaN(tanh(NaN)));
});
