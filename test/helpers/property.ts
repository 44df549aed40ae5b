/**
 * fast-check arbitraries for small random recurrent configurations, with the inputs to run them on,
 * and the small tensor helpers the property tests share.
 *
 * A case: kind rnn/lstm/gru, input 1..6, hidden 1..6, layers 1..3, bidirectional, bias, batch_first,
 * nonlinearity (rnn), proj_size 0..hidden-1 (lstm), seq 1..6, batch 1..4, optional lengths, optional
 * random h_0 / c_0. Weights come from the module's `seed` option, inputs from a seeded generator, so a
 * failing case is reproduced from the values fast-check prints.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Recurrent, Tensor, kindNames, kindOf, type ForwardOptions, type KindName, type RecurrentOptions, type Shape } from '../../src/index.js';
import type { ReferenceConfig } from '../../src/reference/mathjs-forward.js';
import { item, present } from './checked.js';


/** The seed of every fc.assert; override with FC_SEED=n to explore other cases. */
export const FC_SEED = Number(process.env.FC_SEED ?? 20240611);

/** FC_SCALE=k runs k times as many cases (for a longer search than the suite's budget). */
export const FC_SCALE = Number(process.env.FC_SCALE ?? 1);

export function fcOptions(numRuns: number): { seed: number; numRuns: number } {
  return { seed: FC_SEED, numRuns: Math.max(1, Math.round(numRuns * FC_SCALE)) };
}

/** mulberry32: uniform in [0, 1) from a 32-bit seed. */
export function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Tensor of the shape with values uniform in [-scale, scale). */
export function randomTensor(shape: Shape, next: () => number, scale = 2): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = (next() * 2 - 1) * scale;
  return new Tensor(data, shape);
}

/** The random draws a case is built from (fast-check prints these for a failing case). */
export interface CaseDraw {
  kind: KindName;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  bias: boolean;
  batchFirst: boolean;
  relu: boolean;
  projPick: number;
  seqLen: number;
  batch: number;
  withLengths: boolean;
  lengthPicks: number[];
  withH0: boolean;
  unbatched: boolean;
  seed: number;
  dataSeed: number;
}

/** A case's module options: every field the case draws is set. */
export type CaseOptions = RecurrentOptions & { [K in 'numLayers' | 'bidirectional' | 'bias' | 'batchFirst' | 'seed']-?: NonNullable<RecurrentOptions[K]> };

/** A module configuration with the inputs to run it on. */
export interface Case {
  kind: KindName;
  options: CaseOptions;
  seqLen: number;
  batch: number;
  batched: boolean;
  /** Directions: 1 or 2. */
  D: number;
  realHidden: number;
  x: Tensor;
  h0: Tensor | undefined;
  c0: Tensor | undefined;
  lengths: number[] | undefined;
  dataSeed: number;
}

const int = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });

/**
 * A random case. With `unbatched`, batch-1 cases without lengths are sometimes given as 2-D input.
 * Fixed fields override the random ones (e.g. `{ numLayers: 1 }`).
 */
export function caseArbitrary({ unbatched = false, fixed = {} }: { unbatched?: boolean; fixed?: Partial<CaseDraw> } = {}): fc.Arbitrary<Case> {
  return fc
    .record({
      kind: fc.constantFrom<KindName>(...kindNames),
      inputSize: int(1, 6),
      hiddenSize: int(1, 6),
      numLayers: int(1, 3),
      bidirectional: fc.boolean(),
      bias: fc.boolean(),
      batchFirst: fc.boolean(),
      relu: fc.boolean(),
      projPick: fc.nat(),
      seqLen: int(1, 6),
      batch: int(1, 4),
      withLengths: fc.boolean(),
      lengthPicks: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
      withH0: fc.boolean(),
      unbatched: fc.boolean(),
      seed: fc.nat({ max: 2 ** 31 - 1 }),
      dataSeed: fc.nat({ max: 2 ** 31 - 1 }),
    })
    .map((r) => buildCase({ ...r, ...fixed }, unbatched));
}

export function buildCase(r: CaseDraw, allowUnbatched = false): Case {
  const { kind, inputSize, hiddenSize, numLayers, bidirectional, bias, batchFirst, seqLen, batch } = r;
  const options: CaseOptions = { inputSize, hiddenSize, numLayers, bidirectional, bias, batchFirst, seed: r.seed };
  if (kind === 'rnn') options.nonlinearity = r.relu ? 'relu' : 'tanh';
  if (kind === 'lstm') options.projSize = r.projPick % hiddenSize;
  const D = bidirectional ? 2 : 1;
  const realHidden = options.projSize || hiddenSize;
  const batched = !(allowUnbatched && r.unbatched && batch === 1 && !r.withLengths);
  const next = generator(r.dataSeed);
  const xShape = !batched ? [seqLen, inputSize] : batchFirst ? [batch, seqLen, inputSize] : [seqLen, batch, inputSize];
  const x = randomTensor(xShape, next);
  const stateShape = (n: number): number[] => (batched ? [numLayers * D, batch, n] : [numLayers * D, n]);
  const h0 = r.withH0 ? randomTensor(stateShape(realHidden), next, 1) : undefined;
  const c0 = r.withH0 && kind === 'lstm' ? randomTensor(stateShape(hiddenSize), next, 1) : undefined;
  const lengths = r.withLengths && batched ? r.lengthPicks.slice(0, batch).map((p) => (p % seqLen) + 1) : undefined;
  return { kind, options, seqLen, batch, batched, D, realHidden, x, h0, c0, lengths, dataSeed: r.dataSeed };
}

