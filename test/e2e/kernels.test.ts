// --kernel and --exact through the CLI: --exact gives the js kernel's numbers exactly (run and grad,
// 1 and 2 threads), the fast mode really runs (its float32 sums differ from them, within 1e-5), and
// a kernel that does not exist is one error line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertUserError, runJson } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

const MODEL = ['--type', 'lstm', '--layers', '2', '--hidden', '64', '--input-size', '64', '--seq-len', '20', '--batch', '8', '--seed', '3', '--format', 'json', '--include-tensors'];
const POOL = { env: { RNN_INSPECT_PARALLEL_MIN_FLOPS: '0' } };

interface RunDoc {
  tensors: Record<string, unknown>;
}
interface GradDoc {
  grads: Record<string, unknown>;
}

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const maxDiff = (a: unknown, b: unknown): number => {
  const x = flat(a);
  const y = flat(b);
  assert.equal(x.length, y.length);
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i]!)), 0);
};

test('run: --kernel wasm --exact equals --kernel js exactly, on 1 and 2 threads; the fast mode differs within 1e-5', () => {
  const js = runJson<RunDoc>(['run', ...MODEL, '--kernel', 'js', '--threads', '1']).tensors;
  for (const threads of ['1', '2']) {
    const exact = runJson<RunDoc>(['run', ...MODEL, '--kernel', 'wasm', '--exact', '--threads', threads], POOL).tensors;
    assert.deepEqual(exact, js, `--exact on ${threads} thread(s)`);
  }
  const fast = runJson<RunDoc>(['run', ...MODEL, '--kernel', 'wasm', '--threads', '1']).tensors;
  const fast2 = runJson<RunDoc>(['run', ...MODEL, '--kernel', 'wasm', '--threads', '2'], POOL).tensors;
  assert.deepEqual(fast2, fast, 'the fast mode on 2 threads is its result on 1');
  for (const name of ['out', 'h_n', 'c_n']) {
    const d = maxDiff(fast[name], js[name]);
    assert.ok(d > 0 && d <= 1e-5, `${name}: fast vs js max |diff| ${d}`);
  }
});

test('grad: --kernel wasm --exact equals --kernel js exactly; the fast mode within 1e-5 of it', () => {
  const js = runJson<GradDoc>(['grad', ...MODEL, '--kernel', 'js']).grads;
  assert.deepEqual(runJson<GradDoc>(['grad', ...MODEL, '--kernel', 'wasm', '--exact']).grads, js);
  const fast = runJson<GradDoc>(['grad', ...MODEL, '--kernel', 'wasm']).grads;
  for (const [name, value] of Object.entries(js)) {
    const scale = Math.max(1, ...flat(value).map(Math.abs));
    assert.ok(maxDiff(fast[name], value) <= 1e-5 * scale, `grad ${name}`);
  }
});

test('--kernel gpu: one error line naming the kernels', () => {
  assertUserError(['run', '--kernel', 'gpu'], /--kernel.*expected one of js, wasm, got "gpu"/);
});

test('pipeline: --kernel wasm --exact equals --kernel js exactly; the fast mode differs, within 1e-5', () => {
  const spec = join(tempDir(), 'spec.json');
  writeFileSync(spec, JSON.stringify({ modules: [{ name: 'enc', type: 'lstm', input_size: 32, hidden_size: 48, num_layers: 2 }, { name: 'head', type: 'linear', in_features: 48, out_features: 5, input: 'enc', select: 'last' }] }));
  const tensors = (kernel: string[]) => runJson<{ modules: { name: string; tensors: Record<string, unknown> }[] }>(['pipeline', '--spec', spec, '--batch', '8', '--seq-len', '30', '--format', 'json', '--include-tensors', ...kernel]).modules.map((m) => m.tensors);
  const js = tensors(['--kernel', 'js']);
  assert.deepEqual(tensors(['--kernel', 'wasm', '--exact']), js);
  const fast = tensors(['--kernel', 'wasm']);
  const d = maxDiff(fast[1]!['out'], js[1]!['out']);
  assert.ok(d > 0 && d <= 1e-5, `head.out: fast vs js max |diff| ${d}`);
});
