/**
 * Non-finite numbers are reported, not hidden, and absurd sizes are refused before anything is
 * allocated. The overflowing network: an RNN with ReLU and every weight 1e30 on x = 1 (batch
 * element 0; element 1 reads -1, which ReLU turns into 0): h at t=0 is 2e30, at t=1 it passes
 * float32's 3.4e38 and is Infinity.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compareReportSchema, explainReportSchema, pipelineReportSchema, runReportSchema, stepEventSchema } from '../../src/schema/index.js';
import { assertUserError, plain, runCli, runJson as runJsonAs, tempDir, writeJson } from './cli.js';

/** The documents these tests read, as parsed JSON (their shape is checked against the schemas where it matters). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;
const runJson = (args: string[], opts?: Parameters<typeof runJsonAs>[1]): Doc => runJsonAs<Doc>(args, opts);

const dir = tempDir();

/** A float32 .npy file (format 1.0, C order), the way numpy.save writes one. */
function npy(name: string, shape: number[], values: number[]): string {
  const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  const text = header + ' '.repeat(pad % 64) + '\n';
  const file = join(dir, name);
  const data = Buffer.from(new Float32Array(values).buffer);
  writeFileSync(file, Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY', 'latin1'), Buffer.from([1, 0, text.length & 0xff, text.length >> 8]), Buffer.from(text, 'latin1'), data]));
  return file;
}
const big = 1e30;
const fill = (rows: number, cols: number, v: number): number[][] => Array.from({ length: rows }, () => Array<number>(cols).fill(v));
const weights = { weight_ih_l0: fill(2, 2, big), weight_hh_l0: fill(2, 2, big), bias_ih_l0: [0, 0], bias_hh_l0: [0, 0] };
const W = writeJson(dir, 'w.json', weights);
// (seq_len 4, batch 2, input 2)
const X = writeJson(dir, 'x.json', Array.from({ length: 4 }, () => [[1, 1], [-1, -1]]));
const OVERFLOW = ['--weights', W, '--input', X, '--nonlinearity', 'relu'];
const FIRST = { layer: 0, direction: 'forward', t: 1, batch: 0, value: 'Infinity' };

describe('an overflowing ReLU network', () => {
  test('the table says in words where h first held Infinity; h_n equals out (equal infinities are equal)', () => {
    const r = runCli(OVERFLOW);
    assert.equal(r.code, 0, r.stderr);
    const text = plain(r.stdout);
    assert.match(text, /warning: non-finite value: h of layer 0 first held Infinity at t=1, batch element 0/);
    assert.match(text, /out\[-1, :, :\] ✓ equal/);
    assert.doesNotMatch(text, /differs by/);
    assert.match(text, /first non-finite/, 'the trace marks the steps');
    assert.match(text, /Infinity in b0/);
  });

  test('JSON: "Infinity" strings, never null for a number; a warning and non_finite with the location; valid', () => {
    const r = runCli([...OVERFLOW, '--format', 'json', '--trace', 'full', '--include-tensors']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"norm": "Infinity"/);
    const doc = JSON.parse(r.stdout);
    const nulls: string[] = [];
    const walk = (v: unknown, path: string): void => {
      if (v === null) nulls.push(path);
      else if (typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
    };
    walk(doc, '');
    assert.deepEqual(nulls, ['.lengths'], 'no number written as null');
    assert.deepEqual(doc.non_finite, FIRST);
    assert.equal(doc.warnings.length, 1);
    assert.equal(doc.warnings[0].code, 'non-finite-value');
    assert.match(doc.warnings[0].message, /layer 0 first held Infinity at t=1, batch element 0/);
    assert.deepEqual(doc.layers[0].steps[1].non_finite, { batch: 0, value: 'Infinity' });
    assert.equal(doc.layers[0].steps[0].non_finite, undefined);
    assert.equal(doc.tensors.h_n[0][0][0], 'Infinity');
    assert.equal(doc.h_n_slices[0].max_abs_diff, 0);
    const parsed = runReportSchema.parse(doc);
    assert.equal(parsed.layers[0]!.steps[1]!.norm, Infinity, 'the schema reads the strings back as numbers');
  });

  test('the statistics-only trace reports the same place as the full one', () => {
    for (const trace of ['summary', 'none']) {
      const doc = runJson([...OVERFLOW, '--format', 'json', '--trace', trace]);
      assert.deepEqual(doc.non_finite, FIRST, trace);
      runReportSchema.parse(doc);
    }
  });

  test('NDJSON step events carry the strings and the element, valid', () => {
    const r = runCli([...OVERFLOW, '--format', 'ndjson']);
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const steps = events.filter((e) => e.event === 'step');
    steps.forEach((s) => stepEventSchema.parse(s));
    assert.deepEqual(steps[1].non_finite, { batch: 0, value: 'Infinity' });
    assert.deepEqual(events.at(-1).non_finite, FIRST);
  });

  test('--strict: the output is written, then exit 1 naming the place', () => {
    const r = runCli([...OVERFLOW, '--format', 'json', '--strict']);
    assert.equal(r.code, 1);
    assert.deepEqual(JSON.parse(r.stdout).non_finite, FIRST);
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.stderr);
    assert.equal(lines[0], 'error: --strict: expected finite values, got Infinity in h of layer 0 (forward) at t=1, batch element 0');
    assert.equal(runCli(['--strict']).code, 0, 'a finite run passes --strict');
  });

  test('two threads: the element keeps its index in the whole batch', () => {
    // Batch 4: only element 3 reads x = 1, so only it overflows; two slices hold elements 0-1 and 2-3.
    const x4 = writeJson(dir, 'x4.json', Array.from({ length: 4 }, () => [[-1, -1], [-1, -1], [-1, -1], [1, 1]]));
    const args = ['--weights', W, '--input', x4, '--nonlinearity', 'relu', '--format', 'json', '--threads', '2'];
    const env = { RNN_INSPECT_PARALLEL_MIN_FLOPS: '0' };
    for (const trace of ['summary', 'full']) {
      const doc = runJson([...args, '--trace', trace], { env });
      assert.deepEqual(doc.non_finite, { ...FIRST, batch: 3 }, trace);
      assert.deepEqual(doc.layers[0].steps[1].non_finite, { batch: 3, value: 'Infinity' }, trace);
    }
  });

  test('explain: the warning in the text and in JSON; --strict exits 1', () => {
    const text = runCli(['explain', ...OVERFLOW]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(plain(text.stdout), /warning: non-finite value: h of layer 0 first held Infinity at t=1, batch element 0/);
    const doc = runJson(['explain', ...OVERFLOW, '--format', 'json']);
    explainReportSchema.parse(doc);
    assert.deepEqual(doc.non_finite, FIRST);
    assert.equal(doc.checks[0].equal, true, 'out[-1] and h_n[-1] are the same infinities');
    assert.equal(runCli(['explain', ...OVERFLOW, '--strict']).code, 1);
  });

  test('compare: the tolerance comes from finite values, so it stays finite; both passes are located', () => {
    const doc = runJson(['compare', ...OVERFLOW, '--format', 'json']);
    compareReportSchema.parse(doc);
    assert.ok(doc.results.every((r: { tolerance: number }) => Number.isFinite(r.tolerance)));
    assert.equal(doc.ok, true, 'automatic and manual hold the same infinities');
    assert.deepEqual(doc.non_finite, { automatic: FIRST, manual: FIRST });
    assert.deepEqual(doc.warnings.map((w: { code: string }) => w.code), ['non-finite-value', 'non-finite-value']);
    assert.match(doc.warnings[0].message, /^automatic pass: non-finite value: h of layer 0/);
    assert.match(doc.warnings[1].message, /^manual pass: non-finite value: h of layer 0/);
    const strict = runCli(['compare', ...OVERFLOW, '--strict']);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /^error: --strict: expected finite values, got Infinity in automatic pass: h of layer 0/);
  });

  test('pipeline: each module reports its own; --strict exits 1', () => {
    const spec = writeJson(dir, 'spec.json', { modules: [{ name: 'rnn1', type: 'rnn', input_size: 2, hidden_size: 2, nonlinearity: 'relu' }] });
    const composed = writeJson(dir, 'composed.json', Object.fromEntries(Object.entries(weights).map(([k, v]) => [`rnn1.${k}`, v])));
    const args = ['pipeline', '--spec', spec, '--weights', composed, '--input', X];
    const doc = runJson([...args, '--format', 'json']);
    pipelineReportSchema.parse(doc);
    assert.deepEqual(doc.modules[0].non_finite, FIRST);
    assert.match(plain(runCli(args).stdout), /warning: rnn1: non-finite value: h of layer 0 first held Infinity/);
    const strict = runCli([...args, '--strict']);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /^error: --strict: expected finite values, got Infinity in module rnn1: h of layer 0/);
  });
});

