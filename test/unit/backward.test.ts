/**
 * The backward pass's own contract: the step norms are the norms of the step gradients it returns,
 * a cell's backward is the one-layer module's, the forward pass it runs gives the engine's forward
 * numbers, x's gradient is exactly 0 past each length, training-mode dropout applies the forward
 * pass's masks (checked by central differences of the engine's own forward pass), the memory
 * estimate covers what the pass returns, and bad input is a clear error.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, ShapeError, Tensor, estimateBackward, kinds } from '../../src/index.js';
import { estimateForward } from '../../src/modules/memory.js';
import { Recurrent } from '../../src/index.js';
import { generator } from '../helpers/property.js';


const random = (shape: number[], seed: number): Tensor => {
  const next = generator(seed);
  return new Tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1), shape);
};

const MODULES = { rnn: RNN, lstm: LSTM, gru: GRU } as const;
const CELLS = { rnn: RNNCell, lstm: LSTMCell, gru: GRUCell } as const;

describe('step gradients and their norms', () => {
  for (const type of Object.keys(MODULES) as (keyof typeof MODULES)[]) {
    test(`${type}: each norm is the float64 norm of its step's active rows; rows past a length are 0`, () => {
      const module: Recurrent = new MODULES[type]({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 7 }).eval();
      const lengths = [2, 5, 3];
      const r = module.backward(random([5, 3, 3], 1), { lengths, loss: 'sum' });
      assert.equal(r.steps.length, 4);
      for (const step of r.steps) {
        const series: [Tensor, Float64Array][] = [[step.dh, step.dhNorm]];
        if (step.dc && step.dcNorm) series.push([step.dc, step.dcNorm]);
        assert.equal(step.dc === null, type !== 'lstm');
        for (const [g, norms] of series) {
          const [T, B, W] = g.shape as [number, number, number];
          for (let t = 0; t < T; t++) {
            let sq = 0;
            for (let b = 0; b < B; b++) {
              for (let j = 0; j < W; j++) {
                const v = g.data[(t * B + b) * W + j]!;
                if (t >= lengths[b]!) assert.equal(v, 0, `${step.layer}/${step.direction} t=${t} b=${b}: past its length`);
                sq += v * v;
              }
            }
            assert.equal(norms[t], Math.sqrt(sq));
            assert.ok(norms[t]! > 0, 'every step here has an active row and a gradient');
          }
        }
      }
    });
  }

  test('the top layer\'s dL/dh_t under loss sum includes the ones of out', () => {
    const module = new RNN({ inputSize: 2, hiddenSize: 3, seed: 3 }).eval();
    const r = module.backward(random([1, 2, 2], 2), { loss: 'sum' });
    // One step: dL/dh_0 is exactly dL/d(out_0), all ones (nothing later).
    assert.deepEqual([...r.steps[0]!.dh.data], [1, 1, 1, 1, 1, 1]);
  });
});

describe('the forward pass a backward pass runs', () => {
  for (const type of Object.keys(MODULES) as (keyof typeof MODULES)[]) {
    test(`${type}: out, h_n, c_n and the trace equal module.forward's exactly`, () => {
      const module: Recurrent = new MODULES[type]({ inputSize: 3, hiddenSize: 5, numLayers: 2, batchFirst: true, projSize: type === 'lstm' ? 2 : 0, seed: 11 }).eval();
      const x = random([3, 4, 3], 5);
      const options = { lengths: [4, 1, 3], enforceSorted: false };
      const f = module.forward(x, options);
      const r = module.backward(x, { ...options, loss: 'last' });
      assert.deepEqual(r.forward.out.data, f.out.data);
      assert.deepEqual(r.forward.hN.data, f.hN.data);
      assert.deepEqual(r.forward.cN?.data, f.cN?.data);
      r.forward.trace.layers.forEach((layer, i) => assert.deepEqual(layer.h.data, f.trace.layers[i]!.h.data));
    });
  }
});

describe('x past each length', () => {
  test('its gradient is exactly 0, in every layout', () => {
    for (const batchFirst of [false, true]) {
      const module = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, batchFirst, seed: 4 }).eval();
      const lengths = [1, 4, 2];
      const x = random(batchFirst ? [3, 4, 2] : [4, 3, 2], 9);
      const g = module.backward(x, { lengths, enforceSorted: false, loss: 'sum' }).grads.x;
      for (let b = 0; b < 3; b++) {
        for (let t = 0; t < 4; t++) {
          const at = (batchFirst ? b * 4 + t : t * 3 + b) * 2;
          const row = [g.data[at]!, g.data[at + 1]!];
          if (t >= lengths[b]!) assert.deepEqual(row, [0, 0], `b=${b} t=${t}`);
          else assert.ok(row.some((v) => v !== 0), `b=${b} t=${t} has a gradient`);
        }
      }
    }
  });
});

describe('a cell\'s backward', () => {
  for (const type of Object.keys(CELLS) as (keyof typeof CELLS)[]) {
    test(`${type}: equals the one-layer module's with the same weights, names without _l0`, () => {
      const cell = new CELLS[type]({ inputSize: 3, hiddenSize: 4, seed: 21 });
      const module: Recurrent = new MODULES[type]({ inputSize: 3, hiddenSize: 4, seed: 0 }).eval();
      module.loadStateDict(new Map([...cell.stateDict()].map(([k, t]) => [`${k}_l0`, t])));
      const x = random([4, 2, 3], 3);
      const h = random([2, 4], 4);
      const c = random([2, 4], 5);
      const target = random([4, 2, 4], 6);
      const state = type === 'lstm' ? { h0: h, c0: c } : { h0: h };
      const ours = cell.backward(x, { ...state, loss: 'mse', target });
      const theirs = module.backward(x, { h0: new Tensor(h.data, [1, 2, 4]), c0: type === 'lstm' ? new Tensor(c.data, [1, 2, 4]) : undefined, loss: 'mse', target });
      assert.deepEqual([...ours.grads.params.keys()], [...cell.stateDict().keys()]);
      for (const [name, g] of ours.grads.params) assert.deepEqual(g.data, theirs.grads.params.get(`${name}_l0`)!.data, name);
      assert.deepEqual(ours.grads.x.data, theirs.grads.x.data);
      assert.deepEqual([...ours.grads.h0!.shape], [2, 4]);
      assert.deepEqual(ours.grads.h0!.data, theirs.grads.h0!.data);
      if (type === 'lstm') assert.deepEqual(ours.grads.c0!.data, theirs.grads.c0!.data);
      assert.equal(ours.loss.value, theirs.loss.value);
    });
  }

  test('an unbatched cell sequence: x (seqLen, inputSize), h (hidden)', () => {
    const cell = new GRUCell({ inputSize: 2, hiddenSize: 3, seed: 2 });
    const r = cell.backward(random([5, 2], 1), { h0: random([3], 2), loss: 'hn' });
    assert.deepEqual([...r.grads.x.shape], [5, 2]);
    assert.deepEqual([...r.grads.h0!.shape], [3]);
  });
});

describe('dropout in training mode', () => {
  test('applies the forward pass\'s masks: the gradient matches central differences of forward() with the same dropoutSeed', () => {
    const module = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 3, dropout: 0.5, seed: 5 }).train();
    const x = random([3, 2, 2], 8);
    const dropoutSeed = 17;
    const r = module.backward(x, { loss: 'sum', dropoutSeed });
    const loss = (params: Map<string, Tensor>): number => {
      const copy = new RNN({ inputSize: 2, hiddenSize: 3, numLayers: 3, dropout: 0.5, seed: 5 }).train().loadStateDict(params);
      return copy.forward(x, { dropoutSeed }).out.data.reduce((a, b) => a + b, 0);
    };
    const eps = 1e-2;
    for (const name of ['weight_ih_l1', 'weight_hh_l2', 'bias_ih_l0']) {
      const params = module.stateDict();
      const t = params.get(name)!;
      const v = t.data[0]!;
      t.data[0] = v + eps;
      const up = loss(params);
      t.data[0] = v - eps;
      const down = loss(params);
      const numeric = (up - down) / (2 * eps);
      const analytic = r.grads.params.get(name)!.data[0]!;
      assert.ok(Math.abs(analytic - numeric) <= 2e-3 * Math.max(1, Math.abs(numeric)), `${name}: analytic ${analytic}, central difference ${numeric}`);
    }
    const evalGrad = module.eval().backward(x, { loss: 'sum' }).grads.params.get('weight_ih_l1')!.data;
    assert.notDeepEqual(evalGrad, r.grads.params.get('weight_ih_l1')!.data, 'the masks change the gradient');
  });
});

test('a kind without a backward step is refused by name', () => {
  // Every kind has one today: a copy of one without it stands for a forward-only kind.
  for (const kind of kinds.map((k) => ({ ...k, name: `${k.name}Forward`, backward: null }))) {
    const module = new Recurrent(kind, { inputSize: 2, hiddenSize: 3 }).eval();
    assert.throws(() => module.backward(Tensor.zeros([2, 1, 2]), { loss: 'sum' }), (e) => e instanceof ConfigError && e.message.includes(`got ${kind.name}, which runs forward only`));
  }
});

describe('the memory estimate', () => {
  test('covers the forward estimate and every array the pass returns', () => {
    for (const kind of kinds.filter((k) => k.backward)) {
      const config = { inputSize: 5, hiddenSize: 6, numLayers: 2, bidirectional: true, projSize: kind.supportsProjection ? 3 : 0 };
      const module = new Recurrent(kind, config).eval();
      const [T, B] = [7, 3];
      const r = module.backward(random([T, B, 5], 1), { loss: 'sum' });
      const returned =
        r.grads.x.data.length +
        [...r.grads.params.values()].reduce((n, t) => n + t.data.length, 0) +
        r.steps.reduce((n, s) => n + s.dh.data.length + (s.dc?.data.length ?? 0), 0) +
        r.forward.trace.layers.reduce((n, l) => n + l.h.data.length + (l.c?.data.length ?? 0), 0);
      const estimate = estimateBackward(kind, module.config, T, B);
      assert.ok(estimate.bytes >= 4 * returned, `${kind.type}: ${estimate.bytes} bytes estimated, ${4 * returned} returned`);
      assert.ok(estimate.bytes > estimateForward(kind, module.config, T, B).bytes);
      assert.ok(estimateBackward(kind, module.config, 2 * T, B).bytes > estimate.bytes);
    }
  });
});

describe('bad input', () => {
  const module = new LSTM({ inputSize: 2, hiddenSize: 3, batchFirst: true });
  const x = random([2, 4, 2], 1);

  test('an unknown loss is a ConfigError naming the losses', () => {
    // @ts-expect-error: not a loss
    assert.throws(() => module.backward(x, { loss: 'l1' }), (e) => e instanceof ConfigError && e.message === 'loss: expected one of last, sum, hn, mse, got "l1"');
    // @ts-expect-error: no loss
    assert.throws(() => module.backward(x, {}), (e) => e instanceof ConfigError && /^loss: expected one of last, sum, hn, mse, got undefined$/.test(e.message));
    // @ts-expect-error: no options
    assert.throws(() => module.backward(x), (e) => e instanceof ConfigError && /^loss: expected one of last, sum, hn, mse, got undefined$/.test(e.message));
  });

  test('mse without a target, or with one of the wrong shape, is a ShapeError naming out\'s shape', () => {
    assert.throws(() => module.backward(x, { loss: 'mse' }), (e) => e instanceof ShapeError && e.message === "target: expected a tensor of out's shape (2, 4, 3) for loss mse, got none");
    assert.throws(
      () => module.backward(x, { loss: 'mse', target: random([4, 2, 3], 2) }),
      (e) => e instanceof ShapeError && e.message === "target: expected out's shape (2, 4, 3) for loss mse, got (4, 2, 3)",
    );
  });

  test('a target for a loss without one is a ConfigError', () => {
    assert.throws(
      () => module.backward(x, { loss: 'sum', target: random([2, 4, 3], 2) }),
      (e) => e instanceof ConfigError && e.message === 'target: expected none for loss sum (only mse compares out with a target), got a tensor (2, 4, 3)',
    );
  });

  test('x of the wrong size is the forward pass\'s ShapeError', () => {
    assert.throws(() => module.backward(random([2, 4, 5], 1), { loss: 'sum' }), (e) => e instanceof ShapeError && /input.size\(-1\) must be equal to input_size. Expected 2, got 5/.test(e.message));
  });

  test('a cell\'s state of the wrong batch is the cell\'s ShapeError', () => {
    const cell = new RNNCell({ inputSize: 2, hiddenSize: 3 });
    assert.throws(() => cell.backward(random([4, 2, 2], 1), { h0: random([5, 3], 2), loss: 'sum' }), (e) => e instanceof ShapeError && e.message === "h: Input batch size 2 doesn't match hidden0 batch size 5");
  });

  test('a cell given a single step (1-D x) is a ShapeError', () => {
    const cell = new RNNCell({ inputSize: 2, hiddenSize: 3 });
    assert.throws(() => cell.backward(random([2], 1), { loss: 'sum' }), (e) => e instanceof ShapeError && /^x: RNNCell over a sequence: expected \(seqLen, batch, inputSize\) or \(seqLen, inputSize\), got 1D$/.test(e.message));
  });
});
