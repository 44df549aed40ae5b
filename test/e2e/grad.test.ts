// `rnn-inspect grad` end to end: the seed example's decay per layer (and LSTM's longer reach back
// to the input), the table's sections, --save, --connectivity against a single backward pass, the
// schema, and bad input (exit 2, one error line each).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { kindOf, Recurrent } from '../../src/index.js';
import { readTensorsFile } from '../../src/io/index.js';
import { formatBytes } from '../../src/modules/memory.js';
import { estimateGrad } from '../../src/report/grad-report.js';
import { gradReportSchema, type GradReport } from '../../src/schema/grad.js';
import { explainReportSchema } from '../../src/schema/explain.js';
import { num } from '../../src/report/number.js';
import { assertUserError, plain, runCli, runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';

const SEED = ['--layers', '4', '--hidden', '20', '--batch-first', '--seq-len', '50'];
const grad = (args: readonly string[]): GradReport => gradReportSchema.parse(runJson(['grad', ...args, '--format', 'json']));

describe('grad on the seed example, seq_len 50', () => {
  const rnn = grad(SEED);
  const lstm = grad([...SEED, '--type', 'lstm']);

  test('one decay entry per layer, each measured from its own step norms', () => {
    for (const doc of [rnn, lstm]) {
      assert.deepEqual(doc.decay.map((d) => d.layer), [0, 1, 2, 3]);
      for (const d of doc.decay) {
        const norms = doc.layers[d.layer]!.steps.map((s) => s.dh_norm);
        assert.equal(d.ratio, norms[0]! / norms[49]!);
        const peak = Math.max(...norms);
        const furthest = norms.findIndex((n) => n >= 0.01 * peak);
        assert.equal(d.horizon, 50 - furthest);
        assert.ok(d.horizon < 50, 'the gradient vanishes before t=0');
        assert.match(d.sentence, new RegExp(`^layer ${d.layer} \\(forward\\): .*horizon is about ${d.horizon} steps`));
      }
      console.log(`${doc.module}: horizons ${doc.decay.map((d) => d.horizon).join(', ')}; ratios ${doc.decay.map((d) => d.ratio?.toExponential(2)).join(', ')}; x horizon ${doc.x_decay.horizon}`);
    }
  });

  test("LSTM's gradient reaches further back to the input and through the bottom layer than the RNN's", () => {
    assert.ok(lstm.x_decay.horizon > rnn.x_decay.horizon, `x: lstm ${lstm.x_decay.horizon} vs rnn ${rnn.x_decay.horizon}`);
    assert.ok(lstm.decay[0]!.horizon > rnn.decay[0]!.horizon, `layer 0: lstm ${lstm.decay[0]!.horizon} vs rnn ${rnn.decay[0]!.horizon}`);
  });

  test('σ_max of every W_hh beside the decay, from the parameters by state_dict name', () => {
    assert.deepEqual(rnn.sigma_max.map((s) => s.name), ['weight_hh_l0', 'weight_hh_l1', 'weight_hh_l2', 'weight_hh_l3']);
    for (const d of rnn.decay) assert.equal(d.sigma_max, rnn.sigma_max[d.layer]!.sigma_max);
    assert.ok(rnn.sigma_max.every((s) => s.converged && s.sigma_max > 0));
  });
});

describe('grad table', () => {
  test('loss, the per-step table top layer first with 10 time columns and a note, strips, decay, dx and parameters', () => {
    const r = runCli(['grad', ...SEED, '--type', 'lstm']);
    assert.equal(r.code, 0, r.stderr);
    const out = plain(r.stdout);
    assert.match(out, /^Loss last = /m);
    const rows = out.split('\n').filter((l) => /^│ layer \d d[hc]/.test(l));
    assert.deepEqual(rows.map((l) => /layer (\d) (d[hc])/.exec(l)!.slice(1).join(' ')), ['3 dh', '3 dc', '2 dh', '2 dc', '1 dh', '1 dc', '0 dh', '0 dc']);
    const head = out.split('\n').find((l) => l.includes('t=0') && l.includes('t=49'))!;
    assert.equal((head.match(/t=\d+/g) ?? []).length, 10);
    assert.match(out, /… 40 steps elided \(t=3\.\.t=42\)/);
    assert.equal(out.split('\n').filter((l) => /^ {2}layer \d forward ← \|.{50}\|$/.test(l)).length, 4);
    assert.match(out, /Decay back through time/);
    assert.match(out, /‖dL\/dx_t‖ per step/);
    assert.match(out, /│ weight_hh_l3 +│ [\d.e+-]+ +│ [\d.]+ +│/);
  });
});

describe('grad --save and --connectivity', () => {
  test('--save writes grad.x and every parameter gradient, equal to the document', (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'g.safetensors');
    const doc = gradReportSchema.parse(runJson(['grad', '--type', 'lstm', '--input-size', '3', '--hidden', '4', '--seq-len', '5', '--save', file, '--format', 'json', '--include-tensors']));
    const saved = readTensorsFile(file).tensors;
    assert.deepEqual([...saved.keys()].sort(), Object.keys(doc.grads!).map((k) => `grad.${k}`).sort());
    assert.deepEqual(saved.get('grad.weight_hh_l0')!.tensor.toNested(), doc.grads!['weight_hh_l0']);
  });

  test('connectivity: the row of the last step is x\'s gradient for loss last, and a unidirectional module has no entry above the diagonal', () => {
    const args = ['--input-size', '3', '--hidden', '4', '--layers', '2', '--seq-len', '6', '--batch', '2'];
    const doc = grad([...args, '--connectivity']);
    const m = doc.connectivity!.matrix;
    assert.equal(m.length, 6);
    for (let t = 0; t < 6; t++) for (let s = t + 1; s < 6; s++) assert.equal(m[t]![s], 0);
    assert.ok(m.every((row, t) => row[t]! > 0));
    assert.deepEqual(m[5], doc.x_grad_norms);
    const bi = grad([...args, '--bidirectional', '--connectivity']);
    assert.ok(bi.connectivity!.matrix[0]![5]! > 0, 'the reverse direction carries the future back');
  });
});

