/**
 * explain's pieces without the CLI: the catalogues agree with each other, every message is used and
 * the Chinese ones leave no English behind, the gates' means are the gates that made h_t, and
 * --step / --layer resolve as Python indexes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GRU, LSTM, RNN, Tensor, UsageError, type ForwardResult, type Recurrent } from '../../src/index.js';
import { explainRun, resolveFocus, resolveIndex } from '../../src/explain/facts.js';
import { catalogues, languages } from '../../src/explain/messages/index.js';
import { narrate } from '../../src/explain/narrate.js';
import { explainReportSchema } from '../../src/schema/index.js';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** A deterministic time-major x (T, B, I), or (T, I) unbatched. */
function makeX(T: number, B: number, I: number, batched = true): Tensor {
  const shape = batched ? [T, B, I] : [T, I];
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => Math.sin(k * 0.77 + 0.3) * 1.5);
  return new Tensor(data, shape);
}

/** Runs the module and returns the facts, as the CLI does. */
interface FactsOptions {
  T?: number;
  B?: number;
  lengths?: number[];
  batched?: boolean;
  step?: number;
  layer?: number;
}

function factsOf(module: Recurrent, { T = 5, B = 3, lengths, batched = true, step, layer }: FactsOptions = {}) {
  const x = makeX(T, B, module.config.inputSize, batched);
  const opts = lengths ? { lengths } : {};
  const result = module.forward(x, opts);
  const geometry = { seqLen: T, batch: B, batched, h0Given: false, c0Given: false, lengths: lengths ?? null };
  return { x, result, facts: explainRun(module, x, opts, geometry, { version: 'test', step, layer }).facts };
}

/** Keys of a catalogue, nested ones as a.b, with the kind of each value. */
function shapeOfCatalogue(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]: [string, unknown]) => (typeof v === 'object' && v !== null ? shapeOfCatalogue(v, `${prefix}${k}.`) : [`${prefix}${k}:${typeof v}`])).sort();
}

/** A catalogue that records which messages were used. */
function recording<T extends object>(catalogue: T, used: Set<string>, prefix = ''): T {
  return new Proxy(catalogue, {
    get(target, key) {
      const v: unknown = Reflect.get(target, key);
      if (typeof v === 'object' && v !== null) return recording(v, used, `${prefix}${String(key)}.`);
      used.add(prefix + String(key));
      return v;
    },
  });
}

const CODE_WORDS = new Set(['LSTM', 'batch', 'first', 'input', 'size', 'hidden', 'num', 'layers', 'directions', 'proj', 'tanh', 'relu', 'weight', 'lengths', 'step', 'layer', 'dropout', 'seq', 'len', 'out', 'max']);

/** Every configuration the narration has a branch for. */
const CONFIGS = [
  ['one-layer RNN, relu', () => factsOf(new RNN({ inputSize: 4, hiddenSize: 3, nonlinearity: 'relu' }).eval())],
  ['3-layer RNN, step 0', () => factsOf(new RNN({ inputSize: 4, hiddenSize: 3, numLayers: 3, batchFirst: true }).eval(), { step: 0 })],
  ['LSTM with proj_size, bidirectional, lengths', () => factsOf(new LSTM({ inputSize: 4, hiddenSize: 5, projSize: 2, numLayers: 2, bidirectional: true }).eval(), { lengths: [5, 2, 4], step: -1 })],
  ['GRU focused on a layer, mid step', () => factsOf(new GRU({ inputSize: 4, hiddenSize: 3, numLayers: 3 }).eval(), { step: 2, layer: -2 })],
  ['GRU in training mode with dropout', () => factsOf(new GRU({ inputSize: 4, hiddenSize: 3, numLayers: 2, dropout: 0.5 }).train())],
  ['unbatched LSTM', () => factsOf(new LSTM({ inputSize: 4, hiddenSize: 3, numLayers: 2 }).eval(), { batched: false })],
  ['no sequence left at the chosen step', () => factsOf(new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2 }).eval(), { B: 2, lengths: [3, 2] })],
  ['a long sequence: the time row is a window', () => factsOf(new RNN({ inputSize: 2, hiddenSize: 2 }).eval(), { T: 30, B: 1, step: 20 })],
] satisfies [string, () => ReturnType<typeof factsOf>][];

