/**
 * Inputs as shells give them: a FIFO, /dev/stdin and process substitution (`<(...)`) are read as
 * streams, for every file-reading option, with the same size bound (--max-memory); the format of
 * a stream comes from its contents (a stream has no extension). `-` stays standard input.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { errorLines, sh, tempDir } from './process.js';

const SEED = fileURLToPath(new URL('../fixtures/files/seed/', import.meta.url));
const X = [[[1, 2, 3]], [[4, 5, 6]]]; // (seq_len 2, batch 1, input_size 3)

function setup(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'x.json'), JSON.stringify(X));
  return dir;
}

function json(r: { code: number | null; stdout: string; stderr: string }): { shapes: Record<string, number[]> } {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('--input <(cat x.json): read as a stream, JSON told by its contents', () => {
  const dir = setup();
  assert.deepEqual(json(sh('rnn --input <(cat x.json) --format json', dir)).shapes['x'], [2, 1, 3]);
});

test('--input /dev/stdin from a pipe, and - as before', () => {
  const dir = setup();
  assert.deepEqual(json(sh('cat x.json | rnn --input /dev/stdin --format json', dir)).shapes['x'], [2, 1, 3]);
  assert.deepEqual(json(sh('cat x.json | rnn --input - --format json', dir)).shapes['x'], [2, 1, 3]);
});

test('--input FIFO', () => {
  const dir = setup();
  execFileSync('mkfifo', [join(dir, 'x.fifo')]);
  assert.deepEqual(json(sh('cat x.json > x.fifo & rnn --input x.fifo --format json', dir)).shapes['x'], [2, 1, 3]);
});

test('binary formats from a stream: --weights <(cat weights.npz), --h0 <(cat h_0.npy), inspect <(cat weights.safetensors)', () => {
  const doc = json(sh(`rnn --weights <(cat '${SEED}weights.npz') --input <(cat '${SEED}x.npy') --h0 <(cat '${SEED}h_0.npy') --batch-first --format json`));
  assert.deepEqual(doc.shapes['h_0'], [4, 3, 20]);
  const inspected = sh(`rnn inspect <(cat '${SEED}weights.safetensors') --format json`);
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.equal(JSON.parse(inspected.stdout).format, 'safetensors');
});

test('a stream larger than --max-memory is refused with one line; an empty one too', () => {
  for (const [script, pattern] of [
    ['rnn --input <(head -c 5000 /dev/zero) --max-memory 1000', /^error: \/dev\/fd\/\d+: expected at most 1000 bytes, got more$/],
    ['head -c 5000 /dev/zero | rnn --input /dev/stdin --max-memory 1000', /^error: \/dev\/stdin: expected at most 1000 bytes, got more$/],
    ['rnn --input <(true)', /^error: \/dev\/fd\/\d+: expected data, got an empty stream$/],
  ] as const) {
    const r = sh(script);
    assert.equal(r.code, 2, `${script}: ${r.stderr}`);
    const lines = errorLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, pattern);
  }
});
