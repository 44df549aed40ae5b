// --threads and the statistics-only trace, end to end: bad values are usage errors; two threads
// give the same tensors as one; --trace summary reports the same step statistics as --trace full;
// the process exits on its own with worker threads used (spawnSync would not return otherwise).
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { kindNames } from '../../src/index.js';
import { item } from '../helpers/checked.js';
import { assertUserError, runJson } from '../helpers/cli.js';
import type { CompareReport, RunReport } from '../../src/schema/index.js';

// About 1e7 FLOPs: too small for a first (cold) use of the pool, so the tests lower its threshold.
const BIG = ['--batch', '8', '--seq-len', '40', '--input-size', '64', '--hidden', '64', '--layers', '2', '--format', 'json'];
const POOL = { env: { RNN_INSPECT_PARALLEL_MIN_FLOPS: '0' } };

for (const bad of ['0', 'abc', '1.5', '-2']) {
  test(`--threads ${bad}: exit 2 with one error line`, () => {
    assertUserError(['--threads', bad], /--threads <n>.*expected a positive integer, got "-?[\w.]+"/);
  });
}

test('compare --threads 0 is a usage error too', () => {
  assertUserError(['compare', '--threads', '0'], /--threads <n>.*expected a positive integer, got "0"/);
});

for (const type of kindNames) {
  test(`${type}: --threads 2 gives exactly the tensors of --threads 1, and step statistics to rounding`, () => {
    const args = [...BIG, '--type', type, '--include-tensors', '--lengths', '40,3,17,40,40,1,22,39', '--bidirectional'];
    const one = runJson<RunReport>([...args, '--threads', '1']);
    const two = runJson<RunReport>([...args, '--threads', '2'], POOL);
    assert.deepEqual(two.tensors, one.tensors);
    assert.deepEqual(two.h_n_slices, one.h_n_slices);
    assert.equal(two.layers.length, one.layers.length);
    two.layers.forEach((l, i) => {
      l.steps.forEach((s, t) => {
        const o = item(item(one.layers, i, 'layers').steps, t, `layer ${i} steps`);
        assert.equal(s.valid, o.valid);
        for (const k of ['norm', 'mean', 'min', 'max'] as const) assert.ok(Math.abs(s[k] - o[k]) <= 1e-9, `layer ${i} t ${t} ${k}: ${s[k]} vs ${o[k]}`);
      });
    });
  });
}

test('--trace summary (statistics only) reports the steps of --trace full, and the same h_n check', () => {
  const args = [...BIG, '--type', 'lstm', '--batch-first', '--lengths', '40,3,17,40,40,1,22,39', '--threads', '1'];
  const summary = runJson<RunReport>([...args, '--trace', 'summary']);
  const full = runJson<RunReport>([...args, '--trace', 'full']);
  const statsOnly = (layers: RunReport['layers']): unknown[] => layers.map((l) => ({ ...l, steps: l.steps.map(({ t, norm, mean, min, max, valid }) => ({ t, norm, mean, min, max, valid })) }));
  assert.deepEqual(statsOnly(summary.layers), statsOnly(full.layers));
  assert.ok(item(item(full.layers, 0, 'layers').steps, 0, 'steps').h, 'full has the values');
  assert.equal(item(item(summary.layers, 0, 'layers').steps, 0, 'steps').h, undefined, 'summary has none');
  assert.deepEqual(summary.h_n_slices, full.h_n_slices);
  assert.ok(summary.h_n_slices.filter((s) => s.max_abs_diff !== null).every((s) => s.max_abs_diff === 0));
});

test('compare --threads 2: the automatic path on two threads still equals the manual loop', () => {
  const r = runJson<CompareReport>(['compare', ...BIG, '--type', 'gru', '--threads', '2'], POOL);
  assert.equal(r.ok, true);
});

test('--threads above the core count is capped to the cores, with a note, and the numbers do not change', () => {
  const cores = availableParallelism();
  const many = cores + 6;
  const capped = runJson<RunReport>([...BIG, '--include-tensors', '--threads', String(many)], POOL);
  const one = runJson<RunReport>([...BIG, '--include-tensors', '--threads', '1']);
  assert.ok(capped.notes.includes(`--threads ${many}: this machine has ${cores} core${cores === 1 ? '' : 's'}; ${cores} thread${cores === 1 ? '' : 's'} used`), JSON.stringify(capped.notes));
  assert.deepEqual(capped.tensors, one.tensors);
  assert.ok(!one.notes.some((n) => n.startsWith('--threads')), 'no note when the request fits');
});
