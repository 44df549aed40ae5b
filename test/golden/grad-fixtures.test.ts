/**
 * The gradient golden cases (test/fixtures/golden-grad/, written by
 * scripts/fixtures/make_grad_golden.py from PyTorch's autograd) are internally consistent: every
 * gradient has its tensor's shape, step_grad_norms has one series per layer and direction with one
 * entry per time step, and each loss value is what its definition gives on the case's own outputs.
 * Their forward outputs also match the library's forward pass. No gradient code is needed here.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, Tensor, type Nested } from '../../src/index.js';
import { present } from '../helpers/checked.js';
import {
  GRAD_GOLDEN_DIR,
  REGENERATE_GRAD_HINT as HINT,
  assertClose,
  goldenIndex,
  nestedShape,
  slice0,
  stack,
  stateDictFromNested,
  toOptions,
  type GoldenInputs,
  type TorchConfig,
} from '../helpers/golden.js';

/** One test/fixtures/golden-grad/NAME.json (see its README). */
interface GradFile {
  name: string;
  description: string;
  torch_version: string;
  module: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  config: TorchConfig;
  state_dict: Record<string, Nested>;
  inputs: GoldenInputs;
  outputs: { out: Nested; h_n: Nested; c_n?: Nested };
  loss: { kind: 'last' | 'sum' | 'hn' | 'mse'; value: number };
  target?: Nested;
  grads: Record<string, Nested>;
  step_grad_norms: { layer: number; direction: 'forward' | 'reverse'; steps: { t: number; dh_norm: number; dc_norm?: number }[] }[];
  shapes: Record<string, number[]>;
  layout?: string;
}

const index = goldenIndex(GRAD_GOLDEN_DIR);
const cases = index.cases.map((name) => JSON.parse(readFileSync(join(GRAD_GOLDEN_DIR, `${name}.json`), 'utf8')) as GradFile);
const LOSSES = ['last', 'sum', 'hn', 'mse'];
const CELL_MODULES = ['RNNCell', 'LSTMCell', 'GRUCell'];

const isCell = (g: GradFile) => CELL_MODULES.includes(g.module);
const hasCellState = (g: GradFile) => g.module === 'LSTM' || g.module === 'LSTMCell';

function flat(v: unknown): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v as number];
}

/** Geometry of a case's x: unbatched, batch_first, seq_len and batch. */
function geometry(g: GradFile) {
  const shape = g.shapes['x']!;
  const unbatched = shape.length === 2;
  const batchFirst = !isCell(g) && !unbatched && g.config.batch_first === true;
  const seqLen = batchFirst ? shape[1]! : shape[0]!;
  const batch = unbatched ? 1 : batchFirst ? shape[0]! : shape[1]!;
  const lengths = g.inputs.lengths ?? Array.from({ length: batch }, () => seqLen);
  return { unbatched, batchFirst, seqLen, batch, lengths };
}

/** out[b][t] (a row of features) in the case's layout. */
function outRow(g: GradFile, b: number, t: number): number[] {
  const { unbatched, batchFirst } = geometry(g);
  const out = g.outputs.out as Nested[][];
  if (unbatched) return flat(out[t]);
  return flat(batchFirst ? out[b]![t] : out[t]![b]);
}

/** The loss by its definition in the README, in float64, from the case's own tensors. */
function lossOf(g: GradFile): number {
  const sum = (v: unknown) => flat(v).reduce((a, b) => a + b, 0);
  const { batch, lengths } = geometry(g);
  switch (g.loss.kind) {
    case 'sum':
      return sum(g.outputs.out);
    case 'hn':
      return sum(g.outputs.h_n);
    case 'last': {
      let total = 0;
      for (let b = 0; b < batch; b++) total += sum(outRow(g, b, lengths[b]! - 1));
      return total;
    }
    case 'mse': {
      const out = flat(g.outputs.out);
      const target = flat(g.target);
      return out.reduce((a, v, i) => a + (v - target[i]!) ** 2, 0) / out.length;
    }
  }
}

