/**
 * run --html FILE from the outside: the page is written beside the usual output, which it does not
 * change; it keeps the hidden states whatever --trace says when the run can afford them; a bad
 * path is one error line and no file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../../src/modules/layer/config.js';
import { kindOf } from '../../src/modules/kinds/index.js';
import { estimateForward, formatBytes } from '../../src/modules/memory.js';
import type { RunReport } from '../../src/schema/run.js';
import { escapeHtml } from '../../src/html/escape.js';

const BIN = fileURLToPath(new URL('../../bin/rnn-inspect.js', import.meta.url));

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The run document the page embeds. */
function embedded(file: string): RunReport {
  const m = /<script type="application\/json" id="rnn-inspect-data">(.*?)<\/script>/s.exec(readFileSync(file, 'utf8'));
  assert.ok(m, 'the page embeds the run document');
  return JSON.parse(m[1]!) as RunReport;
}

const SEED = ['--layers', '4', '--hidden', '20', '--batch-first'];

test('--html writes the page and leaves the JSON output as it was; stderr stays empty off a terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-html-'));
  const file = join(dir, 'report.html');
  const plain = cli([...SEED, '--format', 'json']);
  const withHtml = cli([...SEED, '--format', 'json', '--html', file]);
  assert.equal(withHtml.code, 0, withHtml.stderr);
  assert.equal(withHtml.stderr, '');
  assert.equal(withHtml.stdout, plain.stdout);
  const doc = embedded(file);
  // --trace summary on stdout; the page kept every h_t (what --trace full prints).
  const full = JSON.parse(cli([...SEED, '--format', 'json', '--trace', 'full']).stdout) as RunReport;
  assert.deepEqual(doc, full);
  assert.equal(doc.layers[3]!.steps[9]!.h!.length, 3);
  assert.equal((JSON.parse(plain.stdout) as RunReport).layers[3]!.steps[9]!.h, undefined);
  assert.deepEqual(readdirSync(dir), ['report.html'], 'no temporary file left behind');
});

test('--html with the table output and --trace none: the page still has every cell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-html-'));
  const file = join(dir, 'r.html');
  const table = cli([...SEED, '--trace', 'none', '--html', file]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /Shapes/);
  const doc = embedded(file);
  assert.equal(doc.layers.length, 4);
  assert.ok(doc.layers.every((l) => l.steps.length === 10 && l.steps.every((s) => s.h)));
});

test('--html keeps statistics only when the full trace would pass --max-memory', () => {
  const kind = kindOf('rnn');
  const config = resolveConfig(kind, { inputSize: 100, hiddenSize: 20, numLayers: 4 });
  const without = estimateForward(kind, config, 10, 3, { keepTrace: false, report: 'summary' }).bytes;
  const withTrace = estimateForward(kind, config, 10, 3, { keepTrace: true, report: 'summary' }).bytes;
  assert.ok(without < withTrace);
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-html-'));
  const file = join(dir, 'r.html');
  const r = cli([...SEED, '--max-memory', String(Math.floor((without + withTrace) / 2)), '--html', file]);
  assert.equal(r.code, 0, r.stderr);
  const doc = embedded(file);
  assert.ok(doc.layers.every((l) => l.steps.every((s) => s.h === undefined && Number.isFinite(s.norm))));
  assert.match(readFileSync(file, 'utf8'), /this run kept statistics only/);
});

test('--html to a missing directory or an empty name: one error line, exit 2, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-html-'));
  const file = join(dir, 'no', 'such', 'r.html');
  const r = cli([...SEED, '--html', file]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^error: .*r\.html: expected an existing directory/);
  assert.equal(existsSync(file), false);
  const empty = cli([...SEED, '--html', '']);
  assert.equal(empty.code, 2);
  assert.equal(empty.stderr, 'error: --html: expected a file name, got an empty one\n');
});

/** The page's embedded script `id` (its own document by default). */
function script(file: string, id = 'rnn-inspect-data'): unknown {
  const m = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's').exec(readFileSync(file, 'utf8'));
  assert.ok(m, `the page embeds #${id}`);
  return JSON.parse(m[1]!);
}

