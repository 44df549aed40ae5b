/**
 * The library as a user's plain Node script sees it: `import { doctor, explain, inspectShapes } from
 * 'rnn-inspect'` (the built package, linked into a project's node_modules), each returning the same
 * document as the CLI's --format json.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/rnn-inspect.js');

function cli(args: string[]): unknown {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return JSON.parse(r.stdout);
}

/** Runs `source` as an ES module in a fresh project whose node_modules holds this package. */
function script(source: string): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-user-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'rnn-inspect'));
  writeFileSync(join(dir, 'main.mjs'), source);
  const r = spawnSync(process.execPath, ['main.mjs'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('inspectShapes: the seed example, as `rnn-inspect --layers 4 --hidden 20 --batch-first --format json`', () => {
  const lib = script(`
    import { inspectShapes } from 'rnn-inspect';
    const doc = inspectShapes({ inputSize: 100, hiddenSize: 20, numLayers: 4, batchFirst: true });
    console.log(JSON.stringify(doc));`) as { shapes: Record<string, number[]> };
  assert.deepEqual(lib.shapes, { x: [3, 10, 100], h_0: [4, 3, 20], out: [3, 10, 20], h_n: [4, 3, 20] });
  assert.deepEqual(lib, cli(['--layers', '4', '--hidden', '20', '--batch-first', '--format', 'json', '--threads', '1']));
});

test('doctor: sizes left out are read from the shapes, as the CLI does', () => {
  const lib = script(`
    import { doctor } from 'rnn-inspect';
    console.log(JSON.stringify(doctor({ hiddenSize: 256, numLayers: 2, batchFirst: true }, { x: [4, 35, 128], h0: [2, 64, 256] })));`) as { ok: boolean };
  assert.equal(lib.ok, false);
  assert.deepEqual(lib, cli(['doctor', '--layers', '2', '--hidden', '256', '--batch-first', '--x-shape', '4,35,128', '--h0-shape', '2,64,256', '--format', 'json']));
});

test('explain: the facts of a run of a module the script built', () => {
  const lib = script(`
    import { LSTM, Tensor, explain } from 'rnn-inspect';
    const lstm = new LSTM({ inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 0 }).eval();
    const x = Tensor.zeros([6, 3, 5]);
    x.data.forEach((_, i) => (x.data[i] = Math.sin(i)));
    const facts = explain(lstm, x, { lengths: [6, 4, 2], step: -1 });
    console.log(JSON.stringify({ type: facts.type, step: facts.step, gates: facts.fusions[0].gates.map((g) => g.name), checks: facts.checks.map((c) => c.kind) }));`) as Record<string, unknown>;
  assert.deepEqual(lib, { type: 'lstm', step: 5, gates: ['i', 'f', 'g', 'o'], checks: ['forward_top', 'reverse_top', 'padded_last'] });
});

test('inspectFile: the same document as `rnn-inspect inspect FILE --format json`', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'rnn-inspect-weights-')), 'gru.json');
  const lib = script(`
    import { GRU, inspectFile, writeTensorsFile } from 'rnn-inspect';
    writeTensorsFile(${JSON.stringify(file)}, new GRU({ inputSize: 3, hiddenSize: 5, numLayers: 2, seed: 1 }).stateDict());
    console.log(JSON.stringify(inspectFile(${JSON.stringify(file)})));`) as { modules: { type: string; num_layers: number }[] };
  assert.deepEqual(lib.modules.map((m) => [m.type, m.num_layers]), [['gru', 2]]);
  assert.deepEqual(lib, cli(['inspect', file, '--format', 'json']));
});

test('a tensor logs as PyTorch prints it', () => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { Tensor } from ${JSON.stringify(join(ROOT, 'dist/index.js'))}; console.log(new Tensor(Float32Array.from([1, 2.5]), [1, 2]));`], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), 'tensor([[1.0000, 2.5000]], shape=(1, 2))');
});

test("renderHtmlReport: the page of inspectShapes' document is the one `--html` writes", () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-html-'));
  const file = join(dir, 'report.html');
  const r = spawnSync(process.execPath, [BIN, '--layers', '4', '--hidden', '20', '--batch-first', '--threads', '1', '--html', file], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const lib = script(`
    import { inspectShapes, renderHtmlReport, htmlReportBytes } from 'rnn-inspect';
    const page = renderHtmlReport(inspectShapes({ inputSize: 100, hiddenSize: 20, numLayers: 4, batchFirst: true }, { trace: 'full' }));
    console.log(JSON.stringify({ page, bytes: htmlReportBytes(page) }));`) as { page: string; bytes: number };
  assert.equal(lib.page, readFileSync(file, 'utf8'));
  assert.equal(lib.bytes, statSync(file).size);
  assert.equal(lib.page.match(/<rect class="cell[ "]/g)?.length, 40);
});
