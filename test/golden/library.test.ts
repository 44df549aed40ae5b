/**
 * Parity with real PyTorch. The numbers come from test/fixtures/golden/*.json, written by
 * scripts/fixtures/make_golden.py with PyTorch 1.13.1 (Debian's python3-torch) in eval mode,
 * float32, seed 1000 (INDEX.json); see test/fixtures/golden/README.md. Every named tensor's max |diff| is printed and asserted
 * <= 1e-5, for the automatic path (forward), the manual path (forwardManual), the cells stepped by
 * hand, and the independent mathjs reference (src/reference/mathjs-forward.ts).
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, Tensor, type ForwardResult, type Nested, type Recurrent } from '../../src/index.js';
import { referenceForward, type ReferenceConfig } from '../../src/reference/mathjs-forward.js';
import { item, present } from '../helpers/checked.js';
import {
  GOLDEN_DIR,
  REGENERATE_HINT,
  assertClose,
  formatExp,
  goldenIndex,
  loadGolden,
  nestedShape,
  recordedDiffs,
  slice0,
  stack,
  type GoldenCase,
  type GoldenFile,
  type TorchConfig,
} from '../helpers/golden.js';

const STACKED = { RNN, LSTM, GRU };
const CELLS = { RNNCell, LSTMCell, GRUCell };
type StackedName = keyof typeof STACKED;
type CellName = keyof typeof CELLS;
const isStacked = (c: GoldenCase): c is GoldenCase & { module: StackedName } => c.module in STACKED;
const isCell = (c: GoldenCase): c is GoldenCase & { module: CellName } => c.module in CELLS;

const index = goldenIndex();
const cases = index.cases.map(loadGolden);
const stacked = cases.filter(isStacked);
const cells = cases.filter(isCell);

describe('golden fixtures', () => {
  test('INDEX.json lists exactly the fixture files, and names seed 1000', () => {
    const files = readdirSync(GOLDEN_DIR)
      .filter((f) => f.endsWith('.json') && f !== 'INDEX.json')
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
    assert.deepEqual([...index.cases].sort(), files, `INDEX.json and the files disagree. ${REGENERATE_HINT}`);
    assert.equal(index.seed, 1000);
  });

  test('every case is internally consistent (name, shapes of every tensor)', () => {
    for (const c of cases) {
      const { raw } = c;
      assert.equal(raw.name, c.name);
      assert.ok(raw.state_dict && Object.keys(raw.state_dict).length > 0, `${c.name}: empty state_dict. ${REGENERATE_HINT}`);
      const tensors: Record<string, unknown> = { ...raw.inputs, ...flattenOutputs(raw.outputs) };
      for (const [key, shape] of Object.entries(raw.shapes)) {
        assert.ok(key in tensors, `${c.name}: shapes names "${key}", which the case does not hold. ${REGENERATE_HINT}`);
        assert.deepEqual(nestedShape(tensors[key]), shape, `${c.name}: ${key} does not have its recorded shape. ${REGENERATE_HINT}`);
      }
    }
  });

  test('the suite covers every stacked kind, the cells and packed cases', () => {
    assert.deepEqual(new Set(stacked.map((c) => c.module)), new Set(['RNN', 'LSTM', 'GRU']));
    assert.deepEqual(new Set(cells.map((c) => c.module)), new Set(['RNNCell', 'LSTMCell', 'GRUCell']));
    assert.ok(stacked.filter((c) => c.name.includes('_packed')).length >= 4);
  });
});

/** Pipeline outputs are keyed by module: `{rnn1: {out, h_n}}` -> `{'rnn1.out': ...}`. */
function flattenOutputs(outputs: GoldenFile['outputs']): Record<string, Nested> {
  const flat: Record<string, Nested> = {};
  for (const [k, v] of Object.entries(outputs)) {
    if (Array.isArray(v)) flat[k] = v;
    else for (const [k2, v2] of Object.entries(v)) flat[`${k}.${k2}`] = v2;
  }
  return flat;
}

/** The stacked case's options (every stacked case has a config). */
function optionsOf(c: GoldenCase) {
  assert.ok(c.options, `${c.name}: the case has no config. ${REGENERATE_HINT}`);
  return c.options;
}

/** The reference's config: the case's PyTorch arguments and its kind. */
function referenceConfig(c: GoldenCase & { module: StackedName }, config: TorchConfig | undefined): ReferenceConfig {
  assert.ok(config, `${c.name}: the case has no config. ${REGENERATE_HINT}`);
  return { type: c.module.toLowerCase() as ReferenceConfig['type'], ...config };
}

function buildStacked(c: GoldenCase & { module: StackedName }): Recurrent {
  const module = new STACKED[c.module](optionsOf(c));
  try {
    module.loadStateDict(c.stateDict);
  } catch (e) {
    assert.fail(`${c.name}: the library refuses the fixture's state_dict (${(e as Error).message}). ${REGENERATE_HINT}`);
  }
  return module.eval();
}

