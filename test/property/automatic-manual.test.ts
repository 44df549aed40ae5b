/**
 * The automatic path (layer by layer over the whole sequence, as nn.RNN runs) equals the manual path
 * (a cell per layer stepped in a loop over time), for out, h_n, c_n and every layer of the trace,
 * within 1e-6 * max(1, max |value|); and dropout in training mode drops the same elements on both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ForwardResult } from '../../src/index.js';
import { caseArbitrary, expectClose, expectEqual, fcOptions, generator, moduleFor, randomTensor, stateOf, type Case } from '../helpers/property.js';

function expectSameResult(a: ForwardResult, b: ForwardResult, c: Case, label: string): void {
  expectClose(a.out, b.out, `${label} out`);
  expectClose(a.hN, b.hN, `${label} h_n`);
  if (c.kind === 'lstm') expectClose(a.cN, b.cN, `${label} c_n`);
  else {
    assert.equal(a.cN, null);
    assert.equal(b.cN, null);
  }
  const L = c.options.numLayers * c.D;
  assert.equal(a.trace.layers.length, L);
  assert.equal(b.trace.layers.length, L);
  a.trace.layers.forEach((la, i) => {
    const lb = b.trace.layers[i];
    assert.equal(la.layer, lb.layer);
    assert.equal(la.direction, lb.direction);
    assert.equal(la.layer, Math.floor(i / c.D));
    expectClose(la.h, lb.h, `${label} trace[${i}].h`);
    if (c.kind === 'lstm') expectClose(la.c, lb.c, `${label} trace[${i}].c`);
  });
}

test('property: forward (automatic) == forwardManual for random configurations (incl. unbatched, lengths, h0/c0)', () => {
  fc.assert(
    fc.property(caseArbitrary({ unbatched: true }), (c) => {
      const m = moduleFor(c);
      expectSameResult(m.forward(c.x, stateOf(c)), m.forwardManual(c.x, stateOf(c)), c, 'automatic vs manual');
    }),
    fcOptions(3000),
  );
});

test('property: training mode with dropout and one dropoutSeed: automatic == manual; eval mode ignores dropout', () => {
  const arb = fc.tuple(caseArbitrary(), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat({ max: 2 ** 31 - 1 }));
  fc.assert(
    fc.property(arb, ([c, p, dropoutSeed]) => {
      const training = moduleFor(c, { dropout: p }).train();
      assert.equal(training.training, true);
      const options = { ...stateOf(c), dropoutSeed };
      const auto = training.forward(c.x, options);
      expectSameResult(auto, training.forwardManual(c.x, options), c, `train p=${p}`);
      // The same seed draws the same masks again.
      expectEqual(training.forward(c.x, options).out, auto.out, 'train: same dropoutSeed, same out');

      const evalWithDropout = moduleFor(c, { dropout: p });
      const noDropout = moduleFor(c, { dropout: 0 });
      const r = evalWithDropout.forward(c.x, options);
      const r0 = noDropout.forward(c.x, stateOf(c));
      expectEqual(r.out, r0.out, 'eval: out ignores dropout');
      expectEqual(r.hN, r0.hN, 'eval: h_n ignores dropout');
      expectEqual(evalWithDropout.forwardManual(c.x, options).out, r0.out, 'eval manual: out ignores dropout');
    }),
    fcOptions(1000),
  );
});

test('dropout acts in training mode only, and a different dropoutSeed drops different elements', () => {
  // A fixed configuration large enough that p = 0.5 cannot leave every element as it was.
  const c = { kind: 'gru' as const, options: { inputSize: 4, hiddenSize: 6, numLayers: 3, seed: 7, dropout: 0.5 } };
  const x = randomTensor([6, 4, 4], generator(3));
  const m = moduleFor(c).train();
  const a = m.forward(x, { dropoutSeed: 1 });
  const b = m.forward(x, { dropoutSeed: 2 });
  const e = moduleFor(c).forward(x);
  assert.notDeepEqual([...a.out.data], [...e.out.data], 'training with dropout 0.5 changes out');
  assert.notDeepEqual([...a.out.data], [...b.out.data], 'another dropoutSeed, other masks');
  expectClose(m.forwardManual(x, { dropoutSeed: 2 }).out, b.out, 'manual with seed 2');
  // Dropout is between layers: the first layer's trace is the same in training and eval mode.
  expectEqual(a.trace.layers[0].h, e.trace.layers[0].h, 'layer 0 trace is before any dropout');
});

