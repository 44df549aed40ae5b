// `diff A B` on files that really have each mistake: an ONNX file whose exporter copied PyTorch's
// LSTM gate blocks in unchanged, a state_dict holding ONNX's gate order, an ONNX GRU whose biases
// were merged into Wb, a state_dict with W_hh transposed, one with its directions swapped, and a
// GRU exported with linear_before_reset=0; and two pairs torch.onnx.export itself wrote
// (scripts/fixtures/make_onnx_fixtures.py): a relu RNN's ONNX file beside its state_dict, which runs
// as tanh (activation), and a batch_first GRU's ONNX file, whose graph takes x batch-first, beside
// its state_dict, run time-first (batch-layout). A is PyTorch's own state_dict unless a test says.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeOnnxModel, onnxModelType } from '../../src/io/onnx.js';
import { encodeOnnx } from '../../src/io/onnx-write.js';
import { decodePt, encodeSafetensors, encodeTfjs, readTensorsFile } from '../../src/io/index.js';
import { kindOf } from '../../src/modules/kinds/index.js';
import { resolveConfig, type RecurrentConfig } from '../../src/modules/layer/config.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertUserError, runCli } from '../helpers/cli.js';
import { bytesOf, tempDir, tempFile } from '../helpers/files.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));
const TFJS = fileURLToPath(new URL('../fixtures/tfjs/', import.meta.url));
const pt = (name: string): string => join(FIXTURES, `${name}.state_dict.pt`);

interface DiffDoc {
  ok: boolean;
  max_diff: number;
  first_mismatch: { layer: number; direction: string; t: number; tensor: string } | null;
  cause: { id: string; message: string; fix: string } | null;
}

