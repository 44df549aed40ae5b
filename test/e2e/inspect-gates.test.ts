/**
 * inspect's parameter counts per gate block, and cells under a prefix that cannot be recognised,
 * on real checkpoints (test/fixtures/models/, scripts/fixtures/make_model_fixtures.py) and small
 * state_dicts written here. The block names are PyTorch's, from the docs of torch.nn.LSTM / GRU /
 * RNN: weight_ih_l[k] = (W_ii|W_if|W_ig|W_io), (W_ir|W_iz|W_in), W_ih.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kinds } from '../../src/modules/kinds/index.js';
import { inspectReportSchema, isRecurrentInspected, type InspectedModule, type InspectReport } from '../../src/schema/index.js';
import { assertUserError, plain, runCli, runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';

const models = (name: string): string => fileURLToPath(new URL(`../fixtures/models/${name}`, import.meta.url));
const seedFile = (name: string): string => fileURLToPath(new URL(`../fixtures/files/seed/${name}`, import.meta.url));
const inspect = (file: string): InspectReport => inspectReportSchema.parse(runJson(['inspect', file, '--format', 'json']));
const recurrent = (doc: InspectReport, name: string): InspectedModule => {
  const m = doc.modules.find((x) => x.name === name);
  assert.ok(m && isRecurrentInspected(m), `${name} is a recurrent module`);
  return m;
};
const names = (m: InspectedModule, key: string): string => {
  const p = m.gate_blocks.find((g) => g.key === key);
  assert.ok(p, `${key} has gate blocks`);
  return p.blocks.map((b) => b.name).join('|');
};
const zeros = (...shape: number[]): unknown => (shape.length === 1 ? new Array(shape[0]).fill(0) : Array.from({ length: shape[0]! }, () => zeros(...shape.slice(1))));

test("an LSTM's gated parameters, block by block, with PyTorch's names; the blocks add up to each tensor and to the module", () => {
  const doc = inspect(models('sentiment.pt'));
  const lstm = recurrent(doc, 'lstm');
  assert.equal(names(lstm, 'lstm.weight_ih_l0'), 'W_ii|W_if|W_ig|W_io');
  assert.equal(names(lstm, 'lstm.weight_hh_l1_reverse'), 'W_hi|W_hf|W_hg|W_ho');
  assert.equal(names(lstm, 'lstm.bias_ih_l0'), 'b_ii|b_if|b_ig|b_io');
  assert.equal(names(lstm, 'lstm.bias_hh_l1'), 'b_hi|b_hf|b_hg|b_ho');
  // Every key of the module is gated (no proj_size), each block is hidden_size rows of its tensor, in order.
  assert.deepEqual(lstm.gate_blocks.map((g) => g.key), lstm.keys);
  for (const g of lstm.gate_blocks) {
    const shape = doc.tensors.find((x) => x.name === g.key)!.shape;
    g.blocks.forEach((b, i) => {
      assert.deepEqual(b.rows, [i * lstm.hidden_size, (i + 1) * lstm.hidden_size], `${g.key} ${b.name}`);
      assert.deepEqual(b.shape, [lstm.hidden_size, ...shape.slice(1)]);
      assert.equal(b.count, b.shape.reduce((x, y) => x * y, 1));
    });
    assert.equal(g.blocks.at(-1)!.rows[1], shape[0], `${g.key}: the blocks cover every row`);
  }
  assert.equal(lstm.gate_blocks.flatMap((g) => g.blocks).reduce((n, b) => n + b.count, 0), lstm.parameter_count);
  // layer 1 reads both directions of layer 0: (12, 24) per block.
  assert.deepEqual(lstm.gate_blocks.find((g) => g.key === 'lstm.weight_ih_l1')!.blocks[0]!.shape, [12, 24]);
});

test("a GRU's blocks are r, z, n; an RNN's one block; a projection's weight_hr has no gates", () => {
  const gru = recurrent(inspect(models('seq2seq.pt')), 'encoder');
  assert.equal(names(gru, 'encoder.weight_ih_l0'), 'W_ir|W_iz|W_in');
  assert.equal(names(gru, 'encoder.bias_hh_l1'), 'b_hr|b_hz|b_hn');
  const rnn = recurrent(inspect(seedFile('weights.pt')), 'module0');
  assert.equal(names(rnn, 'weight_ih_l0'), 'W_ih');
  assert.equal(names(rnn, 'weight_hh_l3'), 'W_hh');
  // LSTM(3, 4, proj_size=2): weight_hh has proj_size columns; weight_hr_l0 (2, 4) is not cut into gates.
  const proj = writeJson(tempDir(), 'proj.json', { weight_ih_l0: zeros(16, 3), weight_hh_l0: zeros(16, 2), bias_ih_l0: zeros(16), bias_hh_l0: zeros(16), weight_hr_l0: zeros(2, 4) });
  const lstm = recurrent(inspect(proj), 'module0');
  assert.deepEqual(lstm.gate_blocks.map((g) => g.key), ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']);
  assert.deepEqual(lstm.gate_blocks[1]!.blocks.map((b) => b.shape), [[4, 2], [4, 2], [4, 2], [4, 2]]);
  assert.equal(lstm.gate_blocks.flatMap((g) => g.blocks).reduce((n, b) => n + b.count, 0) + 2 * 4, lstm.parameter_count);
});

test('every kind has as many blocks per gated parameter as its descriptor has gates', () => {
  // Each kind's weights at hidden_size 2, input_size 3: the gate count sets the rows.
  for (const kind of kinds) {
    const G = kind.gates.length * 2;
    const file = writeJson(tempDir(), `${kind.type}.json`, { weight_ih_l0: zeros(G, 3), weight_hh_l0: zeros(G, 2), bias_ih_l0: zeros(G), bias_hh_l0: zeros(G) });
    const r = runJson<InspectReport>(['inspect', file, '--format', 'json']);
    const m = r.modules[0]!;
    assert.ok(isRecurrentInspected(m));
    for (const g of m.gate_blocks) assert.equal(g.blocks.length, kind.gates.length, `${kind.type} ${g.key}`);
  }
});

test("a cell under a prefix: its blocks are named by the file's keys; the text table fits 80 columns", () => {
  const cell = recurrent(inspect(models('prefixed_cell.pt')), 'encoder.cell');
  assert.deepEqual(cell.gate_blocks.map((g) => g.key), ['encoder.cell.weight_ih', 'encoder.cell.weight_hh', 'encoder.cell.bias_ih', 'encoder.cell.bias_hh']);
  for (const file of [models('sentiment.pt'), models('seq2seq.pt'), models('prefixed_cell.pt')]) {
    const r = runCli(['inspect', file, '--width', '80']);
    assert.equal(r.code, 0, r.stderr);
    const text = plain(r.stdout);
    assert.match(text, /Parameters per gate block/);
    const wide = text.split('\n').filter((l) => [...l].length > 80);
    assert.deepEqual(wide, [], `${file}: lines over 80 columns`);
  }
  const text = plain(runCli(['inspect', models('sentiment.pt'), '--width', '80']).stdout);
  assert.match(text, /│ lstm\.weight_ih_l0 +│ W_ii\|W_if\|W_ig\|W_io │ \(12, 16\) +│ 4 × 192 │/);
});

test('a partial checkpoint of a cell under a prefix (bias_hh deleted): the error names the LSTMCell, never "for RNN"', () => {
  const file = models('prefixed_cell_partial.pt');
  for (const args of [['--weights', file], ['--weights', file, '--type', 'lstm'], ['doctor', '--weights', file, '--x-shape', '5,2,8']]) {
    const r = assertUserError(args, /prefixed_cell_partial\.pt: expected the weights of a recurrent module \(.*\), got none recognised: encoder\.cell: bias_hh is missing for an LSTMCell$/);
    assert.doesNotMatch(r.stderr, /for RNN/);
    assert.doesNotMatch(r.stderr.split('got none recognised')[1]!, /_l0/, "the cell's keys as the file names them");
  }
  const doc = inspect(file);
  assert.deepEqual(doc.rejected, [{ prefix: 'encoder.cell.', reason: 'bias_hh is missing for an LSTMCell', keys: ['encoder.cell.weight_ih', 'encoder.cell.weight_hh', 'encoder.cell.bias_ih'] }]);
  assert.ok(!doc.notes.some((n) => /shown as the one-layer module/.test(n)), 'a rejected cell is not said to be shown');
});

test('rows that fit no kind: the reason names no kind', () => {
  // weight_ih (64, 8) over hidden_size 15: 64 / 15 gates, no kind's count.
  const file = writeJson(tempDir(), 'cell15.json', { 'encoder.cell.weight_ih': zeros(64, 8), 'encoder.cell.weight_hh': zeros(64, 15), 'encoder.cell.bias_ih': zeros(64), 'encoder.cell.bias_hh': zeros(64) });
  const r = assertUserError(['--weights', file], /got none recognised: encoder\.cell: weight_ih has 64 rows, not 1, 3 or 4 times hidden_size 15 \(weight_hh columns\)$/);
  for (const kind of kinds) assert.ok(!r.stderr.includes(kind.name), `no ${kind.name} in ${r.stderr}`);
  // A top-level module of the flags' kind still gets PyTorch's load_state_dict words.
  const rnn = writeJson(tempDir(), 'rnn.json', { weight_ih_l0: zeros(20, 100), weight_hh_l0: zeros(20, 20), bias_ih_l0: zeros(20) });
  assertUserError(['--weights', rnn], /Error\(s\) in loading state_dict for RNN: missing key\(s\) "bias_hh_l0"/);
});
