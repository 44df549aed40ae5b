// A second runtime checks the ONNX writer: models written by encodeOnnx (and by `convert`) run in
// onnxruntime-node (its CPU runtime, shipped inside the npm package) and must give the engine's
// out, h_n and c_n within 1e-5, with random weights, initial states and sequence_lens. The GRU
// with linear_before_reset=0 checks GRUResetBefore against ONNX's own equations.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { encodeOnnx } from '../../src/io/onnx-write.js';
import { kindOf, type KindName } from '../../src/modules/kinds/index.js';
import type { RecurrentOptions } from '../../src/modules/layer/config.js';
import { Recurrent } from '../../src/modules/recurrent.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { runJson } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

const TOLERANCE = 1e-5;
const FIXTURES = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));

interface Case {
  name: string;
  type: KindName;
  options: RecurrentOptions;
  lengths: number[];
}

const T = 6;
const B = 3;
const CASES: Case[] = [
  { name: 'RNN relu', type: 'rnn', options: { inputSize: 5, hiddenSize: 4, nonlinearity: 'relu' }, lengths: [6, 6, 6] },
  { name: 'RNN tanh, 2 layers, bidirectional, lengths', type: 'rnn', options: { inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true }, lengths: [6, 3, 5] },
  { name: 'LSTM, 2 layers, bidirectional', type: 'lstm', options: { inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true }, lengths: [6, 6, 6] },
  { name: 'LSTM, 2 layers, bidirectional, lengths', type: 'lstm', options: { inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true }, lengths: [2, 6, 4] },
  { name: 'GRU (linear_before_reset=1)', type: 'gru', options: { inputSize: 5, hiddenSize: 4, numLayers: 2 }, lengths: [6, 6, 6] },
  { name: 'GRU bidirectional, no bias, lengths', type: 'gru', options: { inputSize: 5, hiddenSize: 4, bidirectional: true, bias: false }, lengths: [5, 1, 6] },
  { name: 'GRUResetBefore (linear_before_reset=0), 2 layers, bidirectional', type: 'gru-reset-before', options: { inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true }, lengths: [6, 4, 6] },
];

function random(shape: number[], seed: number): Tensor {
  const t = Tensor.zeros(shape);
  new Random(seed).fillNormal(t.data);
  return t;
}