function diff(args: string[], code: number): DiffDoc {
  const r = runCli(['diff', ...args, '--format', 'json']);
  assert.equal(r.code, code, `diff ${args.join(' ')}: ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as DiffDoc;
  assert.deepEqual(Object.keys(doc), ['ok', 'max_diff', 'first_mismatch', 'cause']);
  return doc;
}

function stateDict(name: string): Map<string, Tensor> {
  return new Map([...decodePt(bytesOf(pt(name)), name).tensors].map(([k, v]) => [k, v.tensor]));
}

const LSTM: RecurrentConfig = resolveConfig(kindOf('lstm'), { inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true });
const GRU: RecurrentConfig = resolveConfig(kindOf('gru'), { inputSize: 5, hiddenSize: 4 });
const H = 4;

/** `t`'s gate blocks (rows of H) reordered: block j of the result is block order[j] of t. */
function blocks(t: Tensor, order: number[]): Tensor {
  const cols = t.rank === 2 ? t.shape[1]! : 1;
  const data = new Float32Array(t.data.length);
  order.forEach((from, j) => data.set(t.data.subarray(from * H * cols, (from + 1) * H * cols), j * H * cols));
  return new Tensor(data, t.shape);
}

describe('diff names why two model files disagree', () => {
  test('the same model as PyTorch saved it and as torch.onnx.export wrote it: they agree, exit 0', () => {
    const doc = diff([pt('lstm_bi2'), join(FIXTURES, 'lstm_bi2.onnx')], 0);
    assert.equal(doc.ok, true);
    assert.ok(doc.max_diff <= 1e-5);
    assert.equal(doc.cause, null);
  });

  test("gate-order: a state_dict holding ONNX's LSTM blocks i,o,f,c, read as i,f,g,o; --fix makes it agree", (t) => {
    const sd = stateDict('lstm_bi2');
    const onnxOrder = new Map([...sd].map(([k, v]) => [k, blocks(v, [0, 3, 1, 2])])); // i, o, f, g
    const b = tempFile(t, 'onnx-order.safetensors', encodeSafetensors(onnxOrder));
    const doc = diff([pt('lstm_bi2'), b], 1);
    assert.equal(doc.ok, false);
    assert.deepEqual(doc.first_mismatch, { layer: 0, direction: 'forward', t: 0, tensor: 'h' });
    assert.equal(doc.cause?.id, 'gate-order');
    assert.match(doc.cause!.message, /B's LSTM gates are in i,o,f,g order \(ONNX's order\), read as i,f,g,o/);
    const fixed = join(tempDir(t), 'fixed.safetensors');
    diff([pt('lstm_bi2'), b, '--fix', fixed], 1);
    assert.equal(diff([pt('lstm_bi2'), fixed], 0).ok, true);
  });

  test('gate-order: an ONNX file whose exporter wrote PyTorch\'s blocks unchanged; --fix writes a correct ONNX', (t) => {
    const sd = stateDict('lstm_bi2');
    const model = decodeOnnxModel(encodeOnnx(kindOf('lstm'), LSTM, sd), 'lstm');
    // Overwrite W, R, B with PyTorch's own rows, as an exporter that forgot the reordering would.
    for (const init of model.graph!.initializer!) {
      const m = /^([WRB])_(\d)$/.exec(init.name ?? '');
      if (!m) continue;
      const l = Number(m[2]);
      const parts = [0, 1].flatMap((d) => {
        const s = `_l${l}${d ? '_reverse' : ''}`;
        return m[1] === 'W' ? [sd.get(`weight_ih${s}`)!.data] : m[1] === 'R' ? [sd.get(`weight_hh${s}`)!.data] : [sd.get(`bias_ih${s}`)!.data, sd.get(`bias_hh${s}`)!.data];
      });
      const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) (all.set(p, at), (at += p.length));
      init.rawData = new Uint8Array(all.buffer);
    }
    const type = onnxModelType();
    const b = tempFile(t, 'pytorch-order.onnx', type.encode(type.fromObject(model)).finish());
    const doc = diff([pt('lstm_bi2'), b], 1);
    assert.equal(doc.cause?.id, 'gate-order');
    const fixed = join(tempDir(t), 'fixed.onnx');
    diff([pt('lstm_bi2'), b, '--fix', fixed], 1);
    assert.equal(diff([pt('lstm_bi2'), fixed], 0).ok, true);
  });

  test('bias-merged: an ONNX GRU with b_ih + b_hh in Wb and zeros in Rb; --fix says it cannot be split again', (t) => {
    const sd = stateDict('gru_lengths');
    const merged = new Map(sd);
    merged.set('bias_ih_l0', new Tensor(sd.get('bias_ih_l0')!.data.map((v, i) => v + sd.get('bias_hh_l0')!.data[i]!), [3 * H]));
    merged.set('bias_hh_l0', Tensor.zeros([3 * H]));
    const b = tempFile(t, 'merged.onnx', encodeOnnx(kindOf('gru'), GRU, merged));
    const doc = diff([pt('gru_lengths'), b], 1);
    assert.equal(doc.cause?.id, 'bias-merged');
    assert.match(doc.cause!.message, /wrong for n, whose b_hn sits inside r ⊙/);
    assert.match(doc.cause!.fix, /cannot be split again/);
    assertUserError(['diff', pt('gru_lengths'), b, '--fix', join(tempDir(t), 'x.onnx')], /bias-merged cannot be undone: the merged biases cannot be split again/);
  });

  test('transposed: an RNN whose weight_hh was saved transposed; --fix makes it agree', (t) => {
    const sd = stateDict('rnn_relu');
    const w = sd.get('weight_hh_l0')!;
    const wt = new Float32Array(16);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) wt[j * 4 + i] = w.data[i * 4 + j]!;
    const b = tempFile(t, 'transposed.safetensors', encodeSafetensors(new Map([...sd, ['weight_hh_l0', new Tensor(wt, [4, 4])]])));
    // The relu RNN's state_dict runs as tanh on both sides (a state_dict does not say relu).
    const doc = diff([pt('rnn_relu'), b], 1);
    assert.equal(doc.cause?.id, 'transposed');
    assert.deepEqual(doc.first_mismatch, { layer: 0, direction: 'forward', t: 1, tensor: 'h' }, 'h_0 is zero: t=0 does not read W_hh');
    const fixed = join(tempDir(t), 'fixed.npz');
    diff([pt('rnn_relu'), b, '--fix', fixed], 1);
    assert.equal(diff([pt('rnn_relu'), fixed], 0).ok, true);
  });

  test('direction-order: a state_dict with each layer\'s forward and reverse parameters swapped', (t) => {
    const sd = stateDict('lstm_bi2');
    const swapped = new Map([...sd].map(([k, v]) => [k.endsWith('_reverse') ? k.slice(0, -8) : `${k}_reverse`, v]));
    const b = tempFile(t, 'swapped.safetensors', encodeSafetensors(swapped));
    const doc = diff([pt('lstm_bi2'), b], 1);
    assert.equal(doc.cause?.id, 'direction-order');
  });

  test('gru-reset: a GRU exported with linear_before_reset=0; --fix writes linear_before_reset=1', (t) => {
    const sd = stateDict('gru_lengths');
    const b = tempFile(t, 'lbr0.onnx', encodeOnnx(kindOf('gru-reset-before'), resolveConfig(kindOf('gru-reset-before'), { inputSize: 5, hiddenSize: 4 }), sd));
    const doc = diff([pt('gru_lengths'), b], 1);
    assert.equal(doc.cause?.id, 'gru-reset');
    assert.match(doc.cause!.fix, /linear_before_reset=1/);
    const fixed = join(tempDir(t), 'fixed.onnx');
    diff([pt('gru_lengths'), b, '--fix', fixed], 1);
    assert.equal(diff([pt('gru_lengths'), fixed], 0).ok, true);
  });

  test("activation: a relu RNN's ONNX file against its state_dict, which runs as tanh; --fix writes the .onnx with tanh", (t) => {
    const onnx = join(FIXTURES, 'rnn_relu.onnx');
    const doc = diff([pt('rnn_relu'), onnx], 1);
    assert.equal(doc.cause?.id, 'activation');
    assert.match(doc.cause!.message, /B's RNN runs with relu \(RNN node "\/rnn\/RNN"\), A's with tanh \(a state_dict does not record it: tanh assumed\)/);
    assert.match(doc.cause!.fix, /--nonlinearity relu/);
    assert.deepEqual(doc.first_mismatch, { layer: 0, direction: 'forward', t: 0, tensor: 'h' });
    const fixed = join(tempDir(t), 'fixed.onnx');
    diff([pt('rnn_relu'), onnx, '--fix', fixed], 1);
    assert.equal(diff([pt('rnn_relu'), fixed], 0).ok, true);
    // A state_dict cannot hold relu: --fix refuses to write one that would still run as tanh.
    assertUserError(['diff', onnx, pt('rnn_relu'), '--fix', join(tempDir(t), 'x.safetensors')], /--fix .*x\.safetensors: expected an \.onnx file or a TF\.js model\.json, which record B's relu/);
    const back = join(tempDir(t), 'back.onnx');
    assert.equal(diff([onnx, pt('rnn_relu'), '--fix', back], 1).cause?.id, 'activation');
    assert.equal(diff([onnx, back], 0).ok, true);
  });

  test("activation: a TF.js LSTM whose gates compute hard_sigmoid against the same weights saved with σ gates (Keras 2's default against Keras 3's); --fix writes each way", (t) => {
    // A: the model tfjs itself saved (recurrent_activation hard_sigmoid, tfjs's default). B: its
    // weights in a model.json whose LSTM says sigmoid, as a re-save that dropped the setting does.
    const a = join(TFJS, 'lstm', 'model.json');
    const file = readTensorsFile(a);
    const declared = file.modules![0]!;
    assert.equal(declared.recurrentActivation, 'hard_sigmoid');
    const params = new Map([...file.tensors].map(([k, v]) => [k.slice(declared.prefix.length), v.tensor]));
    const config = resolveConfig(kindOf('lstm'), { inputSize: params.get('weight_ih_l0')!.shape[1]!, hiddenSize: params.get('weight_hh_l0')!.shape[1]! });
    const dir = tempDir(t);
    const b = join(dir, 'sigmoid.model.json');
    const written = encodeTfjs(kindOf('lstm'), config, params, 'sigmoid.weights.bin', 'test');
    writeFileSync(join(dir, 'sigmoid.weights.bin'), written.shard);
    writeFileSync(b, written.json);

    const doc = diff([a, b], 1);
    assert.equal(doc.cause?.id, 'activation');
    assert.match(doc.cause!.message, /B's LSTM gates compute σ = 1 \/ \(1 \+ exp\(-x\)\) \(as .*sigmoid\.model\.json says\), A's hard_sigmoid = clip\(0\.2x \+ 0\.5, 0, 1\) \(as .*lstm\/model\.json says\)/);
    assert.match(doc.cause!.fix, /hard_sigmoid = clip\(0\.2x \+ 0\.5, 0, 1\), which a TF\.js model\.json records \(--fix OUT\.model\.json\)/);
    const fixed = join(dir, 'fixed.model.json');
    diff([a, b, '--fix', fixed], 1);
    assert.equal(diff([a, fixed], 0).ok, true);
    // A state_dict's gates compute σ: --fix refuses to write hard_sigmoid gates into one.
    assertUserError(['diff', a, b, '--fix', join(dir, 'x.safetensors')], /--fix .*x\.safetensors: expected a TF\.js model\.json, which records gates computing hard_sigmoid, got \.safetensors/);
    // The other way round: B's hard_sigmoid undone gives σ, which a model.json says too.
    const back = join(dir, 'back.model.json');
    assert.equal(diff([b, a, '--fix', back], 1).cause?.id, 'activation');
    assert.equal(diff([b, back], 0).ok, true);
  });

  test("batch-layout: a batch_first GRU's ONNX file (its graph transposes x) against its state_dict run time-first; --fix writes a time-first graph", (t) => {
    const onnx = join(FIXTURES, 'gru_batch_first.onnx');
    const doc = diff([pt('gru_batch_first'), onnx], 1);
    assert.equal(doc.cause?.id, 'batch-layout');
    assert.match(doc.cause!.message, /B reads x batch-first, as \(batch, seq_len, features\) \(its graph transposes x before its first recurrent node\), A time-first/);
    assert.deepEqual(doc.first_mismatch, { layer: 0, direction: 'forward', t: 0, tensor: 'h' });
    const fixed = join(tempDir(t), 'fixed.onnx');
    diff([pt('gru_batch_first'), onnx, '--fix', fixed], 1);
    assert.equal(diff([pt('gru_batch_first'), fixed], 0).ok, true);
    // The other way round the state_dict cannot say batch-first: named, not fixed.
    const other = diff([onnx, pt('gru_batch_first')], 1);
    assert.equal(other.cause?.id, 'batch-layout');
    assert.match(other.cause!.fix, /run A with --batch-first/);
    assertUserError(['diff', onnx, pt('gru_batch_first'), '--fix', join(tempDir(t), 'x.npz')], /batch-layout cannot be undone/);
  });

  test("batch-layout: torch's relu RNN edited to layout=1 (ONNX: X (batch, seq_length, input_size)) against the same file at layout=0", (t) => {
    const model = decodeOnnxModel(bytesOf(join(FIXTURES, 'rnn_relu.onnx')), 'rnn');
    model.graph!.node!.find((n) => n.opType === 'RNN')!.attribute!.push({ name: 'layout', type: 2, i: 1 });
    const type = onnxModelType();
    const b = tempFile(t, 'layout1.onnx', type.encode(type.fromObject(model)).finish());
    const doc = diff([join(FIXTURES, 'rnn_relu.onnx'), b], 1);
    assert.equal(doc.cause?.id, 'batch-layout');
    assert.match(doc.cause!.message, /A time-first, as \(seq_len, batch, features\) \(its graph reads x as it is\)/);
    const fixed = join(tempDir(t), 'fixed.onnx');
    diff([join(FIXTURES, 'rnn_relu.onnx'), b, '--fix', fixed], 1);
    assert.equal(diff([join(FIXTURES, 'rnn_relu.onnx'), fixed], 0).ok, true);
  });

  test('the same batch_first GRU as torch.onnx.export wrote it at opsets 14 and 9, and an RNN read with the same nonlinearity twice: they agree', () => {
    assert.equal(diff([join(FIXTURES, 'gru_batch_first.onnx'), join(FIXTURES, 'opsets', 'gru_batch_first.opset9.onnx')], 0).ok, true);
    assert.equal(diff([join(FIXTURES, 'rnn_relu.onnx'), join(FIXTURES, 'opsets', 'rnn_relu.opset7.onnx')], 0).ok, true);
  });

  test('unusable input: exit 2, one line', () => {
    assertUserError(['diff', pt('lstm_bi2'), pt('gru_lengths')], /diff: expected two modules of the same sizes, got hiddenSize|expected two modules of the same sizes/);
  });
});
