/**
 * Shared test helpers: golden cases from real PyTorch and max-|diff| comparison.
 *
 * The golden cases in test/fixtures/golden/ were computed by PyTorch 1.13.1 (Debian's python3-torch)
 * in eval mode, float32, with generator seed 1000 (INDEX.json); see test/fixtures/golden/README.md.
 * Comparisons print one line per named tensor, as llm.c's test_gpt2 does:
 *   rnn_seed_example out: OK maxdiff = 1.49e-07
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor, tensorFromNested } from '../../dist/index.js';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'golden');

/** PyTorch parity tolerance for float32 (max abs diff). */
export const GOLDEN_TOLERANCE = 1e-5;

export const REGENERATE_HINT =
  'If PyTorch really computes something else now, the fixture is stale: the files in test/fixtures/golden/ are copies ' +
  'of the shared golden set, written by its deterministic golden generator (PyTorch 1.13.1, eval mode, float32, seed 1000). ' +
  'Regenerate the case with that generator and copy its JSON (and INDEX.json) into test/fixtures/golden/.';

/** The case names, in INDEX.json's order. */
export function goldenIndex() {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, 'INDEX.json'), 'utf8'));
}

/** PyTorch's constructor arguments (snake_case) to the library's options (camelCase). */
export function toOptions(config) {
  const names = {
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
  const options = {};
  for (const [key, value] of Object.entries(config)) {
    const name = names[key];
    if (name === undefined) throw new Error(`golden config: unknown PyTorch argument "${key}"`);
    options[name] = value;
  }
  return options;
}

/** A state_dict of nested lists to a Map of Tensors, keeping PyTorch's key order. */
export function stateDictFromNested(stateDict) {
  return new Map(Object.entries(stateDict).map(([k, v]) => [k, tensorFromNested(v, k)]));
}

/** Shape of a nested list (from the first element at each depth). */
export function nestedShape(v) {
  const shape = [];
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
export function loadGolden(name) {
  const raw = JSON.parse(readFileSync(join(GOLDEN_DIR, `${name}.json`), 'utf8'));
  const tensor = (v, what) => (v === undefined ? undefined : tensorFromNested(v, `${name}.${what}`));
  const inputs = raw.inputs ?? {};
  const outputs = raw.outputs ?? {};
  return {
    raw,
    name: raw.name,
    module: raw.module,
    options: raw.config ? toOptions(raw.config) : undefined,
    stateDict: stateDictFromNested(raw.state_dict),
    x: tensor(inputs.x, 'x'),
    forwardOptions: {
      h0: tensor(inputs.h_0, 'h_0'),
      c0: tensor(inputs.c_0, 'c_0'),
      lengths: inputs.lengths,
      enforceSorted: inputs.enforce_sorted,
    },
    expected: { out: tensor(outputs.out, 'out'), hN: tensor(outputs.h_n, 'h_n'), cN: tensor(outputs.c_n, 'c_n') },
  };
}

function valuesOf(a) {
  if (a instanceof Tensor) return a.data;
  if (ArrayBuffer.isView(a)) return a;
  return Array.isArray(a) ? a.flat(Infinity) : [a];
}

function shapeOf(a) {
  if (a instanceof Tensor) return [...a.shape];
  if (ArrayBuffer.isView(a)) return [a.length];
  return nestedShape(a);
}

/** max |a - b| over two Tensors, typed arrays or nested lists of the same size (throws otherwise). */
export function maxAbsDiff(a, b) {
  const x = valuesOf(a);
  const y = valuesOf(b);
  if (x.length !== y.length) throw new Error(`maxAbsDiff: sizes differ, ${x.length} vs ${y.length}`);
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    if (Number.isNaN(d)) return NaN;
    if (d > m) m = d;
  }
  return m;
}

/** max |a| (0 for empty input), for relative tolerances. */
export function maxAbs(a) {
  let m = 0;
  for (const v of valuesOf(a)) m = Math.max(m, Math.abs(v));
  return m;
}

/** A number as C's printf("%.2e"): `1.49e-07`. */
export function formatExp(v) {
  return v.toExponential(2).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** One llm.c-style line: `rnn_seed_example out: OK maxdiff = 1.49e-07`. */
export function formatDiff(label, what, diff, tolerance = GOLDEN_TOLERANCE) {
  return `${label} ${what}: ${diff <= tolerance ? 'OK' : 'NOT OK'} maxdiff = ${formatExp(diff)}`;
}

/** Max |diff| of every comparison made through assertClose, for a summary: label -> what -> diff. */
export const recordedDiffs = new Map();

/**
 * Asserts equal shapes and max |actual - expected| <= tolerance, prints the llm.c line and records
 * the diff. `hint` is appended to the failure message (e.g. how to regenerate a stale fixture).
 */
export function assertClose(label, what, actual, expected, { tolerance = GOLDEN_TOLERANCE, hint = '' } = {}) {
  assert.ok(actual !== undefined && actual !== null, `${label} ${what}: no value was produced`);
  assert.deepEqual(shapeOf(actual), shapeOf(expected), `${label} ${what}: shape mismatch. ${hint}`);
  const diff = maxAbsDiff(actual, expected);
  console.log(formatDiff(label, what, diff, tolerance));
  if (!recordedDiffs.has(label)) recordedDiffs.set(label, new Map());
  const prev = recordedDiffs.get(label).get(what) ?? 0;
  recordedDiffs.get(label).set(what, Math.max(prev, diff));
  assert.ok(diff <= tolerance, `${formatDiff(label, what, diff, tolerance)} exceeds ${tolerance}. ${hint}`);
  return diff;
}

/** Stacks equal-shaped Tensors along a new first dimension. */
export function stack(tensors) {
  const [first] = tensors;
  const data = new Float32Array(tensors.length * first.data.length);
  tensors.forEach((t, i) => data.set(t.data, i * first.data.length));
  return new Tensor(data, [tensors.length, ...first.shape]);
}

/** Slice i of a Tensor's first dimension. */
export function slice0(t, i) {
  const n = t.data.length / t.shape[0];
  return new Tensor(t.data.slice(i * n, (i + 1) * n), t.shape.slice(1));
}