/** A module of the case's kind and options, in eval mode (overrides merge into the options). */
export function moduleFor(c: { kind: KindName; options: RecurrentOptions }, overrides: Partial<RecurrentOptions> = {}): Recurrent {
  return new Recurrent(kindOf(c.kind), { ...c.options, ...overrides }).eval();
}

/** The forward options of a case: h0, c0, lengths (unsorted allowed). */
export function stateOf(c: Case): ForwardOptions {
  return { ...present({ h0: c.h0, c0: c.c0, lengths: c.lengths }), enforceSorted: false };
}

/** The library's options as the mathjs reference's PyTorch-named config. */
export function referenceConfig(kind: KindName, options: RecurrentOptions): ReferenceConfig {
  return {
    type: kind,
    input_size: options.inputSize,
    hidden_size: options.hiddenSize,
    num_layers: options.numLayers ?? 1,
    nonlinearity: options.nonlinearity ?? 'tanh',
    bias: options.bias ?? true,
    batch_first: options.batchFirst ?? false,
    bidirectional: options.bidirectional ?? false,
    proj_size: options.projSize ?? 0,
  };
}

/** (a, b, rest...) -> (b, a, rest...). */
export function transpose01(t: Tensor): Tensor {
  const [a, b, ...rest] = t.shape;
  assert.ok(a !== undefined && b !== undefined, `transpose01: expected 2 or more dimensions, got shape (${t.shape.join(', ')})`);
  const n = rest.reduce((p, q) => p * q, 1);
  const data = new Float32Array(t.data.length);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) data.set(t.data.subarray((i * b + j) * n, (i * b + j + 1) * n), (j * a + i) * n);
  return new Tensor(data, [b, a, ...rest]);
}

/** Element [i][j] of a 3-D tensor as a Float32Array row. */
export function row(t: Tensor, i: number, j: number): Float32Array {
  const [, b, n] = shape3(t, 'row');
  return t.data.slice((i * b + j) * n, (i * b + j + 1) * n);
}

/** Elements [*, lo:hi) of dimension 1 of a 3-D tensor (e.g. one batch element). */
export function sliceDim1(t: Tensor, lo: number, hi: number): Tensor {
  const [a, b, n] = shape3(t, 'sliceDim1');
  const data = new Float32Array(a * (hi - lo) * n);
  for (let i = 0; i < a; i++) data.set(t.data.subarray((i * b + lo) * n, (i * b + hi) * n), i * (hi - lo) * n);
  return new Tensor(data, [a, hi - lo, n]);
}

/** The first `len` slices of dimension 0. */
export function prefix0(t: Tensor, len: number): Tensor {
  const n = t.data.length / item(t.shape, 0, 'prefix0: shape');
  return new Tensor(t.data.slice(0, len * n), [len, ...t.shape.slice(1)]);
}

/** The dimensions of a tensor that must be 3-D. */
function shape3(t: Tensor, what: string): [number, number, number] {
  const [a, b, n, ...more] = t.shape;
  assert.ok(a !== undefined && b !== undefined && n !== undefined && more.length === 0, `${what}: expected a 3-D tensor, got shape (${t.shape.join(', ')})`);
  return [a, b, n];
}

/** A time-major (seqLen, batch, features) view of out, whatever batch_first says. */
export function timeMajor(out: Tensor, batchFirst: boolean | undefined): Tensor {
  return batchFirst ? transpose01(out) : out;
}

/** A tensor's values and shape: a Tensor, or float64 values from the reference. Absent values fail the comparison. */
export interface Values {
  readonly data: Float32Array | Float64Array;
  readonly shape: readonly number[];
}

/**
 * Asserts max |actual - expected| <= tol * max(1, max |expected|, max |actual|) (or <= tol with
 * `absolute`), naming the tensor and the worst difference; shapes must be equal.
 */
export function expectClose(actual: Values | null | undefined, expected: Values | null | undefined, what: string, tol = 1e-6, { absolute = false }: { absolute?: boolean } = {}): void {
  assert.ok(actual, `${what}: no actual value`);
  assert.ok(expected, `${what}: no expected value`);
  assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shapes differ`);
  assert.equal(actual.data.length, expected.data.length, `${what}: sizes differ`);
  let scale = 1;
  let worst = 0;
  let at = 0;
  for (const [i, e] of expected.data.entries()) {
    const a = item(actual.data, i, what);
    if (!absolute) scale = Math.max(scale, Math.abs(e), Math.abs(a));
    const d = Math.abs(a - e);
    assert.ok(!Number.isNaN(d), `${what}: NaN at flat index ${i}`);
    if (d > worst) {
      worst = d;
      at = i;
    }
  }
  assert.ok(worst <= tol * scale, `${what}: max |diff| ${worst} at flat index ${at} exceeds ${tol} * ${scale}`);
}

/** Asserts equal shapes and exactly equal values (0 and -0 count as equal). */
export function expectEqual(actual: Values | null | undefined, expected: Values | null | undefined, what: string): void {
  assert.ok(actual, `${what}: no actual value`);
  assert.ok(expected, `${what}: no expected value`);
  assert.deepEqual([...actual.shape], [...expected.shape], `${what}: shapes differ`);
  const i = actual.data.findIndex((v, k) => v !== expected.data[k]);
  assert.equal(i, -1, `${what}: first difference at flat index ${i}: ${actual.data[i]} vs ${expected.data[i]}`);
}
