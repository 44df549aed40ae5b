/**
 * The analytic gradients against float64 central differences, on random small configurations:
 * every kind, 1-3 layers, bidirectional, bias on or off, batch_first, relu (RNN), proj_size (LSTM),
 * unbatched input, lengths in any order, h_0 / c_0 given or not, each of the four losses. The loss
 * is computed from the independent mathjs reference (src/reference/mathjs-forward.ts, float64, no
 * code shared with the engine) at the float32 weights and inputs with one entry moved by ±1e-6; the
 * analytic gradient (float32) must agree within 1e-4 × max(1, |difference quotient|), for a sample of
 * x's entries (a padded one past a length among them, where both are exactly 0), of h_0's and c_0's,
 * and of every parameter's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Recurrent, Tensor, kindOf, kinds, type KindName, type RecurrentOptions } from '../../src/index.js';
import { generator, referenceConfig } from '../helpers/property.js';
import { referenceForward, type NestedNumbers, type TensorLike } from '../../src/reference/mathjs-forward.js';
import { lossKinds, type LossKind } from '../../src/modules/run/loss.js';

type Kind = KindName;

/** The kinds with a backward step in their descriptor: the ones a gradient can be checked for. */
const WITH_BACKWARD = kinds.filter((k) => k.backward).map((k) => k.type) as [Kind, ...Kind[]];
const FC_SEED = Number(process.env.FC_SEED ?? 20261201);
const EPS = 1e-6;
const TOL = 1e-4;


const random = (shape: number[], next: () => number, scale: number): Tensor =>
  new Tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (next() * 2 - 1) * scale), shape);

interface Case {
  kind: Kind;
  options: RecurrentOptions;
  seqLen: number;
  batch: number;
  batched: boolean;
  x: Tensor;
  h0: Tensor | undefined;
  c0: Tensor | undefined;
  lengths: number[] | undefined;
  loss: LossKind;
  target: Tensor | undefined;
  pickSeed: number;
}

const int = (min: number, max: number) => fc.integer({ min, max });

const caseArbitrary = fc
  .record({
    kind: fc.constantFrom<Kind>(...WITH_BACKWARD),
    inputSize: int(1, 4),
    hiddenSize: int(1, 4),
    numLayers: int(1, 3),
    bidirectional: fc.boolean(),
    bias: fc.boolean(),
    batchFirst: fc.boolean(),
    relu: fc.boolean(),
    projPick: fc.nat(),
    seqLen: int(1, 5),
    batch: int(1, 3),
    withLengths: fc.boolean(),
    lengthPicks: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
    withH0: fc.boolean(),
    unbatched: fc.boolean(),
    loss: fc.constantFrom(...lossKinds),
    seed: fc.nat({ max: 2 ** 31 - 1 }),
    dataSeed: fc.nat({ max: 2 ** 31 - 1 }),
  })
  .map((r): Case => {
    const options: RecurrentOptions = { inputSize: r.inputSize, hiddenSize: r.hiddenSize, numLayers: r.numLayers, bidirectional: r.bidirectional, bias: r.bias, batchFirst: r.batchFirst, seed: r.seed };
    if (r.kind === 'rnn') options.nonlinearity = r.relu ? 'relu' : 'tanh';
    if (r.kind === 'lstm') options.projSize = r.projPick % r.hiddenSize;
    const D = r.bidirectional ? 2 : 1;
    const Hr = options.projSize || r.hiddenSize;
    const batched = !(r.unbatched && r.batch === 1 && !r.withLengths);
    const next = generator(r.dataSeed);
    const x = random(!batched ? [r.seqLen, r.inputSize] : r.batchFirst ? [r.batch, r.seqLen, r.inputSize] : [r.seqLen, r.batch, r.inputSize], next, 2);
    const state = (n: number): number[] => (batched ? [r.numLayers * D, r.batch, n] : [r.numLayers * D, n]);
    const h0 = r.withH0 ? random(state(Hr), next, 1) : undefined;
    const c0 = r.withH0 && r.kind === 'lstm' ? random(state(r.hiddenSize), next, 1) : undefined;
    const lengths = r.withLengths && batched ? r.lengthPicks.slice(0, r.batch).map((p) => (p % r.seqLen) + 1) : undefined;
    const outShape = !batched ? [r.seqLen, D * Hr] : r.batchFirst ? [r.batch, r.seqLen, D * Hr] : [r.seqLen, r.batch, D * Hr];
    const target = r.loss === 'mse' ? random(outShape, next, 1) : undefined;
    return { kind: r.kind, options, seqLen: r.seqLen, batch: r.batch, batched, x, h0, c0, lengths, loss: r.loss, target, pickSeed: r.dataSeed ^ 0x5bd1e995 };
  });

const flat = (v: NestedNumbers): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

