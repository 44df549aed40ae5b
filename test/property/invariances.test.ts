/**
 * Layout invariances that hold exactly: batch elements are independent (a duplicated row gives an
 * equal row, and adding one changes no other), batch_first is a transpose of the time-major run,
 * and without lengths the top layer's h_n is out at the last step (forward) and at step 0 (reverse).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Tensor } from '../../src/index.js';
import { caseArbitrary, expectEqual, fcOptions, moduleFor, row, sliceDim1, stateOf, timeMajor, transpose01 } from '../helpers/property.js';

/** t with slice `src` of dimension `dim` (0 or 1 of a 3-D tensor) appended at the end of that dimension. */
function appendCopy(t: Tensor, dim: 0 | 1, src: number): Tensor;
function appendCopy(t: Tensor | undefined, dim: 0 | 1, src: number): Tensor | undefined;
function appendCopy(t: Tensor | undefined, dim: 0 | 1, src: number): Tensor | undefined {
  if (t === undefined) return undefined;
  const moved = dim === 0 ? t : transpose01(t);
  const n = moved.data.length / moved.shape[0];
  const data = new Float32Array(moved.data.length + n);
  data.set(moved.data);
  data.set(moved.data.subarray(src * n, (src + 1) * n), moved.data.length);
  const grown = new Tensor(data, [moved.shape[0] + 1, ...moved.shape.slice(1)]);
  return dim === 0 ? grown : transpose01(grown);
}

test('property: a duplicated batch row gives an equal row, and the other rows do not change', () => {
  fc.assert(
    fc.property(caseArbitrary(), fc.nat(), (c, pick) => {
      const src = pick % c.batch;
      const B = c.batch; // index of the copy
      const m = moduleFor(c);
      const base = m.forward(c.x, stateOf(c));
      const state = {
        h0: appendCopy(c.h0, 1, src),
        c0: appendCopy(c.c0, 1, src),
        lengths: c.lengths ? [...c.lengths, c.lengths[src]] : undefined,
        enforceSorted: false,
      };
      const r = m.forward(appendCopy(c.x, c.options.batchFirst ? 0 : 1, src), state);
      const out = timeMajor(r.out, c.options.batchFirst);
      expectEqual(sliceDim1(out, B, B + 1), sliceDim1(out, src, src + 1), 'out: copy vs source row');
      expectEqual(sliceDim1(r.hN, B, B + 1), sliceDim1(r.hN, src, src + 1), 'h_n: copy vs source row');
      if (r.cN) expectEqual(sliceDim1(r.cN, B, B + 1), sliceDim1(r.cN, src, src + 1), 'c_n: copy vs source row');
      expectEqual(sliceDim1(out, 0, B), timeMajor(base.out, c.options.batchFirst), 'out: other rows unchanged');
      expectEqual(sliceDim1(r.hN, 0, B), base.hN, 'h_n: other rows unchanged');
    }),
    fcOptions(1500),
  );
});

test('property: batch_first equals a transpose of the time-major run (h_0, h_n stay layer-major)', () => {
  fc.assert(
    fc.property(caseArbitrary({ fixed: { batchFirst: false } }), (c) => {
      const timeMajorModule = moduleFor(c);
      const batchFirstModule = moduleFor(c, { batchFirst: true, seed: c.options.seed + 1 }).loadStateDict(timeMajorModule.stateDict());
      for (const path of ['forward', 'forwardManual'] as const) {
        const a = timeMajorModule[path](c.x, stateOf(c));
        const b = batchFirstModule[path](transpose01(c.x), stateOf(c));
        assert.deepEqual([...b.out.shape], [c.batch, c.seqLen, c.D * c.realHidden]);
        expectEqual(b.out, transpose01(a.out), `${path} out`);
        expectEqual(b.hN, a.hN, `${path} h_n`);
        if (a.cN) expectEqual(b.cN, a.cN, `${path} c_n`);
      }
    }),
    fcOptions(1500),
  );
});

test('property: without lengths, top-layer h_n is out at the last step (forward) and at step 0 (reverse)', () => {
  fc.assert(
    fc.property(caseArbitrary({ fixed: { withLengths: false } }), (c) => {
      const r = moduleFor(c).forward(c.x, stateOf(c));
      const out = timeMajor(r.out, c.options.batchFirst);
      const { D, realHidden: Hr, seqLen: T } = c;
      const top = (c.options.numLayers - 1) * D;
      for (let b = 0; b < c.batch; b++) {
        const forwardOut = new Tensor(row(out, T - 1, b).slice(0, Hr), [Hr]);
        expectEqual(new Tensor(row(r.hN, top, b), [Hr]), forwardOut, `h_n[${top}][${b}] vs out[${T - 1}][${b}][:${Hr}]`);
        if (D === 2) {
          const reverseOut = new Tensor(row(out, 0, b).slice(Hr), [Hr]);
          expectEqual(new Tensor(row(r.hN, top + 1, b), [Hr]), reverseOut, `h_n[${top + 1}][${b}] vs out[0][${b}][${Hr}:]`);
        }
      }
    }),
    fcOptions(1500),
  );
});