describe('message catalogues', () => {
  test('every language has the same messages, of the same kinds', () => {
    assert.deepEqual(languages, Object.keys(catalogues));
    assert.ok(languages.includes('en') && languages.includes('zh'));
    const reference = shapeOfCatalogue(catalogues.en);
    for (const lang of languages) assert.deepEqual(shapeOfCatalogue(catalogues[lang]), reference, lang);
  });

  test('across the configurations every message is used, and en and zh state the same numbers', () => {
    const used = new Set<string>();
    for (const [name, make] of CONFIGS) {
      const { facts } = make();
      explainReportSchema.parse(facts);
      const texts = Object.fromEntries(languages.map((lang) => [lang, narrate(facts, recording(catalogues[lang], used))]));
      const numbers = (s: string): string[] => s.replace(/^\S+\(.*?\)/, '').match(/-?\d+\.\d{4}|-?\d\.\d\de[-+]\d+/g) ?? [];
      assert.ok(numbers(texts.en).length > 5, name);
      for (const lang of languages) assert.deepEqual(numbers(texts[lang]), numbers(texts.en), `${name}: ${lang}`);
    }
    const all = shapeOfCatalogue(catalogues.en).map((k) => k.replace(/:.*/, ''));
    assert.deepEqual(all.filter((k) => !used.has(k)), [], 'messages never used');
  });

  test('the Chinese narration leaves no English sentence behind, in any configuration', () => {
    for (const [name, make] of CONFIGS) {
      const text = narrate(make().facts, catalogues.zh).replace(/^\S+\(.*?\) 就像/, '就像');
      for (const word of text.match(/[A-Za-z]{4,}/g) ?? []) assert.ok(CODE_WORDS.has(word), `${name}: English word "${word}"`);
      assert.doesNotMatch(text, /(?<![_\w])[A-Za-z]{2,} [A-Za-z]{2,}(?![_\w])/, name);
      for (const term of ['隐藏状态', '时间步', '层', '编辑部', '笔记本', '主编']) assert.ok(text.includes(term), `${name}: ${term}`);
    }
  });
});

