/**
 * run --html FILE from the outside: the page is written beside the usual output, which it does not
 * change; it keeps the hidden states whatever --trace says when the run can afford them; a bad
 * path is one error line and no file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveConfig } from '../../src/modules/layer/config.js';
import { kindOf } from '../../src/modules/kinds/index.js';
import { estimateForward } from '../../src/modules/memory.js';
import type { RunReport } from '../../src/schema/run.js';

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
