// The TF.js reader on the fixtures tfjs saved (test/fixtures/tfjs/, scripts/fixtures/make_tfjs_fixtures.mjs)
// and on copies with one thing changed: what it reads (kinds, stacks, activations, other layers), and
// what it refuses, each with exit 2 and one error line naming the problem.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readTensorsFile } from '../../src/io/index.js';
import { gateFunctions, hardSigmoid, hardSigmoidRelu6 } from '../../src/kernels/activations.js';
import { kindOf } from '../../src/modules/kinds/index.js';
import { resolveConfig } from '../../src/modules/layer/config.js';
import { assertUserError, runCli, runJson } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/tfjs/', import.meta.url));
type Cleanup = Parameters<typeof tempDir>[0];

/** A copy of a fixture's model.json (edited) with its shard (or not) in a temporary directory. */
function edited(t: Cleanup, name: string, edit: (doc: Record<string, any>) => void, shard: (bytes: Buffer) => Buffer | null = (b) => b): string {
  const dir = tempDir(t);
  const doc = JSON.parse(readFileSync(join(FIXTURES, name, 'model.json'), 'utf8')) as Record<string, any>;
  edit(doc);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(doc));
  const bytes = shard(readFileSync(join(FIXTURES, name, 'weights.bin')));
  if (bytes) writeFileSync(join(dir, 'weights.bin'), bytes);
  return join(dir, 'model.json');
}
const firstLayer = (doc: Record<string, any>): Record<string, any> => doc['modelTopology'].config.layers[0].config;

describe('hard_sigmoid, as each producer computes it', () => {
  test('tfjs and Keras 2: clip(0.2x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6', () => {
    assert.deepEqual([-3, -2.5, 0, 1, 2.5, 3].map(hardSigmoid), [0, 0, 0.5, 0.7, 1, 1]);
    assert.deepEqual([-4, -3, 0, 1.5, 3, 4].map(hardSigmoidRelu6), [0, 0, 0.5, 0.75, 1, 1]);
    assert.ok(Number.isNaN(hardSigmoid(NaN)) && Number.isNaN(hardSigmoidRelu6(NaN)));
    assert.equal(gateFunctions.sigmoid.f(0), 0.5);
  });
  test('only kinds with σ gates take a recurrent activation', () => {
    assert.equal(resolveConfig(kindOf('lstm'), { inputSize: 2, hiddenSize: 3, recurrentActivation: 'hard_sigmoid' }).recurrentActivation, 'hard_sigmoid');
    assert.throws(() => resolveConfig(kindOf('rnn'), { inputSize: 2, hiddenSize: 3, recurrentActivation: 'hard_sigmoid' }), /recurrent_activation: expected none for RNN/);
  });
});

describe('reading TF.js layers models', () => {
  test('kinds, stacks and activations as the files say', () => {
    const cases: [string, string, string, number, boolean, string | null][] = [
      ['simple_rnn', 'rnn', 'tanh', 1, false, null],
      ['simple_rnn_relu', 'rnn', 'relu', 1, false, null],
      ['lstm', 'lstm', 'tanh', 1, false, 'hard_sigmoid'],
      ['lstm_sigmoid', 'lstm', 'tanh', 1, false, 'sigmoid'],
      ['gru', 'gru-reset-before', 'tanh', 1, false, 'hard_sigmoid'],
      ['bilstm', 'lstm', 'tanh', 1, true, 'hard_sigmoid'],
      ['lstm_stack2', 'lstm', 'tanh', 2, false, 'hard_sigmoid'],
      ['bigru_stack2', 'gru-reset-before', 'tanh', 2, true, 'hard_sigmoid'],
    ];
    for (const [name, type, nonlinearity, layers, bidirectional, activation] of cases) {
      const doc = runJson<{ format: string; modules: Record<string, unknown>[] }>(['inspect', join(FIXTURES, name, 'model.json'), '--format', 'json']);
      assert.equal(doc.format, 'tfjs', name);
      assert.equal(doc.modules.length, 1, name);
      const m = doc.modules[0]!;
      assert.deepEqual([m['type'], m['nonlinearity'] ?? 'tanh', m['num_layers'], m['bidirectional'], m['recurrent_activation']], [type, nonlinearity, layers, bidirectional, activation], name);
    }
  });

  test('the gate blocks move from Keras order (i, f, c, o) to PyTorch order (i, f, g, o) and the kernel is transposed', (t) => {
    // A kernel whose column k holds k: weight_ih row r must then hold Keras column (gate slot, unit) of r.
    const file = edited(t, 'lstm', () => {}, (b) => {
      const f = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      for (let i = 0; i < 3; i++) for (let k = 0; k < 16; k++) f[i * 16 + k] = 100 * i + k; // kernel (3, 16)
      return Buffer.from(f.buffer);
    });
    const w = readTensorsFile(file).tensors.get('weight_ih_l0')!.tensor;
    assert.deepEqual(w.shape, [16, 3]);
    for (let r = 0; r < 16; r++) for (let i = 0; i < 3; i++) assert.equal(w.data[r * 3 + i], 100 * i + r);
  });

  test('GRU z, r, h become r, z, n; one bias is b_ih with b_hh zero', (t) => {
    const file = edited(t, 'gru', () => {}, (b) => {
      const f = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      const bias = 3 * 12 + 4 * 12; // after kernel (3, 12) and recurrent_kernel (4, 12)
      for (let k = 0; k < 12; k++) f[bias + k] = k;
      return Buffer.from(f.buffer);
    });
    const { tensors } = readTensorsFile(file);
    // PyTorch's r (rows 0-3) is Keras's second block (4-7), z its first (0-3), n its third.
    assert.deepEqual([...tensors.get('bias_ih_l0')!.tensor.data], [4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11]);
    assert.deepEqual([...tensors.get('bias_hh_l0')!.tensor.data], new Array(12).fill(0));
  });

  test('a layer the engine does not run (Dense) is listed in the metadata, not run', (t) => {
    const file = edited(t, 'lstm', (doc) => {
      doc['modelTopology'].config.layers.push({ class_name: 'Dense', config: { name: 'dense_Dense1', units: 2 } });
      doc['weightsManifest'][0].weights.push({ name: 'dense_Dense1/kernel', shape: [4, 2], dtype: 'float32' });
    }, (b) => Buffer.concat([b, Buffer.alloc(32)]));
    const doc = runJson<{ metadata: Record<string, string>; modules: unknown[] }>(['inspect', file, '--format', 'json']);
    assert.equal(doc.modules.length, 1);
    assert.match(doc.metadata['other_layers']!, /Dense "dense_Dense1" \(listed, not run\)/);
  });

  test('explain runs hard_sigmoid gates and leaves out the backward account, saying why', () => {
    const r = runCli(['explain', '--weights', join(FIXTURES, 'lstm', 'model.json'), '--batch-first']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /the backward account is left out: backward: expected recurrent_activation sigmoid, got hard_sigmoid/);
  });

  test('a JSON state_dict is still read as JSON', (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'w.json'), JSON.stringify({ weight_ih_l0: [[1, 2]], weight_hh_l0: [[3]] }));
    assert.equal(readTensorsFile(join(dir, 'w.json')).format, 'json');
  });
});

