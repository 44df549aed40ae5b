/** The cells on one-unit cases checkable by hand, their shapes and their errors. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GRUCell, LSTMCell, RNNCell, ShapeError, Tensor, type CellOptions } from '../../src/index.js';

const t = (values: readonly number[], shape: readonly number[]): Tensor => new Tensor(Float32Array.from(values), shape);
const close = (actual: number, expected: number, what: string): void => assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} vs ${expected}`);
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** A one-unit cell with weights per gate: W_ih = wi, W_hh = wh, b_ih = bi, b_hh = bh (each a list over gates). */
interface UnitWeights {
  wi: number[];
  wh: number[];
  bi: number[];
  bh: number[];
}

function unitCell<C extends RNNCell | GRUCell | LSTMCell>(Cell: new (options: CellOptions) => C, { wi, wh, bi, bh }: UnitWeights, options: Partial<CellOptions> = {}): C {
  const n = wi.length;
  const cell = new Cell({ inputSize: 1, hiddenSize: 1, ...options });
  const sd: Record<string, Tensor> = { weight_ih: t(wi, [n, 1]), weight_hh: t(wh, [n, 1]) };
  if (options.bias !== false) Object.assign(sd, { bias_ih: t(bi, [n]), bias_hh: t(bh, [n]) });
  cell.loadStateDict(sd);
  return cell;
}

describe('one-unit cells by hand', () => {
  test('RNNCell: h\' = tanh(w_ih x + b_ih + w_hh h + b_hh), and relu', () => {
    const w = { wi: [0.5], wh: [-1], bi: [0.25], bh: [0.5] };
    // 0.5 * 2 + 0.25 - 1 * 0.25 + 0.5 = 1.5
    close(unitCell(RNNCell, w).forward(t([2], [1, 1]), t([0.25], [1, 1])).data[0], Math.tanh(1.5), 'tanh');
    close(unitCell(RNNCell, w, { nonlinearity: 'relu' }).forward(t([2], [1, 1]), t([0.25], [1, 1])).data[0], 1.5, 'relu');
    assert.equal(unitCell(RNNCell, w, { nonlinearity: 'relu' }).forward(t([-4], [1, 1])).data[0], 0, 'relu of -1.25');
  });

  test('GRUCell: r, z, n gates in that row order', () => {
    const w = { wi: [1, -1, 0.5], wh: [0.5, 1, 2], bi: [0, 0.25, 0], bh: [0, 0, -0.5] };
    const x = 1;
    const h = 0.5;
    const r = sigmoid(1 * x + 0.5 * h); // 1.25
    const z = sigmoid(-1 * x + 0.25 + 1 * h); // -0.25
    const n = Math.tanh(0.5 * x + r * (2 * h - 0.5));
    close(unitCell(GRUCell, w).forward(t([x], [1, 1]), t([h], [1, 1])).data[0], (1 - z) * n + z * h, 'h');
  });

  test('LSTMCell: i, f, g, o gates in that row order', () => {
    const w = { wi: [1, 0.5, -1, 2], wh: [0, 1, 1, -1], bi: [0, 0, 0.5, 0], bh: [0.25, 0, 0, 0] };
    const x = 0.5;
    const h = 1;
    const c = -0.5;
    const i = sigmoid(0.5 + 0.25);
    const f = sigmoid(0.25 + 1);
    const g = Math.tanh(-0.5 + 0.5 + 1);
    const o = sigmoid(1 - 1);
    const [h1, c1] = unitCell(LSTMCell, w).forward(t([x], [1, 1]), [t([h], [1, 1]), t([c], [1, 1])]);
    close(c1.data[0], f * c + i * g, 'c');
    close(h1.data[0], o * Math.tanh(f * c + i * g), 'h');
  });

  test('no state means zeros', () => {
    const cell = new LSTMCell({ inputSize: 3, hiddenSize: 2, seed: 4 });
    const x = t([0.5, -1, 2, 1, 0, -0.5], [2, 3]);
    const [h, c] = cell.forward(x);
    const [h0, c0] = cell.forward(x, [Tensor.zeros([2, 2]), Tensor.zeros([2, 2])]);
    assert.deepEqual([...h.data], [...h0.data]);
    assert.deepEqual([...c.data], [...c0.data]);
    assert.ok(h.data.some((v) => v !== 0));
  });
});

describe('cell shapes and errors', () => {
  test('batched (batch, input) -> (batch, hidden); unbatched (input) -> (hidden)', () => {
    const cell = new GRUCell({ inputSize: 3, hiddenSize: 4 });
    assert.deepEqual([...cell.forward(Tensor.zeros([5, 3])).shape], [5, 4]);
    assert.deepEqual([...cell.forward(Tensor.zeros([3])).shape], [4]);
    const lstm = new LSTMCell({ inputSize: 3, hiddenSize: 4, projSize: 2 });
    const [h, c] = lstm.forward(Tensor.zeros([5, 3]));
    assert.deepEqual([[...h.shape], [...c.shape]], [[5, 2], [5, 4]]);
  });

  test('PyTorch\'s wording for bad inputs and states', () => {
    const cell = new RNNCell({ inputSize: 4, hiddenSize: 3 });
    const err = (p: RegExp) => (e: unknown) => e instanceof ShapeError && p.test(e.message);
    assert.throws(() => cell.forward(Tensor.zeros([1, 2, 4])), err(/RNNCell: Expected input to be 1D or 2D, got 3D instead/));
    assert.throws(() => cell.forward(Tensor.zeros([2, 3])), err(/input has inconsistent input_size: got 3 expected 4/));
    assert.throws(() => cell.forward(Tensor.zeros([2, 4]), Tensor.zeros([2, 5])), err(/hidden0 has inconsistent hidden_size: got 5, expected 3/));
    assert.throws(() => cell.forward(Tensor.zeros([2, 4]), Tensor.zeros([3, 3])), err(/Input batch size 2 doesn't match hidden0 batch size 3/));
    assert.throws(() => cell.forward(Tensor.zeros([2, 4]), Tensor.zeros([3])), err(/RNNCell: Expected hidden to be 2D for 2D input, got 1D/));
    const lstm = new LSTMCell({ inputSize: 4, hiddenSize: 3 });
    assert.throws(() => lstm.forward(Tensor.zeros([2, 4]), [Tensor.zeros([2, 3]), Tensor.zeros([2, 2])]), err(/hidden1 has inconsistent hidden_size: got 2, expected 3/));
  });
});
