/**
 * Parameters as PyTorch names, shapes, orders, counts and initialises them, and load_state_dict's
 * strictness. Where a golden fixture holds a real PyTorch state_dict, the names and shapes are also
 * checked against it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GRU, LSTM, LSTMCell, RNN, RNNCell, ShapeError, Tensor, type RecurrentOptions } from '../../src/index.js';
import { loadGolden as loadGoldenCase } from '../helpers/golden.js';

const STACKED = { RNN, LSTM, GRU };

/** A stacked golden case: its module class name and options, checked. */
function loadGolden(name: string): { module: keyof typeof STACKED; options: RecurrentOptions; stateDict: Map<string, Tensor> } {
  const g = loadGoldenCase(name);
  assert.ok(g.module in STACKED && g.options, `${name} is a stacked case`);
  return { module: g.module as keyof typeof STACKED, options: g.options, stateDict: g.stateDict };
}

const specList = (m: RNN | LSTM | GRU | RNNCell | LSTMCell): [string, number[]][] => m.parameterSpecs().map((s) => [s.name, [...s.shape]]);
const shapeError = (pattern: RegExp) => (e: unknown) => e instanceof ShapeError && pattern.test(e.message);

describe('parameter names, shapes and order', () => {
  test('bidirectional 2-layer LSTM with proj_size: exactly PyTorch\'s list', () => {
    // input 5, hidden 7 (gates 4 * 7 = 28), proj 3: layer 1 reads 2 directions * 3 = 6 features.
    const m = new LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, projSize: 3 });
    assert.deepEqual(specList(m), [
      ['weight_ih_l0', [28, 5]],
      ['weight_hh_l0', [28, 3]],
      ['bias_ih_l0', [28]],
      ['bias_hh_l0', [28]],
      ['weight_hr_l0', [3, 7]],
      ['weight_ih_l0_reverse', [28, 5]],
      ['weight_hh_l0_reverse', [28, 3]],
      ['bias_ih_l0_reverse', [28]],
      ['bias_hh_l0_reverse', [28]],
      ['weight_hr_l0_reverse', [3, 7]],
      ['weight_ih_l1', [28, 6]],
      ['weight_hh_l1', [28, 3]],
      ['bias_ih_l1', [28]],
      ['bias_hh_l1', [28]],
      ['weight_hr_l1', [3, 7]],
      ['weight_ih_l1_reverse', [28, 6]],
      ['weight_hh_l1_reverse', [28, 3]],
      ['bias_ih_l1_reverse', [28]],
      ['bias_hh_l1_reverse', [28]],
      ['weight_hr_l1_reverse', [3, 7]],
    ]);
    assert.deepEqual([...m.stateDict().keys()], specList(m).map(([name]) => name), 'stateDict in the same order');
  });

  test('the same list as real PyTorch\'s state_dict (golden lstm_proj_bidirectional, same configuration)', () => {
    const g = loadGolden('lstm_proj_bidirectional');
    assert.deepEqual(g.options, { inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, projSize: 3 });
    const fromTorch = [...g.stateDict].map(([name, t]) => [name, [...t.shape]]);
    assert.deepEqual(specList(new LSTM(g.options)), fromTorch);
  });

  test('every golden stacked case: names, shapes and order equal PyTorch\'s state_dict', () => {
    for (const name of ['rnn_relu_nobias', 'rnn_bidirectional', 'gru_bidirectional', 'lstm_two_layer', 'rnn_dropout_eval']) {
      const g = loadGolden(name);
      const Module = STACKED[g.module];
      assert.deepEqual(specList(new Module(g.options)), [...g.stateDict].map(([k, t]) => [k, [...t.shape]]), name);
    }
  });

  test('no bias: no bias_* parameters; GRU has 3 gates', () => {
    assert.deepEqual(specList(new GRU({ inputSize: 2, hiddenSize: 3, bias: false })), [
      ['weight_ih_l0', [9, 2]],
      ['weight_hh_l0', [9, 3]],
    ]);
  });

  test('parameter count of the seed example, RNN(100, 20, num_layers=4), by PyTorch\'s formula', () => {
    const m = new RNN({ inputSize: 100, hiddenSize: 20, numLayers: 4, batchFirst: true });
    // Per layer: W_ih (gates*H, in) + W_hh (gates*H, H) + b_ih + b_hh (gates*H each), gates = 1.
    const perLayer = (inFeatures: number, H: number): number => H * inFeatures + H * H + 2 * H;
    const expected = perLayer(100, 20) + 3 * perLayer(20, 20);
    assert.equal(perLayer(100, 20), 2440);
    assert.equal(perLayer(20, 20), 840);
    assert.equal(expected, 4960);
    assert.equal(m.parameterCount(), expected);
    const fromTorch = [...loadGolden('rnn_seed_example').stateDict.values()].reduce((n, t) => n + t.size, 0);
    assert.equal(fromTorch, expected, 'the golden state_dict has as many values');
  });

  test('parameter count with projections and both directions', () => {
    const m = new LSTM({ inputSize: 5, hiddenSize: 7, numLayers: 2, bidirectional: true, projSize: 3 });
    const layer = (inF: number): number => 28 * inF + 28 * 3 + 2 * 28 + 3 * 7;
    assert.equal(m.parameterCount(), 2 * layer(5) + 2 * layer(6));
  });
});

