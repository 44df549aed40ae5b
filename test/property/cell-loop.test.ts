/**
 * One layer of the stacked module equals the library's cell (RNNCell / LSTMCell / GRUCell) loaded
 * with that layer's weights and stepped by hand over time; the reverse direction is the same cell
 * stepped from the last step to the first.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CellBase, Tensor, kindOf } from '../../src/index.js';
import { item } from '../helpers/checked.js';
import { caseArbitrary, expectClose, fcOptions, moduleFor, row, stateOf, timeMajor, type Case } from '../helpers/property.js';

function cellFor(c: Case, stateDict: Map<string, Tensor>, suffix: string): CellBase {
  const { inputSize, hiddenSize, bias, nonlinearity, projSize } = c.options;
  const cell = new CellBase(kindOf(c.kind), { inputSize, hiddenSize, bias, nonlinearity, projSize: projSize || undefined, seed: 99 });
  const weights = new Map<string, Tensor>();
  for (const [name, t] of stateDict) if (name.endsWith(suffix)) weights.set(name.slice(0, -suffix.length), t);
  cell.loadStateDict(weights);
  return cell;
}

/** Slice d of the first dimension of a (L*D, B, n) state as a (B, n) tensor. */
function stateSlice(t: Tensor | null | undefined, d: number): Tensor | undefined {
  if (!t) return undefined;
  const n = t.data.length / item(t.shape, 0, 'state shape');
  return new Tensor(t.data.slice(d * n, (d + 1) * n), t.shape.slice(1));
}

test('property: a one-layer module equals its cell stepped in a loop (both directions)', () => {
  fc.assert(
    fc.property(caseArbitrary({ fixed: { numLayers: 1, withLengths: false } }), (c) => {
      const m = moduleFor(c);
      const r = m.forward(c.x, stateOf(c));
      const x = timeMajor(c.x, c.options.batchFirst);
      const out = timeMajor(r.out, c.options.batchFirst);
      const { D, realHidden: Hr, seqLen: T, batch: B } = c;
      for (let d = 0; d < D; d++) {
        const cell = cellFor(c, m.stateDict(), d === 1 ? '_l0_reverse' : '_l0');
        assert.equal(cell.realHiddenSize, Hr);
        let h = stateSlice(c.h0, d);
        let cState = stateSlice(c.c0, d);
        for (let s = 0; s < T; s++) {
          const t = d === 0 ? s : T - 1 - s;
          const xt = new Tensor(x.data.slice(t * B * c.options.inputSize, (t + 1) * B * c.options.inputSize), [B, c.options.inputSize]);
          if (cell.kind.hasCellState && h) assert.ok(cState, 'a state with a cell state is h and c together');
          const next = cell.step(xt, h, cState);
          h = next.h;
          cState = next.c ?? undefined;
          const expected = new Float32Array(B * Hr);
          for (let b = 0; b < B; b++) expected.set(row(out, t, b).slice(d * Hr, (d + 1) * Hr), b * Hr);
          expectClose(h, new Tensor(expected, [B, Hr]), `direction ${d} step ${t}: cell h vs out`);
        }
        expectClose(h, stateSlice(r.hN, d), `direction ${d}: last cell h vs h_n`);
        if (c.kind === 'lstm') expectClose(cState, stateSlice(r.cN, d), `direction ${d}: last cell c vs c_n`);
      }
    }),
    fcOptions(1500),
  );
});
