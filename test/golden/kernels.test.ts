/**
 * Every kernel mode against PyTorch: each stacked golden case (forward, test/fixtures/golden/) and
 * each stacked gradient case (autograd, test/fixtures/golden-grad/) run on the js kernel, the wasm
 * kernel's fast mode and its exact mode, with 1 thread and with 2 (the pool forced on with
 * parallelMinFlops: 0; the gradient pass runs on one thread). Each matches PyTorch within the same
 * tolerances as the other golden tests, and the exact mode equals the js kernel bit for bit.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GRU, LSTM, RNN, Tensor, tensorFromNested, type KernelChoice, type Recurrent } from '../../src/index.js';
import {
  assertClose,
  assertGradClose,
  goldenIndex,
  gradBackwardOptions,
  gradGoldenCases,
  gradGoldenIndex,
  gradStateDict,
  loadGolden,
  REGENERATE_GRAD_HINT,
  REGENERATE_HINT,
  toOptions,
  type GoldenCase,
} from '../helpers/golden.js';

const STACKED = { RNN, LSTM, GRU };
type StackedCase = GoldenCase & { module: keyof typeof STACKED };
const isStackedName = (m: string): m is keyof typeof STACKED => m in STACKED;

const MODES: { label: string; choice: KernelChoice }[] = [
  { label: 'js', choice: { kernel: 'js' } },
  { label: 'wasm', choice: { kernel: 'wasm' } },
  { label: 'wasm exact', choice: { kernel: 'wasm', exact: true } },
];

const bits = (t: Tensor | null): number[] => (t ? [...new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length)] : []);

const forwardCases = goldenIndex()
  .cases.map(loadGolden)
  .filter((c): c is StackedCase => c.module in STACKED);

describe('every kernel mode, 1 and 2 threads, against the forward golden cases', () => {
  for (const c of forwardCases) {
    test(c.name, () => {
      assert.ok(c.options, `${c.name}: the case has no config. ${REGENERATE_HINT}`);
      const m: Recurrent = new STACKED[c.module](c.options).loadStateDict(c.stateDict).eval();
      const results = new Map<string, ReturnType<Recurrent['forward']>>();
      for (const { label, choice } of MODES) {
        for (const threads of [1, 2]) {
          const r = m.forward(c.x, { ...c.forwardOptions, ...choice, threads, parallelMinFlops: 0 });
          const where = `${c.name} ${label} threads ${threads}`;
          assertClose(where, 'out', r.out, c.expected.out, { hint: REGENERATE_HINT });
          assertClose(where, 'h_n', r.hN, c.expected.hN, { hint: REGENERATE_HINT });
          if (c.module === 'LSTM') assertClose(where, 'c_n', r.cN, c.expected.cN, { hint: REGENERATE_HINT });
          results.set(`${label} ${threads}`, r);
        }
      }
      const js = results.get('js 1')!;
      for (const key of ['js 2', 'wasm exact 1', 'wasm exact 2']) {
        const r = results.get(key)!;
        assert.deepEqual(bits(r.out), bits(js.out), `${c.name}: ${key}'s out is not the js kernel's, bit for bit`);
        assert.deepEqual(bits(r.hN), bits(js.hN), `${c.name}: ${key}'s h_n is not the js kernel's, bit for bit`);
        assert.deepEqual(bits(r.cN), bits(js.cN), `${c.name}: ${key}'s c_n is not the js kernel's, bit for bit`);
      }
    });
  }
});

describe('every kernel mode against the gradient golden cases', () => {
  const cases = gradGoldenCases(gradGoldenIndex()).filter((c) => isStackedName(c.module));
  for (const c of cases) {
    test(c.name, () => {
      const module = new STACKED[c.module as keyof typeof STACKED](toOptions(c.config)).eval();
      module.loadStateDict(gradStateDict(c));
      const x = tensorFromNested(c.inputs.x, 'x');
      const options = gradBackwardOptions(c);
      const grads = new Map<string, Map<string, Tensor | undefined>>();
      for (const { label, choice } of MODES) {
        const r = module.backward(x, { ...options, ...choice });
        const where = `${c.name} ${label}`;
        assertGradClose(where, 'loss', r.loss.value, c.loss.value, { hint: REGENERATE_GRAD_HINT });
        assertGradClose(where, 'out', r.forward.out, c.outputs.out, { hint: REGENERATE_GRAD_HINT });
        const ours = new Map<string, Tensor | undefined>([['x', r.grads.x], ['h_0', r.grads.h0], ['c_0', r.grads.c0], ...r.grads.params]);
        for (const [name, expected] of Object.entries(c.grads)) assertGradClose(where, `grad.${name}`, ours.get(name), expected, { hint: REGENERATE_GRAD_HINT });
        grads.set(label, ours);
      }
      for (const [name, t] of grads.get('js')!) {
        assert.deepEqual(bits(grads.get('wasm exact')!.get(name) ?? null), bits(t ?? null), `${c.name}: wasm exact's grad.${name} is not the js kernel's, bit for bit`);
      }
    });
  }
});
