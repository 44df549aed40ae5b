/**
 * Gradient parity of GRUResetBefore (ONNX's GRU with linear_before_reset=0) with PyTorch's autograd.
 * PyTorch has no such module: test/fixtures/golden-grad-reset-before/*.json were written by
 * scripts/fixtures/make_gru_reset_before_grad.py, a torch cell loop over nn.GRU's parameters
 * (PyTorch 1.13.1, Debian's python3-torch, reporting 1.13.0a0; CPU, float32, seed 4000), in
 * test/fixtures/golden-grad/'s format. Every gradient, the loss and each series of step norms within
 * 1e-5 × max(1, max |PyTorch's|), as the other gradient goldens: through the library's backward, and
 * through `rnn-inspect grad` on an ONNX file holding the case's weights with linear_before_reset=0.
 * Regenerate with `/usr/bin/python3 scripts/fixtures/make_gru_reset_before_grad.py`.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Recurrent, Tensor, tensorFromNested, type Nested } from '../../src/index.js';
import { encodeOnnx } from '../../src/io/onnx-write.js';
import { kindOf } from '../../src/modules/kinds/index.js';
import { resolveConfig } from '../../src/modules/layer/config.js';
import { gradReportSchema } from '../../src/schema/grad.js';
import { runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';
import { assertGradClose, gradBackwardOptions, gradStateDict, toOptions, type GradGoldenCase } from '../helpers/golden.js';

const DIR = fileURLToPath(new URL('../fixtures/golden-grad-reset-before/', import.meta.url));
const HINT = 'If the fixture is stale, regenerate it with `/usr/bin/python3 scripts/fixtures/make_gru_reset_before_grad.py`.';
const index = JSON.parse(readFileSync(join(DIR, 'INDEX.json'), 'utf8')) as { seed: number; cases: string[] };
const cases = index.cases.map((name) => JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as GradGoldenCase);
const kind = kindOf('gru-reset-before');
const stateDict = gradStateDict;

describe('GRUResetBefore gradients equal PyTorch autograd of its cell loop', () => {
  test('INDEX.json lists exactly the fixture files; every loss, lengths, bidirectional and no-bias cases', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json') && f !== 'INDEX.json').map((f) => f.slice(0, -5));
    assert.deepEqual([...index.cases].sort(), files.sort(), HINT);
    assert.deepEqual(new Set(cases.map((c) => c.loss.kind)), new Set(['last', 'sum', 'hn', 'mse']));
    assert.ok(cases.every((c) => c.module === kind.name));
    assert.ok(cases.some((c) => c.inputs.lengths) && cases.some((c) => c.config.bidirectional) && cases.some((c) => c.config.bias === false));
  });

  for (const c of cases) {
    test(`${c.name}: the library's backward`, () => {
      const module = new Recurrent(kind, toOptions(c.config)).eval().loadStateDict(stateDict(c));
      const r = module.backward(tensorFromNested(c.inputs.x, 'x'), gradBackwardOptions(c));
      assertGradClose(c.name, 'loss', r.loss.value, c.loss.value, { hint: HINT });
      assertGradClose(c.name, 'out', r.forward.out, c.outputs.out, { hint: HINT });
      const ours: Record<string, Tensor | undefined> = { x: r.grads.x, h_0: r.grads.h0, ...Object.fromEntries(r.grads.params) };
      assert.deepEqual(Object.keys(ours).filter((k) => ours[k]).sort(), Object.keys(c.grads).sort());
      for (const [name, expected] of Object.entries(c.grads)) assertGradClose(c.name, `grad.${name}`, ours[name], expected, { hint: HINT });
      c.step_grad_norms.forEach((entry, i) => {
        assertGradClose(c.name, `norms.l${entry.layer}.${entry.direction}.dh`, r.steps[i]!.dhNorm, entry.steps.map((s) => s.dh_norm), { hint: HINT });
      });
    });

    test(`${c.name}: rnn-inspect grad on an ONNX GRU with linear_before_reset=0`, (t) => {
      const dir = tempDir(t);
      const config = resolveConfig(kind, toOptions(c.config));
      const onnx = join(dir, 'model.onnx');
      writeFileSync(onnx, encodeOnnx(kind, config, stateDict(c)));
      const args = ['grad', '--weights', onnx, '--input', writeJson(dir, 'x.json', c.inputs.x), '--loss', c.loss.kind];
      if (c.inputs.h_0) args.push('--h0', writeJson(dir, 'h0.json', c.inputs.h_0));
      if (c.target) args.push('--target', writeJson(dir, 'target.json', c.target));
      if (c.config.batch_first) args.push('--batch-first');
      if (c.inputs.lengths) args.push('--lengths', c.inputs.lengths.join(','));
      const doc = gradReportSchema.parse(runJson<unknown>([...args, '--format', 'json', '--include-tensors']));
      assertGradClose(c.name, 'cli loss', doc.loss.value, c.loss.value, { hint: HINT });
      for (const [name, expected] of Object.entries(c.grads)) assertGradClose(c.name, `cli grad.${name}`, doc.grads![name] as Nested, expected, { hint: HINT });
    });
  }
});
