/**
 * The update contract (src/modules/kinds/kind.ts): for each kind with `update`, the fused fast
 * path's two halves (every gate but the `rawInUpdate` one activated on gi + gh, that one's block
 * left as gh; then the kind's update) give what the kind's own step gives from the same gi and gh:
 * h, c and the gate activations, within float32 rounding (the step keeps its values in float64).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { kernelFor } from '../../src/kernels/kernel.js';
import { sigmoid, tanh } from '../../src/kernels/activations.js';
import { kinds, stepRecurrent, type StepArgs } from '../../src/modules/kinds/index.js';

const withUpdate = kinds.filter((k) => k.update);

test('the kinds with a fused update are the ones expected to have one', () => {
  assert.deepEqual(
    withUpdate.map((k) => k.type),
    ['lstm', 'gru', 'gru-reset-before'],
  );
  // The Elman RNN needs none: its h is its gate's activation.
  assert.deepEqual(
    kinds.filter((k) => k.hIsGate).map((k) => k.type),
    ['rnn'],
  );
});

for (const kind of withUpdate) {
  test(`${kind.type}: activated gates then update equal the step`, () => {
    const js = kernelFor({ kernel: 'js' });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 2 ** 30 }), (B, H, rowsBefore, seed) => {
        let state = seed;
        const next = (): number => {
          state = (Math.imul(state, 1103515245) + 12345) >>> 0;
          return (state / 2 ** 32 - 0.5) * 4;
        };
        const fill = (n: number): Float32Array => Float32Array.from({ length: n }, next);
        const G = kind.gates.length * H;
        const giOffset = rowsBefore * G;
        const gi = fill(giOffset + B * G);
        const gh = fill(B * G);
        const hPrev = fill(B * H);
        const cPrev = kind.hasCellState ? fill(B * H) : null;
        const weights = { weightHh: fill(G * H).map((v) => v / 4), biasHh: fill(G) };
        const recurrent = stepRecurrent(kind, weights, H, H, js.prepare);

        const hStep = new Float32Array(B * H);
        const cStep = kind.hasCellState ? new Float32Array(B * H) : null;
        const gatesStep = new Float32Array(B * G);
        const args: StepArgs = { batch: B, hiddenSize: H, gi, giOffset, gh, hPrev, cPrev, hOut: hStep, cOut: cStep, gates: gatesStep, nonlinearity: 'tanh', recurrentActivation: sigmoid, recurrent };
        kind.step(args);

        // What the fast mode's gated product hands the update.
        const gates = new Float32Array(B * G);
        for (let b = 0; b < B; b++) {
          kind.gates.forEach((g, i) => {
            for (let j = 0; j < H; j++) {
              const at = b * G + i * H + j;
              const v = gi[giOffset + at]! + gh[at]!;
              gates[at] = g.name === kind.rawInUpdate ? gh[at]! : g.activation === 'sigmoid' ? sigmoid(v) : tanh(v);
            }
          });
        }
        const ghOut = gh.slice();
        const hOut = new Float32Array(B * H);
        const cOut = kind.hasCellState ? new Float32Array(B * H) : null;
        kind.update!({ batch: B, hiddenSize: H, gates, gi, giOffset, gh: ghOut, hPrev, cPrev, hOut, cOut, recurrent });

        const close = (a: Float32Array, b: Float32Array, what: string): void => {
          for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 2e-6, `${what}[${i}]: ${a[i]} vs ${b[i]} (B ${B}, H ${H})`);
        };
        close(hOut, hStep, 'h');
        if (cOut && cStep) close(cOut, cStep, 'c');
        close(gates, gatesStep, 'gates');
        // The raw gate's block of gh is what the backward pass reads: gh itself.
        const raw = kind.gates.findIndex((g) => g.name === kind.rawInUpdate);
        if (raw >= 0) for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) assert.equal(ghOut[b * G + raw * H + j], gh[b * G + raw * H + j]);
      }),
      { numRuns: 60 },
    );
  });
}
