// Spawns the built CLI the way a user runs it, and helpers shared by the end-to-end tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/rnn-inspect.js', import.meta.url));

/** Runs `rnn-inspect ...args`; ANSI colour is off (NO_COLOR) unless `env` says otherwise. */
export function runCli(args, { input, env } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI and parses its JSON output, failing loudly with stderr when it did not succeed. */
export function runJson(args, opts) {
  const r = runCli(args, opts);
  if (r.code !== 0) throw new Error(`rnn-inspect ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'rnn-inspect-test-'));
}

/** Writes `value` as JSON into dir/name and returns the path. */
export function writeJson(dir, name, value) {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

export function flatten(nested) {
  return Array.isArray(nested) ? nested.flatMap(flatten) : [nested];
}

export function shapeOf(nested) {
  const shape = [];
  for (let v = nested; Array.isArray(v); v = v[0]) shape.push(v.length);
  return shape;
}

export function maxAbsDiff(a, b) {
  const fa = flatten(a);
  const fb = flatten(b);
  if (fa.length !== fb.length) return Infinity;
  let m = 0;
  for (let i = 0; i < fa.length; i++) m = Math.max(m, Math.abs(fa[i] - fb[i]));
  return m;
}

/** Strips ANSI escape sequences. */
export function plain(text) {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** Bad input: the exit code (2 unless said), exactly one `error:` line matching `pattern`, no stack trace. */
export function assertUserError(args, pattern, { code = 2, input } = {}) {
  const r = runCli(args, { input });
  assert.equal(r.code, code, `exit code for ${args.join(' ')}: stderr ${r.stderr}`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `exactly one stderr line, got:\n${r.stderr}`);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}