describe('grad bad input: exit 2, one line', () => {
  test('--loss unknown names the losses', () => {
    assertUserError(['grad', '--loss', 'nll'], /--loss.*last.*sum.*hn.*mse/);
  });
  test('--target without --loss mse, and mse without --target', (t) => {
    const file = writeJson(tempDir(t), 'target.json', [[[0]]]);
    assertUserError(['grad', '--target', file], /--target: expected only with --loss mse, got --loss last/);
    assertUserError(['grad', '--loss', 'mse'], /--loss mse: expected --target FILE of out's shape, got none/);
  });
  test("--target of the wrong shape names out's shape", (t) => {
    const file = writeJson(tempDir(t), 'target.json', [[[0, 0]]]);
    assertUserError(['grad', '--loss', 'mse', '--target', file, '--seq-len', '2', '--batch', '1', '--hidden', '3'], /target: expected out's shape \(2, 1, 3\) for loss mse, got \(1, 1, 2\)/);
  });
  test('--connectivity beyond the bound gives the estimate and the flag that allows it', () => {
    assertUserError(['grad', '--connectivity', '--seq-len', '50', '--max-connectivity-macs', '1000'], /--connectivity: expected at most 1\.0e\+3 multiply-adds \(--max-connectivity-macs\), got an estimate of [\d.]+e\+\d+ \(a forward pass and 50 backward passes/);
  });
  test('--train with dropout is refused', () => {
    assertUserError(['grad', '--train', '--dropout', '0.5', '--layers', '2'], /--train: expected eval mode .* got --train with --dropout 0.5/);
  });
  test('a backward pass beyond --max-memory', () => {
    // The default run (rnn, input 100, hidden 20, seq_len 10, batch 3): its forward pass fits 100K, its backward pass does not.
    const need = formatBytes(estimateGrad(new Recurrent(kindOf('rnn'), { inputSize: 100, hiddenSize: 20 }), 10, 3).bytes);
    assertUserError(['grad', '--max-memory', '100K'], new RegExp(`--max-memory: expected a backward pass within 100\\.0 KiB, got an estimate of ${need.replace('.', '\\.')}`));
  });
  test('no output file is left behind by a refused run', (t) => {
    const file = join(tempDir(t), 'g.npz');
    assertUserError(['grad', '--loss', 'mse', '--save', file], /--loss mse/);
    assert.equal(existsSync(file), false);
  });
});

describe("explain's closing backward account", () => {
  for (const extra of [[], ['--type', 'lstm', '--bidirectional', '--lengths', '10,4,7']]) {
    test(`states grad's numbers for loss last ${extra.join(' ')}`, () => {
      const args = ['--layers', '2', '--hidden', '5', '--input-size', '4', '--seq-len', '10', ...extra];
      const doc = grad(args);
      const facts = explainReportSchema.parse(runJson(['explain', ...args, '--format', 'json']));
      const b = facts.backward!;
      assert.equal(b.loss.value, doc.loss.value);
      assert.equal(b.layers.length, doc.decay.length);
      b.layers.forEach((row, i) => {
        const d = doc.decay[i]!;
        assert.deepEqual([row.layer, row.direction, row.first_step, row.last_step, row.ratio, row.horizon], [d.layer, d.direction, d.first_step, d.last_step, d.ratio, d.horizon]);
        assert.equal(row.at_last, doc.layers[i]!.steps[d.last_step]!.dh_norm);
      });
      assert.equal(b.x.horizon, doc.x_decay.horizon);
      for (const lang of ['en', 'zh']) {
        const text = plain(runCli(['explain', ...args, '--lang', lang]).stdout);
        assert.ok(text.includes(num(doc.loss.value)), `${lang}: the loss value`);
        assert.ok(text.includes(num(doc.x_grad_norms[b.x.last_step]!)), `${lang}: ‖dL/dx‖ at the last step`);
      }
    });
  }
});

test('rnn-inspect schema grad prints the document\'s JSON Schema', () => {
  const schema = runJson<{ properties: Record<string, unknown> }>(['schema', 'grad']);
  for (const key of ['command', 'loss', 'shapes', 'layers', 'x_grad_norms', 'parameter_grad_norms', 'decay', 'connectivity', 'grads']) assert.ok(key in schema.properties, key);
});
