/**
 * Whole models against real PyTorch: test/fixtures/models/, written by
 * scripts/fixtures/make_model_fixtures.py (PyTorch 1.13, seed 3000) with torch.save(model.state_dict()).
 * An Embedding + 2-layer bidirectional LSTM + Linear classifier run as
 *   rnn-inspect pipeline --spec clf.json --weights sentiment.pt --input ids.npy [--lengths ...] --save out.npz
 * and a GRU seq2seq (src/tgt embeddings, encoder h_n as decoder h_0, an output Linear).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { readTensorsFile } from '../../src/io/index.js';
import { pipelineReportSchema } from '../../src/schema/index.js';
import { assertUserError, runCli, runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';
import { assertClose, REGENERATE_MODELS_HINT } from '../helpers/golden.js';

const DIR = fileURLToPath(new URL('../fixtures/models/', import.meta.url));
const fixture = (name: string): string => join(DIR, name);
const hint = REGENERATE_MODELS_HINT;

function saved(file: string, key: string) {
  const t = readTensorsFile(file).tensors.get(key);
  assert.ok(t, `${file} holds ${key}`);
  return t.tensor;
}

function expected(file: string, key: string) {
  const t = readTensorsFile(fixture(file)).tensors.get(key);
  assert.ok(t, `${file} holds ${key}. ${hint}`);
  return t.tensor;
}

const LENGTHS = '35,28,17,9';

for (const [spec, select] of [['clf.json', 'last'], ['clf_h_n.json', 'h_n']] as const) {
  for (const packed of [false, true]) {
    test(`the classifier's logits (select ${select}${packed ? ', --lengths' : ''}) equal PyTorch's`, () => {
      const out = join(tempDir(), 'out.npz');
      const args = ['pipeline', '--spec', fixture(spec), '--weights', fixture('sentiment.pt'), '--input', fixture('ids.npy'), '--save', out];
      const r = runCli([...args, ...(packed ? ['--lengths', LENGTHS] : [])]);
      assert.equal(r.code, 0, r.stderr);
      const key = packed ? `packed_${select}` : select;
      assertClose('sentiment', `fc.out (${key})`, saved(out, 'fc.out'), expected('logits.npz', key), { hint });
    });
  }
}

test('the lengths change the logits: the packed run is not the padded one', () => {
  const dir = tempDir();
  const run = (extra: string[]) => {
    const out = join(dir, `out${extra.length}.npz`);
    const r = runCli(['pipeline', '--spec', fixture('clf.json'), '--weights', fixture('sentiment.pt'), '--input', fixture('ids.npy'), '--save', out, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    return saved(out, 'fc.out');
  };
  const padded = run([]);
  const packed = run(['--lengths', `x=${LENGTHS}`]);
  // Row 0 has the full 35 steps in both; the shorter rows differ.
  assert.ok(padded.data.slice(0, 3).every((v, i) => Math.abs(v - packed.data[i]!) < 1e-6));
  assert.ok(padded.data.slice(3).some((v, i) => Math.abs(v - packed.data[i + 3]!) > 1e-3));
});

test("the seq2seq's decoder output and logits equal PyTorch's", () => {
  const out = join(tempDir(), 'out.npz');
  const r = runCli(['pipeline', '--spec', fixture('s2s.json'), '--weights', fixture('seq2seq.pt'), '--input', `src=${fixture('src.npy')}`, '--input', `tgt=${fixture('tgt.npy')}`, '--save', out]);
  assert.equal(r.code, 0, r.stderr);
  assertClose('seq2seq', 'decoder.out', saved(out, 'decoder.out'), expected('seq2seq_out.npz', 'decoder_out'), { hint });
  assertClose('seq2seq', 'fc_out.out', saved(out, 'fc_out.out'), expected('seq2seq_out.npz', 'logits'), { hint });
});

test('pipeline --weights seq2seq.pt alone builds the chain, says its assumptions and refuses no key', () => {
  const doc = pipelineReportSchema.parse(runJson(['pipeline', '--weights', fixture('seq2seq.pt'), '--format', 'json']));
  assert.deepEqual(doc.order, ['src_emb', 'encoder', 'tgt_emb', 'decoder', 'fc_out']);
  assert.deepEqual(doc.unused_keys, []);
  for (const said of [/batch_first=False assumed/, /decoder: h_0 is encoder's h_n/, /fc_out: select all assumed/, /dropout 0 assumed/]) {
    assert.ok(doc.notes.some((n) => said.test(n)), `a note matching ${said}: ${doc.notes.join(' | ')}`);
  }
  const spec = runJson<{ modules: { name: string; type: string; h_0_from?: string; input?: string }[] }>(['pipeline', '--weights', fixture('seq2seq.pt'), '--print-spec']);
  assert.deepEqual(spec.modules.map((m) => m.type), ['embedding', 'gru', 'embedding', 'gru', 'linear']);
  assert.equal(spec.modules[3]!.h_0_from, 'encoder');
  // The printed spec, edited for batch-first data, runs PyTorch's numbers.
  const dir = tempDir();
  for (const m of spec.modules) if (m.type === 'gru') Object.assign(m, { batch_first: true });
  const out = join(dir, 'out.npz');
  const r = runCli(['pipeline', '--spec', writeJson(dir, 'spec.json', spec), '--weights', fixture('seq2seq.pt'), '--input', `x=${fixture('src.npy')}`, '--input', `${spec.modules[2]!.input}=${fixture('tgt.npy')}`, '--save', out]);
  assert.equal(r.code, 0, r.stderr);
  assertClose('seq2seq (inferred spec)', 'fc_out.out', saved(out, 'fc_out.out'), expected('seq2seq_out.npz', 'logits'), { hint });
});

test('keys for modules the inferred spec does not use are listed, not refused', () => {
  const dir = tempDir();
  const weights = { 'rnn.weight_ih_l0': [[0.1], [0.2]], 'rnn.weight_hh_l0': [[0.1, 0], [0, 0.1]], 'norm.running_mean': [0, 0] };
  const doc = pipelineReportSchema.parse(runJson(['pipeline', '--weights', writeJson(dir, 'w.json', weights), '--format', 'json']));
  assert.deepEqual(doc.unused_keys, ['norm.running_mean']);
});

test('bad inputs for an embedding or a head exit 2 with one line', () => {
  const dir = tempDir();
  const args = ['pipeline', '--spec', fixture('clf.json'), '--weights', fixture('sentiment.pt')];
  assertUserError([...args, '--input', writeJson(dir, 'ids.json', [[1, 2, 3], [4, 57, 6]])], /num_embeddings = 50\), got 57 at \[1, 1\]/);
  assertUserError([...args, '--input', writeJson(dir, 'half.json', [[1, 2.5]])], /expected integer token ids for an embedding, got 2.5 at \[0, 1\]/);
  assertUserError([...args, '--input', fixture('ids_float.npy')], /expected integer token ids \(int64 or int32\) for an embedding, got a <f4 array/);
  const csv = join(dir, 'ids.csv');
  writeFileSync(csv, '1,2\n3,-1\n');
  assertUserError([...args, '--input', csv], /got -1 at \[1, 1\]/);
  // Read exactly: float32 would make 16777217 into 16777216.
  writeFileSync(csv, '1,2\n3,16777217\n');
  assertUserError([...args, '--input', csv], /got 16777217 at \[1, 1\]/);
  assertUserError([...args, '--input', fixture('ids_big.npy')], /num_embeddings = 50\), got 1099511627777 at \[2, 3\]/);
  const big = writeJson(dir, 'big.json', [[1, 2], [3, 16777217]]);
  assertUserError([...args, '--input', big], /got 16777217 at \[1, 1\]/);
  const headOnInput = { modules: [{ name: 'fc', type: 'linear', in_features: 3, out_features: 2, select: 'last' }] };
  assertUserError(['pipeline', '--spec', writeJson(dir, 'head.json', headOnInput)], /fc\.select: expected a recurrent module to select from.*got the input tensor "x"/);
  const headOnEmbedding = { modules: [{ name: 'emb', type: 'embedding', num_embeddings: 5, embedding_dim: 3 }, { name: 'fc', type: 'linear', in_features: 3, out_features: 2, select: 'h_n' }] };
  assertUserError(['pipeline', '--spec', writeJson(dir, 'head2.json', headOnEmbedding)], /fc\.select: expected a recurrent module to select from.*got emb, an Embedding/);
  const misfit = { modules: [{ name: 'emb', type: 'embedding', num_embeddings: 5, embedding_dim: 3 }, { name: 'rnn', type: 'rnn', input_size: 4, hidden_size: 2 }] };
  assertUserError(['pipeline', '--spec', writeJson(dir, 'misfit.json', misfit)], /rnn\.input_size: expected 3 to read emb's out \(embedding_dim\), got 4/);
  assertUserError([...args, '--input', fixture('ids.npy'), '--lengths', '35,28,x'], /--lengths: expected positive integers/);
});

test('a huge embedding table or head is refused from the estimate before anything is allocated', () => {
  const dir = tempDir();
  const huge = { modules: [{ name: 'emb', type: 'embedding', num_embeddings: 1e12, embedding_dim: 4 }, { name: 'rnn', type: 'rnn', input_size: 4, hidden_size: 2 }] };
  assertUserError(['pipeline', '--spec', writeJson(dir, 'huge.json', huge)], /--max-memory: expected a pipeline within 2.0 GiB, got an estimate of/);
  const head = { modules: [{ name: 'rnn', type: 'rnn', input_size: 4, hidden_size: 2 }, { name: 'fc', type: 'linear', in_features: 2, out_features: 1e12 }] };
  assertUserError(['pipeline', '--spec', writeJson(dir, 'head.json', head)], /--max-memory: expected a pipeline within 2.0 GiB, got an estimate of/);
});

test("a cell saved under a prefix (encoder.cell.*) runs as PyTorch's loop of lstm_cell(x[t], (h, c)) from zeros", () => {
  const out = join(tempDir(), 'cell.npz');
  const r = runCli(['--weights', fixture('prefixed_cell.pt'), '--input', fixture('cell_x.npy'), '--save', out, '--trace', 'none']);
  assert.equal(r.code, 0, r.stderr);
  for (const key of ['out', 'h_n', 'c_n']) assertClose('prefixed_cell', key, saved(out, key), expected('prefixed_cell_out.npz', key), { hint });
});