function checkResult(c: GoldenCase, path: string, result: ForwardResult) {
  const label = `${c.name} ${path}`;
  const opts = { hint: REGENERATE_HINT };
  assertClose(label, 'out', result.out, c.expected.out, opts);
  assertClose(label, 'h_n', result.hN, c.expected.hN, opts);
  if (c.module === 'LSTM') assertClose(label, 'c_n', result.cN, c.expected.cN, opts);
  else assert.equal(result.cN, null, `${label}: ${c.module} has no cell state`);
}

for (const c of stacked) {
  describe(`golden ${c.name} (${c.module} ${JSON.stringify(c.raw.config)})`, () => {
    test('forward (automatic path) matches PyTorch', () => {
      checkResult(c, 'forward', buildStacked(c).forward(c.x, c.forwardOptions));
    });

    test('forwardManual (manual path) matches PyTorch', () => {
      checkResult(c, 'forwardManual', buildStacked(c).forwardManual(c.x, c.forwardOptions));
    });

    test('the mathjs reference matches PyTorch', () => {
      const r = referenceForward(referenceConfig(c, c.raw.config), c.raw.state_dict, c.raw.inputs);
      const label = `${c.name} reference`;
      const want = c.raw.outputs as Record<string, Nested>;
      assertClose(label, 'out', r.out, want['out'], { hint: REGENERATE_HINT });
      assertClose(label, 'h_n', r.h_n, want['h_n'], { hint: REGENERATE_HINT });
      if (c.module === 'LSTM') assertClose(label, 'c_n', r.c_n, want['c_n'], { hint: REGENERATE_HINT });
      else assert.equal(r.c_n, null);
    });
  });
}

test('the mathjs reference takes Tensors and a Map as well as nested lists, with the same result', () => {
  const c = stacked.find((k) => k.module === 'LSTM' && k.forwardOptions.h0);
  assert.ok(c, `the golden set has an LSTM case with h_0. ${REGENERATE_HINT}`);
  const config = referenceConfig(c, c.raw.config);
  const fromNested = referenceForward(config, c.raw.state_dict, c.raw.inputs);
  const fromTensors = referenceForward(config, c.stateDict, { x: c.x, ...present({ h_0: c.forwardOptions.h0, c_0: c.forwardOptions.c0 }) });
  assert.deepEqual(fromTensors, fromNested);
});

/** Steps a library cell over x's first dimension, as the golden generator stepped PyTorch's cell. */
function runCellLoop(c: GoldenCase & { module: CellName }) {
  const options = optionsOf(c);
  let h = c.forwardOptions.h0;
  let cState = c.forwardOptions.c0;
  const hs: Tensor[] = [];
  if (c.module === 'LSTMCell') {
    const cell = new LSTMCell(options).loadStateDict(c.stateDict);
    for (let t = 0; t < c.x.shape[0]!; t++) {
      [h, cState] = cell.forward(slice0(c.x, t), h && cState ? [h, cState] : undefined);
      hs.push(h);
    }
  } else {
    const cell = new CELLS[c.module](options).loadStateDict(c.stateDict);
    for (let t = 0; t < c.x.shape[0]!; t++) {
      h = cell.forward(slice0(c.x, t), h);
      hs.push(h);
    }
  }
  return { out: stack(hs), hN: h, cN: cState };
}

for (const c of cells) {
  test(`golden ${c.name} (${c.module} ${JSON.stringify(c.raw.config)}): a cell stepped in a loop matches PyTorch`, () => {
    const r = runCellLoop(c);
    const opts = { hint: REGENERATE_HINT };
    assert.ok(item(c.x.shape, 0, 'x shape') > 1, 'a loop of more than one step');
    assertClose(`${c.name} cell loop`, 'out', r.out, c.expected.out, opts);
    assertClose(`${c.name} cell loop`, 'h_n', r.hN, c.expected.hN, opts);
    if (c.module === 'LSTMCell') assertClose(`${c.name} cell loop`, 'c_n', r.cN, c.expected.cN, opts);
  });
}

test('a result off by 1e-3 is caught (the comparison can fail)', () => {
  const c = item(stacked, 0, 'stacked golden cases');
  const r = buildStacked(c).forward(c.x, c.forwardOptions);
  const wrong = new Tensor(r.out.data.map((v) => v + 1e-3), r.out.shape);
  assert.throws(() => assertClose('negative control', 'out', wrong, c.expected.out), /NOT OK/);
});

after(() => {
  const rows = [...recordedDiffs]
    .filter(([label]) => !label.startsWith('negative'))
    .map(([label, m]) => `| ${label} | ${['out', 'h_n', 'c_n'].map((k) => (m.has(k) ? formatExp(m.get(k)!) : '')).join(' | ')} |`);
  console.log(`max |diff| per golden case and path (tolerance 1e-5):\n| case path | out | h_n | c_n |\n| --- | --- | --- | --- |\n${rows.join('\n')}`);
});
