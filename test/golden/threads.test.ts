/**
 * The fast path on one and on two threads against PyTorch: every stacked golden case, with the
 * pool forced on (parallelMinFlops: 0) so the parallel code runs even on these small cases, and
 * with the trace kept or kept as statistics only. Two threads split the batch; each element's
 * arithmetic is the same, so the results equal the one-thread results exactly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GRU, LSTM, RNN, type ForwardResult, type Recurrent } from '../../src/index.js';
import { forwardFlops, threadsFor } from '../../src/modules/run/pool.js';
import { item } from '../helpers/checked.js';
import { REGENERATE_HINT, assertClose, goldenIndex, loadGolden, type GoldenCase } from '../helpers/golden.js';

const STACKED = { RNN, LSTM, GRU };
type StackedCase = GoldenCase & { module: keyof typeof STACKED };
const stacked = goldenIndex().cases.map(loadGolden).filter((c): c is StackedCase => c.module in STACKED);

function build(c: StackedCase): Recurrent {
  assert.ok(c.options, `${c.name}: the case has no config. ${REGENERATE_HINT}`);
  return new STACKED[c.module](c.options).loadStateDict(c.stateDict).eval();
}

function check(c: GoldenCase, label: string, result: ForwardResult) {
  const opts = { hint: REGENERATE_HINT };
  assertClose(`${c.name} ${label}`, 'out', result.out, c.expected.out, opts);
  assertClose(`${c.name} ${label}`, 'h_n', result.hN, c.expected.hN, opts);
  if (c.module === 'LSTM') assertClose(`${c.name} ${label}`, 'c_n', result.cN, c.expected.cN, opts);
}

const batchOf = (c: GoldenCase, m: Recurrent) => m.prepare(c.x, c.forwardOptions).batch;

test('most stacked golden cases have a batch to split, so two threads really run two slices', () => {
  const split = stacked.filter((c) => {
    const m = build(c);
    const p = m.prepare(c.x, c.forwardOptions);
    return threadsFor(2, forwardFlops(m.kind, m.config, p.seqLen, p.batch), p.batch, 0) === 2;
  });
  assert.ok(split.length >= stacked.length / 2, `${split.length} of ${stacked.length} cases split`);
});

for (const c of stacked) {
  describe(`golden ${c.name}, fast path by threads`, () => {
    test('1 and 2 threads match PyTorch within 1e-5, and each other exactly', () => {
      const m = build(c);
      const one = m.forward(c.x, { ...c.forwardOptions, threads: 1 });
      const two = m.forward(c.x, { ...c.forwardOptions, threads: 2, parallelMinFlops: 0 });
      check(c, 'threads 1', one);
      check(c, 'threads 2', two);
      assert.deepEqual([...two.out.data], [...one.out.data]);
      assert.deepEqual([...two.hN.data], [...one.hN.data]);
      assert.equal(two.trace.layers.length, one.trace.layers.length);
      two.trace.layers.forEach((l, i) => assert.deepEqual([...l.h.data], [...item(one.trace.layers, i, 'trace layers').h.data], `trace ${i}`));
    });

    test('keepTrace: false gives the same outputs, no kept trace, and statistics for every step', () => {
      const m = build(c);
      const kept = m.forward(c.x, { ...c.forwardOptions, threads: 1 });
      for (const threads of [1, 2]) {
        const r = m.forward(c.x, { ...c.forwardOptions, threads, parallelMinFlops: 0, keepTrace: false });
        check(c, `keepTrace false, threads ${threads}`, r);
        assert.deepEqual([...r.out.data], [...kept.out.data]);
        assert.deepEqual(r.trace.layers, []);
        assert.ok(r.trace.stats, 'statistics without a kept trace');
        assert.equal(r.trace.stats.entries, kept.trace.layers.length);
        assert.equal(r.trace.stats.seqLen, kept.trace.seqLen);
      }
      assert.ok(batchOf(c, m) >= 1);
    });
  });
}