describe('refused TF.js input: exit 2 and one line naming it', () => {
  test('a missing shard', (t) => {
    assertUserError(['inspect', edited(t, 'lstm', () => {}, () => null)], /weights\.bin: expected a readable file, got no such file/);
  });
  test('a shard of the wrong size', (t) => {
    assertUserError(['run', '--weights', edited(t, 'lstm', () => {}, (b) => b.subarray(0, b.length - 4))], /weightsManifest\[0\]: expected 512 bytes in "weights\.bin" for 3 weights, got 508/);
  });
  test('a recurrent_activation the engine does not run', (t) => {
    assertUserError(['inspect', edited(t, 'lstm', (d) => void (firstLayer(d)['recurrent_activation'] = 'softsign'))], /layer "lstm_LSTM1" \(LSTM\): expected recurrent_activation sigmoid or hard_sigmoid, got "softsign"/);
  });
  test('an LSTM activation other than tanh', (t) => {
    assertUserError(['inspect', edited(t, 'lstm', (d) => void (firstLayer(d)['activation'] = 'relu'))], /expected activation tanh, got "relu"/);
  });
  test('go_backwards on a layer of its own', (t) => {
    assertUserError(['inspect', edited(t, 'gru', (d) => void (firstLayer(d)['go_backwards'] = true))], /expected go_backwards false, got true \(refused/);
  });
  test('a Bidirectional merge_mode other than concat', (t) => {
    assertUserError(['inspect', edited(t, 'bilstm', (d) => void (firstLayer(d)['merge_mode'] = 'sum'))], /expected merge_mode concat, got "sum"/);
  });
  test('a Masking layer', (t) => {
    const file = edited(t, 'lstm', (d) => d['modelTopology'].config.layers.unshift({ class_name: 'Masking', config: { name: 'masking', mask_value: 0 } }));
    assertUserError(['inspect', file], /layer "masking" \(Masking\): expected no Masking layer/);
  });
  test('a graph model', (t) => {
    assertUserError(['inspect', edited(t, 'lstm', (d) => void (d['format'] = 'graph-model'))], /expected a TF\.js layers model \(format "layers-model"\), got format "graph-model"/);
  });
  test('grad on hard_sigmoid gates, whose derivative the backward steps do not have', () => {
    assertUserError(['grad', '--weights', join(FIXTURES, 'lstm', 'model.json')], /backward: expected recurrent_activation sigmoid, got hard_sigmoid/);
  });
  test('pipeline --weights on hard_sigmoid gates, which a pipeline spec cannot say', () => {
    assertUserError(['pipeline', '--weights', join(FIXTURES, 'lstm', 'model.json')], /expected modules whose gates compute σ for a pipeline, got recurrent_activation hard_sigmoid/);
  });
  test('convert of hard_sigmoid gates into a PyTorch state_dict', (t) => {
    const dir = tempDir(t);
    copyFileSync(join(FIXTURES, 'lstm', 'model.json'), join(dir, 'model.json'));
    copyFileSync(join(FIXTURES, 'lstm', 'weights.bin'), join(dir, 'weights.bin'));
    assertUserError(['convert', join(dir, 'model.json'), join(dir, 'out.safetensors')], /out\.safetensors: expected a module whose gates compute σ, got recurrent_activation hard_sigmoid/);
  });
});
