// The seed example's files, as numpy, torch and safetensors wrote them, must read back to exactly
// the values PyTorch recorded in rnn_seed_example.json (float32 equality, max |diff| 0).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readTensorFile, readTensorsFile } from '../../src/io/index.js';
import { inferModules } from '../../src/modules/infer-config.js';
import type { Nested } from '../../src/index.js';
import { maxAbsDiffF32, readJson, seed } from '../helpers/io.js';

/** What these tests read of rnn_seed_example.json (PyTorch's record of the seed example). */
interface SeedExample {
  config: { input_size: number; hidden_size: number; num_layers: number };
  shapes: { x: number[]; h_0: number[] };
  inputs: { x: Nested[]; h_0: Nested };
  state_dict: Record<string, Nested>;
}

const reference = readJson<SeedExample>(seed('rnn_seed_example.json'));

test('x.npy reproduces inputs.x exactly', () => {
  const { tensor, dtype } = readTensorFile(seed('x.npy'));
  assert.equal(dtype, '<f4');
  assert.deepEqual([...tensor.shape], reference.shapes.x);
  assert.equal(maxAbsDiffF32(tensor, reference.inputs.x), 0);
});

test('h_0.npy reproduces inputs.h_0 exactly', () => {
  const { tensor } = readTensorFile(seed('h_0.npy'));
  assert.deepEqual([...tensor.shape], reference.shapes.h_0);
  assert.equal(maxAbsDiffF32(tensor, reference.inputs.h_0), 0);
});

test('x_unbatched.csv is batch element 0 of x as (seq_len, input_size), exactly', () => {
  const { tensor } = readTensorFile(seed('x_unbatched.csv'));
  assert.deepEqual([...tensor.shape], reference.shapes.x.slice(1));
  assert.equal(maxAbsDiffF32(tensor, reference.inputs.x[0]), 0);
});

for (const name of ['weights.npz', 'weights.pt', 'weights.safetensors']) {
  test(`${name} reproduces the state_dict exactly, in its order`, () => {
    const { tensors } = readTensorsFile(seed(name));
    assert.deepEqual([...tensors.keys()], Object.keys(reference.state_dict));
    for (const [key, { tensor }] of tensors) {
      assert.equal(maxAbsDiffF32(tensor, reference.state_dict[key]), 0, key);
    }
  });
}

test('the state_dict dtypes are reported as each file names them', () => {
  assert.equal(readTensorsFile(seed('weights.npz')).tensors.get('weight_ih_l0')?.dtype, '<f4');
  assert.equal(readTensorsFile(seed('weights.pt')).tensors.get('weight_ih_l0')?.dtype, 'torch.FloatStorage');
  assert.equal(readTensorsFile(seed('weights.safetensors')).tensors.get('weight_ih_l0')?.dtype, 'F32');
});

for (const name of ['weights.pt', 'weights.npz', 'weights.safetensors']) {
  test(`inferModules on the seed ${name}: one RNN, input 100, hidden 20, 4 layers, bias`, () => {
    const { modules, unrecognised, rejected } = inferModules(readTensorsFile(seed(name)).tensors);
    assert.deepEqual(unrecognised, []);
    assert.deepEqual(rejected, []);
    assert.equal(modules.length, 1);
    const [m] = modules;
    assert.deepEqual(
      { prefix: m.prefix, type: m.type, inputSize: m.inputSize, hiddenSize: m.hiddenSize, numLayers: m.numLayers },
      { prefix: '', type: 'rnn', inputSize: reference.config.input_size, hiddenSize: reference.config.hidden_size, numLayers: reference.config.num_layers },
    );
    assert.equal(m.bidirectional, false);
    assert.equal(m.bias, true);
    assert.equal(m.projSize, 0);
    assert.deepEqual(m.keys, Object.keys(reference.state_dict));
  });
}
