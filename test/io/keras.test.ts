// The Keras readers (.keras and legacy .h5) on the fixtures Keras 3 saved (test/fixtures/keras/,
// scripts/fixtures/make_keras_fixtures.py) and on .keras copies with one thing changed in config.json
// or metadata.json: what they read (kinds, stacks, activations as the producer computes them), and what
// they refuse, each with one error naming it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { strFromU8, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { FormatError } from '../../src/errors.js';
import { decodeKeras, decodeKerasH5 } from '../../src/io/keras.js';
import { readTensorsFile } from '../../src/io/index.js';
import { Recurrent } from '../../src/modules/recurrent.js';
import { kindOf, type KindName } from '../../src/modules/kinds/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { tempFile } from '../helpers/files.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/keras/', import.meta.url));
const fixture = (name: string, file: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name, file)));

/** A fixture's .keras archive with config.json (and metadata.json) edited, or members left out. */
function editedKeras(name: string, edit: (config: Record<string, any>, metadata: Record<string, any>) => void, drop: string[] = []): Uint8Array {
  const members = unzipSync(fixture(name, 'model.keras'));
  const config = JSON.parse(strFromU8(members['config.json']!)) as Record<string, any>;
  const metadata = JSON.parse(strFromU8(members['metadata.json']!)) as Record<string, any>;
  edit(config, metadata);
  const out: Zippable = { ...members, 'config.json': strToU8(JSON.stringify(config)), 'metadata.json': strToU8(JSON.stringify(metadata)) };
  for (const d of drop) delete out[d];
  return zipSync(out);
}
/** The config of the first layer after the InputLayer of a Sequential config. */
const firstLayer = (config: Record<string, any>): Record<string, any> => config['config'].layers[1].config;

function refused(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => decodeKeras(bytes, 'm.keras'), (err: unknown) => err instanceof FormatError && pattern.test(err.message) && !err.message.includes('\n'));
}

describe('reading Keras files', () => {
  test('kinds, stacks and activations as the files say, the same from .keras and .h5', () => {
    const cases: [string, KindName, 'tanh' | 'relu', number, boolean, string | undefined][] = [
      ['simple_rnn_relu', 'rnn', 'relu', 1, false, undefined],
      ['simple_rnn', 'rnn', 'tanh', 1, false, undefined],
      ['lstm', 'lstm', 'tanh', 1, false, undefined],
      ['lstm_hard_sigmoid', 'lstm', 'tanh', 1, false, 'hard_sigmoid_relu6'],
      ['gru', 'gru', 'tanh', 1, false, undefined],
      ['gru_reset_before', 'gru-reset-before', 'tanh', 1, false, 'hard_sigmoid_relu6'],
      ['bilstm', 'lstm', 'tanh', 1, true, undefined],
      ['lstm_stack2', 'lstm', 'tanh', 2, false, undefined],
      ['bigru_stack2', 'gru', 'tanh', 2, true, undefined],
    ];
    for (const [name, type, nonlinearity, layers, bidirectional, activation] of cases) {
      const fromKeras = decodeKeras(fixture(name, 'model.keras'), 'm.keras');
      const fromH5 = decodeKerasH5(fixture(name, 'model.h5'), 'm.h5');
      for (const contents of [fromKeras, fromH5]) {
        assert.equal(contents.modules?.length, 1, name);
        const m = contents.modules![0]!;
        assert.deepEqual([m.type, m.nonlinearity, m.recurrentActivation], [type, nonlinearity, activation], name);
        const keys = [...contents.tensors.keys()];
        assert.equal(keys.filter((k) => k.startsWith('weight_ih_l')).length, layers * (bidirectional ? 2 : 1), `${name}: ${keys.join(', ')}`);
        assert.equal(keys.some((k) => k.endsWith('_reverse')), bidirectional, name);
      }
      // One model, two files: the same tensors.
      assert.deepEqual([...fromKeras.tensors.keys()], [...fromH5.tensors.keys()], name);
      for (const [k, v] of fromKeras.tensors) assert.deepEqual([...v.tensor.data], [...fromH5.tensors.get(k)!.tensor.data], `${name} ${k}`);
      assert.equal(fromKeras.metadata?.['producer'], 'Keras 3.15.1', name);
      assert.match(fromKeras.metadata?.['hard_sigmoid'] ?? '', /relu6\(x \+ 3\) \/ 6, as Keras 3/);
    }
  });

  test("Keras 2's hard_sigmoid for a file whose keras_version is 2.x", () => {
    const contents = decodeKerasH5(fixture('keras2_lstm_hard_sigmoid', 'model.h5'), 'm.h5');
    assert.equal(contents.modules![0]!.recurrentActivation, 'hard_sigmoid');
    assert.match(contents.metadata!['hard_sigmoid']!, /clip\(0\.2x \+ 0\.5, 0, 1\), as Keras 2\.15\.0/);
  });

  test("negative control: Keras 3's hard_sigmoid file read as Keras 2's is off by far more than the tolerance", () => {
    // The engine must follow the producer: the same weights under keras_version 2.15.0 compute another function.
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'lstm_hard_sigmoid', 'expected.json'), 'utf8')) as { value: number[][][] };
    const x = JSON.parse(readFileSync(join(FIXTURES, 'lstm_hard_sigmoid', 'x.json'), 'utf8')) as number[][][];
    const outOf = (bytes: Uint8Array): Float32Array => {
      const c = decodeKeras(bytes, 'm.keras');
      const m = c.modules![0]!;
      const kind = kindOf(m.type);
      const module = new Recurrent(kind, { inputSize: 3, hiddenSize: 4, batchFirst: true, ...(m.recurrentActivation ? { recurrentActivation: m.recurrentActivation } : {}) }).eval();
      module.loadStateDict(new Map([...c.tensors].map(([k, v]) => [k, v.tensor])));
      return module.forward(new Tensor(Float32Array.from(x.flat(2)), [2, 6, 3]), { keepTrace: false }).out.data;
    };
    const diff = (a: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - expected.value.flat(2)[i]!)), 0);
    assert.ok(diff(outOf(fixture('lstm_hard_sigmoid', 'model.keras'))) <= 1e-5);
    assert.ok(diff(outOf(editedKeras('lstm_hard_sigmoid', (_, meta) => void (meta['keras_version'] = '2.15.0')))) > 1e-3);
  });

  test('the formats are told by their bytes too: a .keras zip named .zip, an .h5 named .bin', (t) => {
    assert.equal(readTensorsFile(tempFile(t, 'm.zip', fixture('lstm', 'model.keras'))).format, 'keras');
    assert.equal(readTensorsFile(tempFile(t, 'm.bin', fixture('lstm', 'model.h5'))).format, 'h5');
  });
});

