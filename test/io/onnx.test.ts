// The ONNX reader and writer: the writer's models read back to the same state_dict bit for bit,
// and bad input (malformed protobuf, a graph without recurrent nodes, attributes PyTorch's modules
// have no counterpart for) is one FormatError naming what was expected, in the library and
// through the CLI (exit 2, one `error:` line).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FormatError } from '../../src/errors.js';
import { decodeOnnx, decodeOnnxModel, onnxModelType, type OnnxModel, type OnnxNode } from '../../src/io/onnx.js';
import { encodeOnnx } from '../../src/io/onnx-write.js';
import { kinds, kindOf } from '../../src/modules/kinds/index.js';
import { Recurrent } from '../../src/modules/recurrent.js';
import { assertUserError, runJson } from '../helpers/cli.js';
import { tempDir, tempFile, writeJson } from '../helpers/files.js';
import { badOnnx } from '../helpers/fuzz.js';
import { maxAbsDiff } from '../helpers/nested.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));

function encode(model: OnnxModel): Uint8Array {
  const type = onnxModelType();
  return type.encode(type.fromObject(model)).finish();
}

/** A written model with its first recurrent node edited. */
function edited(kind: string, edit: (node: OnnxNode, model: OnnxModel) => void, options = {}): Uint8Array {
  const module = new Recurrent(kindOf(kind), { inputSize: 3, hiddenSize: 2, seed: 1, ...options }).eval();
  const model = decodeOnnxModel(encodeOnnx(module.kind, module.config, module.stateDict()), 'model.onnx');
  const node = model.graph!.node!.find((n) => n.opType === kindOf(kind).onnx!.op)!;
  edit(node, model);
  return encode(model);
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function refused(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => decodeOnnx(bytes, 'model.onnx'), (err: unknown) => {
    assert.ok(err instanceof FormatError, String(err));
    assert.match(err.message, pattern);
    return true;
  });
}

