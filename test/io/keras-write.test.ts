// The Keras writers (src/io/keras-write.ts, HDF5 through h5wasm): what they write is laid out as the
// files Keras 3 itself wrote (test/fixtures/keras/: the same HDF5 groups, datasets and config keys for
// the same architecture), reads back as the module it was written from (the engine's out within 1e-6
// on random weights and input), and `convert` writes it or refuses what Keras cannot express.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import { Hdf5File } from '../../src/io/hdf5.js';
import { loadHdf5Writer } from '../../src/io/hdf5-write.js';
import { decodeKeras, decodeKerasH5 } from '../../src/io/keras.js';
import { encodeKeras, encodeKerasH5 } from '../../src/io/keras-write.js';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { kindOf, type KindName } from '../../src/modules/kinds/index.js';
import type { RecurrentOptions } from '../../src/modules/layer/config.js';
import { Recurrent } from '../../src/modules/recurrent.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { TensorFile } from '../../src/io/format.js';
import { assertUserError, runJson } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/keras/', import.meta.url));
const fixture = (name: string, file: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name, file)));

/** Every group and dataset path of an HDF5 file, with each dataset's shape. */
function layout(bytes: Uint8Array): string[] {
  const h5 = new Hdf5File(bytes, 'f.h5');
  const out: string[] = [];
  const walk = (path: string): void => {
    for (const key of h5.keys(path) ?? []) {
      const p = path ? `${path}/${key}` : key;
      if (h5.isGroup(p)) {
        out.push(`${p}/`);
        walk(p);
      } else out.push(p);
    }
  };
  walk('');
  return out.sort();
}

