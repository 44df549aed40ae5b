// inferModules on synthetic names and shapes: each module type, prefixes, and the groups it must
// refuse to guess at. (The real .pt files are checked in seed.test.js and fixtures.test.js.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inferModules } from '../../src/modules/infer-config.js';

/** The state_dict shapes PyTorch gives a module, in its order. */
interface Entry {
  name: string;
  shape: number[];
}

function stateShapes({ prefix = '', gates, input, hidden, layers = 1, bidirectional = false, bias = true, proj = 0 }: { prefix?: string; gates: number; input: number; hidden: number; layers?: number; bidirectional?: boolean; bias?: boolean; proj?: number }): Entry[] {
  const out = proj || hidden;
  const list: Entry[] = [];
  for (let k = 0; k < layers; k++) {
    for (const sfx of bidirectional ? ['', '_reverse'] : ['']) {
      const l = `_l${k}${sfx}`;
      list.push({ name: `${prefix}weight_ih${l}`, shape: [gates * hidden, k === 0 ? input : (bidirectional ? 2 : 1) * out] });
      list.push({ name: `${prefix}weight_hh${l}`, shape: [gates * hidden, out] });
      if (bias) {
        list.push({ name: `${prefix}bias_ih${l}`, shape: [gates * hidden] });
        list.push({ name: `${prefix}bias_hh${l}`, shape: [gates * hidden] });
      }
      if (proj) list.push({ name: `${prefix}weight_hr${l}`, shape: [proj, hidden] });
    }
  }
  return list;
}

const asMap = (list: Entry[]): Map<string, { shape: number[] }> => new Map(list.map(({ name, shape }) => [name, { shape }]));

test('RNN, GRU and LSTM are told apart by the gate multiple', () => {
  for (const [gates, type] of [[1, 'rnn'], [3, 'gru'], [4, 'lstm']] satisfies [number, string][]) {
    const { modules, unrecognised } = inferModules(asMap(stateShapes({ gates, input: 7, hidden: 5, layers: 2 })));
    assert.deepEqual(unrecognised, []);
    assert.equal(modules.length, 1);
    assert.deepEqual(
      { ...modules[0], keys: undefined },
      { prefix: '', type, inputSize: 7, hiddenSize: 5, numLayers: 2, bidirectional: false, bias: true, projSize: 0, keys: undefined },
    );
  }
});

test('bidirectional, no bias, and an LSTM projection', () => {
  const [bi] = inferModules(stateShapes({ gates: 3, input: 2, hidden: 4, layers: 3, bidirectional: true })).modules;
  assert.equal(bi.bidirectional, true);
  assert.equal(bi.numLayers, 3);
  const [nobias] = inferModules(stateShapes({ gates: 1, input: 2, hidden: 4, bias: false })).modules;
  assert.equal(nobias.bias, false);
  const [proj] = inferModules(stateShapes({ gates: 4, input: 6, hidden: 5, proj: 2, layers: 2, bidirectional: true })).modules;
  assert.deepEqual([proj.type, proj.inputSize, proj.hiddenSize, proj.projSize], ['lstm', 6, 5, 2]);
});

test('a GRU with hidden 4 is not mistaken for an LSTM with hidden 3', () => {
  // rows 12 = 3 x 4 = 4 x 3: the weight_hh columns (hidden) settle it.
  const [m] = inferModules(stateShapes({ gates: 3, input: 12, hidden: 4 })).modules;
  assert.equal(m.type, 'gru');
  assert.equal(m.hiddenSize, 4);
});

test('modules are grouped by prefix, in file order, and other keys are unrecognised', () => {
  const list = [
    { name: 'embedding.weight', shape: [10, 3] },
    ...stateShapes({ prefix: 'model.lstm.', gates: 4, input: 3, hidden: 2 }),
    ...stateShapes({ prefix: 'encoder.', gates: 3, input: 3, hidden: 2 }),
    { name: 'head.weight', shape: [1, 2] },
    ...stateShapes({ prefix: 'rnn1.', gates: 1, input: 2, hidden: 2 }),
  ];
  const { modules, unrecognised } = inferModules(list);
  assert.deepEqual(modules.map((m) => [m.prefix, m.type]), [['model.lstm.', 'lstm'], ['encoder.', 'gru'], ['rnn1.', 'rnn']]);
  assert.deepEqual(unrecognised, ['embedding.weight', 'head.weight']);
  assert.deepEqual(modules[0].keys, list.filter((e) => e.name.startsWith('model.lstm.')).map((e) => e.name));
});

test('values may be tensors or stored tensors, as the readers return them', () => {
  const list = stateShapes({ gates: 1, input: 2, hidden: 3 });
  const stored = new Map(list.map(({ name, shape }) => [name, { tensor: { shape }, dtype: 'float32' }]));
  assert.equal(inferModules(stored).modules[0].hiddenSize, 3);
});

test('inconsistent groups are rejected with a reason, their keys unrecognised', () => {
  const cases: [string, Entry[], RegExp][] = [
    ['a missing layer', stateShapes({ gates: 1, input: 2, hidden: 3, layers: 3 }).filter((e) => !e.name.includes('_l1')), /layer 1 is missing \(the highest is l2\)/],
    [
      'a layer of another size',
      stateShapes({ gates: 4, input: 2, hidden: 3, layers: 2 }).map((e) => (e.name === 'weight_hh_l1' ? { ...e, shape: [12, 4] } : e)),
      /weight_hh_l1 is \(12, 4\), expected \(12, 3\)/,
    ],
    ['half the biases', stateShapes({ gates: 1, input: 2, hidden: 3 }).filter((e) => e.name !== 'bias_ih_l0'), /bias_hh_l0 is present but bias_ih_l0 is not/],
    ['an odd gate multiple', [{ name: 'weight_ih_l0', shape: [10, 2] }, { name: 'weight_hh_l0', shape: [10, 5] }], /not 1, 3 or 4 times hidden_size 5/],
    ['no weight_hh_l0', [{ name: 'weight_ih_l0', shape: [3, 2] }], /weight_ih_l0 and weight_hh_l0 are needed/],
    ['a reverse direction missing above layer 0', stateShapes({ gates: 3, input: 2, hidden: 2, layers: 2, bidirectional: true }).filter((e) => e.name !== 'weight_hh_l1_reverse'), /weight_hh_l1_reverse is missing/],
    ['a projection on a GRU', [...stateShapes({ gates: 3, input: 2, hidden: 4 }), { name: 'weight_hr_l0', shape: [2, 4] }], /belongs to an LSTM/],
  ];
  for (const [what, list, reason] of cases) {
    const { modules, unrecognised, rejected } = inferModules(list);
    assert.deepEqual(modules, [], what);
    assert.equal(rejected.length, 1, what);
    assert.match(rejected[0].reason, reason, what);
    assert.deepEqual(unrecognised, list.map((e) => e.name), what);
  }
});

test('a huge layer index is rejected without enumerating layers', () => {
  const list = [...stateShapes({ gates: 1, input: 2, hidden: 3 }), { name: 'weight_ih_l999999999', shape: [3, 3] }];
  const { rejected } = inferModules(list);
  assert.match(rejected[0].reason, /layer 1 is missing \(the highest is l999999999\)/);
});

test('LSTMCell-style names (no _l{k}) are not modules', () => {
  const { modules, unrecognised } = inferModules([
    { name: 'weight_ih', shape: [8, 3] },
    { name: 'weight_hh', shape: [8, 2] },
  ]);
  assert.deepEqual(modules, []);
  assert.deepEqual(unrecognised, ['weight_ih', 'weight_hh']);
});