describe('ONNX writer and reader', () => {
  for (const kind of kinds.filter((k) => k.onnx)) {
    test(`${kind.name}: written and read back, the same state_dict bit for bit`, () => {
      const module = new Recurrent(kind, { inputSize: 3, hiddenSize: 2, numLayers: 3, bidirectional: true, seed: 5 }).eval();
      const contents = decodeOnnx(encodeOnnx(kind, module.config, module.stateDict(), 'encoder.rnn.'), 'model.onnx');
      assert.deepEqual(contents.modules?.map((m) => [m.prefix, m.type]), [['encoder.rnn.', kind.type]]);
      const original = module.stateDict();
      assert.deepEqual([...contents.tensors.keys()].sort(), [...original.keys()].map((k) => `encoder.rnn.${k}`).sort());
      for (const [key, t] of original) assert.deepEqual(contents.tensors.get(`encoder.rnn.${key}`)!.tensor.data, t.data, key);
    });
  }

  test('ONNX gate order: an LSTM node\'s W blocks i, o, f, c become weight_ih rows i, f, g, o', () => {
    const model = decodeOnnxModel(new Uint8Array(readFileSync(join(FIXTURES, 'lstm_bi2.onnx'))), 'lstm');
    const node = model.graph!.node!.find((n) => n.opType === 'LSTM')!;
    const W = model.graph!.initializer!.find((t) => t.name === node.input![1])!;
    const onnxW = new Float32Array(W.rawData!.slice().buffer);
    const ih = decodeOnnx(new Uint8Array(readFileSync(join(FIXTURES, 'lstm_bi2.onnx'))), 'lstm').tensors.get('rnn.weight_ih_l0')!.tensor.data;
    const H = 4;
    const I = 5;
    const block = (data: Float32Array, k: number): number[] => [...data.subarray(k * H * I, (k + 1) * H * I)];
    // PyTorch's f (block 1) is ONNX's block 2; PyTorch's g (2) is ONNX's c (3); o (3) is ONNX's 1.
    assert.deepEqual(block(ih, 0), block(onnxW, 0));
    assert.deepEqual(block(ih, 1), block(onnxW, 2));
    assert.deepEqual(block(ih, 2), block(onnxW, 3));
    assert.deepEqual(block(ih, 3), block(onnxW, 1));
  });

  test('malformed protobuf', () => {
    const whole = new Uint8Array(readFileSync(join(FIXTURES, 'lstm_bi2.onnx')));
    refused(whole.subarray(0, whole.length - 7), /expected an ONNX model \(a protobuf ModelProto\), got malformed protobuf/);
    refused(utf8('{"not": "protobuf"}'), /expected an ONNX model/);
  });

  test('a graph without recurrent nodes', () => {
    const bytes = encode({ irVersion: 7, opsetImport: [{ domain: '', version: 14 }], graph: { node: [{ opType: 'Relu', input: ['x'], output: ['y'] }, { opType: 'Gemm', input: ['y', 'w'], output: ['z'] }] } });
    refused(bytes, /expected an ONNX graph with RNN, LSTM, GRU nodes, got none \(2 nodes: Relu, Gemm\)/);
  });

  test('attributes PyTorch has no counterpart for, each named', () => {
    const add = (name: string, value: object) => (node: OnnxNode) => node.attribute!.push({ name, ...value });
    refused(edited('lstm', add('clip', { type: 1, f: 3 })), /expected no clip attribute, got clip=3/);
    refused(edited('gru', add('layout', { type: 2, i: 2 })), /expected layout 0 \(X as \(seq_length, batch, input_size\)\) or 1 \(X as \(batch, seq_length, input_size\)\), got layout=2/);
    refused(edited('lstm', add('input_forget', { type: 2, i: 1 })), /input_forget=1/);
    refused(edited('rnn', add('activation_alpha', { type: 6, floats: [0.5] })), /expected no activation_alpha attribute/);
    refused(edited('rnn', add('frobnicate', { type: 2, i: 1 })), /got "frobnicate"/);
    refused(
      edited('lstm', (node) => {
        node.attribute!.find((a) => a.name === 'activations')!.strings = ['Relu', 'Tanh', 'Tanh'].map(utf8);
      }),
      /expected activations \[Sigmoid, Tanh, Tanh\] per direction .* got \[Relu, Tanh, Tanh\]/,
    );
    refused(
      edited('rnn', (node) => {
        node.attribute!.find((a) => a.name === 'activations')!.strings = [utf8('Sigmoid')];
      }),
      /expected activations Tanh or Relu/,
    );
    refused(
      edited('gru', (node) => {
        node.attribute!.find((a) => a.name === 'direction')!.s = utf8('reverse');
      }),
      /expected direction forward or bidirectional, got "reverse" \(refused: PyTorch has no reverse-only module\)/,
    );
    refused(
      edited('lstm', (node) => {
        node.input = [...node.input!, 'P']; // X, W, R, B, sequence_lens, initial_h, initial_c, P
      }),
      /expected no peephole weights P/,
    );
    refused(
      edited('gru', (node) => {
        node.attribute!.find((a) => a.name === 'hidden_size')!.i = 3;
      }),
      /expected W of shape \(1, 9, input_size\) for hidden_size 3, got \(1, 6, 3\)/,
    );
  });

  test("layout=1 (ONNX: X (batch, seq_length, input_size)) is read batch-first: torch's relu RNN with layout=1 gives PyTorch's numbers on x batch-first", (t) => {
    const model = decodeOnnxModel(new Uint8Array(readFileSync(join(FIXTURES, 'rnn_relu.onnx'))), 'rnn');
    model.graph!.node!.find((n) => n.opType === 'RNN')!.attribute!.push({ name: 'layout', type: 2, i: 1 });
    const file = tempFile(t, 'layout1.onnx', encode(model));
    const [m] = decodeOnnx(encode(model), 'layout1.onnx').modules!;
    assert.equal(m!.batchFirst, true);
    assert.match(m!.source, /x batch-first \(layout=1\)/);
    const fixture = JSON.parse(readFileSync(join(FIXTURES, 'rnn_relu.json'), 'utf8')) as { x: number[][][]; h_0: unknown; out: number[][][] };
    const swap = (a: number[][][]): number[][][] => a[0]!.map((_, b) => a.map((row) => row[b]!));
    const dir = tempDir(t);
    // h_0 in PyTorch's layout (num_layers * D, batch, H), as --h0 always is.
    const doc = runJson<{ tensors: Record<string, unknown> }>(['--weights', file, '--input', writeJson(dir, 'x.json', swap(fixture.x)), '--h0', writeJson(dir, 'h0.json', fixture.h_0), '--format', 'json', '--include-tensors']);
    const diff = maxAbsDiff(doc.tensors['out'], swap(fixture.out));
    t.diagnostic(`layout=1 out: maxdiff ${diff.toExponential(2)}`);
    assert.ok(diff <= 1e-5, `max |diff| ${diff}`);
    assert.ok(maxAbsDiff(doc.tensors['out'], fixture.out) > 1e-3, 'read time-first it would differ');
  });

  test("convert from a batch_first module's graph says the written file takes x time-first", (t) => {
    const dir = tempDir(t);
    const source = join(FIXTURES, 'gru_batch_first.onnx');
    const onnx = runJson<{ notes: string[] }>(['convert', source, join(dir, 'out.onnx'), '--format', 'json']);
    assert.ok(onnx.notes.some((n) => /takes x batch-first .*the written graph takes x time-first, \(seq_len, batch, 5\): swap x's first two axes/.test(n)), onnx.notes.join('\n'));
    const sd = runJson<{ notes: string[] }>(['convert', source, join(dir, 'out.safetensors'), '--format', 'json']);
    assert.ok(sd.notes.some((n) => /build torch\.nn\.GRU\(\.\.\., batch_first=True\)/.test(n)), sd.notes.join('\n'));
    const plain = runJson<{ notes: string[] }>(['convert', join(FIXTURES, 'gru_lengths.onnx'), join(dir, 'plain.onnx'), '--format', 'json']);
    assert.ok(!plain.notes.some((n) => /batch-first/.test(n)));
  });

  test("doctor --weights reads a batch_first module's graph as batch-first", () => {
    const doc = runJson<unknown>(['doctor', '--weights', join(FIXTURES, 'gru_batch_first.onnx'), '--x-shape', '3,6,5', '--format', 'json']);
    assert.match(JSON.stringify(doc), /"module":"GRU\(5, 4, batch_first=True\)"/);
    assert.match(JSON.stringify(runJson<unknown>(['doctor', '--weights', join(FIXTURES, 'gru_lengths.onnx'), '--x-shape', '3,6,5', '--format', 'json'])), /"module":"GRU\(5, 4\)"/);
  });

  test('bad ONNX input through the CLI (the fuzz suite\'s cases): exit 2, one line each', (t) => {
    const dir = tempDir(t);
    const expected: Record<string, RegExp> = {
      'cut.onnx': /cut\.onnx: expected an ONNX model \(a protobuf ModelProto\), got malformed protobuf/,
      'no-recurrent.onnx': /no-recurrent\.onnx: expected an ONNX graph with RNN, LSTM, GRU nodes, got none \(2 nodes: Relu, Gemm\)/,
      'clip.onnx': /clip\.onnx: LSTM node "\/rnn\/LSTM": expected no clip attribute, got clip=3/,
      'activations.onnx': /activations\.onnx: LSTM node "\/rnn\/LSTM": expected activations \[Sigmoid, Tanh, Tanh\] per direction .*got \[HardSigmoid, Tanh, Tanh, HardSigmoid, Tanh, Tanh\] \(refused: activations other than the defaults\)/,
      'layout2.onnx': /layout2\.onnx: GRU node "\/rnn\/GRU": expected layout 0 .* or 1 .*got layout=2/,
    };
    const files = badOnnx();
    assert.deepEqual(Object.keys(files).sort(), Object.keys(expected).sort());
    for (const [name, bytes] of Object.entries(files)) {
      const file = join(dir, name);
      writeFileSync(file, bytes);
      for (const args of [['inspect', file], ['--weights', file], ['diff', file, join(FIXTURES, 'lstm_bi2.onnx')]]) assertUserError(args, expected[name]!);
    }
  });

  test('GRU linear_before_reset: 0 is GRUResetBefore, 1 is PyTorch\'s GRU', () => {
    const zero = edited('gru', (node) => {
      node.attribute = node.attribute!.filter((a) => a.name !== 'linear_before_reset');
    });
    assert.equal(decodeOnnx(zero, 'model.onnx').modules![0]!.type, 'gru-reset-before');
    assert.equal(decodeOnnx(edited('gru', () => {}), 'model.onnx').modules![0]!.type, 'gru');
  });

  test('through the CLI: one error line, exit 2, for run, inspect, doctor and pipeline', (t) => {
    const bad = tempFile(t, 'cut.onnx', new Uint8Array(readFileSync(join(FIXTURES, 'gru_lengths.onnx'))).subarray(0, 300));
    const clip = tempFile(t, 'clip.onnx', edited('lstm', (node) => node.attribute!.push({ name: 'clip', type: 1, f: 2 })));
    const none = tempFile(t, 'none.onnx', encode({ irVersion: 7, opsetImport: [{ domain: '', version: 14 }], graph: { node: [{ opType: 'Relu', input: ['x'], output: ['y'] }] } }));
    for (const args of [['inspect', bad], ['--weights', bad], ['doctor', '--weights', bad, '--x-shape', '2,3,5'], ['pipeline', '--weights', bad]]) {
      assertUserError(args, /cut\.onnx: expected an ONNX model/);
    }
    assertUserError(['--weights', clip], /clip\.onnx: LSTM node .* expected no clip attribute, got clip=2/);
    assertUserError(['inspect', none], /expected an ONNX graph with RNN, LSTM, GRU nodes, got none/);
  });

  test('a GRUResetBefore model runs from the CLI and is named for what it is', (t) => {
    const file = tempFile(t, 'gru0.onnx', edited('gru', (node) => {
      node.attribute!.find((a) => a.name === 'linear_before_reset')!.i = 0;
    }));
    const dir = tempDir(t);
    const doc = runJson<{ module: string; config: { type: string } }>(['--weights', file, '--format', 'json']);
    assert.equal(doc.module, 'GRUResetBefore(3, 2)');
    assert.equal(doc.config.type, 'gru-reset-before');
    assertUserError(['--weights', file, '--type', 'gru'], /--type gru contradicts .*gru0\.onnx: it holds a GRUResetBefore/);
    assertUserError(['convert', file, join(dir, 'gru0.safetensors')], /expected a module a PyTorch state_dict can express, got GRUResetBefore/);
  });
});
