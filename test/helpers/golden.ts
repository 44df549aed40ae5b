/**
 * Shared test helpers: golden cases from real PyTorch and max-|diff| comparison.
 *
 * The golden cases in test/fixtures/golden/ are written by scripts/fixtures/make_golden.py with
 * PyTorch 1.13.1 (Debian's python3-torch) in eval mode, float32, seed 1000 (INDEX.json); see
 * test/fixtures/golden/README.md. The gradient cases in test/fixtures/golden-grad/ are written by
 * scripts/fixtures/make_grad_golden.py. Comparisons print one line per named tensor, as llm.c's
 * test_gpt2 does:
 *   rnn_seed_example out: OK maxdiff = 1.49e-07
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, tensorFromNested, type ForwardOptions, type Nested, type RecurrentOptions } from '../../src/index.js';
import type { LossKind } from '../../src/modules/run/loss.js';
import { present } from './checked.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const GOLDEN_DIR = join(FIXTURES, 'golden');
export const GRAD_GOLDEN_DIR = join(FIXTURES, 'golden-grad');

/** PyTorch parity tolerance for float32 (max abs diff). */
export const GOLDEN_TOLERANCE = 1e-5;

/** The commands that rewrite the fixtures, run from the repository root. */
export const REGENERATE_COMMAND = '/usr/bin/python3 scripts/fixtures/make_golden.py';
export const REGENERATE_GRAD_COMMAND = '/usr/bin/python3 scripts/fixtures/make_grad_golden.py';
export const REGENERATE_MODELS_COMMAND = '/usr/bin/python3 scripts/fixtures/make_model_fixtures.py';

export const REGENERATE_HINT =
  'If PyTorch really computes something else now, the fixture is stale: regenerate test/fixtures/golden/ and ' +
  `test/fixtures/files/seed/ from the repository root with \`${REGENERATE_COMMAND}\` ` +
  "(Debian's python3-torch and python3-numpy; deterministic, seed 1000), then run the tests again.";

export const REGENERATE_GRAD_HINT =
  'If PyTorch really computes something else now, the fixture is stale: regenerate test/fixtures/golden-grad/ from ' +
  `the repository root with \`${REGENERATE_GRAD_COMMAND}\` ` +
  "(Debian's python3-torch; deterministic, seed 2000), then run the tests again.";

export const REGENERATE_MODELS_HINT =
  'If PyTorch really computes something else now, the fixture is stale: regenerate test/fixtures/models/ from ' +
  `the repository root with \`${REGENERATE_MODELS_COMMAND}\` ` +
  "(Debian's python3-torch and python3-numpy; deterministic, seed 3000), then run the tests again.";

/** PyTorch's constructor arguments, as the fixtures hold them. */
export interface TorchConfig {
  input_size: number;
  hidden_size: number;
  num_layers?: number;
  nonlinearity?: 'tanh' | 'relu';
  bias?: boolean;
  batch_first?: boolean;
  dropout?: number;
  bidirectional?: boolean;
  proj_size?: number;
}

export interface GoldenInputs {
  x: Nested;
  h_0?: Nested;
  c_0?: Nested;
  lengths?: number[];
  enforce_sorted?: boolean;
  /** Pipeline cases: further named inputs (the encoder-decoder's y). */
  [name: string]: Nested | boolean | undefined;
}

export interface GoldenModule {
  name: string;
  module: 'RNN' | 'LSTM' | 'GRU';
  config: TorchConfig;
  input?: string;
  h_0_from?: string;
}

/** One test/fixtures/golden/NAME.json as written (see test/fixtures/golden/README.md). */
export interface GoldenFile {
  name: string;
  description: string;
  torch_version: string;
  module: string;
  config?: TorchConfig;
  modules?: GoldenModule[];
  state_dict: Record<string, Nested>;
  inputs: GoldenInputs;
  /** `{out, h_n, c_n?}`, or for pipelines `{module name: {out, h_n}}`. */
  outputs: Record<string, Nested | Record<string, Nested>>;
  shapes: Record<string, number[]>;
  layout?: string;
}

export interface GoldenIndex {
  torch_version: string;
  seed: number;
  cases: string[];
}

export interface GoldenCase {
  raw: GoldenFile;
  name: string;
  module: string;
  options: RecurrentOptions | undefined;
  stateDict: Map<string, Tensor>;
  x: Tensor;
  forwardOptions: ForwardOptions;
  expected: { out: Tensor | undefined; hN: Tensor | undefined; cN: Tensor | undefined };
}

/** The case names, in INDEX.json's order. */
export function goldenIndex(dir: string = GOLDEN_DIR): GoldenIndex {
  return JSON.parse(readFileSync(join(dir, 'INDEX.json'), 'utf8')) as GoldenIndex;
}