/** A Keras config with the names that differ between two saves (layer names, seeds, object ids) taken out: its structure. */
function structure(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(structure);
  if (v === null || typeof v !== 'object') return typeof v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).filter((k) => !['shared_object_id', 'name', 'build_config', 'compile_config', 'kernel_initializer', 'recurrent_initializer', 'bias_initializer', 'unit_forget_bias', 'kernel_regularizer', 'recurrent_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'recurrent_constraint', 'bias_constraint', 'use_cudnn', 'seed'].includes(k)).sort().map((k) => [k, structure(o[k])]));
}

interface Case {
  name: string;
  type: KindName;
  options: RecurrentOptions;
}
const CASES: Case[] = [
  { name: 'RNN relu, no bias, 2 layers', type: 'rnn', options: { inputSize: 5, hiddenSize: 4, nonlinearity: 'relu', bias: false, numLayers: 2 } },
  { name: 'LSTM, 2 layers, bidirectional', type: 'lstm', options: { inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true } },
  { name: "LSTM, Keras 3's hard_sigmoid", type: 'lstm', options: { inputSize: 5, hiddenSize: 3, recurrentActivation: 'hard_sigmoid_relu6' } },
  { name: 'GRU (reset_after true), bidirectional', type: 'gru', options: { inputSize: 5, hiddenSize: 4, bidirectional: true } },
  { name: 'GRUResetBefore, 2 layers', type: 'gru-reset-before', options: { inputSize: 5, hiddenSize: 3, numLayers: 2 } },
];

describe('the Keras writers', () => {
  test("a .keras archive laid out as Keras 3's: the same HDF5 groups and datasets, the same config keys", async () => {
    const hdf5 = await loadHdf5Writer();
    // The bilstm fixture is Bidirectional(LSTM(3)) on 3 features; the gru one GRU(4), reset_after true.
    for (const [name, type, options] of [
      ['bilstm', 'lstm', { inputSize: 3, hiddenSize: 3, bidirectional: true }],
      ['gru', 'gru', { inputSize: 3, hiddenSize: 4 }],
      ['simple_rnn', 'rnn', { inputSize: 3, hiddenSize: 3, bias: false }],
    ] as const) {
      const module = new Recurrent(kindOf(type), options).eval();
      const ours = unzipSync(encodeKeras(kindOf(type), module.config, module.stateDict(), hdf5, 'test'));
      const keras = unzipSync(fixture(name, 'model.keras'));
      assert.deepEqual(Object.keys(ours).sort(), Object.keys(keras).sort(), name);
      assert.deepEqual(layout(ours['model.weights.h5']!), layout(keras['model.weights.h5']!), name);
      const config = (m: Record<string, Uint8Array>): Record<string, any> => JSON.parse(strFromU8(m['config.json']!));
      // Keras's fixture takes 6 steps and returns sequences only where its case says; ours takes any length and always does.
      const kerasConfig = config(keras);
      kerasConfig['config'].layers[0].config.batch_shape[1] = null;
      for (const l of kerasConfig['config'].layers.slice(1)) for (const c of [l.config, l.config.layer?.config, l.config.backward_layer?.config]) if (c && 'return_sequences' in c) c.return_sequences = true;
      assert.deepEqual(structure(config(ours)['config'].layers), structure(kerasConfig['config'].layers), name);
    }
  });

  test('a legacy .h5 laid out as Keras 3 writes one: model_weights/<layer>/ with weight_names, the root attributes', async () => {
    const hdf5 = await loadHdf5Writer();
    const module = new Recurrent(kindOf('lstm'), { inputSize: 3, hiddenSize: 3, bidirectional: true }).eval();
    const ours = new Hdf5File(encodeKerasH5(kindOf('lstm'), module.config, module.stateDict(), hdf5, 'test'), 'ours.h5');
    const keras = new Hdf5File(fixture('bilstm', 'model.h5'), 'keras.h5');
    for (const h5 of [ours, keras]) {
      assert.ok(['backend', 'keras_version', 'model_config'].every((k) => h5.text('', k) !== null));
      const [layer] = h5.textList('model_weights', 'layer_names')!;
      const names = h5.textList(`model_weights/${layer}`, 'weight_names')!;
      // sequential/<bidirectional>/<forward_lstm>/lstm_cell/kernel: the direction, the cell and the role.
      const roles = names.map((n) => n.split('/')).map((p) => `${p.at(-3)!.split('_')[0]} ${p.at(-2)} ${p.at(-1)}`);
      assert.deepEqual(roles, ['forward', 'backward'].flatMap((d) => ['kernel', 'recurrent_kernel', 'bias'].map((r) => `${d} lstm_cell ${r}`)), h5.file);
      for (const n of names) assert.ok(ours === h5 ? h5.isGroup(`model_weights/${layer}/${n.split('/').slice(0, -1).join('/')}`) : true);
    }
  });

  for (const [i, c] of CASES.entries()) {
    test(`${c.name}: written as .keras and .h5, read back, the engine's out within 1e-6`, async () => {
      const hdf5 = await loadHdf5Writer();
      const kind = kindOf(c.type);
      const module = new Recurrent(kind, { ...c.options, seed: 700 + i }).eval();
      const x = Tensor.zeros([6, 2, module.config.inputSize]);
      new Random(800 + i).fillNormal(x.data);
      for (let k = 0; k < x.data.length; k++) x.data[k] = 2 * x.data[k]!;
      const want = module.forward(x).out.data;
      const written: [string, TensorFile][] = [
        ['.keras', decodeKeras(encodeKeras(kind, module.config, module.stateDict(), hdf5, 'test'), 'w.keras')],
        ['.h5', decodeKerasH5(encodeKerasH5(kind, module.config, module.stateDict(), hdf5, 'test'), 'w.h5')],
      ];
      for (const [ext, contents] of written) {
        const m = contents.modules![0]!;
        assert.deepEqual([m.type, m.recurrentActivation ?? 'sigmoid'], [c.type, module.config.recurrentActivation], ext);
        const back = new Recurrent(kindOf(m.type), { ...c.options, nonlinearity: m.nonlinearity, ...(m.recurrentActivation ? { recurrentActivation: m.recurrentActivation } : {}) }).eval();
        back.loadStateDict(new Map([...contents.tensors].map(([k, v]) => [k, v.tensor])));
        const got = back.forward(x).out.data;
        const diff = got.reduce((d, v, k) => Math.max(d, Math.abs(v - want[k]!)), 0);
        assert.ok(diff <= 1e-6, `${c.name} ${ext}: max diff ${diff}`);
      }
    });
  }
});

describe('convert IN out.keras / out.h5', () => {
  test('writes the file and checks it against the source', (t) => {
    const dir = tempDir(t);
    const source = fileURLToPath(new URL('../fixtures/onnx/lstm_bi2.state_dict.pt', import.meta.url));
    for (const out of ['m.keras', 'm.h5']) {
      const doc = runJson<{ to_format: string; check: { max_diff: number }; notes: string[] }>(['convert', source, join(dir, out), '--format', 'json']);
      assert.equal(doc.to_format, out.endsWith('.keras') ? 'keras' : 'h5');
      assert.ok(doc.check.max_diff <= 1e-6, String(doc.check.max_diff));
      assert.ok(doc.notes.some((n) => /a Sequential of 2 Bidirectional\(LSTM\) layers/.test(n)));
    }
    assert.deepEqual(readdirSync(dir).sort(), ['m.h5', 'm.keras']);
  });

  test('refuses what Keras cannot express, with the reason, and writes nothing', (t) => {
    const dir = tempDir(t);
    const proj = join(dir, 'proj.safetensors');
    writeFileSync(proj, encodeSafetensors(new Recurrent(kindOf('lstm'), { inputSize: 3, hiddenSize: 4, projSize: 2 }).stateDict()));
    assertUserError(['convert', proj, join(dir, 'm.keras')], /m\.keras: expected a module Keras can express, got Keras's LSTM has no projection \(proj_size 2, weight_hr\)/);
    // tfjs's hard_sigmoid is not Keras 3's.
    const tfjs = fileURLToPath(new URL('../fixtures/tfjs/lstm/model.json', import.meta.url));
    assertUserError(['convert', tfjs, join(dir, 'm.h5')], /m\.h5: expected a module Keras can express, got recurrent_activation hard_sigmoid as tfjs and Keras 2 compute it \(clip\(0\.2x \+ 0\.5, 0, 1\)\)/);
    assert.deepEqual(readdirSync(dir), ['proj.safetensors']);
  });
});