describe('default initialisation', () => {
  test('every parameter is uniform within ±1/sqrt(hidden_size) and spread over it', () => {
    const m = new LSTM({ inputSize: 6, hiddenSize: 16, numLayers: 2, projSize: 5, seed: 3 });
    const bound = 1 / Math.sqrt(16);
    const values = [...m.stateDict().values()].flatMap((t) => [...t.data]);
    assert.ok(values.every((v) => Math.abs(v) <= bound), 'within the bound');
    assert.ok(Math.max(...values) > 0.9 * bound && Math.min(...values) < -0.9 * bound, 'spread over the whole range');
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(mean) < 0.015, `mean ${mean} near 0 (its standard error is about 0.0034)`);
  });

  test('reproducible from the seed; another seed gives other weights', () => {
    const flat = (seed: number): number[] => [...new GRU({ inputSize: 3, hiddenSize: 4, seed }).stateDict().values()].flatMap((t) => [...t.data]);
    assert.deepEqual(flat(11), flat(11));
    assert.notDeepEqual(flat(11), flat(12));
  });
});

describe('load_state_dict strictness', () => {
  const make = () => new RNN({ inputSize: 3, hiddenSize: 4, numLayers: 2 });

  test('a missing key is named', () => {
    const sd = make().stateDict();
    sd.delete('bias_hh_l1');
    assert.throws(() => make().loadStateDict(sd), shapeError(/Error\(s\) in loading state_dict for RNN: missing key\(s\) "bias_hh_l1"/));
  });

  test('an unexpected key is named', () => {
    const sd = make().stateDict();
    sd.set('weight_ih_l0_reverse', new Tensor(new Float32Array(12), [4, 3]));
    assert.throws(() => make().loadStateDict(sd), shapeError(/unexpected key\(s\) "weight_ih_l0_reverse"/));
  });

  test('a misshapen key is named with the expected and the given shape', () => {
    const sd = make().stateDict();
    sd.set('weight_ih_l1', new Tensor(new Float32Array(12), [4, 3]));
    assert.throws(() => make().loadStateDict(sd), shapeError(/size mismatch for weight_ih_l1: expected shape \(4, 4\), got \(4, 3\)/));
  });

  test('every problem at once', () => {
    const sd = make().stateDict();
    sd.delete('weight_hh_l0');
    sd.set('extra', new Tensor(new Float32Array(1), [1]));
    sd.set('bias_ih_l0', new Tensor(new Float32Array(5), [5]));
    assert.throws(() => make().loadStateDict(sd), (e) => e instanceof Error && /"weight_hh_l0"/.test(e.message) && /"extra"/.test(e.message) && /bias_ih_l0: expected shape \(4,\), got \(5,\)/.test(e.message));
  });

  test('a record loads like a Map; the loaded weights are used and stateDict returns copies', () => {
    const a = make();
    const b = new RNN({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 5 });
    const x = new Tensor(Float32Array.from({ length: 6 }, (_, i) => i / 3 - 1), [2, 1, 3]);
    assert.notDeepEqual([...a.forward(x).out.data], [...b.forward(x).out.data]);
    b.loadStateDict(Object.fromEntries(a.stateDict()));
    assert.deepEqual([...a.forward(x).out.data], [...b.forward(x).out.data]);
    const copy = b.stateDict();
    copy.get('weight_ih_l0')?.data.fill(0);
    assert.equal(copy.get('weight_ih_l0')?.data[0], 0, 'the copy was changed');
    assert.notEqual(b.stateDict().get('weight_ih_l0')?.data[0], 0, 'stateDict() returned a copy');
  });

  test('cells: names without suffix, and the same strictness', () => {
    assert.deepEqual([...new LSTMCell({ inputSize: 2, hiddenSize: 3 }).stateDict().keys()], ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']);
    const sd = new RNNCell({ inputSize: 2, hiddenSize: 3 }).stateDict();
    sd.set('weight_hh', new Tensor(new Float32Array(6), [3, 2]));
    assert.throws(() => new RNNCell({ inputSize: 2, hiddenSize: 3 }).loadStateDict(sd), shapeError(/RNNCell: size mismatch for weight_hh: expected shape \(3, 3\), got \(3, 2\)/));
  });
});