const OPTION_NAMES: Record<string, keyof RecurrentOptions> = {
  input_size: 'inputSize',
  hidden_size: 'hiddenSize',
  num_layers: 'numLayers',
  nonlinearity: 'nonlinearity',
  bias: 'bias',
  batch_first: 'batchFirst',
  dropout: 'dropout',
  bidirectional: 'bidirectional',
  proj_size: 'projSize',
};

/** PyTorch's constructor arguments (snake_case) to the library's options (camelCase). */
export function toOptions(config: TorchConfig): RecurrentOptions {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const name = OPTION_NAMES[key];
    if (name === undefined) throw new Error(`golden config: unknown PyTorch argument "${key}"`);
    options[name] = value;
  }
  return options as unknown as RecurrentOptions;
}

/** A state_dict of nested lists to a Map of Tensors, keeping PyTorch's key order. */
export function stateDictFromNested(stateDict: Record<string, Nested>): Map<string, Tensor> {
  return new Map(Object.entries(stateDict).map(([k, v]) => [k, tensorFromNested(v, k)]));
}

/** Shape of a nested list (from the first element at each depth). */
export function nestedShape(v: unknown): number[] {
  const shape: number[] = [];
  while (Array.isArray(v)) {
    shape.push(v.length);
    v = v[0];
  }
  return shape;
}

/**
 * Loads test/fixtures/golden/NAME.json: the raw case, the library options, the state_dict as
 * Tensors, the inputs as Tensors plus forward options ({h0, c0, lengths, enforceSorted}), and the
 * expected outputs as Tensors.
 */
export function loadGolden(name: string): GoldenCase {
  const raw = JSON.parse(readFileSync(join(GOLDEN_DIR, `${name}.json`), 'utf8')) as GoldenFile;
  const tensor = (v: unknown, what: string): Tensor | undefined => (v === undefined ? undefined : tensorFromNested(v, `${name}.${what}`));
  const inputs = raw.inputs ?? {};
  const outputs = (raw.outputs ?? {}) as Record<string, unknown>;
  return {
    raw,
    name: raw.name,
    module: raw.module,
    options: raw.config ? toOptions(raw.config) : undefined,
    stateDict: stateDictFromNested(raw.state_dict),
    x: tensorFromNested(inputs.x, `${name}.x`),
    forwardOptions: present({
      h0: tensor(inputs.h_0, 'h_0'),
      c0: tensor(inputs.c_0, 'c_0'),
      lengths: inputs.lengths,
      enforceSorted: inputs.enforce_sorted,
    }),
    expected: { out: tensor(outputs['out'], 'out'), hN: tensor(outputs['h_n'], 'h_n'), cN: tensor(outputs['c_n'], 'c_n') },
  };
}

/** What the comparisons take: a Tensor (this build's or dist's), a typed array, a nested list or a number. */
export type Comparable = Tensor | { readonly data: Float32Array; readonly shape: readonly number[] } | ArrayLike<number> | Nested;

function isTensorLike(a: unknown): a is { readonly data: Float32Array; readonly shape: readonly number[] } {
  return a instanceof Tensor || (typeof a === 'object' && a !== null && 'data' in a && ArrayBuffer.isView(a.data) && 'shape' in a && Array.isArray(a.shape));
}

function valuesOf(a: Comparable): ArrayLike<number> {
  if (isTensorLike(a)) return a.data;
  if (ArrayBuffer.isView(a)) return a as ArrayLike<number>;
  const flat: number[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const e of v) walk(e);
    else flat.push(v as number);
  };
  walk(a);
  return flat;
}

function shapeOf(a: Comparable): number[] {
  if (isTensorLike(a)) return [...a.shape];
  if (ArrayBuffer.isView(a)) return [(a as ArrayLike<number>).length];
  return nestedShape(a);
}

/** max |a - b| over two Tensors, typed arrays or nested lists of the same size (throws otherwise). */
export function maxAbsDiff(a: Comparable, b: Comparable): number {
  const x = valuesOf(a);
  const y = valuesOf(b);
  if (x.length !== y.length) throw new Error(`maxAbsDiff: sizes differ, ${x.length} vs ${y.length}`);
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i]! - y[i]!);
    if (Number.isNaN(d)) return NaN;
    if (d > m) m = d;
  }
  return m;
}

