// The grad document's measures on cases checkable by hand: σ_max by power iteration against closed
// forms, the decay ratio and horizon on given series, and the document's per-step norms against the
// per-step gradient tensors of the same backward pass.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decayOf, inspectGradients, largestSingularValue, LSTM, Tensor } from '../../src/index.js';
import { gradReportSchema } from '../../src/schema/grad.js';

describe('largestSingularValue', () => {
  test('a diagonal matrix: its largest |entry|', () => {
    const w = new Tensor(Float32Array.from([0.5, 0, 0, 0, -3, 0, 0, 0, 1, 0, 0, 0]), [4, 3]);
    const s = largestSingularValue(w);
    assert.ok(s.converged);
    assert.ok(Math.abs(s.sigma - 3) < 1e-6, String(s.sigma));
  });
  test('a 2 × 3 matrix: the square root of the larger eigenvalue of W Wᵀ', () => {
    const a = [1, 2, -1, 0.5, -1, 3];
    const w = new Tensor(Float32Array.from(a), [2, 3]);
    const p = a[0]! ** 2 + a[1]! ** 2 + a[2]! ** 2;
    const q = a[3]! ** 2 + a[4]! ** 2 + a[5]! ** 2;
    const r = a[0]! * a[3]! + a[1]! * a[4]! + a[2]! * a[5]!;
    const top = Math.sqrt((p + q) / 2 + Math.sqrt(((p - q) / 2) ** 2 + r * r));
    assert.ok(Math.abs(largestSingularValue(w).sigma - top) < 1e-6 * top);
  });
  test('the zero matrix: 0', () => assert.equal(largestSingularValue(Tensor.zeros([3, 3])).sigma, 0));
});

describe('decayOf', () => {
  test('forward: ratio t=0 / t=T-1, horizon back to the furthest step at 1% of the peak', () => {
    assert.deepEqual(decayOf([1e-4, 1e-3, 0.5, 1], 'forward', 4), { first_step: 0, last_step: 3, ratio: 1e-4, horizon: 2, peak: 1 });
  });
  test('a dip below 1% does not end the horizon: the furthest step above it does', () => {
    assert.equal(decayOf([0.2, 1e-5, 1], 'forward', 3).horizon, 3);
  });
  test('reverse: read from t=T-1 to t=0, so the ratio is t=T-1 / t=0 and the horizon counts up from t=0', () => {
    assert.deepEqual(decayOf([1, 0.5, 1e-3], 'reverse', 3), { first_step: 2, last_step: 0, ratio: 1e-3, horizon: 2, peak: 1 });
  });
  test('with lengths only the valid steps count; a zero at the last step gives no ratio', () => {
    assert.deepEqual(decayOf([1, 0, 7, 7], 'forward', 2), { first_step: 0, last_step: 1, ratio: null, horizon: 2, peak: 1 });
    assert.equal(decayOf([0, 0], 'forward', 2).horizon, 0);
  });
});

describe('the document against the backward pass it reports', () => {
  const module = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, projSize: 2, seed: 5 }).eval();
  const x = new Tensor(Float32Array.from({ length: 6 * 3 * 3 }, (_, i) => Math.sin(i * 0.7)), [6, 3, 3]);
  const state = { lengths: [6, 2, 4], enforceSorted: false };
  const doc = inspectGradients(module, { x, ...state, loss: 'sum' });
  const r = module.backward(x, { ...state, loss: 'sum' });

  test('validates against the schema', () => assert.doesNotThrow(() => gradReportSchema.parse(doc)));

  test('each dh_norm and dc_norm is the L2 norm of that step gradient over the sequences still running', () => {
    r.steps.forEach((s, i) => {
      const layer = doc.layers[i]!;
      assert.equal(layer.layer, s.layer);
      assert.equal(layer.direction, s.direction);
      for (const [tensor, key] of [[s.dh, 'dh_norm'], [s.dc!, 'dc_norm']] as const) {
        const [T, B, W] = tensor.shape as [number, number, number];
        for (let t = 0; t < T; t++) {
          let sq = 0;
          for (let b = 0; b < B; b++) if (t < state.lengths[b]!) for (let j = 0; j < W; j++) sq += tensor.data[(t * B + b) * W + j]! ** 2;
          const got = layer.steps[t]![key]!;
          assert.ok(Math.abs(got - Math.sqrt(sq)) <= 1e-12 * Math.max(1, got), `${key} layer ${s.layer} ${s.direction} t=${t}: ${got} vs ${Math.sqrt(sq)}`);
        }
      }
    });
  });

  test("x_grad_norms and parameter_grad_norms are the norms of x's and each parameter's gradient", () => {
    for (let t = 0; t < 6; t++) {
      let sq = 0;
      for (let j = t * 9; j < (t + 1) * 9; j++) sq += r.grads.x.data[j]! ** 2;
      assert.ok(Math.abs(doc.x_grad_norms[t]! - Math.sqrt(sq)) <= 1e-12);
    }
    assert.deepEqual(Object.keys(doc.parameter_grad_norms), [...r.grads.params.keys()]);
    for (const [name, g] of r.grads.params) assert.ok(Math.abs(doc.parameter_grad_norms[name]! - Math.hypot(...g.data)) <= 1e-9);
  });

  test('decay is measured over the valid steps (the longest length) in each direction', () => {
    const reverse = doc.decay.find((d) => d.direction === 'reverse' && d.layer === 0)!;
    assert.equal(reverse.first_step, 5);
    assert.equal(reverse.last_step, 0);
    assert.equal(reverse.w_hh, 'weight_hh_l0_reverse');
  });
});
