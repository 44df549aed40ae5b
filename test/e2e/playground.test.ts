/**
 * `rnn-inspect playground FILE` from the outside: one self-contained file and a line saying its
 * size; a bad path is one error line, exit 2 and no file. The page itself is tested in a browser
 * (test/browser/playground.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertUserError, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

test('playground FILE writes one self-contained page and says how large it is', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'playground.html');
  const r = runCli(['playground', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(readdirSync(dir), ['playground.html'], 'one file, no temporary left behind');
  const m = /^wrote (.+) \((\d+\.\d) KiB\): open it in a browser; it needs no network\n$/.exec(r.stdout);
  assert.ok(m, `the size line: ${r.stdout}`);
  assert.equal(m[1], file);
  assert.equal(Number(m[2]), Number((statSync(file).size / 1024).toFixed(1)));
  const page = readFileSync(file, 'utf8');
  assert.match(page, /^<!DOCTYPE html>/);
  assert.match(page, /Content-Security-Policy" content="default-src 'none'/, 'the page forbids every request');
  assert.doesNotMatch(page, /\b(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i, 'no external script, style or link');
  // The engine is inline, whole: one script element holds it and nothing ends it early.
  const engine = readFileSync(new URL('../../dist/playground.js', import.meta.url), 'utf8');
  assert.ok(page.includes(engine.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--')), 'the bundled engine is in the page');
  assert.equal(page.match(/<\/script/gi)?.length, 4, 'four script elements end: the data, the view, the report script and the engine');
});

test('playground refuses a bad path cleanly: exit 2, one error line, no file', (t) => {
  const dir = tempDir(t);
  assertUserError(['playground'], /missing required argument 'file'/);
  assertUserError(['playground', ''], /playground: expected a file name, got an empty one/);
  const missing = join(dir, 'no-such-dir', 'p.html');
  assertUserError(['playground', missing], /no-such-dir/);
  assert.equal(existsSync(missing), false);
  const sub = join(dir, 'a-directory');
  mkdirSync(sub);
  assertUserError(['playground', sub], /a-directory/);
  assert.deepEqual(readdirSync(dir), ['a-directory'], 'nothing written');
});

test('playground will not write over one of its own outputs: FILE and -o the same file is an error', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'same.html');
  assertUserError(['-o', file, 'playground', file], /same\.html/);
  assert.equal(existsSync(file), false);
});

test('playground --format json says what it wrote', (t) => {
  const file = join(tempDir(t), 'p.html');
  const r = runCli(['playground', file, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { command: string; version: string; file: string; bytes: number };
  assert.deepEqual(doc, { command: 'playground', version: JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version, file, bytes: statSync(file).size });
});