describe('gradient golden fixtures', () => {
  test('INDEX.json lists exactly the fixture files, once each, and names seed 2000', () => {
    const files = readdirSync(GRAD_GOLDEN_DIR)
      .filter((f) => f.endsWith('.json') && f !== 'INDEX.json')
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
    assert.deepEqual([...index.cases].sort(), files, `INDEX.json and the files disagree. ${HINT}`);
    assert.equal(new Set(index.cases).size, index.cases.length);
    assert.equal(index.seed, 2000);
  });

  test('the cases cover every module kind and loss, packed, unbatched and bidirectional cases', () => {
    assert.deepEqual(new Set(cases.map((g) => g.module)), new Set(['RNN', 'LSTM', 'GRU', ...CELL_MODULES]));
    assert.deepEqual(new Set(cases.map((g) => g.loss.kind)), new Set(LOSSES));
    assert.ok(cases.filter((g) => g.inputs.lengths).length >= 4, 'packed cases');
    assert.ok(cases.some((g) => geometry(g).unbatched), 'an unbatched case');
    assert.ok(cases.some((g) => g.config.bidirectional), 'a bidirectional case');
    assert.ok(cases.some((g) => g.config.proj_size), 'an LSTM with proj_size');
  });
});

for (const g of cases) {
  describe(`gradient golden ${g.name} (${g.module}, loss ${g.loss.kind})`, () => {
    test('name, version, loss kind, and the target exactly for mse', () => {
      assert.equal(typeof g.torch_version, 'string');
      assert.ok(g.torch_version.length > 0, `${g.name}: no torch_version. ${HINT}`);
      assert.ok(LOSSES.includes(g.loss.kind), `${g.name}: loss kind ${g.loss.kind}`);
      assert.ok(Number.isFinite(g.loss.value));
      assert.equal(g.target !== undefined, g.loss.kind === 'mse', `${g.name}: a target exactly when the loss is mse. ${HINT}`);
      assert.equal(isCell(g), g.layout !== undefined, 'cell cases, and only they, say their layout');
    });

    test('every recorded shape is its tensor\'s shape', () => {
      const tensors: Record<string, unknown> = { ...g.inputs, ...g.outputs, target: g.target };
      for (const [key, shape] of Object.entries(g.shapes)) {
        assert.ok(tensors[key] !== undefined, `${g.name}: shapes names "${key}", which the case does not hold. ${HINT}`);
        assert.deepEqual(nestedShape(tensors[key]), shape, `${g.name}: ${key}. ${HINT}`);
      }
      for (const key of ['x', 'h_0', 'c_0', 'out', 'h_n', 'c_n', 'target']) {
        assert.equal(key in g.shapes, tensors[key] !== undefined, `${g.name}: shapes has ${key} exactly when the case holds it`);
      }
      if (g.target !== undefined) assert.deepEqual(g.shapes['target'], g.shapes['out']);
    });

    test('grads: x, the given states and every state_dict name, each of its tensor\'s shape', () => {
      const want = ['x', ...['h_0', 'c_0'].filter((k) => g.inputs[k] !== undefined), ...Object.keys(g.state_dict)];
      assert.deepEqual(Object.keys(g.grads), want, `${g.name}: grads names. ${HINT}`);
      for (const key of want) {
        const of = key in g.state_dict ? g.state_dict[key] : g.inputs[key];
        assert.deepEqual(nestedShape(g.grads[key]), nestedShape(of), `${g.name}: grads.${key} does not have its tensor's shape. ${HINT}`);
        assert.ok(flat(g.grads[key]).every(Number.isFinite), `${g.name}: grads.${key} holds a non-finite number`);
      }
    });

    test('step_grad_norms: one series per layer and direction (h_n\'s order), seq_len steps each', () => {
      const D = g.config.bidirectional ? 2 : 1;
      const layers = isCell(g) ? 1 : (g.config.num_layers ?? 1) * D;
      const { seqLen, lengths } = geometry(g);
      assert.equal(g.step_grad_norms.length, layers, `${g.name}: one entry per layer and direction. ${HINT}`);
      g.step_grad_norms.forEach((entry, i) => {
        assert.equal(entry.layer, Math.floor(i / D));
        assert.equal(entry.direction, i % D === 1 ? 'reverse' : 'forward');
        assert.deepEqual(entry.steps.map((s) => s.t), Array.from({ length: seqLen }, (_, t) => t), `${g.name}: steps in time order`);
        for (const s of entry.steps) {
          assert.ok(Number.isFinite(s.dh_norm) && s.dh_norm >= 0, `${g.name}: dh_norm ${s.dh_norm}`);
          if (hasCellState(g)) assert.ok(Number.isFinite(s.dc_norm) && s.dc_norm! >= 0, `${g.name}: dc_norm ${s.dc_norm}`);
          else assert.equal(s.dc_norm, undefined, `${g.name}: dc_norm only for LSTM`);
          if (s.t >= Math.max(...lengths)) assert.equal(s.dh_norm, 0, `${g.name}: no sequence reaches step ${s.t}`);
        }
      });
    });

    test('the loss value is its definition on the case\'s own outputs', () => {
      const want = lossOf(g);
      const diff = Math.abs(g.loss.value - want);
      assert.ok(diff <= 1e-5 * Math.max(1, Math.abs(want)), `${g.name}: loss ${g.loss.value}, the outputs give ${want}. ${HINT}`);
    });

    if (g.inputs.lengths) {
      test('packed: out and the gradient of x are exactly 0 past each length', () => {
        const { seqLen, lengths, batchFirst } = geometry(g);
        const x = g.grads['x'] as Nested[][];
        lengths.forEach((n, b) => {
          for (let t = n; t < seqLen; t++) {
            assert.ok(outRow(g, b, t).every((v) => v === 0), `${g.name}: out[${b}, ${t}]`);
            assert.ok(flat(batchFirst ? x[b]![t] : x[t]![b]).every((v) => v === 0), `${g.name}: grads.x[${b}, ${t}]`);
          }
        });
      });
    }

    test('the forward outputs match the library\'s forward pass within 1e-5', () => {
      const stateDict = stateDictFromNested(g.state_dict);
      const options = toOptions(g.config);
      const x = new Tensor(Float32Array.from(flat(g.inputs.x)), g.shapes['x']!);
      const h0 = g.inputs.h_0 === undefined ? undefined : new Tensor(Float32Array.from(flat(g.inputs.h_0)), g.shapes['h_0']!);
      const c0 = g.inputs.c_0 === undefined ? undefined : new Tensor(Float32Array.from(flat(g.inputs.c_0)), g.shapes['c_0']!);
      const opts = { hint: HINT };
      const label = `${g.name} forward`;
      if (!isCell(g)) {
        const Module = { RNN, LSTM, GRU }[g.module as 'RNN' | 'LSTM' | 'GRU'];
        const r = new Module(options).loadStateDict(stateDict).eval().forward(
          x,
          present({
            h0,
            c0,
            lengths: g.inputs.lengths,
            enforceSorted: g.inputs.enforce_sorted,
          }),
        );
        assertClose(label, 'out', r.out, g.outputs.out, opts);
        assertClose(label, 'h_n', r.hN, g.outputs.h_n, opts);
        if (g.module === 'LSTM') assertClose(label, 'c_n', r.cN, g.outputs.c_n, opts);
        return;
      }
      const hs: Tensor[] = [];
      let h = h0;
      let c = c0;
      const steps = x.shape[0]!;
      if (g.module === 'LSTMCell') {
        const cell = new LSTMCell(options).loadStateDict(stateDict);
        for (let t = 0; t < steps; t++) {
          [h, c] = cell.forward(slice0(x, t), h && c ? [h, c] : undefined);
          hs.push(h);
        }
      } else {
        const cell = new (g.module === 'RNNCell' ? RNNCell : GRUCell)(options).loadStateDict(stateDict);
        for (let t = 0; t < steps; t++) {
          h = cell.forward(slice0(x, t), h);
          hs.push(h);
        }
      }
      assertClose(label, 'out', stack(hs), g.outputs.out, opts);
      assertClose(label, 'h_n', h, g.outputs.h_n, opts);
      if (g.module === 'LSTMCell') assertClose(label, 'c_n', c, g.outputs.c_n, opts);
    });
  });
}

test('a loss that disagrees with the outputs is caught (the check can fail)', () => {
  const g = cases.find((k) => k.loss.kind === 'sum');
  assert.ok(g, 'a sum case');
  const changed: GradFile = { ...g, loss: { ...g.loss, value: g.loss.value + 1e-3 * Math.max(1, Math.abs(g.loss.value)) } };
  assert.ok(Math.abs(changed.loss.value - lossOf(changed)) > 1e-5 * Math.max(1, Math.abs(lossOf(changed))));
});