function maxDiff(a: Float32Array, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function runOrt(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  return (await session.run(feeds)) as Record<string, ort.Tensor>;
}

describe('onnxruntime-node runs the written ONNX to the engine numbers', () => {
  for (const [i, c] of CASES.entries()) {
    test(c.name, async (t) => {
      const kind = kindOf(c.type);
      const module = new Recurrent(kind, { ...c.options, seed: 100 + i }).eval();
      const { config } = module;
      const D = config.bidirectional ? 2 : 1;
      const H = config.hiddenSize;
      const x = random([T, B, config.inputSize], 200 + i);
      const h0 = random([config.numLayers * D, B, H], 300 + i);
      const c0 = kind.hasCellState ? random([config.numLayers * D, B, H], 400 + i) : undefined;
      const engine = module.forward(x, { h0, ...(c0 ? { c0 } : {}), lengths: c.lengths, enforceSorted: false });
      const bytes = encodeOnnx(kind, config, module.stateDict());
      const feeds: Record<string, ort.Tensor> = {
        x: new ort.Tensor('float32', x.data, x.shape),
        sequence_lens: new ort.Tensor('int32', Int32Array.from(c.lengths), [B]),
        initial_h: new ort.Tensor('float32', h0.data, h0.shape),
      };
      if (c0) feeds['initial_c'] = new ort.Tensor('float32', c0.data, c0.shape);
      const got = await runOrt(bytes, feeds);
      const pairs: [string, Tensor | null][] = [['out', engine.out], ['h_n', engine.hN], ['c_n', engine.cN]];
      for (const [name, ours] of pairs) {
        if (!ours) continue;
        const theirs = got[name];
        assert.ok(theirs, `onnxruntime gave no ${name}`);
        assert.deepEqual([...theirs.dims], [...ours.shape], `${name} shape`);
        const diff = maxDiff(ours.data, theirs.data as Float32Array);
        t.diagnostic(`${c.name} ${name}: maxdiff ${diff.toExponential(2)}`);
        assert.ok(diff <= TOLERANCE, `${c.name} ${name}: max |engine - onnxruntime| ${diff} > ${TOLERANCE}`);
      }
    });
  }

  test('a negative control: GRUResetBefore written as linear_before_reset=1 differs', async () => {
    const module = new Recurrent(kindOf('gru-reset-before'), { inputSize: 5, hiddenSize: 4, seed: 7 }).eval();
    const x = random([T, B, 5], 8);
    const engine = module.forward(x);
    const asGru = encodeOnnx(kindOf('gru'), module.config, module.stateDict());
    const got = await runOrt(asGru, {
      x: new ort.Tensor('float32', x.data, x.shape),
      sequence_lens: new ort.Tensor('int32', Int32Array.from([T, T, T]), [B]),
      initial_h: new ort.Tensor('float32', new Float32Array(B * 4), [1, B, 4]),
    });
    assert.ok(maxDiff(engine.out.data, got['out']!.data as Float32Array) > 1e-3);
  });

  test('convert rnn.pt rnn.onnx --nonlinearity relu: the state_dict cannot say relu, the flag does, and onnxruntime gives PyTorch\'s numbers', async (t) => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, 'rnn_relu.json'), 'utf8')) as { x: number[][][]; h_0: number[][][]; out: number[][][] };
    const flat = (v: number[][][]): Float32Array => Float32Array.from(v.flat(2));
    const dims = (v: number[][][]): number[] => [v.length, v[0]!.length, v[0]![0]!.length];
    const feeds = (): Record<string, ort.Tensor> => ({
      x: new ort.Tensor('float32', flat(fixture.x), dims(fixture.x)),
      sequence_lens: new ort.Tensor('int32', Int32Array.from([6, 6, 6]), [3]),
      initial_h: new ort.Tensor('float32', flat(fixture.h_0), dims(fixture.h_0)),
    });
    const dir = tempDir(t);
    const relu = join(dir, 'relu.onnx');
    const tanh = join(dir, 'tanh.onnx');
    const report = runJson<{ notes: string[] }>(['convert', join(FIXTURES, 'rnn_relu.state_dict.pt'), relu, '--nonlinearity', 'relu', '--format', 'json']);
    assert.ok(report.notes.some((n) => /does not record the nonlinearity: read as relu/.test(n)), String(report.notes));
    runJson(['convert', join(FIXTURES, 'rnn_relu.state_dict.pt'), tanh, '--format', 'json']);
    const good = (await runOrt(new Uint8Array(readFileSync(relu)), feeds()))['out']!.data as Float32Array;
    const bad = (await runOrt(new Uint8Array(readFileSync(tanh)), feeds()))['out']!.data as Float32Array;
    const diff = maxDiff(flat(fixture.out), good);
    t.diagnostic(`convert rnn_relu --nonlinearity relu out (onnxruntime vs PyTorch): maxdiff ${diff.toExponential(2)}`);
    assert.ok(diff <= TOLERANCE, `out: ${diff}`);
    assert.ok(maxDiff(flat(fixture.out), bad) > 1e-3, 'without the flag it is written as tanh, which differs');
  });

  test('convert model.pt model.onnx: onnxruntime runs the written file to the engine numbers', async (t) => {
    const dir = tempDir(t);
    const onnx = join(dir, 'lstm.onnx');
    const report = runJson<{ check: { max_diff: number } }>(['convert', join(FIXTURES, 'lstm_bi2.state_dict.pt'), onnx, '--format', 'json']);
    assert.equal(report.check.max_diff, 0);
    // PyTorch's own outputs for this module, from the fixture generator.
    const fixture = JSON.parse(readFileSync(join(FIXTURES, 'lstm_bi2.json'), 'utf8')) as { x: number[][][]; h_0: number[][][]; c_0: number[][][]; out: number[][][]; h_n: number[][][]; c_n: number[][][] };
    const flat = (v: number[][][]): Float32Array => Float32Array.from(v.flat(2));
    const dims = (v: number[][][]): number[] => [v.length, v[0]!.length, v[0]![0]!.length];
    const got = await runOrt(new Uint8Array(readFileSync(onnx)), {
      x: new ort.Tensor('float32', flat(fixture.x), dims(fixture.x)),
      sequence_lens: new ort.Tensor('int32', Int32Array.from([6, 6, 6]), [3]),
      initial_h: new ort.Tensor('float32', flat(fixture.h_0), dims(fixture.h_0)),
      initial_c: new ort.Tensor('float32', flat(fixture.c_0), dims(fixture.c_0)),
    });
    for (const name of ['out', 'h_n', 'c_n'] as const) {
      const diff = maxDiff(flat(fixture[name]), got[name]!.data as Float32Array);
      t.diagnostic(`convert lstm_bi2 ${name} (onnxruntime vs PyTorch): maxdiff ${diff.toExponential(2)}`);
      assert.ok(diff <= TOLERANCE, `${name}: ${diff}`);
    }
  });
});