describe('gates', () => {
  /**
   * Recomputes one layer's gates at step t from its weights, x or the layer below, and the trace's
   * previous state; checks they rebuild the traced h_t, then returns their means.
   */
  function gatesByHand(module: LSTM | GRU, x: Tensor, result: ForwardResult, l: number, t: number): number[] {
    const { hiddenSize: H, inputSize } = module.config;
    const sd = module.stateDict();
    const W = (name: string): Tensor => {
      const w = sd.get(`${name}_l${l}`);
      assert.ok(w, `${name}_l${l}`);
      return w;
    };
    const B = result.trace.batch;
    const G = module.kind.gates.length;
    const layer = result.trace.layers[l];
    const sums = new Array(G).fill(0);
    for (let b = 0; b < B; b++) {
      const inF = l === 0 ? inputSize : H;
      const inp = Array.from({ length: inF }, (_, k) => (l === 0 ? x.data[(t * B + b) * inputSize + k] : result.trace.layers[l - 1].h.data[(t * B + b) * H + k]));
      const hPrev = Array.from({ length: H }, (_, k) => (t === 0 ? 0 : layer.h.data[((t - 1) * B + b) * H + k]));
      const affine = (w: Tensor, bias: Tensor, v: number[], row: number): number => bias.data[row] + v.reduce((s, vk, k) => s + w.data[row * v.length + k] * vk, 0);
      for (let j = 0; j < H; j++) {
        const a = (g: number): number => affine(W('weight_ih'), W('bias_ih'), inp, g * H + j);
        const r = (g: number): number => affine(W('weight_hh'), W('bias_hh'), hPrev, g * H + j);
        let gates: number[];
        let h: number;
        if (module.kind.type === 'lstm') {
          gates = [sigmoid(a(0) + r(0)), sigmoid(a(1) + r(1)), Math.tanh(a(2) + r(2)), sigmoid(a(3) + r(3))];
          const c = layer.c;
          assert.ok(c, 'an LSTM layer traces c');
          const cPrev = t === 0 ? 0 : c.data[((t - 1) * B + b) * H + j];
          h = gates[3] * Math.tanh(gates[1] * cPrev + gates[0] * gates[2]);
        } else {
          const rr = sigmoid(a(0) + r(0));
          const z = sigmoid(a(1) + r(1));
          const n = Math.tanh(a(2) + rr * r(2));
          gates = [rr, z, n];
          h = (1 - z) * n + z * hPrev[j];
        }
        assert.ok(Math.abs(h - layer.h.data[(t * B + b) * H + j]) < 1e-5, `gates rebuild h at layer ${l} t=${t}`);
        gates.forEach((g, k) => (sums[k] += g));
      }
    }
    return sums.map((s) => s / (B * H));
  }

  for (const Kind of [LSTM, GRU]) {
    test(`${Kind.name}: the reported means are the gates that made h_t`, () => {
      const module = new Kind({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 7 }).eval();
      for (const step of [0, 3]) {
        const { x, result, facts } = factsOf(module, { T: 5, B: 2, step });
        for (const l of [0, 1]) {
          const want = gatesByHand(module, x, result, l, step);
          const got = facts.fusions[l].gates;
          assert.ok(got, `layer ${l} step ${step} has gates`);
          assert.deepEqual(got.map((g) => g.name), module.kind.gates.map((g) => g.name));
          got.forEach((g, k) => assert.ok(Math.abs(g.mean - want[k]) < 1e-6, `${g.name}: ${g.mean} vs ${want[k]}`));
        }
      }
    });
  }

  test('no gates where no sequence has input; the norms there are 0', () => {
    const { facts } = factsOf(new GRU({ inputSize: 3, hiddenSize: 2 }).eval(), { B: 2, lengths: [3, 2] });
    assert.equal(facts.fusions[0].valid, 0);
    assert.equal(facts.fusions[0].gates, null);
    assert.equal(facts.fusions[0].h.norm, 0);
  });

  test('RNN has no gates to report; dropout in training leaves them out', () => {
    assert.equal(factsOf(new RNN({ inputSize: 3, hiddenSize: 2 }).eval()).facts.fusions[0].gates, null);
    const train = factsOf(new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, dropout: 0.3 }).train()).facts;
    assert.equal(train.config.dropout_acted, true);
    assert.ok(train.fusions.every((f) => f.gates === null));
  });
});

describe('--step and --layer', () => {
  test('Python-style indexes: -1 is the last, -n the first', () => {
    assert.equal(resolveIndex('--step', 'a time step', -1, 10), 9);
    assert.equal(resolveIndex('--step', 'a time step', -10, 10), 0);
    assert.equal(resolveIndex('--step', 'a time step', 0, 10), 0);
    assert.deepEqual(resolveFocus(10, 3, { version: 'test' }), { step: 9, requested: 9, layer: null });
    assert.deepEqual(resolveFocus(10, 3, { version: 'test', step: -2, layer: -1 }), { step: 8, requested: -2, layer: 2 });
  });

  test('out of range: a UsageError naming the range and the value', () => {
    assert.throws(() => resolveIndex('--step', 'a time step', 10, 10), (e) => e instanceof UsageError && /0\.\.9 .*got 10$/.test(e.message));
    assert.throws(() => resolveIndex('--step', 'a time step', -11, 10), UsageError);
    assert.throws(() => resolveFocus(5, 2, { version: 'test', layer: 2 }), /--layer: expected a layer in 0\.\.1 \(or -2\.\.-1 counting from the top\), got 2/);
  });
});
