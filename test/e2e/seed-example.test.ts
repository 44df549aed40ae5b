// The seed note's worked example is the first acceptance test:
//   rnn-inspect --layers 4 --hidden 20 --batch-first
// gives x (3, 10, 100), h_0 (4, 3, 20), out (3, 10, 20), h_n (4, 3, 20).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plain, runCli, runJson } from '../helpers/cli.js';
import type { RunReport } from '../../src/schema/index.js';

const SEED = ['--layers', '4', '--hidden', '20', '--batch-first'];

test('seed example: JSON shapes are x [3,10,100], h_0 [4,3,20], out [3,10,20], h_n [4,3,20]', () => {
  const doc = runJson<RunReport>([...SEED, '--format', 'json']);
  assert.deepEqual(doc.shapes, { x: [3, 10, 100], h_0: [4, 3, 20], out: [3, 10, 20], h_n: [4, 3, 20] });
  assert.deepEqual(doc.dims.h_0, ['num_layers', 'batch', 'hidden_size']);
  assert.deepEqual(doc.dims.out, ['batch', 'seq_len', 'hidden_size']);
  assert.equal(doc.module, 'RNN(100, 20, num_layers=4, batch_first=True)');
  // 20*100 + 20*20 + 2*20 for layer 0, then 20*20 + 20*20 + 2*20 for each of layers 1..3
  assert.equal(doc.parameter_count, 2440 + 3 * 840);
  assert.equal(doc.layers.length, 4);
  assert.ok(doc.layers.every((l) => l.steps.length === 10));
});

test('seed example: the table names every shape with its dimensions and meaning', () => {
  const r = runCli(SEED);
  assert.equal(r.code, 0, r.stderr);
  const out = plain(r.stdout);
  assert.match(out, /RNN\(100, 20, num_layers=4, batch_first=True\)/);
  assert.match(out, /x\s+│ \(3, 10, 100\)\s+│ batch=3, seq_len=10, input_size=100/);
  assert.match(out, /h_0\s+│ \(4, 3, 20\)\s+│ num_layers=4, batch=3, hidden_size=20/);
  assert.match(out, /out\s+│ \(3, 10, 20\)\s+│ batch=3, seq_len=10, hidden_size=20/);
  assert.match(out, /h_n\s+│ \(4, 3, 20\)\s+│ num_layers=4, batch=3, hidden_size=20/);
  assert.match(out, /batch_first does not apply/);
  assert.match(out, /h_n\[3\]\s+│ 3 \(top\)\s+│ forward\s+│ t=9\s+│ out\[:, -1, :\] ✓ equal/);
  assert.match(out, /Parameters \(4960\)/);
  assert.match(out, /layer 1 reads layer 0's new h_t|layer l reads layer l-1's new h_t/);
  assert.equal(out, r.stdout, 'NO_COLOR leaves no escape codes');
});

test('the top slice of h_n equals out at the last step, measured, forward and reverse', () => {
  const doc = runJson<RunReport>(['--layers', '2', '--bidirectional', '--format', 'json']);
  const top = doc.h_n_slices.filter((s) => s.equals_out !== null);
  assert.deepEqual(top.map((s) => [s.index, s.direction, s.equals_out]), [
    [2, 'forward', 'out[-1, :, 0:20]'],
    [3, 'reverse', 'out[0, :, 20:40]'],
  ]);
  assert.ok(top.every((s) => s.max_abs_diff === 0));
});

test('--version prints the package version, --help shows worked examples', () => {
  const v = runCli(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/);
  const h = runCli(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /Examples:/);
  assert.match(h.stdout, /rnn-inspect --layers 4 --hidden 20 --batch-first/);
  const runHelp = runCli(['run', '--help']);
  assert.match(runHelp.stdout, /--batch-first/);
  assert.match(runHelp.stdout, /--expect <name=shape>/);
});

test('colour: on with FORCE_COLOR, off with --no-color', () => {
  const colored = runCli(['--layers', '2'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
  assert.match(colored.stdout, /\x1b\[/);
  const off = runCli(['--layers', '2', '--no-color'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
  assert.doesNotMatch(off.stdout, /\x1b\[/);
});

test('a run is reproducible from --seed, and another seed gives other numbers', () => {
  const a = runJson<RunReport>(['--seed', '7', '--format', 'json', '--include-tensors']);
  const b = runJson<RunReport>(['--seed', '7', '--format', 'json', '--include-tensors']);
  const c = runJson<RunReport>(['--seed', '8', '--format', 'json', '--include-tensors']);
  assert.deepEqual(a.tensors, b.tensors);
  assert.notDeepEqual(a.tensors, c.tensors);
});
