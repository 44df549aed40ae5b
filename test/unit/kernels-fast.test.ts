/**
 * The fast kernel (gemm) against the simple one (linear) on odd sizes: every row count, input and
 * output width around the tile sizes (2 rows × 5 outputs, 1 row × 8 outputs), with and without
 * bias, at offsets. Each output is the same float64 sum in the same order, so they agree exactly.
 * The trace statistics against stepStats of the full trace, through the library and the CLI.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { LSTM, RNN, Tensor } from '../../src/index.js';
import { gemm, gemv } from '../../src/kernels/gemm.js';
import { linear } from '../../src/kernels/linear.js';
import { statsAt, summarize } from '../../src/modules/layer/trace-stats.js';
import { layerReport, layerReportFromStats } from '../../src/report/run-report.js';
import { progress, progressWanted } from '../../src/cli/progress.js';

const values = (n: number): fc.Arbitrary<number[]> => fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n });

describe('gemm equals linear', () => {
  test('on random sizes 1..9 rows, 1..19 inputs, 1..23 outputs, bias or not, offsets', () => {
    fc.assert(
      fc.property(
        fc.record({ rows: fc.integer({ min: 1, max: 9 }), k: fc.integer({ min: 1, max: 19 }), n: fc.integer({ min: 1, max: 23 }), bias: fc.boolean(), xOff: fc.integer({ min: 0, max: 3 }), yOff: fc.integer({ min: 0, max: 3 }) }).chain((s) =>
          fc.tuple(fc.constant(s), values(s.xOff + s.rows * s.k), values(s.k * s.n), values(s.n)),
        ),
        ([s, xv, wv, bv]) => {
          const x = Float32Array.from(xv);
          const w = Float32Array.from(wv);
          const b = s.bias ? Float32Array.from(bv) : null;
          const slow = new Float32Array(s.yOff + s.rows * s.n).fill(7);
          const fast = new Float32Array(s.yOff + s.rows * s.n).fill(7);
          linear(x, s.xOff, s.rows, s.k, w, s.n, b, slow, s.yOff);
          gemm(x, s.xOff, s.rows, s.k, w, s.n, b, fast, s.yOff);
          assert.deepEqual([...fast], [...slow]);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('every tile edge: rows 1..5 × outputs 1..17 × inputs 1, 2, 7', () => {
    for (let rows = 1; rows <= 5; rows++) {
      for (let n = 1; n <= 17; n++) {
        for (const k of [1, 2, 7]) {
          const x = Float32Array.from({ length: rows * k }, (_, i) => Math.sin(i + 1));
          const w = Float32Array.from({ length: n * k }, (_, i) => Math.cos(i * 0.7));
          const b = Float32Array.from({ length: n }, (_, i) => i / 3);
          const slow = new Float32Array(rows * n);
          const fast = new Float32Array(rows * n);
          linear(x, 0, rows, k, w, n, b, slow, 0);
          gemm(x, 0, rows, k, w, n, b, fast, 0);
          assert.deepEqual([...fast], [...slow], `rows ${rows}, outputs ${n}, inputs ${k}`);
        }
      }
    }
  });

  test('gemv is one row of gemm, and a wrong weight changes the result (the check can fail)', () => {
    const x = Float32Array.from({ length: 9 }, (_, i) => i - 4);
    const w = Float32Array.from({ length: 9 * 11 }, (_, i) => Math.sin(i));
    const y1 = new Float32Array(11);
    const y2 = new Float32Array(11);
    gemv(x, 0, 9, w, 11, null, y1, 0);
    linear(x, 0, 1, 9, w, 11, null, y2, 0);
    assert.deepEqual([...y1], [...y2]);
    w[9 * 10 + 3] += 1;
    gemv(x, 0, 9, w, 11, null, y1, 0);
    assert.notDeepEqual([...y1], [...y2]);
  });
});

describe('trace statistics', () => {
  const x = Tensor.zeros([7, 4, 5]);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.3);

  for (const [name, make] of [
    ['RNN bidirectional, 3 layers', () => new RNN({ inputSize: 5, hiddenSize: 6, numLayers: 3, bidirectional: true, seed: 2 })],
    ['LSTM with projections', () => new LSTM({ inputSize: 5, hiddenSize: 6, numLayers: 2, projSize: 3, seed: 2 })],
  ] satisfies [string, () => RNN | LSTM][]) {
    test(`${name}: statistics-only steps equal stepStats of the full trace (threads 1: exactly; 2: to rounding)`, () => {
      const m = make().eval();
      const options = { lengths: [7, 2, 5, 7] };
      const full = m.forward(x, { ...options, threads: 1 });
      const D = m.numDirections;
      const expected = full.trace.layers.map((l) => layerReport(l, D, full.trace.lengths, false));
      const one = m.forward(x, { ...options, threads: 1, keepTrace: false });
      const oneStats = one.trace.stats;
      assert.ok(oneStats, 'keepTrace: false keeps statistics');
      const fromStats = expected.map((_, i) => layerReportFromStats(oneStats, i, D));
      assert.deepEqual(fromStats, expected);
      assert.ok(expected.some((l) => l.steps.some((s) => s.valid === 2)), 'lengths leave some steps partly valid');
      const two = m.forward(x, { ...options, threads: 2, parallelMinFlops: 0, keepTrace: false });
      const twoStats = two.trace.stats;
      assert.ok(twoStats, 'keepTrace: false keeps statistics on two threads');
      expected.forEach((l, i) => {
        const got = layerReportFromStats(twoStats, i, D);
        got.steps.forEach((s, t) => {
          for (const k of ['norm', 'mean', 'min', 'max', 'valid'] as const) assert.ok(Math.abs(s[k] - l.steps[t][k]) <= 1e-12, `${k} at layer entry ${i}, t ${t}`);
        });
      });
    });
  }

  test('a step with no valid row summarizes to zeros', () => {
    const data = new Float64Array([0, 0, Infinity, -Infinity, 0]);
    assert.deepEqual(summarize(data, statsAt({ seqLen: 1 }, 0, 0), 4, 3), { t: 3, norm: 0, mean: 0, min: 0, max: 0, valid: 0 });
  });
});

describe('progress', () => {
  test('never for JSON or NDJSON; for a table only when stderr is a terminal', () => {
    assert.equal(progressWanted('json'), false);
    assert.equal(progressWanted('ndjson'), false);
    assert.equal(progressWanted('table'), process.stderr.isTTY === true);
  });

  test('off: no observer at all', () => {
    assert.equal(progress(false).observer('forward'), undefined);
    assert.equal(typeof progress(true).observer('forward'), 'function');
  });
});

describe('the input projection in chunks of steps', () => {
  // Batch 48: the engine projects ceil(512 / 48) = 11 steps at a time, so 25 steps are 3 chunks
  // (the last one short), walked backwards by the reverse direction.
  const x = Tensor.zeros([25, 48, 6]);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.11);
  const lengths = Array.from({ length: 48 }, (_, b) => 1 + ((b * 7) % 25));
  for (const [name, make] of [
    ['RNN relu', () => new RNN({ inputSize: 6, hiddenSize: 7, numLayers: 2, bidirectional: true, nonlinearity: 'relu', seed: 5 })],
    ['LSTM with projections', () => new LSTM({ inputSize: 6, hiddenSize: 7, numLayers: 2, bidirectional: true, projSize: 4, seed: 5 })],
  ] satisfies [string, () => RNN | LSTM][]) {
    test(`${name}: the fast path equals the manual loop exactly, on 1 and 2 threads`, () => {
      const m = make().eval();
      const manual = m.forwardManual(x, { lengths });
      for (const threads of [1, 2]) {
        const fast = m.forward(x, { lengths, threads, parallelMinFlops: 0 });
        assert.deepEqual([...fast.out.data], [...manual.out.data], `out, threads ${threads}`);
        assert.deepEqual([...fast.hN.data], [...manual.hN.data], `h_n, threads ${threads}`);
        if (manual.cN) {
          assert.ok(fast.cN, `c_n, threads ${threads}`);
          assert.deepEqual([...fast.cN.data], [...manual.cN.data], `c_n, threads ${threads}`);
        }
      }
    });
  }
});