describe('NaN', () => {
  // (seq_len 2, batch 1, input 2); JSON has no NaN, numpy's files do.
  const xNaN = npy('xnan.npy', [2, 1, 2], [1, NaN, 3, 4]);

  test('an input with NaN is refused, naming --allow-nonfinite', () => {
    assertUserError(['--input', xNaN], /x \(.*xnan\.npy\): expected finite numbers, got NaN at \[0, 0, 1\] \(--allow-nonfinite accepts them\)/);
  });

  test('compare with a NaN on both sides: not comparable, not ok, exit 1, said so', () => {
    const r = runCli(['compare', '--input', xNaN, '--allow-nonfinite', '--format', 'json']);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.stdout);
    compareReportSchema.parse(doc);
    assert.equal(doc.ok, false);
    const out = doc.results.find((x: { name: string }) => x.name === 'out');
    assert.ok(out.not_comparable > 0, JSON.stringify(out));
    assert.equal(out.ok, false);
    assert.match(r.stderr, /^error: compare: expected values that can be compared, got NaN on both sides in out \(\d+\)/);
    const table = plain(runCli(['compare', '--input', xNaN, '--allow-nonfinite']).stdout);
    assert.match(table, /NOT COMPARABLE \(\d+ NaN on both sides\)/);
  });

  test('run: h_n against out is not comparable, in words; JSON counts it', () => {
    const r = runCli(['--input', xNaN, '--allow-nonfinite']);
    assert.equal(r.code, 0, r.stderr);
    const text = plain(r.stdout);
    assert.match(text, /\? not comparable: 20 value\(s\) NaN on both sides/);
    assert.match(text, /warning: x \(.*\) holds non-finite values \(the first: NaN at \[0, 0, 1\]\); accepted with --allow-nonfinite/);
    const doc = runJson(['--input', xNaN, '--allow-nonfinite', '--format', 'json']);
    runReportSchema.parse(doc);
    assert.equal(doc.h_n_slices[0].not_comparable, 20);
    assert.deepEqual(doc.non_finite, { layer: 0, direction: 'forward', t: 0, batch: 0, value: 'NaN' });
  });

  test('--allow-nonfinite accepts an Infinity input', () => {
    const xInf = npy('xinf.npy', [2, 1, 2], [1, Infinity, 3, 4]);
    assertUserError(['--input', xInf], /expected finite numbers, got Infinity at \[0, 0, 1\]/);
    const doc = runJson(['--input', xInf, '--allow-nonfinite', '--format', 'json']);
    const accepted = doc.warnings.filter((w: { code: string }) => w.code === 'non-finite-accepted');
    assert.equal(accepted.length, 1);
    assert.match(accepted[0].message, /holds non-finite values \(the first: Infinity at \[0, 0, 1\]\)/);
  });
});

