// Parity with PyTorch on ONNX files that torch.onnx.export wrote (opset 14, PyTorch 1.13), from
// scripts/fixtures/make_onnx_fixtures.py: each test/fixtures/onnx/NAME.onnx beside NAME.json, which
// holds the inputs and PyTorch's own out, h_n (and c_n), and the same module exported at every other
// opset torch 1.13 writes, test/fixtures/onnx/opsets/NAME.opsetN.onnx. `inspect` must find the module
// PyTorch exported, and `run --weights FILE` must give PyTorch's numbers within 1e-5 (a batch_first
// module's graph takes x batch-first, and so does `run`, without --batch-first).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';
import { maxAbsDiff, shapeOf } from '../helpers/nested.js';

const DIR = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));
const TOLERANCE = 1e-5;
const HINT = 'regenerate with /usr/bin/python3 scripts/fixtures/make_onnx_fixtures.py';

interface Fixture {
  config: { type: string; input_size: number; hidden_size: number; num_layers?: number; bidirectional?: boolean; nonlinearity?: string; batch_first?: boolean };
  x: unknown;
  h_0: unknown;
  c_0?: unknown;
  lengths?: number[];
  out: unknown;
  h_n: unknown;
  c_n?: unknown;
}

interface InspectDoc {
  format: string;
  modules: { prefix: string; type: string; module: string; input_size: number; hidden_size: number; num_layers: number; bidirectional: boolean; nonlinearity: string | null }[];
  metadata: Record<string, string> | null;
  notes: string[];
}

const CASES = ['rnn_relu', 'lstm_bi2', 'gru_lengths', 'gru_batch_first'];
const load = (name: string): Fixture => JSON.parse(readFileSync(join(DIR, `${name}.json`), 'utf8')) as Fixture;
const OPSET_FILES = readdirSync(join(DIR, 'opsets')).filter((f) => f.endsWith('.onnx'));
/** Each case's file at opset 14 and at every other opset exported. */
const FILES = CASES.flatMap((name) => [
  { name, label: name, file: join(DIR, `${name}.onnx`), opset: 14 },
  ...OPSET_FILES.filter((f) => f.startsWith(`${name}.opset`)).map((f) => ({ name, label: f, file: join(DIR, 'opsets', f), opset: Number(/opset(\d+)/.exec(f)![1]) })),
]);

describe('ONNX files exported by torch.onnx.export', () => {
  test('every case was exported at opsets 7 to 17', () => {
    for (const name of CASES) assert.deepEqual(FILES.filter((f) => f.name === name).map((f) => f.opset).sort((a, b) => a - b), [7, 9, 11, 13, 14, 15, 16, 17], HINT);
  });

  for (const { name, label, file, opset } of FILES) {
    const fixture = load(name);

    test(`${label}: inspect finds the module PyTorch exported`, () => {
      const doc = runJson<InspectDoc>(['inspect', file, '--format', 'json']);
      assert.equal(doc.format, 'onnx');
      assert.equal(doc.modules.length, 1, JSON.stringify(doc.modules));
      const [m] = doc.modules;
      const c = fixture.config;
      assert.equal(m!.type, c.type);
      assert.equal(m!.input_size, c.input_size);
      assert.equal(m!.hidden_size, c.hidden_size);
      assert.equal(m!.num_layers, c.num_layers ?? 1);
      assert.equal(m!.bidirectional, c.bidirectional ?? false);
      if (c.type === 'rnn') assert.equal(m!.nonlinearity, c.nonlinearity ?? 'tanh');
      assert.match(doc.metadata?.['opset'] ?? '', new RegExp(`ai\\.onnx ${opset}$`));
    });

    test(`${label}: run --weights matches PyTorch within ${TOLERANCE}`, (t) => {
      const dir = tempDir(t);
      const args = ['--weights', file, '--input', writeJson(dir, 'x.json', fixture.x), '--h0', writeJson(dir, 'h0.json', fixture.h_0)];
      if (fixture.c_0 !== undefined) args.push('--c0', writeJson(dir, 'c0.json', fixture.c_0));
      if (fixture.lengths) args.push('--lengths', fixture.lengths.join(','));
      const doc = runJson<{ tensors: Record<string, unknown> }>([...args, '--format', 'json', '--include-tensors']);
      for (const tensor of ['out', 'h_n', 'c_n'] as const) {
        const expected = fixture[tensor];
        if (expected === undefined) continue;
        const got = doc.tensors[tensor];
        assert.deepEqual(shapeOf(got), shapeOf(expected), `${name} ${tensor}: shape (${HINT})`);
        const diff = maxAbsDiff(got, expected);
        t.diagnostic(`${label} ${tensor}: maxdiff ${diff.toExponential(2)}`);
        assert.ok(diff <= TOLERANCE, `${label} ${tensor}: max |diff| ${diff} > ${TOLERANCE} (${HINT})`);
      }
    });
  }

  for (const name of ['rnn_relu', 'gru_batch_first']) {
    test(`${name}: pipeline --weights runs it as run --weights does (the file's nonlinearity and layout)`, (t) => {
      const fixture = load(name);
      const dir = tempDir(t);
      const args = ['--weights', join(DIR, `${name}.onnx`), '--input', writeJson(dir, 'x.json', fixture.x), '--format', 'json', '--include-tensors'];
      const run = runJson<{ tensors: Record<string, unknown> }>(args);
      const pipeline = runJson<{ modules: { tensors: Record<string, unknown> }[] }>(['pipeline', ...args]);
      const diff = maxAbsDiff(pipeline.modules[0]!.tensors['out'], run.tensors['out']);
      t.diagnostic(`${name} pipeline vs run out: maxdiff ${diff.toExponential(2)}`);
      assert.ok(diff <= 1e-6, `max |diff| ${diff}`);
    });
  }

  test('a negative control: the relu RNN run as tanh differs from PyTorch', (t) => {
    const fixture = load('rnn_relu');
    const dir = tempDir(t);
    // The state_dict PyTorch saved beside the export holds the same weights, without the activation.
    const doc = runJson<{ tensors: Record<string, unknown> }>(['--weights', join(DIR, 'rnn_relu.state_dict.pt'), '--input', writeJson(dir, 'x.json', fixture.x), '--h0', writeJson(dir, 'h0.json', fixture.h_0), '--format', 'json', '--include-tensors']);
    assert.ok(maxAbsDiff(doc.tensors['out'], fixture.out) > 1e-3);
  });
});