/** The loss of the README's definitions on the reference's outputs, in float64. */
function referenceLoss(c: Case, params: Map<string, TensorLike>, inputs: { x: TensorLike; h0?: TensorLike | undefined; c0?: TensorLike | undefined }): number {
  const o = c.options;
  const config = referenceConfig(c.kind, o);
  const ref = referenceForward(config, params, { x: inputs.x, h_0: inputs.h0, c_0: inputs.c0, lengths: c.lengths, enforce_sorted: false });
  const out = flat(ref.out);
  const width = out.length / (c.seqLen * (c.batched ? c.batch : 1));
  switch (c.loss) {
    case 'sum':
      return out.reduce((a, b) => a + b, 0);
    case 'hn':
      return flat(ref.h_n).reduce((a, b) => a + b, 0);
    case 'mse': {
      const target = c.target!.data;
      return out.reduce((s, v, i) => s + (v - target[i]!) ** 2, 0) / out.length;
    }
    case 'last': {
      let s = 0;
      const B = c.batched ? c.batch : 1;
      for (let b = 0; b < B; b++) {
        const t = (c.lengths ? c.lengths[b]! : c.seqLen) - 1;
        const row = c.batched && o.batchFirst ? b * c.seqLen + t : t * B + b;
        for (let j = 0; j < width; j++) s += out[row * width + j]!;
      }
      return s;
    }
  }
}

const f64 = (t: Tensor): TensorLike => ({ data: Float64Array.from(t.data), shape: t.shape });

/** (t - eps) and (t + eps) at flat index i: the central difference's two losses. */
function difference(loss: (moved: TensorLike) => number, t: Tensor, i: number): number {
  const data = Float64Array.from(t.data);
  data[i] = t.data[i]! + EPS;
  const up = loss({ data, shape: t.shape });
  data[i] = t.data[i]! - EPS;
  const down = loss({ data, shape: t.shape });
  return (up - down) / (2 * EPS);
}

function check(what: string, analytic: number, numeric: number): void {
  const bound = TOL * Math.max(1, Math.abs(numeric));
  assert.ok(Math.abs(analytic - numeric) <= bound, `${what}: analytic ${analytic}, central difference ${numeric} (|diff| ${Math.abs(analytic - numeric)} > ${bound})`);
}

/** The flat index of a padded element of x (the last step of a sequence shorter than seqLen), or null. */
function paddedEntry(c: Case): number | null {
  if (!c.lengths) return null;
  const b = c.lengths.findIndex((n) => n < c.seqLen);
  if (b < 0) return null;
  const I = c.options.inputSize;
  const t = c.seqLen - 1;
  return (c.options.batchFirst ? b * c.seqLen + t : t * c.batch + b) * I;
}

describe('analytic gradients equal float64 central differences of the reference', () => {
  test('random configurations, every kind and loss', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const module: Recurrent = new Recurrent(kindOf(c.kind), c.options).eval();
        const result = module.backward(c.x, { h0: c.h0, c0: c.c0, lengths: c.lengths, enforceSorted: false, loss: c.loss, target: c.target });
        const params = new Map([...module.stateDict()].map(([k, t]) => [k, f64(t)]));
        const inputs = { x: f64(c.x), h0: c.h0 && f64(c.h0), c0: c.c0 && f64(c.c0) };
        const pick = generator(c.pickSeed);
        const sample = (n: number, count: number): number[] => Array.from({ length: Math.min(n, count) }, () => Math.floor(pick() * n));
        const padded = paddedEntry(c);
        const xEntries = [...sample(c.x.data.length, 3), ...(padded === null ? [] : [padded])];
        for (const i of xEntries) {
          check(`x[${i}]`, result.grads.x.data[i]!, difference((x) => referenceLoss(c, params, { ...inputs, x }), c.x, i));
        }
        if (padded !== null) assert.equal(result.grads.x.data[padded], 0, 'x past its length: exactly 0');
        if (c.h0) for (const i of sample(c.h0.data.length, 2)) check(`h_0[${i}]`, result.grads.h0!.data[i]!, difference((h0) => referenceLoss(c, params, { ...inputs, h0 }), c.h0, i));
        if (c.c0) for (const i of sample(c.c0.data.length, 2)) check(`c_0[${i}]`, result.grads.c0!.data[i]!, difference((c0) => referenceLoss(c, params, { ...inputs, c0 }), c.c0, i));
        for (const [name, t] of module.stateDict()) {
          for (const i of sample(t.data.length, 1)) {
            const loss = (moved: TensorLike): number => referenceLoss(c, new Map([...params, [name, moved]]), inputs);
            check(`${name}[${i}]`, result.grads.params.get(name)!.data[i]!, difference(loss, t, i));
          }
        }
        for (const [feature, present] of Object.entries({
          [c.kind]: true,
          [c.loss]: true,
          lengths: !!c.lengths,
          padded: padded !== null,
          bidirectional: !!c.options.bidirectional,
          layers: (c.options.numLayers ?? 1) > 1,
          proj: (c.options.projSize ?? 0) > 0,
          unbatched: !c.batched,
          h0: !!c.h0,
        })) if (present) seen.add(feature);
      }),
      { seed: FC_SEED, numRuns: Number(process.env.FC_RUNS ?? 40) },
    );
    // The sample reached every kind, loss and option named above.
    const wanted = [...WITH_BACKWARD, ...lossKinds, 'lengths', 'padded', 'bidirectional', 'layers', 'proj', 'unbatched', 'h0'];
    assert.deepEqual(wanted.filter((f) => !seen.has(f)), []);
  });
});
