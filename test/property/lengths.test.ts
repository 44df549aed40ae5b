/**
 * Variable lengths as pack_padded_sequence: out (and the trace) is exactly zero past each length,
 * and every batch element's h_n, c_n and valid outputs equal running that element alone on its
 * truncated sequence.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { caseArbitrary, expectClose, fcOptions, moduleFor, prefix0, row, sliceDim1, stateOf, timeMajor } from '../helpers/property.js';

test('property: with lengths, out is zero past each length and h_n equals the element run alone, truncated', () => {
  fc.assert(
    fc.property(caseArbitrary({ fixed: { withLengths: true } }), (c) => {
      const m = moduleFor(c);
      for (const path of ['forward', 'forwardManual'] as const) {
        const r = m[path](c.x, stateOf(c));
        const out = timeMajor(r.out, c.options.batchFirst);
        const x = timeMajor(c.x, c.options.batchFirst);
        const alone = moduleFor(c, { batchFirst: false });
        const { lengths } = c;
        assert.ok(lengths, 'a case drawn with lengths has them');
        lengths.forEach((len, b) => {
          for (let t = len; t < c.seqLen; t++) {
            assert.ok(row(out, t, b).every((v) => v === 0), `${path}: out[t=${t}][b=${b}] is not zero past length ${len}`);
            for (const layer of r.trace.layers) {
              assert.ok(row(layer.h, t, b).every((v) => v === 0), `${path}: trace h is not zero past length ${len}`);
            }
          }
          const solo = alone.forward(prefix0(sliceDim1(x, b, b + 1), len), {
            h0: c.h0 && sliceDim1(c.h0, b, b + 1),
            c0: c.c0 && sliceDim1(c.c0, b, b + 1),
          });
          expectClose(sliceDim1(r.hN, b, b + 1), solo.hN, `${path}: h_n[:, ${b}] vs element ${b} alone (length ${len})`);
          if (c.kind === 'lstm') {
            assert.ok(r.cN, `${path}: an LSTM returns c_n`);
            expectClose(sliceDim1(r.cN, b, b + 1), solo.cN, `${path}: c_n[:, ${b}] vs alone`);
          }
          expectClose(prefix0(sliceDim1(out, b, b + 1), len), solo.out, `${path}: out[:${len}, ${b}] vs alone`);
        });
      }
    }),
    fcOptions(1500),
  );
});

test('property: lengths all equal to seq_len give the same result as no lengths', () => {
  fc.assert(
    fc.property(caseArbitrary({ fixed: { withLengths: false } }), (c) => {
      const m = moduleFor(c);
      const full = m.forward(c.x, { ...stateOf(c), lengths: Array(c.batch).fill(c.seqLen), enforceSorted: true });
      const none = m.forward(c.x, stateOf(c));
      expectClose(full.out, none.out, 'out', 0);
      expectClose(full.hN, none.hN, 'h_n', 0);
    }),
    fcOptions(500),
  );
});
