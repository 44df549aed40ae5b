// Real files in, real files out: the seed example as files written by numpy and torch
// (test/fixtures/files/seed, from the shared golden set), run through the CLI with no Python.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readTensorFile, readTensorsFile } from '../../src/io/index.js';
import { inspectReportSchema, isRecurrentInspected, type InspectReport, type PipelineReport, type RunReport } from '../../src/schema/index.js';
import { isRecurrentModuleReport } from '../../src/schema/pipeline.js';
import { item } from '../helpers/checked.js';
import { assertUserError, plain, runCli, runJson } from '../helpers/cli.js';
import { readJson, tempDir } from '../helpers/files.js';
import { at, flatten, maxAbsDiff } from '../helpers/nested.js';

const SEED = fileURLToPath(new URL('../fixtures/files/seed/', import.meta.url));
const GEN = fileURLToPath(new URL('../fixtures/files/generated/', import.meta.url));
const golden = readJson<{ outputs: { out: unknown; h_n: unknown } }>(join(SEED, 'rnn_seed_example.json'));
const seedRun = (weights: string): string[] => ['--weights', join(SEED, weights), '--input', join(SEED, 'x.npy'), '--h0', join(SEED, 'h_0.npy'), '--batch-first'];

for (const weights of ['weights.pt', 'weights.npz', 'weights.safetensors']) {
  test(`inspect ${weights} reports the seed example's RNN`, () => {
    const doc = runJson<InspectReport>(['inspect', join(SEED, weights), '--format', 'json']);
    inspectReportSchema.parse(doc);
    assert.equal(doc.modules.length, 1);
    const m = item(doc.modules, 0, 'modules');
    assert.ok(isRecurrentInspected(m));
    assert.deepEqual(
      [m.type, m.input_size, m.hidden_size, m.num_layers, m.bidirectional, m.bias, m.proj_size, m.prefix],
      ['rnn', 100, 20, 4, false, true, 0, ''],
    );
    assert.equal(m.module, 'RNN(100, 20, num_layers=4)');
    assert.equal(doc.tensors.length, 16);
    assert.match(doc.notes.join(' '), /nonlinearity cannot be seen in weights/);
  });

  test(`--weights ${weights} --input x.npy --h0 h_0.npy reproduces PyTorch within 1e-5`, () => {
    const doc = runJson<RunReport>([...seedRun(weights), '--format', 'json', '--include-tensors', '--trace', 'none']);
    assert.equal(doc.module, 'RNN(100, 20, num_layers=4, batch_first=True)', 'sizes come from the weights, no size flags');
    for (const name of ['out', 'h_n'] as const) {
      const diff = maxAbsDiff(doc.tensors?.[name], golden.outputs[name]);
      console.log(`${weights} ${name}: maxdiff = ${diff.toExponential(2)}`);
      assert.ok(diff <= 1e-5, `${name}: ${diff}`);
    }
  });
}

test('inspect: the table lists modules and tensors, and safetensors metadata', () => {
  const r = runCli(['inspect', join(SEED, 'weights.safetensors')]);
  assert.equal(r.code, 0, r.stderr);
  const out = plain(r.stdout);
  assert.match(out, /RNN\(100, 20, num_layers=4\)/);
  assert.match(out, /weight_ih_l0 .* \(20, 100\)/);
  assert.match(out, /Metadata\n\s+format: pt/);
});

test('inspect: a composed checkpoint lists each module with its prefix; --module picks one', () => {
  const file = join(GEN, 'composed.pt');
  const doc = runJson<InspectReport>(['inspect', file, '--format', 'json']);
  // The Linear head (head.weight, head.bias) is listed too; --module picks among the recurrent ones.
  assert.deepEqual(doc.modules.filter((m) => !isRecurrentInspected(m)).map((m) => [m.name, m.module]), [['head', 'Linear(in_features=2, out_features=1, bias=True)']]);
  const recurrent = doc.modules.filter(isRecurrentInspected);
  const prefixes = recurrent.map((m) => m.prefix);
  assert.ok(prefixes.length >= 2, `modules: ${prefixes}`);
  const r = runCli(['--weights', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`^error: --module: .* holds ${prefixes.length} recurrent modules; expected --module with one of`));
  const one = runJson<RunReport>(['--weights', file, '--module', item(prefixes, 1, 'prefixes').replace(/\.$/, ''), '--format', 'json', '--trace', 'none']);
  const second = item(recurrent, 1, 'modules');
  assert.equal(one.config.input_size, second.input_size);
  assert.equal(one.config.type, second.type);
  const bad = runCli(['--weights', file, '--module', 'nope']);
  assert.match(bad.stderr, /^error: --module: expected one of .*, got "nope"/);
});

test('an LSTM with projections from a .pt runs with its inferred configuration', () => {
  const doc = runJson<RunReport>(['--weights', join(GEN, 'lstm_proj.pt'), '--format', 'json', '--trace', 'none']);
  assert.equal(doc.config.type, 'lstm');
  assert.ok(doc.config.proj_size > 0);
  assert.equal(doc.shapes.h_n.at(-1), doc.config.proj_size);
  assert.equal(doc.shapes.c_n?.at(-1), doc.config.hidden_size);
});

