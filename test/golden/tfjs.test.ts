// TF.js layers models saved by tfjs itself (scripts/fixtures/make_tfjs_fixtures.mjs, @tensorflow/tfjs
// 4.22, CPU backend): `run --weights model.json` on each case's x must give tfjs's own
// model.predict(x) within 1e-5: `out` when the top layer returns sequences, else the top layer's h_n
// (directions concatenated, as Keras's Bidirectional returns them). Regenerate a stale fixture with
// `node scripts/fixtures/make_tfjs_fixtures.mjs`.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runJson } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';
import { maxDiff, topHn } from '../helpers/keras.js';

const TOLERANCE = 1e-5;
const FIXTURES = fileURLToPath(new URL('../fixtures/tfjs/', import.meta.url));

interface IndexCase {
  name: string;
  about: string;
  output: 'out' | 'h_n';
}
interface RunDoc {
  notes: string[];
  module: string;
  tensors: { out: number[][][]; h_n: number[][][] };
}

const index = JSON.parse(readFileSync(join(FIXTURES, 'INDEX.json'), 'utf8')) as { cases: IndexCase[] };

describe('run --weights model.json matches tfjs', () => {
  assert.ok(index.cases.length >= 8);
  for (const c of index.cases) {
    test(`${c.name}: ${c.about}`, (t) => {
      const dir = join(FIXTURES, c.name);
      const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { tensor: 'out' | 'h_n'; value: unknown };
      // Every kernel: the fast one fuses σ gates, and must leave hard_sigmoid ones to the kind's step.
      for (const kernel of ['js', 'wasm']) {
        const doc = runJson<RunDoc>(['run', '--weights', join(dir, 'model.json'), '--input', join(dir, 'x.json'), '--batch-first', '--format', 'json', '--include-tensors', '--kernel', kernel]);
        const directions = /bidirectional=True/.test(doc.module) ? 2 : 1;
        const got = expected.tensor === 'out' ? doc.tensors.out : topHn(doc.tensors.h_n, directions);
        const diff = maxDiff(got, expected.value);
        t.diagnostic(`${c.name} ${expected.tensor} --kernel ${kernel} OK, maxdiff = ${diff.toExponential(2)}`);
        assert.ok(diff <= TOLERANCE, `${c.name} --kernel ${kernel}: max |engine - tfjs| = ${diff}`);
      }
      const doc = runJson<RunDoc>(['run', '--weights', join(dir, 'model.json'), '--input', join(dir, 'x.json'), '--batch-first', '--format', 'json']);
      if (/hard_sigmoid/.test(readFileSync(join(dir, 'model.json'), 'utf8'))) assert.ok(doc.notes.some((n) => n.includes('clip(0.2x + 0.5, 0, 1)')), 'run says which hard_sigmoid it computes');
    });
  }

  test('negative control: the same LSTM with σ instead of hard_sigmoid is off by far more than the tolerance', (t) => {
    // The fixture's weights with recurrent_activation rewritten to sigmoid: the engine must follow the file.
    const dir = join(FIXTURES, 'lstm');
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { value: unknown };
    const tmp = tempDir(t);
    writeFileSync(join(tmp, 'model.json'), readFileSync(join(dir, 'model.json'), 'utf8').replace('"recurrent_activation":"hard_sigmoid"', '"recurrent_activation":"sigmoid"'));
    copyFileSync(join(dir, 'weights.bin'), join(tmp, 'weights.bin'));
    const doc = runJson<RunDoc>(['run', '--weights', join(tmp, 'model.json'), '--input', join(dir, 'x.json'), '--batch-first', '--format', 'json', '--include-tensors']);
    assert.ok(maxDiff(topHn(doc.tensors.h_n, 1), expected.value) > 1e-3);
  });
});
