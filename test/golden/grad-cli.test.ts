/**
 * Gradient parity with PyTorch's autograd through the CLI, as a user runs it:
 *   rnn-inspect grad --weights sd.json --input x.json [--h0 h0.json --c0 c0.json --target target.json]
 *                    --loss KIND --format json --include-tensors
 * on every case in test/fixtures/golden-grad/ (written by scripts/fixtures/make_grad_golden.py with
 * PyTorch 1.13.1, seed 2000; see that folder's README). Every gradient, the loss and each series of
 * step norms within 1e-5 × max(1, max |PyTorch's|), each named tensor's maxdiff printed; the
 * document validates against the grad schema. A cell case's weights run as the one-layer module
 * (weight_ih → weight_ih_l0, h_0 (batch, hidden) → (1, batch, hidden)), as `run` does.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Nested } from '../../src/index.js';
import { gradReportSchema, type GradReport } from '../../src/schema/grad.js';
import { runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';
import { assertGradClose, REGENERATE_GRAD_HINT as HINT, gradGoldenCases, gradGoldenIndex, type GradGoldenCase } from '../helpers/golden.js';

type GradCase = GradGoldenCase;

const index = gradGoldenIndex();
const cases: GradCase[] = gradGoldenCases(index);
const isCell = (c: GradCase): boolean => c.module.endsWith('Cell');

/** The case's files and the flags the weights cannot tell (kind, nonlinearity, batch_first, dropout, lengths). */
function gradArgs(c: GradCase, dir: string): string[] {
  const args = ['grad', '--weights', writeJson(dir, 'sd.json', c.state_dict), '--input', writeJson(dir, 'x.json', c.inputs.x)];
  args.push('--type', c.module.replace('Cell', '').toLowerCase(), '--loss', c.loss.kind);
  if (c.inputs.h_0) args.push('--h0', writeJson(dir, 'h0.json', c.inputs.h_0));
  if (c.inputs.c_0) args.push('--c0', writeJson(dir, 'c0.json', c.inputs.c_0));
  if (c.target) args.push('--target', writeJson(dir, 'target.json', c.target));
  if (c.config.nonlinearity) args.push('--nonlinearity', c.config.nonlinearity);
  if (c.config.batch_first) args.push('--batch-first');
  if (c.config.dropout) args.push('--dropout', String(c.config.dropout));
  if (c.inputs.lengths) args.push('--lengths', c.inputs.lengths.join(','));
  if (c.inputs.enforce_sorted) args.push('--enforce-sorted');
  return args;
}

/** The document's name for a fixture's gradient, and the fixture's value in the document's layout. */
function asDocument(c: GradCase, name: string, expected: Nested): [string, Nested] {
  if (!isCell(c)) return [name, expected];
  if (name === 'h_0' || name === 'c_0') return [name, [expected]];
  return name === 'x' ? [name, expected] : [`${name}_l0`, expected];
}

/** ‖dL/dx_t‖ per step from a nested x gradient: (seq_len, input_size) unbatched, else batch-first or time-major. */
function xNorms(dx: Nested, batchFirst: boolean): number[] {
  const a = dx as unknown[][];
  const unbatched = typeof a[0]![0] === 'number';
  const steps = unbatched || !batchFirst ? a.length : a[0]!.length;
  return Array.from({ length: steps }, (_, t) => {
    const slice = unbatched ? a[t]! : batchFirst ? a.map((b) => b[t]) : a[t]!;
    return Math.sqrt((slice.flat(2) as number[]).reduce((s, v) => s + v * v, 0));
  });
}

describe('grad --format json --include-tensors equals PyTorch autograd', () => {
  test('the CLI runs every fixture case', () => assert.equal(cases.length, index.cases.length));
  for (const c of cases) {
    test(c.name, (t) => {
      const dir = tempDir(t);
      const raw = runJson<unknown>([...gradArgs(c, dir), '--format', 'json', '--include-tensors']);
      const doc: GradReport = gradReportSchema.parse(raw);
      assertGradClose(c.name, 'loss', doc.loss.value, c.loss.value, { hint: HINT });
      assert.equal(doc.loss.kind, c.loss.kind);
      const grads = doc.grads!;
      const expectedNames = Object.keys(c.grads).map((n) => asDocument(c, n, c.grads[n]!)[0]);
      assert.deepEqual(Object.keys(grads).sort(), expectedNames.sort(), `${c.name}: the gradients named`);
      for (const [name, value] of Object.entries(c.grads)) {
        const [ours, want] = asDocument(c, name, value);
        assertGradClose(c.name, `grad.${ours}`, grads[ours] as Nested, want, { hint: HINT });
      }
      assert.equal(doc.layers.length, c.step_grad_norms.length);
      c.step_grad_norms.forEach((entry, i) => {
        const layer = doc.layers[i]!;
        assert.equal(layer.layer, entry.layer);
        assert.equal(layer.direction, entry.direction);
        const label = `norms.l${entry.layer}.${entry.direction}`;
        assertGradClose(c.name, `${label}.dh`, layer.steps.map((s) => s.dh_norm), entry.steps.map((s) => s.dh_norm), { hint: HINT });
        if (entry.steps[0]!.dc_norm !== undefined) {
          assertGradClose(c.name, `${label}.dc`, layer.steps.map((s) => s.dc_norm!), entry.steps.map((s) => s.dc_norm!), { hint: HINT });
        } else assert.ok(layer.steps.every((s) => s.dc_norm === undefined));
      });
      assertGradClose(c.name, 'x_grad_norms', doc.x_grad_norms, xNorms(c.grads['x']!, !!c.config.batch_first), { hint: HINT });
      for (const [name, value] of Object.entries(c.grads)) {
        if (name === 'x' || name === 'h_0' || name === 'c_0') continue;
        const [ours] = asDocument(c, name, value);
        const norm = Math.sqrt((value as unknown[]).flat(2).reduce((s: number, v) => s + (v as number) * (v as number), 0));
        assertGradClose(c.name, `norm.${ours}`, doc.parameter_grad_norms[ours]!, norm, { hint: HINT });
      }
    });
  }
});
