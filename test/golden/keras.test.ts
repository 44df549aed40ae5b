// Keras models saved by Keras 3 itself (scripts/fixtures/make_keras_fixtures.py), each as .keras and as
// legacy .h5: `run --weights FILE` on each case's x must give Keras's own model.predict(x) within 1e-5,
// on every kernel: `out` when the top layer returns sequences, else the top layer's h_n (directions
// concatenated, as Keras's Bidirectional returns them). hard_sigmoid is Keras 3's relu6(x + 3) / 6,
// except in the case whose file says keras_version 2.x (clip(0.2x + 0.5, 0, 1)).
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runJson } from '../helpers/cli.js';
import { maxDiff, topHn } from '../helpers/keras.js';

const TOLERANCE = 1e-5;
const FIXTURES = fileURLToPath(new URL('../fixtures/keras/', import.meta.url));
const REGENERATE = 'regenerate them with `python scripts/fixtures/make_keras_fixtures.py` (a venv with keras 3 and tensorflow-cpu)';

interface IndexCase {
  name: string;
  about: string;
  files: string[];
  output: 'out' | 'h_n';
  x_shape: number[];
  output_shape: number[];
}
interface RunDoc {
  notes: string[];
  module: string;
  tensors: { out: number[][][]; h_n: number[][][] };
}

const index = JSON.parse(readFileSync(join(FIXTURES, 'INDEX.json'), 'utf8')) as { generated_by: string; cases: IndexCase[] };

describe('the Keras fixtures are whole', () => {
  test(`INDEX.json lists every case's files, x and expected output (if not, ${REGENERATE})`, () => {
    assert.match(index.generated_by, /make_keras_fixtures\.py with keras 3\./, `INDEX.json: ${REGENERATE}`);
    assert.ok(index.cases.length >= 11, `INDEX.json lists ${index.cases.length} cases: ${REGENERATE}`);
    for (const c of index.cases) {
      for (const f of [...c.files, 'x.json', 'expected.json']) assert.ok(existsSync(join(FIXTURES, c.name, f)), `${c.name}/${f} is missing: ${REGENERATE}`);
      const expected = JSON.parse(readFileSync(join(FIXTURES, c.name, 'expected.json'), 'utf8')) as { tensor: string; shape: number[] };
      assert.deepEqual([expected.tensor, expected.shape], [c.output, c.output_shape], `${c.name}: expected.json and INDEX.json disagree: ${REGENERATE}`);
    }
  });
});

describe('run --weights model.keras / model.h5 matches Keras', () => {
  for (const c of index.cases) {
    for (const file of c.files) {
      test(`${c.name}/${file}: ${c.about}`, (t) => {
        const dir = join(FIXTURES, c.name);
        const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { tensor: 'out' | 'h_n'; value: unknown; states?: { h_n: unknown; c_n?: unknown } };
        // Every kernel: the fast one fuses σ gates, and must leave hard_sigmoid ones to the kind's step.
        for (const kernel of ['js', 'wasm']) {
          const doc = runJson<RunDoc>(['run', '--weights', join(dir, file), '--input', join(dir, 'x.json'), '--batch-first', '--format', 'json', '--include-tensors', '--kernel', kernel]);
          const directions = /bidirectional=True/.test(doc.module) ? 2 : 1;
          const got = expected.tensor === 'out' ? doc.tensors.out : topHn(doc.tensors.h_n, directions);
          const diff = maxDiff(got, expected.value);
          t.diagnostic(`${c.name}/${file} ${expected.tensor} --kernel ${kernel} OK, maxdiff = ${diff.toExponential(2)}`);
          assert.ok(diff <= TOLERANCE, `${c.name}/${file} --kernel ${kernel}: max |engine - Keras| = ${diff} (if the fixture is stale, ${REGENERATE})`);
          // return_state: Keras's h and c outputs are the top layer's h_n and c_n.
          if (expected.states) {
            const states = doc.tensors as unknown as Record<'h_n' | 'c_n', number[][][]>;
            for (const k of ['h_n', 'c_n'] as const) {
              if (expected.states[k] === undefined) continue;
              const d = maxDiff(topHn(states[k], directions), expected.states[k]);
              t.diagnostic(`${c.name}/${file} ${k} --kernel ${kernel} OK, maxdiff = ${d.toExponential(2)}`);
              assert.ok(d <= TOLERANCE, `${c.name}/${file} ${k}: max |engine - Keras| = ${d}`);
            }
          }
          if (/hard_sigmoid/.test(c.about)) {
            const formula = /Keras 2/.test(c.about) ? 'clip(0.2x + 0.5, 0, 1)' : 'relu6(x + 3) / 6';
            assert.ok(doc.notes.some((n) => n.includes(formula)), `run says it computes hard_sigmoid as ${formula}: ${doc.notes.join(' | ')}`);
          }
        }
      });
    }
  }
});