describe('absurd sizes are refused before anything is allocated', () => {
  test('--layers 1000000000: refused with the estimate, in well under a second of work', () => {
    const start = performance.now();
    const r = assertUserError(['--layers', '1000000000'], /^error: --max-memory: expected a run within 2\.0 GiB, got an estimate of [\d.]+ TiB \(seq_len 10 × batch 3 × 1000000000 layer\(s\)/);
    const ms = performance.now() - start;
    // The whole process, start-up included (about 0.3 s here); before, this ran for minutes.
    assert.ok(ms < 3000, `took ${ms} ms`);
    assert.equal(r.stdout, '');
  });

  test('compare and explain estimate too', () => {
    assertUserError(['compare', '--layers', '1000000000'], /^error: --max-memory: expected a run within/);
    assertUserError(['explain', '--layers', '1000000000'], /^error: --max-memory: expected a run within/);
  });

  test('a spec with hidden_size 1e12: refused with the estimate (exit 2), not an internal error', () => {
    const spec = writeJson(dir, 'huge.json', { modules: [{ name: 'a', type: 'rnn', input_size: 10, hidden_size: 1e12 }] });
    assertUserError(['pipeline', '--spec', spec], /^error: --max-memory: expected a pipeline within 2\.0 GiB, got an estimate of [\d.]+ EiB \(1 module, the largest a with/);
    assertUserError(['doctor', '--spec', spec, '--x-shape', '10,3,10'], /^error: --max-memory: expected the spec's parameters within 2\.0 GiB/);
  });

  test('a spec with 100000 modules: refused cleanly, quickly', () => {
    const modules = Array.from({ length: 100000 }, (_, i) => ({ name: `m${i}`, type: 'rnn', input_size: 2, hidden_size: 2 }));
    const spec = writeJson(dir, 'many.json', { modules });
    const start = performance.now();
    assertUserError(['pipeline', '--spec', spec], /^error: .*many\.json: modules: expected at most 1000 modules$/);
    assert.ok(performance.now() - start < 5000);
  });

  test('doctor with num_layers 1e9 ends quickly', () => {
    const start = performance.now();
    const r = runCli(['doctor', '--layers', '1000000000', '--x-shape', '3,10,100']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(plain(r.stdout), /\(1000000000, 10, 20\)/);
    assert.ok(performance.now() - start < 3000);
  });

  test('inspect: a file claiming a tensor of 1e12 values is refused quickly', () => {
    // A .npy header that promises (1e12,) float32 with no data behind it.
    const file = npy('huge.npy', [1e12], []);
    const start = performance.now();
    const r = runCli(['inspect', file]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1);
    assert.ok(performance.now() - start < 3000);
  });
});
