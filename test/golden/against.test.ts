/**
 * compare --against on hand-written PyTorch loops (test/fixtures/against/, made by
 * scripts/fixtures/make_against.py): a right loop agrees, each wrong loop is found and its mistake
 * named.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTensorFile, readTensorsFile, writeTensorsFile } from '../../src/io/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertUserError, runCli } from '../helpers/cli.js';
import { tempDir, readJson } from '../helpers/files.js';
import { FIXTURES } from '../helpers/golden.js';
import type { CompareReport } from '../../src/schema/compare.js';
import { compareReportSchema } from '../../src/schema/compare.js';

const DIR = join(FIXTURES, 'against');
const REGENERATE = '/usr/bin/python3 scripts/fixtures/make_against.py';

interface Case {
  name: string;
  type: string;
  lengths: number[] | null;
  mistake: string;
}

const index = readJson<{ torch: string; cases: Case[] }>(join(DIR, 'INDEX.json'));

function args(c: Case, against: string): string[] {
  const dir = join(DIR, c.name);
  return ['compare', '--weights', join(dir, 'weights.pt'), '--input', join(dir, 'x.npy'), ...(c.lengths ? ['--lengths', c.lengths.join(',')] : []), '--against', against, '--format', 'json'];
}

function against(c: Case, file: string): { code: number; report: NonNullable<CompareReport['against']> } {
  const r = runCli(args(c, file));
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const report = compareReportSchema.parse(JSON.parse(r.stdout)).against;
  assert.ok(report, 'the document has the against section');
  return { code: r.code, report };
}

test('the fixtures are present', () => {
  assert.ok(index.cases.length >= 3, `test/fixtures/against/ is incomplete; regenerate with: ${REGENERATE}`);
  for (const c of index.cases) for (const f of ['weights.pt', 'x.npy', 'right.npz', 'wrong.npz']) assert.ok(existsSync(join(DIR, c.name, f)), `${c.name}/${f} missing; regenerate with: ${REGENERATE}`);
});

for (const c of index.cases) {
  test(`${c.name}: the right loop agrees with the module (exit 0)`, () => {
    const { code, report } = against(c, join(DIR, c.name, 'right.npz'));
    for (const t of report.tensors) console.log(`${c.name} right ${t.name}: maxdiff = ${t.max_abs_diff}`);
    assert.equal(code, 0);
    assert.equal(report.ok, true);
    assert.equal(report.cause, null);
  });

  test(`${c.name}: the wrong loop differs, and its mistake is named (exit 1)`, () => {
    const { code, report } = against(c, join(DIR, c.name, 'wrong.npz'));
    assert.equal(code, 1);
    assert.equal(report.ok, false);
    assert.equal(report.cause?.id, c.mistake);
    const out = report.tensors.find((t) => t.name === 'out')!;
    assert.ok(!out.ok || !report.tensors.every((t) => t.ok));
    assert.ok(report.tensors.some((t) => t.slices.some((s) => !s.ok)), 'a slice is named as the one that differs');
  });
}

test('layers-read-x: the first difference is the top layer at t=0, h_n differs from layer 1 up', () => {
  const c = index.cases.find((k) => k.name === 'layers-read-x')!;
  const { report } = against(c, join(DIR, c.name, 'wrong.npz'));
  const out = report.tensors.find((t) => t.name === 'out')!;
  assert.equal(out.first_t, 0);
  const hn = report.tensors.find((t) => t.name === 'h_n')!;
  assert.deepEqual(hn.slices.map((s) => s.ok), [true, false, false]);
});

test("out saved time-first from a batch-first module: the layout is named", (t) => {
  const c = index.cases.find((k) => k.name === 'layers-read-x')!;
  const dir = tempDir(t);
  // The right loop's out is (T, B, H); a batch-first module's out is (B, T, H) for x given batch-first.
  const right = readTensorsFile(join(DIR, c.name, 'right.npz')).tensors;
  const x = readTensorFile(join(DIR, c.name, 'x.npy')).tensor;
  const [T, B, I] = x.shape as [number, number, number];
  const xb = new Tensor(new Float32Array(x.size), [B, T, I]);
  for (let s = 0; s < T; s++) for (let b = 0; b < B; b++) xb.data.set(x.data.subarray((s * B + b) * I, (s * B + b + 1) * I), (b * T + s) * I);
  writeTensorsFile(join(dir, 'xb.npz'), new Map([['x', xb]]));
  writeTensorsFile(join(dir, 'mine.npz'), new Map([['out', right.get('out')!.tensor], ['h_n', right.get('h_n')!.tensor]]));
  const r = runCli(['compare', '--weights', join(DIR, c.name, 'weights.pt'), '--input', join(dir, 'xb.npz'), '--batch-first', '--against', join(dir, 'mine.npz'), '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout) as CompareReport;
  assert.equal(report.against?.cause?.id, 'batch-layout');
  assert.equal(report.against?.tensors[0]?.max_abs_diff, null, 'the shapes differ');
});

test('a difference no known mistake explains: no cause, the first difference still given', (t) => {
  const c = index.cases.find((k) => k.name === 'padded-steps')!;
  const dir = tempDir(t);
  const right = readTensorsFile(join(DIR, c.name, 'right.npz')).tensors;
  const out = right.get('out')!.tensor.clone();
  const T = out.shape[0]!;
  const at = (T - 1) * out.shape[1]! * out.shape[2]!; // t = T-1, batch 0, feature 0
  out.data[at] = out.data[at]! + 0.5;
  writeTensorsFile(join(dir, 'mine.npz'), new Map([['out', out], ['h_n', right.get('h_n')!.tensor], ['c_n', right.get('c_n')!.tensor], ['logits', out]]));
  const { code, report } = against(c, join(dir, 'mine.npz'));
  assert.equal(code, 1);
  assert.equal(report.cause, null);
  assert.equal(report.tensors[0]?.first_t, T - 1);
  assert.deepEqual(report.ignored, ['logits']);
});

test('--against without h_n, or of a file that is not there: exit 2 and one line', (t) => {
  const c = index.cases.find((k) => k.name === 'layers-read-x')!;
  const dir = tempDir(t);
  const right = readTensorsFile(join(DIR, c.name, 'right.npz')).tensors;
  writeTensorsFile(join(dir, 'only-out.npz'), new Map([['out', right.get('out')!.tensor]]));
  assertUserError(args(c, join(dir, 'only-out.npz')), /--against .*expected tensors named out, h_n .*missing h_n/);
  assertUserError(args(c, join(dir, 'none.npz')), /none\.npz/);
});
