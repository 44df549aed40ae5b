// Parity with real PyTorch through the CLI: every stacked-module golden case in
// test/fixtures/golden (written by scripts/fixtures/make_golden.py with PyTorch 1.13.1, see its
// README) run as a user would:
//   rnn-inspect --weights sd.json --input x.json --h0 h0.json --format json --include-tensors
// and the same inputs through `rnn-inspect compare` (automatic = manual).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { runCli, runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';
import { maxAbsDiff, shapeOf } from '../helpers/nested.js';
import { REGENERATE_HINT, type GoldenFile, type TorchConfig } from '../helpers/golden.js';


/** What `--format json --include-tensors` prints that these tests read. */
interface RunReport {
  tensors: Record<string, unknown[]>;
  shapes: Record<string, number[]>;
  notes: string[];
}

interface CompareReport {
  ok: boolean;
  results: { name: string; tensor: string }[];
}

type StackedFile = GoldenFile & { config: TorchConfig };

const DIR = new URL('../fixtures/golden/', import.meta.url);
const TOLERANCE = 1e-5;
const allCases = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && f !== 'INDEX.json')
  .map((f) => JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as GoldenFile);
/** A stacked or cell case, which always has a config. */
function withConfig(g: GoldenFile): StackedFile {
  if (g.config === undefined) throw new Error(`${g.name}: the case has no config. ${REGENERATE_HINT}`);
  return g as StackedFile;
}
const cases = allCases.filter((g) => ['RNN', 'LSTM', 'GRU'].includes(g.module)).map(withConfig);

/** The flags that weights cannot tell: the kind, the nonlinearity, batch_first, lengths. */
function argsFor(g: StackedFile, dir: string): string[] {
  const c = g.config;
  const args = ['--weights', writeJson(dir, 'sd.json', g.state_dict), '--input', writeJson(dir, 'x.json', g.inputs.x)];
  args.push('--type', g.module.toLowerCase());
  if (g.inputs.h_0) args.push('--h0', writeJson(dir, 'h0.json', g.inputs.h_0));
  if (g.inputs.c_0) args.push('--c0', writeJson(dir, 'c0.json', g.inputs.c_0));
  if (c.nonlinearity) args.push('--nonlinearity', c.nonlinearity);
  if (c.batch_first) args.push('--batch-first');
  if (c.dropout) args.push('--dropout', String(c.dropout));
  if (g.inputs.lengths) args.push('--lengths', g.inputs.lengths.join(','));
  if (g.inputs.enforce_sorted) args.push('--enforce-sorted');
  return args;
}

test('the golden set holds the stacked-module cases the issue names', () => {
  const names = cases.map((g) => g.name);
  for (const want of ['rnn_seed_example', 'rnn_default_zero_h0', 'rnn_relu_nobias', 'rnn_bidirectional', 'rnn_unbatched', 'rnn_dropout_eval', 'rnn_tiny']) {
    assert.ok(names.includes(want), `missing golden case ${want}`);
  }
});

for (const g of cases) {
  test(`CLI matches PyTorch on ${g.name}`, () => {
    const dir = tempDir();
    const doc = runJson([...argsFor(g, dir), '--format', 'json', '--include-tensors', '--trace', 'none']) as RunReport;
    for (const name of ['out', 'h_n', 'c_n']) {
      const want = g.outputs[name];
      if (want === undefined) {
        assert.equal(doc.tensors[name], undefined, `${name} should be absent`);
        continue;
      }
      assert.deepEqual(doc.shapes[name], shapeOf(want), `${g.name} ${name} shape`);
      const diff = maxAbsDiff(doc.tensors[name], want);
      console.log(`${g.name} ${name}: ${diff <= TOLERANCE ? 'OK' : 'MISMATCH'} maxdiff = ${diff.toExponential(2)}`);
      assert.ok(diff <= TOLERANCE, `${g.name} ${name}: max |diff| ${diff} > ${TOLERANCE}. ${REGENERATE_HINT}`);
    }
    assert.deepEqual(doc.shapes.x, g.shapes.x);
  });

  test(`compare reports automatic = manual on ${g.name}`, () => {
    const dir = tempDir();
    const r = runCli(['compare', ...argsFor(g, dir), '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as CompareReport;
    assert.equal(doc.ok, true);
    const names = doc.results.map((x) => x.name);
    assert.ok(names.includes('out') && names.includes('h_n'));
    const layers = (g.config.num_layers ?? 1) * (g.config.bidirectional ? 2 : 1);
    assert.equal(doc.results.filter((x) => x.tensor === 'h').length, layers, 'one row per layer and direction');
  });
}

// Cell cases: PyTorch stepped nn.RNNCell / LSTMCell / GRUCell in a loop. Their state_dict
// (weight_ih, weight_hh, ...) runs through the CLI as a one-layer module, which steps the same cell;
// the cell's h_0 (batch, hidden) is the layer's (1, batch, hidden), and so is h_n.
const cellCases = allCases.filter((g) => ['RNNCell', 'LSTMCell', 'GRUCell'].includes(g.module)).map(withConfig);

test('the golden set holds the four cell cases', () => {
  assert.equal(cellCases.length, 4);
});

for (const g of cellCases) {
  test(`CLI runs the ${g.module} weights of ${g.name} as the cell loop PyTorch ran`, () => {
    const dir = tempDir();
    const args = ['--type', g.module.replace('Cell', '').toLowerCase(), '--weights', writeJson(dir, 'sd.json', g.state_dict), '--input', writeJson(dir, 'x.json', g.inputs.x)];
    if (g.config.nonlinearity) args.push('--nonlinearity', g.config.nonlinearity);
    if (g.inputs.h_0) args.push('--h0', writeJson(dir, 'h0.json', g.inputs.h_0));
    if (g.inputs.c_0) args.push('--c0', writeJson(dir, 'c0.json', g.inputs.c_0));
    const doc = runJson([...args, '--format', 'json', '--include-tensors', '--trace', 'none']) as RunReport;
    assert.match(doc.notes[0] ?? '', /holds a cell's weights/);
    assert.deepEqual(doc.shapes.out, g.shapes.out);
    assert.deepEqual(doc.shapes.h_n, [1, ...g.shapes.h_n]);
    for (const name of ['out', 'h_n', 'c_n']) {
      if (!g.outputs[name]) continue;
      const got = name === 'out' ? doc.tensors[name] : doc.tensors[name]?.[0];
      const diff = maxAbsDiff(got, g.outputs[name]);
      console.log(`${g.name} ${name}: ${diff <= TOLERANCE ? 'OK' : 'MISMATCH'} maxdiff = ${diff.toExponential(2)}`);
      assert.ok(diff <= TOLERANCE, `${g.name} ${name}: max |diff| ${diff} > ${TOLERANCE}. ${REGENERATE_HINT}`);
    }
  });
}