test('a flag that contradicts the checkpoint is an error naming both', () => {
  const r = runCli(['--weights', join(SEED, 'weights.pt'), '--layers', '2']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: --layers 2 contradicts .*weights.pt: it holds num_layers 4\n$/);
});

test('x_unbatched.csv runs unbatched and matches batch element 0 of the golden out', () => {
  const doc = runJson<RunReport>(['--weights', join(SEED, 'weights.pt'), '--input', join(SEED, 'x_unbatched.csv'), '--format', 'json', '--include-tensors', '--trace', 'none']);
  assert.deepEqual(doc.shapes.x, [10, 100]);
  assert.equal(doc.config.unbatched, true);
  // The golden run had a non-zero h_0; from zeros, element 0's out differs, but its shape and layout match.
  assert.deepEqual(doc.shapes.out, [10, 20]);
  const again = runJson<RunReport>(['--weights', join(SEED, 'weights.pt'), '--input', join(SEED, 'x.npy'), '--batch-first', '--format', 'json', '--include-tensors', '--trace', 'none']);
  assert.ok(maxAbsDiff(doc.tensors?.out, at(again.tensors?.out, 0)) <= 1e-6, 'the CSV is batch element 0 of x.npy');
});

test('--save writes out, h_n to .npz, .safetensors and .json, and out alone to .npy', () => {
  const dir = tempDir();
  for (const ext of ['npz', 'safetensors', 'json']) {
    const file = join(dir, `result.${ext}`);
    const doc = runJson<RunReport>([...seedRun('weights.pt'), '--save', file, '--format', 'json', '--include-tensors', '--trace', 'none']);
    const saved = readTensorsFile(file).tensors;
    assert.deepEqual([...saved.keys()].sort(), ['h_n', 'out']);
    assert.equal(maxAbsDiff(Array.from(saved.get('out')?.tensor.data ?? []), flatten(doc.tensors?.out)), 0);
    assert.deepEqual([...(saved.get('h_n')?.tensor.shape ?? [])], [4, 3, 20]);
  }
  const npy = join(dir, 'out.npy');
  runJson<RunReport>([...seedRun('weights.pt'), '--save', npy, '--format', 'json', '--trace', 'none']);
  assert.deepEqual([...readTensorFile(npy).tensor.shape], [3, 10, 20]);
  const bad = runCli([...seedRun('weights.pt'), '--save', join(dir, 'out.txt')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: .*out.txt: expected an output extension of/);
  assert.equal(existsSync(join(dir, 'out.txt')), false);
});

test('pipeline --weights without --spec builds the chain from the checkpoint', () => {
  const doc = runJson<PipelineReport>(['pipeline', '--weights', join(SEED, 'weights.pt'), '--format', 'json']);
  assert.equal(doc.modules.length, 1);
  const m = item(doc.modules, 0, 'modules');
  assert.ok(isRecurrentModuleReport(m));
  assert.deepEqual(m.shapes.h_n, [4, 3, 20]);
});

// Bad files through the CLI: exit 2 and one `error:` line naming the file and the problem.
const dir = tempDir();
const bytes = (name: string): Buffer => readFileSync(join(SEED, name));
const put = (name: string, data: string | Uint8Array): string => {
  const file = join(dir, name);
  writeFileSync(file, data);
  return file;
};
const badFiles: [string, string[], RegExp][] = [
  ['a missing file', ['--input', join(dir, 'missing.npy')], /missing.npy: expected a readable file, got no such file/],
  ['an empty file', ['--input', put('empty.npy', '')], /empty.npy: expected data, got an empty file/],
  ['a wrong magic', ['--input', put('magic.npy', Buffer.concat([Buffer.from('XNUMPY'), bytes('x.npy').subarray(6)]))], /magic.npy: /],
  ['a truncated tensor', ['--input', put('short.npy', bytes('x.npy').subarray(0, 1000))], /short.npy: .*truncated|short.npy: expected \d+ bytes/],
  ['a numpy object array', ['--input', join(GEN, 'object.npy')], /object.npy: .*(pickle|object)/i],
  ['a corrupt zip', ['--weights', put('corrupt.npz', Buffer.concat([bytes('weights.npz').subarray(0, 200), Buffer.alloc(100, 7)]))], /corrupt.npz: /],
  ['a safetensors header past the end', ['--weights', put('long.safetensors', Buffer.concat([Buffer.from([0xff, 0xff, 0, 0, 0, 0, 0, 0]), bytes('weights.safetensors').subarray(8, 100)]))], /long.safetensors: .*header/],
  ['a pickle with a forbidden global', ['--weights', join(GEN, 'forbidden.pt')], /forbidden.pt: expected only the globals a state_dict uses, got /],
];
for (const [name, args, pattern] of badFiles) {
  test(`bad file: ${name}`, () => {
    assertUserError(args, pattern);
  });
}
