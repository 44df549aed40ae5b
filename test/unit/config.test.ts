/** Construction-time checks, with PyTorch's wording, for the stacked modules and the cells. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell } from '../../src/index.js';
import type { Nonlinearity } from '../../src/kernels/activations.js';
import { item } from '../helpers/checked.js';
import { unchecked } from '../helpers/unchecked.js';

const configError = (pattern: RegExp) => (e: unknown) => e instanceof ConfigError && e.exitCode === 2 && pattern.test(e.message);

describe('stacked module configuration', () => {
  test('proj_size on RNN or GRU', () => {
    for (const Module of [RNN, GRU]) {
      assert.throws(
        () => new Module({ inputSize: 3, hiddenSize: 4, projSize: 2 }),
        configError(/^proj_size: proj_size argument is only supported for LSTM, not RNN or GRU/),
      );
    }
  });

  test('proj_size must be smaller than hidden_size', () => {
    assert.throws(() => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 4 }), configError(/proj_size has to be smaller than hidden_size/));
    assert.throws(() => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 9 }), configError(/proj_size has to be smaller than hidden_size/));
    assert.throws(() => new LSTM({ inputSize: 3, hiddenSize: 4, projSize: -1 }), configError(/proj_size should be a positive integer or zero/));
    assert.equal(new LSTM({ inputSize: 3, hiddenSize: 4, projSize: 3 }).realHiddenSize, 3);
  });

  test('dropout outside [0, 1]', () => {
    for (const dropout of [-0.1, 1.5, NaN]) {
      assert.throws(
        () => new RNN({ inputSize: 3, hiddenSize: 4, numLayers: 2, dropout }),
        configError(/dropout should be a number in range \[0, 1\] representing the probability of an element being zeroed/),
      );
    }
    for (const dropout of [0, 0.5, 1]) assert.equal(new RNN({ inputSize: 3, hiddenSize: 4, numLayers: 2, dropout }).config.dropout, dropout);
  });

  test('dropout on a single layer is allowed with PyTorch\'s warning', () => {
    const m = new GRU({ inputSize: 3, hiddenSize: 4, dropout: 0.2 });
    assert.equal(m.warnings.length, 1);
    assert.equal(item(m.warnings, 0, 'warnings').code, 'dropout-single-layer');
    assert.match(item(m.warnings, 0, 'warnings').message, /non-zero dropout expects num_layers greater than 1, but got dropout=0.2 and num_layers=1/);
    assert.deepEqual(new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.2 }).warnings, []);
  });

  test('non-integer or non-positive sizes', () => {
    assert.throws(() => new RNN({ inputSize: 2.5, hiddenSize: 4 }), configError(/^input_size: expected a positive integer, got 2.5/));
    assert.throws(() => new RNN({ inputSize: 3, hiddenSize: 0 }), configError(/^hidden_size: expected a positive integer, got 0/));
    assert.throws(() => new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 1.5 }), configError(/^num_layers: expected a positive integer, got 1.5/));
    assert.throws(() => new GRU({ inputSize: unchecked<number>('3'), hiddenSize: 4 }), configError(/^input_size: expected a positive integer, got 3/));
  });

  test('nonlinearity: tanh or relu, and RNN only', () => {
    assert.throws(() => new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: unchecked<Nonlinearity>('sigmoid') }), configError(/Unknown nonlinearity 'sigmoid'/));
    assert.throws(() => new LSTM({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu' }), configError(/^nonlinearity: expected none for LSTM/));
    assert.equal(new RNN({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu' }).config.nonlinearity, 'relu');
  });

  test('PyTorch\'s defaults, and a new module is in training mode', () => {
    const m = new LSTM({ inputSize: 3, hiddenSize: 4 });
    assert.deepEqual(
      { ...m.config, seed: undefined },
      { inputSize: 3, hiddenSize: 4, numLayers: 1, nonlinearity: 'tanh', recurrentActivation: 'sigmoid', bias: true, batchFirst: false, dropout: 0, bidirectional: false, projSize: 0, seed: undefined },
    );
    assert.equal(m.training, true);
    assert.equal(m.eval().training, false);
    assert.equal(m.train().training, true);
  });
});

describe('cell configuration', () => {
  test('proj_size only for LSTMCell, and smaller than hidden_size', () => {
    assert.throws(() => new RNNCell({ inputSize: 3, hiddenSize: 4, projSize: 2 }), configError(/proj_size argument is only supported for LSTM, not RNN or GRU/));
    assert.throws(() => new GRUCell({ inputSize: 3, hiddenSize: 4, projSize: 2 }), configError(/proj_size argument is only supported for LSTM, not RNN or GRU/));
    assert.throws(() => new LSTMCell({ inputSize: 3, hiddenSize: 4, projSize: 4 }), configError(/proj_size has to be smaller than hidden_size/));
  });

  test('sizes and nonlinearity', () => {
    assert.throws(() => new RNNCell({ inputSize: 0, hiddenSize: 4 }), configError(/^input_size: expected a positive integer, got 0/));
    assert.throws(() => new GRUCell({ inputSize: 3, hiddenSize: 4.5 }), configError(/^hidden_size: expected a positive integer, got 4.5/));
    assert.throws(() => new GRUCell({ inputSize: 3, hiddenSize: 4, nonlinearity: 'relu' }), configError(/expected none for GRUCell/));
    assert.throws(() => new RNNCell({ inputSize: 3, hiddenSize: 4, nonlinearity: unchecked<Nonlinearity>('gelu') }), configError(/Unknown nonlinearity/));
  });
});