/** max |a| (0 for empty input), for relative tolerances. */
export function maxAbs(a: Comparable): number {
  let m = 0;
  const values = valuesOf(a);
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

/** A number as C's printf("%.2e"): `1.49e-07`. */
export function formatExp(v: number): string {
  return v.toExponential(2).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** One llm.c-style line: `rnn_seed_example out: OK maxdiff = 1.49e-07`. */
export function formatDiff(label: string, what: string, diff: number, tolerance: number = GOLDEN_TOLERANCE): string {
  return `${label} ${what}: ${diff <= tolerance ? 'OK' : 'NOT OK'} maxdiff = ${formatExp(diff)}`;
}

/** Max |diff| of every comparison made through assertClose, for a summary: label -> what -> diff. */
export const recordedDiffs = new Map<string, Map<string, number>>();

/**
 * Asserts equal shapes and max |actual - expected| <= tolerance, prints the llm.c line and records
 * the diff. `hint` is appended to the failure message (e.g. how to regenerate a stale fixture).
 */
export function assertClose(
  label: string,
  what: string,
  actual: Comparable | null | undefined,
  expected: Comparable | undefined,
  { tolerance = GOLDEN_TOLERANCE, hint = '' }: { tolerance?: number; hint?: string } = {},
): number {
  assert.ok(actual !== undefined && actual !== null, `${label} ${what}: no value was produced`);
  assert.ok(expected !== undefined, `${label} ${what}: the fixture holds no expected value. ${hint}`);
  assert.deepEqual(shapeOf(actual), shapeOf(expected), `${label} ${what}: shape mismatch. ${hint}`);
  const diff = maxAbsDiff(actual, expected);
  console.log(formatDiff(label, what, diff, tolerance));
  let byWhat = recordedDiffs.get(label);
  if (byWhat === undefined) recordedDiffs.set(label, (byWhat = new Map()));
  byWhat.set(what, Math.max(byWhat.get(what) ?? 0, diff));
  assert.ok(diff <= tolerance, `${formatDiff(label, what, diff, tolerance)} exceeds ${tolerance}. ${hint}`);
  return diff;
}

/** Stacks equal-shaped Tensors along a new first dimension. */
export function stack(tensors: readonly Tensor[]): Tensor {
  const first = tensors[0]!;
  const data = new Float32Array(tensors.length * first.data.length);
  tensors.forEach((t, i) => data.set(t.data, i * first.data.length));
  return new Tensor(data, [tensors.length, ...first.shape]);
}

/** Slice i of a Tensor's first dimension. */
export function slice0(t: Tensor, i: number): Tensor {
  const n = t.data.length / t.shape[0]!;
  return new Tensor(t.data.slice(i * n, (i + 1) * n), t.shape.slice(1));
}

/** Gradient parity: max |diff| within this fraction of max(1, max |PyTorch's tensor|) (test/fixtures/golden-grad/README.md). */
export const GRAD_TOLERANCE = 1e-5;

/**
 * assertClose for a gradient, a loss value or a series of step norms, with the tolerance relative
 * to the expected tensor's size: 1e-5 × max(1, max |expected|). Prints `case grad.weight_ih_l0: OK maxdiff = 1.2e-07`.
 */
export function assertGradClose(label: string, what: string, actual: Comparable | null | undefined, expected: Comparable | undefined, { hint = '' }: { hint?: string } = {}): number {
  const scale = expected === undefined ? 1 : Math.max(1, maxAbs(expected));
  return assertClose(label, what, actual, expected, { tolerance: GRAD_TOLERANCE * scale, hint });
}

/** One case of test/fixtures/golden-grad/ (its README gives the format). */
export interface GradGoldenCase {
  name: string;
  module: string;
  config: TorchConfig;
  state_dict: Record<string, Nested>;
  inputs: { x: Nested; h_0?: Nested; c_0?: Nested; lengths?: number[]; enforce_sorted?: boolean };
  outputs: { out: Nested; h_n: Nested; c_n?: Nested };
  loss: { kind: LossKind; value: number };
  target?: Nested;
  grads: Record<string, Nested>;
  step_grad_norms: { layer: number; direction: string; steps: { t: number; dh_norm: number; dc_norm?: number }[] }[];
}

/** A gradient case's state_dict as Tensors. */
export function gradStateDict(c: GradGoldenCase): Map<string, Tensor> {
  return stateDictFromNested(c.state_dict);
}

/** A gradient case's backward options: its states, lengths, loss and target, as the library takes them. */
export function gradBackwardOptions(c: GradGoldenCase) {
  const tensor = (v: Nested | undefined, what: string): Tensor | undefined => (v === undefined ? undefined : tensorFromNested(v, `${c.name}.${what}`));
  return {
    h0: tensor(c.inputs.h_0, 'h_0'),
    c0: tensor(c.inputs.c_0, 'c_0'),
    lengths: c.inputs.lengths,
    enforceSorted: c.inputs.enforce_sorted,
    loss: c.loss.kind,
    target: tensor(c.target, 'target'),
  };
}

/** test/fixtures/golden-grad/INDEX.json: the generator's seed and the cases' names. */
export function gradGoldenIndex(): { seed: number; cases: string[] } {
  return JSON.parse(readFileSync(join(GRAD_GOLDEN_DIR, 'INDEX.json'), 'utf8')) as { seed: number; cases: string[] };
}

/** Every case of test/fixtures/golden-grad/, in INDEX.json's order. */
export function gradGoldenCases(index = gradGoldenIndex()): GradGoldenCase[] {
  return index.cases.map((name) => JSON.parse(readFileSync(join(GRAD_GOLDEN_DIR, `${name}.json`), 'utf8')) as GradGoldenCase);
}