test('explain, compare and pipeline --html: the page embeds the document --format json prints; the output is unchanged', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-html-'));
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ modules: [{ name: 'enc', type: 'gru', input_size: 100, hidden_size: 5 }, { name: 'dec', type: 'gru', input_size: 5, hidden_size: 5, h_0_from: 'enc' }] }));
  const cases: [string, string[], string[]][] = [
    ['explain', ['explain', '--type', 'lstm', '--layers', '2', '--step', '3'], []],
    ['explain-zh', ['explain', '--layers', '2', '--lang', 'zh'], []],
    ['compare', ['compare', '--type', 'gru', '--bidirectional', '--lengths', '10,4,7'], []],
    ['pipeline', ['pipeline', '--spec', spec], ['--trace', 'full']],
  ];
  for (const [name, args, full] of cases) {
    const file = join(dir, `${name}.html`);
    const text = cli(args);
    const withHtml = cli([...args, '--html', file]);
    assert.equal(withHtml.code, 0, withHtml.stderr);
    assert.equal(withHtml.stdout, text.stdout, `${name}: the text output does not change`);
    assert.equal(withHtml.stderr, '');
    const json = cli([...args, '--format', 'json', ...full]);
    assert.deepEqual(script(file), JSON.parse(json.stdout), `${name}: the embedded document`);
  }
  const grid = script(join(dir, 'compare.html'), 'rnn-inspect-grid-0') as RunReport;
  assert.equal(grid.layers.length, 2, 'compare: one difference grid per layer and direction');
  assert.ok(grid.layers.every((l) => l.steps.every((s) => s.h)));
  assert.equal(readdirSync(dir).filter((f) => !f.endsWith('.html') && f !== 'spec.json').length, 0, 'no temporary file left behind');
});

test('explain, compare and pipeline --html to a missing directory: one error line, exit 2, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-html-'));
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ modules: [{ name: 'a', type: 'rnn', input_size: 100, hidden_size: 5 }] }));
  const file = join(dir, 'no', 'r.html');
  for (const args of [['explain'], ['compare'], ['pipeline', '--spec', spec]]) {
    const r = cli([...args, '--html', file]);
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: .*r\.html: expected an existing directory[^\n]*\n$/);
    const empty = cli([...args, '--html', '']);
    assert.equal(empty.stderr, 'error: --html: expected a file name, got an empty one\n');
  }
  const same = join(dir, 'same.html');
  const clash = cli(['compare', '--html', same, '-o', same]);
  assert.equal(clash.code, 2);
  assert.equal(clash.stderr.split('\n').filter(Boolean).length, 1, clash.stderr);
  assert.equal(existsSync(same), false);
});

test('compare --against with --html: the page is written before the exit 1 and names the likely cause', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-html-'));
  const file = join(dir, 'against.html');
  const fixture = fileURLToPath(new URL('../fixtures/against/layers-read-x/', import.meta.url));
  const args = ['compare', '--weights', join(fixture, 'weights.pt'), '--input', join(fixture, 'x.npy'), '--against', join(fixture, 'wrong.npz')];
  const r = cli([...args, '--html', file]);
  assert.equal(r.code, 1, r.stderr);
  const doc = script(file) as { against: { cause: { message: string } | null; tensors: { name: string; ok: boolean }[] } };
  assert.deepEqual(doc, JSON.parse(cli([...args, '--format', 'json']).stdout));
  const html = readFileSync(file, 'utf8');
  for (const t of doc.against.tensors) assert.match(html, new RegExp(`<tr data-against="${t.name}" class="${t.ok ? 'ok' : 'bad'}">`));
  assert.ok(doc.against.cause && html.includes(escapeHtml(doc.against.cause.message)), 'the likely cause is on the page');
});

test('with stderr a terminal, each command says the page it wrote and its size', (t) => {
  if (spawnSync('script', ['--version'], { encoding: 'utf8' }).status !== 0) return t.skip('no script(1) here to give the run a terminal');
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-html-'));
  writeFileSync(join(dir, 'spec.json'), JSON.stringify({ modules: [{ name: 'a', type: 'lstm', input_size: 100, hidden_size: 4 }] }));
  for (const args of [[], ['explain'], ['compare'], ['pipeline', '--spec', 'spec.json']]) {
    const name = `${args[0] ?? 'run'}.html`;
    // stdout goes to a file (-o), so the terminal shows stderr alone.
    const inner = `"$RNN_NODE" "$RNN_BIN" ${args.join(' ')} --html ${name} -o out.txt`;
    const r = spawnSync('script', ['-qec', inner, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', RNN_NODE: process.execPath, RNN_BIN: BIN } });
    const lines = r.stdout.split(/\r?\n|\r/).map((l) => l.replace(/\x1b\[K/g, '')).filter((l) => l.trim() && !/^(forward|automatic|manual): /.test(l));
    assert.deepEqual(lines, [`wrote ${name} (${formatBytes(statSync(join(dir, name)).size)})`], r.stdout);
  }
});
