/**
 * `inspect` on whole-model checkpoints (test/fixtures/models/, made by
 * scripts/fixtures/make_model_fixtures.py with torch.save): every module in state_dict order with
 * PyTorch's constructor arguments, the misfits between neighbours, --strict, canonical dtypes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readTensorsFile } from '../../src/io/index.js';
import { inspectReportSchema, type InspectReport } from '../../src/schema/index.js';
import { assertUserError, plain, runCli, runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/models/${name}`, import.meta.url));
const SEED = fileURLToPath(new URL('../fixtures/files/seed/', import.meta.url));
const inspect = (file: string): InspectReport => inspectReportSchema.parse(runJson(['inspect', file, '--format', 'json']));
const readTensorsNested = (file: string): Record<string, unknown> => Object.fromEntries([...readTensorsFile(file).tensors].map(([k, v]) => [k, v.tensor.toNested()]));
const zeros = (...shape: number[]): unknown => (shape.length === 1 ? new Array(shape[0]).fill(0) : Array.from({ length: shape[0]! }, () => zeros(...shape.slice(1))));

test('inspect sentiment.pt: Embedding, LSTM and Linear in state_dict order, with their arguments and no problem', () => {
  const doc = inspect(fixture('sentiment.pt'));
  assert.deepEqual(
    doc.modules.map((m) => [m.name, m.type, m.module, m.parameter_count]),
    [
      ['embedding', 'embedding', 'Embedding(50, 16)', 800],
      ['lstm', 'lstm', 'LSTM(16, 12, num_layers=2, bidirectional=True)', 6528],
      ['fc', 'linear', 'Linear(in_features=24, out_features=3, bias=True)', 75],
    ],
  );
  assert.deepEqual(doc.problems, []);
  assert.deepEqual(doc.unrecognised, []);
  assert.equal(runCli(['inspect', fixture('sentiment.pt'), '--strict']).code, 0);
});

test('inspect missized.pt names both misfits with the modules and numbers; --strict exits 1', () => {
  const doc = inspect(fixture('missized.pt'));
  assert.deepEqual(doc.problems.map((p) => [p.code, p.modules]), [
    ['embedding_dim_mismatch', ['embedding', 'lstm']],
    ['in_features_mismatch', ['lstm', 'fc']],
  ]);
  assert.match(doc.problems[0]!.message, /embedding writes 10 features \(embedding_dim\), but lstm expects input_size 12/);
  assert.match(doc.problems[0]!.fix, /nn\.Embedding\(20, 12\), or nn\.LSTM\(10, 16, bidirectional=True\)/);
  assert.match(doc.problems[1]!.message, /fc reads 16 features \(in_features\), but lstm writes 2 direction\(s\) × 16 = 32 features/);
  assert.match(doc.problems[1]!.fix, /^nn\.Linear\(32, 2\)/);
  const r = runCli(['inspect', fixture('missized.pt'), '--strict']);
  assert.equal(r.code, 1);
  assert.match(plain(r.stdout), /problem \(embedding_dim_mismatch\)/, 'the report is written first');
  assert.match(r.stderr, /^error: --strict: expected modules that connect, got embedding_dim_mismatch: .* \(\+1 more\)\n$/);
});

test("inspect: a decoder whose h_0 cannot take the encoder's h_n is a problem naming both", () => {
  const gru = (prefix: string, input: number, hidden: number, layers: number) =>
    Object.fromEntries(
      Array.from({ length: layers }, (_, l) => [
        [`${prefix}.weight_ih_l${l}`, zeros(3 * hidden, l === 0 ? input : hidden)],
        [`${prefix}.weight_hh_l${l}`, zeros(3 * hidden, hidden)],
      ]).flat(),
    );
  const weights = { 'src_emb.weight': zeros(7, 3), ...gru('encoder', 3, 4, 1), 'tgt_emb.weight': zeros(9, 3), ...gru('decoder', 3, 4, 2), 'out.weight': zeros(9, 4), 'out.bias': zeros(9) };
  const doc = inspect(writeJson(tempDir(), 's2s.json', weights));
  assert.deepEqual(doc.modules.map((m) => m.name), ['src_emb', 'encoder', 'tgt_emb', 'decoder', 'out']);
  assert.deepEqual(doc.problems.map((p) => [p.code, p.modules]), [['h_0_mismatch', ['encoder', 'decoder']]]);
  assert.match(doc.problems[0]!.message, /decoder's h_0 needs 2 slices of 4 features .* but encoder's h_n has 1 of 4/);
});

test('inspect: the same float32 tensor is float32 in every format, the file spelling in stored_dtype', () => {
  const seen = new Map<string, string>();
  for (const file of ['weights.pt', 'weights.npz', 'weights.safetensors']) {
    const t = inspect(join(SEED, file)).tensors.find((x) => x.name === 'weight_ih_l0');
    assert.ok(t, `${file}: weight_ih_l0`);
    assert.equal(t.dtype, 'float32');
    seen.set(file, t.stored_dtype);
  }
  assert.deepEqual([...seen.values()], ['torch.FloatStorage', '<f4', 'F32']);
  const ids = inspect(fixture('sentiment.pt'));
  assert.ok(ids.tensors.every((t) => t.dtype === 'float32'));
});

test('inspect --strict on a file with no module is not a failure; a bad file is still one error line', () => {
  assert.equal(runCli(['inspect', fixture('prefixed_cell.pt'), '--strict']).code, 0);
  assertUserError(['inspect', fixture('lengths.json')], /expected a state_dict object/);
});

test('a cell saved under a prefix (encoder.cell.weight_ih) is recognised by inspect, run and pipeline', () => {
  const file = fixture('prefixed_cell.pt');
  const doc = inspect(file);
  assert.deepEqual(doc.modules.map((m) => [m.name, m.module]), [['encoder.cell', 'LSTM(8, 16)'], ['head', 'Linear(in_features=16, out_features=4, bias=True)']]);
  assert.deepEqual(doc.modules[0]!.keys, ['encoder.cell.weight_ih', 'encoder.cell.weight_hh', 'encoder.cell.bias_ih', 'encoder.cell.bias_hh']);
  assert.ok(doc.notes.some((n) => /encoder\.cell: a cell's weights/.test(n)));
  // The same weights without the prefix run the same numbers.
  const bare = Object.fromEntries(Object.entries(readTensorsNested(file)).filter(([k]) => k.startsWith('encoder.cell.')).map(([k, v]) => [k.slice('encoder.cell.'.length), v]));
  const args = ['--seq-len', '3', '--batch', '2', '--format', 'json', '--include-tensors'];
  const prefixed = runJson<{ tensors: { out: unknown }; notes: string[] }>(['--weights', file, ...args]);
  const plainCell = runJson<{ tensors: { out: unknown } }>(['--weights', writeJson(tempDir(), 'cell.json', bare), ...args]);
  assert.deepEqual(prefixed.tensors.out, plainCell.tensors.out);
  assert.ok(prefixed.notes.some((n) => /a cell's weights under encoder\.cell/.test(n)));
  const spec = runJson<{ modules: { name: string }[] }>(['pipeline', '--weights', file, '--print-spec']);
  assert.deepEqual(spec.modules.map((m) => m.name), ['encoder.cell', 'head']);
});
