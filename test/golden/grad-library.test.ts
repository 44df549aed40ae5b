/**
 * Gradient parity with PyTorch's autograd. The numbers come from test/fixtures/golden-grad/*.json,
 * written by scripts/fixtures/make_grad_golden.py with PyTorch 1.13.1 (Debian's python3-torch,
 * reporting 1.13.0a0) on the CPU, eval mode, float32, seed 2000 (see that folder's README): `loss.backward()`
 * for the losses last, sum, hn and mse, every state_dict gradient, x's, h_0's and c_0's where given,
 * and the per-step norms of dL/dh_t and dL/dc_t from the same weights stepped by hand with
 * retain_grad(). Every tensor's max |diff| is printed and asserted <= 1e-5 × max(1, max |PyTorch's
 * tensor|); the loss and each series of step norms likewise. The cell cases (a cell stepped in a
 * Python loop) run through the cell's backward, and as the one-layer module they are.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, Tensor, tensorFromNested, type BackwardResult, type Nested } from '../../src/index.js';
import { assertGradClose, gradBackwardOptions, gradStateDict, GRAD_GOLDEN_DIR as DIR, REGENERATE_GRAD_HINT as HINT, gradGoldenCases, gradGoldenIndex, type GradGoldenCase, toOptions } from '../helpers/golden.js';

type GradCase = GradGoldenCase;

const STACKED = { RNN, LSTM, GRU } as const;
const CELLS = { RNNCell, LSTMCell, GRUCell } as const;

const index = gradGoldenIndex();
const cases: GradCase[] = gradGoldenCases(index);

/** The stacked module's backward, or for a cell case the cell's. */
function run(c: GradCase): BackwardResult {
  const x = tensorFromNested(c.inputs.x, 'x');
  if (c.module in STACKED) {
    const module = new STACKED[c.module as keyof typeof STACKED](toOptions(c.config)).eval();
    return module.loadStateDict(gradStateDict(c)).backward(x, gradBackwardOptions(c));
  }
  const cell = new CELLS[c.module as keyof typeof CELLS](toOptions(c.config));
  return cell.loadStateDict(gradStateDict(c)).backward(x, gradBackwardOptions(c));
}

/** Every tensor, the loss and the step norms against PyTorch's. */
function checkCase(c: GradCase, r: BackwardResult): void {
  assertGradClose(c.name, 'loss', r.loss.value, c.loss.value, { hint: HINT });
  assertGradClose(c.name, 'out', r.forward.out, c.outputs.out, { hint: HINT });
  const ours: Record<string, Tensor | undefined> = { x: r.grads.x, h_0: r.grads.h0, c_0: r.grads.c0, ...Object.fromEntries(r.grads.params) };
  assert.deepEqual(Object.keys(ours).filter((k) => ours[k]).sort(), Object.keys(c.grads).sort(), `${c.name}: the gradients named`);
  for (const [name, expected] of Object.entries(c.grads)) assertGradClose(c.name, `grad.${name}`, ours[name], expected, { hint: HINT });
  assert.equal(r.steps.length, c.step_grad_norms.length);
  c.step_grad_norms.forEach((entry, i) => {
    const step = r.steps[i]!;
    assert.equal(step.layer, entry.layer);
    assert.equal(step.direction, entry.direction);
    const label = `norms.l${entry.layer}.${entry.direction}`;
    assertGradClose(c.name, `${label}.dh`, step.dhNorm, entry.steps.map((s) => s.dh_norm), { hint: HINT });
    if (entry.steps[0]!.dc_norm !== undefined) {
      assertGradClose(c.name, `${label}.dc`, step.dcNorm, entry.steps.map((s) => s.dc_norm!), { hint: HINT });
    } else assert.equal(step.dcNorm, null);
  });
}

describe('gradient golden fixtures', () => {
  test('INDEX.json lists exactly the fixture files, and names seed 2000', () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.json') && f !== 'INDEX.json')
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
    assert.deepEqual([...index.cases].sort(), files, HINT);
    assert.equal(index.seed, 2000);
  });

  test('the cases cover every kind, every cell, every loss, packed and unsorted inputs', () => {
    assert.deepEqual(new Set(cases.map((c) => c.module)), new Set([...Object.keys(STACKED), ...Object.keys(CELLS)]));
    assert.deepEqual(new Set(cases.map((c) => c.loss.kind)), new Set(['last', 'sum', 'hn', 'mse']));
    assert.ok(cases.filter((c) => c.inputs.lengths && c.inputs.enforce_sorted === false).length >= 3);
  });
});

describe('gradients equal PyTorch autograd', () => {
  for (const c of cases) test(c.name, () => checkCase(c, run(c)));
});

describe('a cell case run as the one-layer module', () => {
  for (const c of cases.filter((k) => k.module in CELLS)) {
    test(c.name, () => {
      const kind = c.module.replace('Cell', '') as keyof typeof STACKED;
      const module = new STACKED[kind](toOptions(c.config)).eval();
      module.loadStateDict(new Map([...gradStateDict(c)].map(([k, t]) => [`${k}_l0`, t])));
      const o = gradBackwardOptions(c);
      const asLayer = (t: Tensor | undefined): Tensor | undefined => (t ? new Tensor(t.data, [1, ...t.shape]) : undefined);
      const r = module.backward(tensorFromNested(c.inputs.x, 'x'), { ...o, h0: asLayer(o.h0), c0: asLayer(o.c0) });
      for (const [name, expected] of Object.entries(c.grads)) {
        const ours = name === 'x' ? r.grads.x : name === 'h_0' ? r.grads.h0 : name === 'c_0' ? r.grads.c0 : r.grads.params.get(`${name}_l0`);
        const want = name === 'h_0' || name === 'c_0' ? [expected] : expected;
        assertGradClose(`${c.name} (module)`, `grad.${name}`, ours, want as Nested, { hint: HINT });
      }
    });
  }
});

describe('negative control', () => {
  test('a perturbed gradient is reported NOT OK', () => {
    const c = cases.find((k) => k.name === 'lstm_two_layer_h0_c0_last')!;
    const r = run(c);
    const w = r.grads.params.get('weight_hh_l1')!;
    w.data[0]! += 1e-3;
    assert.throws(() => assertGradClose(c.name, 'grad.weight_hh_l1 (perturbed)', w, c.grads.weight_hh_l1!), /NOT OK/);
  });
});