describe('refused Keras input: one error naming it', () => {
  test('a recurrent_activation the engine does not run', () => {
    refused(editedKeras('lstm', (c) => void (firstLayer(c)['recurrent_activation'] = 'softsign')), /layer "lstm" \(LSTM\): expected recurrent_activation sigmoid or hard_sigmoid, got "softsign"/);
  });
  test('go_backwards on a layer of its own', () => {
    refused(editedKeras('gru', (c) => void (firstLayer(c)['go_backwards'] = true)), /expected go_backwards false, got true \(refused/);
  });
  test('a Bidirectional merge_mode other than concat', () => {
    refused(editedKeras('bilstm', (c) => void (firstLayer(c)['merge_mode'] = 'sum')), /expected merge_mode concat, got "sum"/);
  });
  test('a backward_layer unlike the forward one', () => {
    refused(editedKeras('bilstm', (c) => void (firstLayer(c)['backward_layer'].config.units = 5)), /expected a backward_layer like its forward layer \(LSTM of 3 units\)/);
  });
  test('a Masking layer', () => {
    refused(editedKeras('lstm', (c) => c['config'].layers.splice(1, 0, { module: 'keras.layers', class_name: 'Masking', config: { name: 'masking', mask_value: 0 } })), /layer "masking" \(Masking\): expected no Masking layer/);
  });
  test('a float16 dtype policy', () => {
    refused(editedKeras('lstm', (c) => void (firstLayer(c)['dtype'] = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_float16' } })), /expected dtype policy float32, got "mixed_float16"/);
  });
  test('hard_sigmoid in a file that does not say which Keras wrote it', () => {
    refused(editedKeras('lstm_hard_sigmoid', () => {}, ['metadata.json']), /expected a file that names its Keras version for recurrent_activation hard_sigmoid, got none/);
  });
  test('a Keras 1 file', () => {
    refused(editedKeras('lstm', (_, meta) => void (meta['keras_version'] = '1.2.2')), /expected a file saved by Keras 2 or 3, got keras_version 1\.2\.2/);
  });
  test('an archive without model.weights.h5', () => {
    refused(editedKeras('lstm', () => {}, ['model.weights.h5']), /expected a Keras archive with config\.json and model\.weights\.h5, got no model\.weights\.h5/);
  });
  test('a truncated .h5', () => {
    const whole = fixture('lstm', 'model.h5');
    for (const n of [8, 700, whole.length - 1]) {
      assert.throws(() => decodeKerasH5(whole.subarray(0, n), 'm.h5'), (err: unknown) => err instanceof FormatError && /^m\.h5: expected /.test(err.message), `${n} bytes`);
    }
  });
  test('an attribute of a type the HDF5 reader does not know: refused, and nothing printed (the reader warns on the console)', () => {
    // The datatype class of the layer group's weight_names attribute set to 15, which HDF5 does not define.
    const bytes = fixture('lstm', 'model.h5').slice();
    const at = Buffer.from(bytes).indexOf(Buffer.from('weight_names\0'));
    bytes[at + 16] = 0x1f; // the datatype message after the name, padded to 8 bytes: version 1, class 15
    const printed: unknown[] = [];
    const { log, warn } = console;
    console.log = console.warn = (...args: unknown[]) => void printed.push(args);
    try {
      assert.throws(() => decodeKerasH5(bytes, 'm.h5'), /layer "lstm" \(LSTM\): expected its weights at model_weights\/lstm with a weight_names attribute, got a group without one/);
    } finally {
      console.log = log;
      console.warn = warn;
    }
    assert.deepEqual(printed, []);
  });
  test("model.weights.h5 on its own: weights without the config", () => {
    const weights = unzipSync(fixture('lstm', 'model.keras'))['model.weights.h5']!;
    assert.throws(() => decodeKerasH5(weights, 'w.h5'), /w\.h5: expected a Keras model \(HDF5 with a model_config attribute, as model\.save writes it\), got Keras 3 weights without their config/);
  });
});
