// A second runtime checks the TF.js writer: models written by encodeTfjs (and by `convert ...
// model.json`) are loaded by tfjs itself (@tensorflow/tfjs, CPU backend, tf.loadLayersModel through
// an in-memory IOHandler fed from the written files) and must predict the engine's out within 1e-5,
// with random weights and input. GRUResetBefore is checked against tfjs's own GRU (reset_after
// false), and recurrent_activation hard_sigmoid against tfjs's hard_sigmoid.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { encodeSafetensors } from '../../src/io/safetensors.js';
import { encodeTfjs } from '../../src/io/tfjs.js';
import { kindOf, type KindName } from '../../src/modules/kinds/index.js';
import type { RecurrentOptions } from '../../src/modules/layer/config.js';
import { Recurrent } from '../../src/modules/recurrent.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertUserError, runJson } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

const TOLERANCE = 1e-5;
const T = 6;
const B = 3;

interface Case {
  name: string;
  type: KindName;
  options: RecurrentOptions;
}
const CASES: Case[] = [
  { name: 'RNN tanh', type: 'rnn', options: { inputSize: 5, hiddenSize: 4 } },
  { name: 'RNN relu, no bias, 2 layers', type: 'rnn', options: { inputSize: 5, hiddenSize: 4, nonlinearity: 'relu', bias: false, numLayers: 2 } },
  { name: 'LSTM, 2 layers, bidirectional', type: 'lstm', options: { inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true } },
  { name: 'LSTM, recurrent_activation hard_sigmoid', type: 'lstm', options: { inputSize: 5, hiddenSize: 4, recurrentActivation: 'hard_sigmoid' } },
  { name: 'GRUResetBefore, 2 layers, bidirectional', type: 'gru-reset-before', options: { inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true } },
  { name: 'GRUResetBefore, hard_sigmoid, no bias', type: 'gru-reset-before', options: { inputSize: 5, hiddenSize: 3, bias: false, recurrentActivation: 'hard_sigmoid' } },
];

/** tfjs's prediction for a written model.json and its shard, loaded as tfjs loads any model. */
async function tfjsPredict(json: Uint8Array | string, shard: Uint8Array, x: Tensor): Promise<Float32Array> {
  const doc = JSON.parse(typeof json === 'string' ? json : new TextDecoder().decode(json)) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  const weightData = shard.buffer.slice(shard.byteOffset, shard.byteOffset + shard.byteLength) as ArrayBuffer;
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: doc.modelTopology, weightSpecs: doc.weightsManifest.flatMap((g) => g.weights), weightData }));
  const y = model.predict(tf.tensor(x.data, [...x.shape])) as tf.Tensor;
  const values = (await y.data()) as Float32Array;
  model.dispose();
  return values;
}

/** (T, B, F) as (B, T, F): Keras's batch-major layout. */
function batchMajor(t: Tensor): Tensor {
  const [S, N, F] = t.shape as [number, number, number];
  const out = Tensor.zeros([N, S, F]);
  for (let s = 0; s < S; s++) for (let b = 0; b < N; b++) out.data.set(t.data.subarray((s * N + b) * F, (s * N + b + 1) * F), (b * S + s) * F);
  return out;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('tfjs runs the written TF.js model to the engine numbers', () => {
  test.before(async () => {
    await tf.setBackend('cpu');
  });
  for (const [i, c] of CASES.entries()) {
    test(c.name, async (t) => {
      const kind = kindOf(c.type);
      const module = new Recurrent(kind, { ...c.options, seed: 500 + i }).eval();
      const x = Tensor.zeros([T, B, module.config.inputSize]);
      new Random(600 + i).fillNormal(x.data);
      for (let k = 0; k < x.data.length; k++) x.data[k] = 2 * x.data[k]!; // reach hard_sigmoid's flat parts
      const engine = module.forward(x);
      const written = encodeTfjs(kind, module.config, module.stateDict(), 'weights.bin', 'test');
      const got = await tfjsPredict(written.json, written.shard, batchMajor(x));
      const diff = maxDiff(batchMajor(engine.out).data, got);
      t.diagnostic(`out OK, maxdiff = ${diff.toExponential(2)}`);
      assert.ok(diff <= TOLERANCE, `max |engine - tfjs| = ${diff}`);
    });
  }

  test('negative control: hard_sigmoid written as sigmoid disagrees', async () => {
    const kind = kindOf('lstm');
    const module = new Recurrent(kind, { inputSize: 5, hiddenSize: 4, recurrentActivation: 'hard_sigmoid', seed: 9 }).eval();
    const x = Tensor.zeros([T, B, 5]);
    new Random(10).fillNormal(x.data);
    const written = encodeTfjs(kind, { ...module.config, recurrentActivation: 'sigmoid' }, module.stateDict(), 'weights.bin', 'test');
    const got = await tfjsPredict(written.json, written.shard, batchMajor(x));
    assert.ok(maxDiff(batchMajor(module.forward(x).out).data, got) > 1e-3);
  });

  test('convert IN model.json: tfjs loads the files convert wrote and predicts what the engine runs from IN', async (t) => {
    const dir = tempDir(t);
    const fixtures = new URL('../fixtures/onnx/', import.meta.url).pathname;
    mkdirSync(join(dir, 'web'));
    const out = join(dir, 'web', 'model.json');
    const doc = runJson<{ to_format: string; check: { max_diff: number } }>(['convert', join(fixtures, 'lstm_bi2.state_dict.pt'), out, '--format', 'json']);
    assert.equal(doc.to_format, 'tfjs');
    assert.ok(doc.check.max_diff <= TOLERANCE);
    // The engine on IN, batch-first, against tfjs on the written files.
    const x = Tensor.zeros([B, T, 5]);
    new Random(11).fillNormal(x.data);
    const xFile = join(dir, 'x.json');
    writeFileSync(xFile, JSON.stringify(x.toNested()));
    const run = runJson<{ tensors: { out: number[][][] } }>(['run', '--weights', join(fixtures, 'lstm_bi2.state_dict.pt'), '--input', xFile, '--batch-first', '--format', 'json', '--include-tensors']);
    const got = await tfjsPredict(readFileSync(out, 'utf8'), new Uint8Array(readFileSync(join(dir, 'web', 'weights.bin'))), x);
    const diff = maxDiff(run.tensors.out.flat(2), got);
    t.diagnostic(`convert → tfjs: out OK, maxdiff = ${diff.toExponential(2)}`);
    assert.ok(diff <= TOLERANCE);
  });

  test('convert refuses what TF.js cannot express, with the reason, and writes nothing', (t) => {
    const dir = tempDir(t);
    const fixtures = new URL('../fixtures/onnx/', import.meta.url).pathname;
    assertUserError(['convert', join(fixtures, 'gru_lengths.state_dict.pt'), join(dir, 'model.json')], /model\.json: expected a module TF\.js can express, got GRU .*reset_after: true/);
    const proj = join(dir, 'proj.safetensors');
    writeFileSync(proj, encodeSafetensors(new Recurrent(kindOf('lstm'), { inputSize: 3, hiddenSize: 4, projSize: 2 }).stateDict()));
    assertUserError(['convert', proj, join(dir, 'model.json')], /model\.json: expected a module TF\.js can express, got Keras's LSTM has no projection \(proj_size 2, weight_hr\)/);
    assert.deepEqual(readdirSync(dir), ['proj.safetensors']);
  });
});
