/**
 * Warnings through the built CLI: every document's `warnings` are `{code, message}` with a code
 * from src/warnings.ts; every code fires on the data it is about and stays quiet on the right
 * data; the text output prints the message. The data-layout warnings are the mistakes PyTorch
 * runs without an error (token ids read as features, an h_0 whose batch equals its layers, x
 * padded in the other layout); the layout mistakes that do fail say so in their error.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeNpy } from '../../src/io/index.js';
import { doctorReportSchema, runReportSchema, type DoctorReport } from '../../src/schema/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { warningCodes, type WarningCode } from '../../src/warnings.js';
import { assertUserError, plain, runCli, runJson } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

const models = (name: string): string => fileURLToPath(new URL(`../fixtures/models/${name}`, import.meta.url));
const seedFile = (name: string): string => fileURLToPath(new URL(`../fixtures/files/seed/${name}`, import.meta.url));
const dir = tempDir();

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** doctor's document, whether the shapes fit (exit 0) or not (exit 1). */
function doctorJson(args: string[]): DoctorReport {
  const r = runCli(['doctor', ...args, '--format', 'json']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return doctorReportSchema.parse(JSON.parse(r.stdout));
}

type Warned = { warnings: { code: WarningCode; message: string }[] };

/** A float32 .npy of `shape` holding `values` (a function of the flat index). */
function f32(name: string, shape: number[], values: (i: number) => number): string {
  const size = shape.reduce((a, b) => a * b, 1);
  return file(name, encodeNpy(new Tensor(Float32Array.from({ length: size }, (_, i) => values(i)), shape)));
}

/** An int64 .npy, as numpy.save writes one (little-endian '<i8', header padded to 64 bytes). */
function i64(name: string, shape: number[], values: (i: number) => number): string {
  const size = shape.reduce((a, b) => a * b, 1);
  let header = `{'descr': '<i8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const bytes = new Uint8Array(10 + header.length + size * 8);
  bytes.set([0x93, ...'NUMPY'.split('').map((c) => c.charCodeAt(0)), 1, 0], 0);
  const view = new DataView(bytes.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) bytes[10 + i] = header.charCodeAt(i);
  for (let i = 0; i < size; i++) view.setBigInt64(10 + header.length + i * 8, BigInt(values(i)), true);
  return file(name, bytes);
}

/** x (n, n, features) with random-looking data padded with zeros past each length, batch-first or time-first. */
function padded(name: string, n: number, features: number, lengths: readonly number[], batchFirst: boolean): string {
  return f32(name, [n, n, features], (i) => {
    const [d0, d1] = [Math.floor(i / (n * features)), Math.floor(i / features) % n];
    const [b, step] = batchFirst ? [d0, d1] : [d1, d0];
    return step < lengths[b]! ? Math.sin(i + 1) : 0;
  });
}

// explain writes warnings only when there are some.
const codes = (args: string[]): WarningCode[] => (runJson<Partial<Warned>>([...args, '--format', 'json']).warnings ?? []).map((w) => w.code);

const LENGTHS = [4, 1, 3, 2];
const fixtures = {
  ids: i64('ids16.npy', [5, 16], (i) => i % 50),
  idsAsFloat: f32('ids16f.npy', [5, 16], (i) => i % 50),
  idsForRnn: i64('ids100.npy', [5, 1, 100], (i) => i % 50),
  inf: f32('xinf.npy', [2, 1, 100], (i) => (i === 3 ? Infinity : 0.5)),
  finite: f32('xfin.npy', [2, 1, 100], () => 0.5),
  huge: f32('xhuge.npy', [3, 2, 100], () => 3e38),
  h0Square: f32('h0_22.npy', [2, 2, 20], () => 0),
  h0Other: f32('h0_23.npy', [2, 3, 20], () => 0),
  batchFirstPadded: padded('bf.npy', 4, 3, LENGTHS, true),
  timeFirstPadded: padded('tf.npy', 4, 3, LENGTHS, false),
};
const lengths = ['--lengths', LENGTHS.join(',')];

/** For each code: a run it fires on, and the nearest run on the right data it does not fire on. Exhaustive by type. */
const CASES: Record<WarningCode, { fires: string[]; quiet: string[] }> = {
  'dropout-single-layer': { fires: ['--dropout', '0.2'], quiet: ['--dropout', '0.2', '--layers', '2'] },
  'non-finite-accepted': { fires: ['--input', fixtures.inf, '--allow-nonfinite'], quiet: ['--input', fixtures.finite, '--allow-nonfinite'] },
  'non-finite-value': { fires: ['--input', fixtures.huge, '--nonlinearity', 'relu'], quiet: ['--input', fixtures.finite, '--nonlinearity', 'relu'] },
  'backward-left-out': { fires: ['explain', '--seq-len', '100', '--max-memory', '500K'], quiet: ['explain', '--seq-len', '100'] },
  'token-ids-as-features': { fires: ['--weights', models('sentiment.pt'), '--input', fixtures.ids], quiet: ['--weights', models('sentiment.pt'), '--input', fixtures.idsAsFloat] },
  'h0-batch-equals-layers': { fires: ['--layers', '2', '--batch', '2', '--h0', fixtures.h0Square], quiet: ['--layers', '2', '--batch', '3', '--h0', fixtures.h0Other] },
  'lengths-padding-other-layout': { fires: ['--input', fixtures.batchFirstPadded, ...lengths], quiet: ['--input', fixtures.batchFirstPadded, ...lengths, '--batch-first'] },
};

describe('every warning code', () => {
  test('the schemas list exactly the codes of src/warnings.ts', () => {
    for (const document of ['run', 'compare', 'pipeline', 'doctor', 'explain', 'grad']) {
      const schema = runJson<{ properties: { warnings: { items: { properties: { code: { enum: string[] } }; required: string[] } } } }>(['schema', document]);
      const item = schema.properties.warnings.items;
      assert.deepEqual(item.properties.code.enum, warningCodes, document);
      assert.deepEqual([...item.required].sort(), ['code', 'message'], document);
    }
  });

  test("README's table of codes lists every code, in the same order", () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const listed = [...readme.matchAll(/^\| `([a-z0-9-]+)` \| /gm)].map((m) => m[1]!).filter((c) => (warningCodes as readonly string[]).includes(c));
    assert.deepEqual(listed, warningCodes);
  });

  for (const [code, { fires, quiet }] of Object.entries(CASES) as [WarningCode, (typeof CASES)[WarningCode]][]) {
    test(`${code}: fires on its data, quiet on the right data`, () => {
      assert.ok(codes(fires).includes(code), `${code} on ${fires.join(' ')}`);
      assert.ok(!codes(quiet).includes(code), `no ${code} on ${quiet.join(' ')}`);
    });
  }

  test('the text output prints the message after "warning: "', () => {
    const doc = runJson<Warned>([...CASES['h0-batch-equals-layers'].fires, '--format', 'json']);
    runReportSchema.parse(doc);
    const text = plain(runCli([...CASES['h0-batch-equals-layers'].fires, '--width', '1000']).stdout);
    assert.ok(text.includes(`warning: ${doc.warnings[0]!.message}`), text);
  });
});

describe('token ids given to the recurrent module of a model with an Embedding', () => {
  test('read as features: the warning names the Embedding and the command that embeds them', () => {
    const [w] = runJson<Warned>(['--weights', models('sentiment.pt'), '--input', fixtures.ids, '--format', 'json']).warnings;
    assert.match(w!.message, /ids16\.npy holds integers \(int64\), token ids it seems, and .*sentiment\.pt holds an Embedding \(embedding, Embedding\(50, 16\)\), but lstm reads x \(5, 16\) as 16 features per step, not as ids: embed them first, as the model does: rnn-inspect pipeline --weights .*sentiment\.pt --input .*ids16\.npy$/);
  });

  test('integers with weights that hold no Embedding: no warning', () => {
    assert.deepEqual(codes(['--weights', seedFile('weights.pt'), '--input', fixtures.idsForRnn]), []);
  });

  test("ids that do not fit input_size: the error says they look like token ids (PyTorch's Expected 16, got 35 first)", () => {
    const r = assertUserError(['--weights', models('sentiment.pt'), '--input', models('ids.npy')], /^error: x: input\.size\(-1\) must be equal to input_size\. Expected 16, got 35 \(.*\); .*ids\.npy holds integers \(int64\), token ids it seems, and .*sentiment\.pt holds an Embedding \(embedding, Embedding\(50, 16\)\): embed them first/);
    assert.doesNotMatch(r.stderr, /warning/);
    // A float file of the same shape is not token ids: the error stays PyTorch's and ours.
    const floats = assertUserError(['--weights', models('sentiment.pt'), '--input', models('ids_float.npy')], /Expected 16, got 35/);
    assert.doesNotMatch(floats.stderr, /token ids/);
  });
});

describe('an h_0 whose batch equals num_layers * num_directions', () => {
  test('run: bidirectional counts its directions; a batch of 1 reads the same either way', () => {
    const h0 = f32('h0_bi.npy', [2, 2, 20], () => 0);
    assert.ok(codes(['--bidirectional', '--batch', '2', '--h0', h0]).includes('h0-batch-equals-layers'));
    const h0One = f32('h0_1.npy', [1, 1, 20], () => 0);
    assert.ok(!codes(['--batch', '1', '--h0', h0One]).includes('h0-batch-equals-layers'));
  });

  test('an LSTM given only c_0 of that shape is refused (the pair), so it never warns; given the pair, it warns once', () => {
    const c0 = f32('c0_22.npy', [2, 2, 20], () => 0);
    assertUserError(['--type', 'lstm', '--layers', '2', '--batch', '2', '--c0', c0], /got only c_0/);
    const both = codes(['--type', 'lstm', '--layers', '2', '--batch', '2', '--h0', fixtures.h0Square, '--c0', c0]);
    assert.deepEqual(both, ['h0-batch-equals-layers']);
  });

  test('doctor: the same warning from the shapes, in JSON and in the text; quiet with another batch', () => {
    const args = ['--layers', '2', '--x-shape', '5,2,8', '--h0-shape', '2,2,20'];
    const doc = doctorJson(args);
    assert.equal(doc.ok, true);
    assert.deepEqual(doc.warnings.map((w) => w.code), ['h0-batch-equals-layers']);
    assert.match(doc.warnings[0]!.message, /^h_0 \(2, 2, 20\): batch = 2 = num_layers \* num_directions/);
    assert.ok(plain(runCli(['doctor', ...args, '--width', '1000']).stdout).includes(`warning: ${doc.warnings[0]!.message}`));
    const other = doctorJson(['--layers', '2', '--x-shape', '5,3,8', '--h0-shape', '2,3,20']);
    assert.deepEqual(other.warnings, []);
  });

  test('compare carries the setup warnings too', () => {
    assert.ok(codes(['compare', ...CASES['h0-batch-equals-layers'].fires]).includes('h0-batch-equals-layers'));
  });
});

describe('x padded in the other layout (as many sequences as steps, so every shape fits)', () => {
  test('batch-first data read time-first, and time-first data read batch-first', () => {
    const [w] = runJson<Warned>(['--input', fixtures.batchFirstPadded, ...lengths, '--format', 'json']).warnings;
    assert.match(w!.message, /^x \(4, 4, 3\) is read time-first \(seq_len, batch, features\), but its zeros past each length \(lengths 4,1,3,2\) sit where batch-first .*: pass --batch-first/);
    assert.deepEqual(codes(['--input', fixtures.timeFirstPadded, ...lengths, '--batch-first']), ['lengths-padding-other-layout']);
    assert.deepEqual(codes(['--input', fixtures.timeFirstPadded, ...lengths]), []);
  });

  test('lengths whose staircase is its own transpose (4,3,2,1) cannot tell the layouts apart: no warning', () => {
    const symmetric = padded('sym.npy', 4, 3, [4, 3, 2, 1], true);
    assert.deepEqual(codes(['--input', symmetric, '--lengths', '4,3,2,1']), []);
  });
});

describe('the layout mistakes that fail: their error names the other layout', () => {
  // Batch-first data (3 sequences of 10 steps), read time-first without --batch-first: seq_len 3, batch 10.
  const x = f32('x_bf.npy', [3, 10, 5], (i) => Math.cos(i));

  test('--lengths as many as x has steps, the longest as long as its batch: both signs are named', () => {
    assertUserError(['--input', x, '--lengths', '10,7,3'], /got 3 \(batch_size=10\); there are 3 lengths, the size of x's dimension 0 \(seq_len here\), and the longest length, 10, is the size of x's dimension 1 \(the batch here\): x looks batch-first \(batch, seq_len, features\), but the module has batch_first=False$/);
    assertUserError(['--input', x, '--lengths', '10,7'], /got 2 \(batch_size=10\); the longest length, 10, is the size of x's dimension 1 \(the batch here\): x looks batch-first/);
    assert.deepEqual(codes(['--input', x, '--lengths', '10,7,3', '--batch-first']), []);
  });

  test("an h_0 built for x's other dimension: its error names the other layout; with --batch-first it runs", () => {
    const h0 = f32('h0_3.npy', [1, 3, 20], () => 0);
    assertUserError(['--input', x, '--h0', h0], /^error: h_0: Expected hidden size \(1, 10, 20\), got \[1, 3, 20\]; h_0's batch must equal x's batch, 10; 3 is the size of x's dimension 0 \(seq_len here\): x looks batch-first \(batch, seq_len, features\), but the module has batch_first=False$/);
    assert.deepEqual(codes(['--input', x, '--h0', h0, '--batch-first']), []);
    // Another batch altogether: the plain hint.
    const h0Other = f32('h0_7.npy', [1, 7, 20], () => 0);
    assertUserError(['--input', x, '--h0', h0Other], /h_0's batch must equal x's batch, 10$/);
  });

  test('doctor names the cause for the same shapes, and fits with --batch-first', () => {
    const doc = doctorJson(['--x-shape', '3,10,5', '--lengths', '10,7,3']);
    assert.equal(doc.ok, false);
    assert.equal(doc.problems[0]!.cause_id, 'lengths-x-batch-first-order');
    assert.match(doc.problems[0]!.message, /the longest length, 10, is the size of x's dimension 1/);
    assert.equal(doctorJson(['--x-shape', '3,10,5', '--lengths', '10,7,3', '--batch-first']).ok, true);
  });
});

describe("an LSTM's state is a pair", () => {
  test('h_0 alone, or c_0 alone: the error says PyTorch takes the pair and which zeros to pass', () => {
    const h0 = f32('h0_lstm.npy', [1, 3, 20], () => 0);
    assertUserError(['--type', 'lstm', '--h0', h0], /^error: c_0: expected both h_0 and c_0 for LSTM \(PyTorch takes the pair \(h_0, c_0\)\), got only h_0; pass zeros for the one you lack, c_0 = torch\.zeros\(1, 3, 20\) \(a file of zeros of that shape\), or neither for zeros in both$/);
    // With proj_size, h has proj_size features (c keeps hidden_size).
    assertUserError(['--type', 'lstm', '--proj-size', '5', '--c0', h0], /got only c_0; pass zeros for the one you lack, h_0 = torch\.zeros\(1, 3, 5\)/);
    const doc = doctorJson(['--type', 'lstm', '--x-shape', '10,3,100', '--h0-shape', '1,3,20']);
    assert.match(doc.problems[0]!.message, /c_0 = torch\.zeros\(1, 3, 20\)/);
  });
});
