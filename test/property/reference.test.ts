/**
 * The engine equals the independent mathjs reference (src/reference/mathjs-forward.ts, float64,
 * itself checked against PyTorch by test/golden/library.test.js) on random configurations:
 * max |diff| <= 1e-5 for out, h_n and c_n, on both paths.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { referenceForward } from '../../src/reference/mathjs-forward.js';
import type { ForwardResult, Tensor } from '../../src/index.js';
import type { NestedNumbers } from '../../src/reference/mathjs-forward.js';
import { flatten } from '../helpers/nested.js';
import { caseArbitrary, expectClose, fcOptions, moduleFor, referenceConfig, stateOf, type Values } from '../helpers/property.js';

const ABS = { absolute: true };
/** The reference's float64 values with the engine result's shape (the reference returns nested lists). */
const asTensor = (nested: NestedNumbers | null, like: Tensor | null): Values | null =>
  nested === null || like === null ? null : { data: Float64Array.from(flatten(nested)), shape: like.shape };

test('property: engine (forward and forwardManual) == mathjs reference within 1e-5', () => {
  fc.assert(
    fc.property(caseArbitrary({ unbatched: true }), (c) => {
      const m = moduleFor(c);
      const ref = referenceForward(referenceConfig(c.kind, c.options), m.stateDict(), {
        x: c.x,
        h_0: c.h0,
        c_0: c.c0,
        lengths: c.lengths,
      });
      for (const [path, r] of [
        ['forward', m.forward(c.x, stateOf(c))],
        ['forwardManual', m.forwardManual(c.x, stateOf(c))],
      ] satisfies [string, ForwardResult][]) {
        expectClose(r.out, asTensor(ref.out, r.out), `${path} out vs reference`, 1e-5, ABS);
        expectClose(r.hN, asTensor(ref.h_n, r.hN), `${path} h_n vs reference`, 1e-5, ABS);
        if (c.kind === 'lstm') expectClose(r.cN, asTensor(ref.c_n, r.cN), `${path} c_n vs reference`, 1e-5, ABS);
        else assert.equal(ref.c_n, null);
      }
    }),
    fcOptions(1500),
  );
});
