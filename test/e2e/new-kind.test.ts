/**
 * The descriptor contract: a kind the project does not ship, made the way a developer would add
 * one (a copy of src/modules/kinds/gru.ts under another type name, plus its entry in the list in
 * src/modules/kinds/index.ts, nothing else), built, and run through every command. It must be
 * accepted everywhere and give GRU's numbers exactly.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { UNWRAPPED_COLUMNS } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The project copied into a temporary folder with the new kind added; returns its bin. */
function buildWithNewKind(): { bin: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-new-kind-'));
  for (const entry of ['src', 'scripts', 'bin', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const kinds = join(dir, 'src/modules/kinds');
  const gru = readFileSync(join(kinds, 'gru.ts'), 'utf8');
  writeFileSync(
    join(kinds, 'mgu.ts'),
    gru.replace("type: 'gru'", "type: 'mgu'").replace("name: 'GRU'", "name: 'MGU'").replace("cellName: 'GRUCell'", "cellName: 'MGUCell'").replace('gruKind', 'mguKind'),
  );
  const index = readFileSync(join(kinds, 'index.ts'), 'utf8');
  const added = index
    .replace("import { gruKind } from './gru.js';", "import { gruKind } from './gru.js';\nimport { mguKind } from './mgu.js';")
    .replace('[rnnKind, lstmKind, gruKind]', '[rnnKind, lstmKind, gruKind, mguKind]');
  assert.notEqual(added, index, 'the list of kinds was found and extended');
  writeFileSync(join(kinds, 'index.ts'), added);
  mkdirSync(join(dir, 'dist'), { recursive: true });
  const build = spawnSync('npm', ['run', 'build'], { cwd: dir, encoding: 'utf8' });
  assert.equal(build.status, 0, `build with the new kind: ${build.stdout}\n${build.stderr}`);
  return { bin: join(dir, 'bin/rnn-inspect.js'), dir };
}

function runWith(bin: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', COLUMNS: UNWRAPPED_COLUMNS }, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json(bin: string, args: string[]): Record<string, unknown> {
  const r = runWith(bin, args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

describe('a kind added as one file and one list entry', { timeout: 180_000 }, () => {
  let bin = '';
  let dir = '';
  const model = ['--input-size', '5', '--hidden', '4', '--layers', '2', '--bidirectional', '--seq-len', '6', '--batch', '3', '--seed', '3'];
  before(() => {
    ({ bin, dir } = buildWithNewKind());
  });

  test('run: accepted, named MGU, with GRU numbers', () => {
    const mgu = json(bin, ['run', '--type', 'mgu', ...model, '--format', 'json', '--include-tensors']);
    const gru = json(bin, ['run', '--type', 'gru', ...model, '--format', 'json', '--include-tensors']);
    assert.match(String(mgu['module']), /^MGU\(5, 4, num_layers=2, bidirectional=True\)$/);
    assert.deepEqual(mgu['tensors'], gru['tensors']);
    assert.deepEqual((mgu['config'] as { type: string }).type, 'mgu');
    assert.deepEqual(mgu['parameters'], gru['parameters']);
  });

  test('explain: the GRU account under its own name, the same gate means', () => {
    const mgu = json(bin, ['explain', '--type', 'mgu', ...model, '--format', 'json']);
    const gru = json(bin, ['explain', '--type', 'gru', ...model, '--format', 'json']);
    assert.deepEqual(mgu['fusions'], gru['fusions']);
    const text = runWith(bin, ['explain', '--type', 'mgu', ...model]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /A MGU editor keeps one notebook/);
    assert.match(text.stdout, /reset r \d\.\d{4}, update z \d\.\d{4}, candidate n/);
  });

  test('compare --reference: the float64 reference checks it with the equations its descriptor names', () => {
    const r = json(bin, ['compare', '--type', 'mgu', ...model, '--reference', '--format', 'json']);
    assert.equal(r['ok'], true);
    assert.ok(Array.isArray(r['reference']) && r['reference'].length === 2);
  });

  test('doctor: shapes and messages name the kind', () => {
    const ok = runWith(bin, ['doctor', '--type', 'mgu', '--hidden', '4', '--x-shape', '6,3,5']);
    assert.equal(ok.code, 0, ok.stderr);
    const bad = runWith(bin, ['doctor', '--type', 'mgu', '--hidden', '4', '--x-shape', '6,3,5,1', '--format', 'json']);
    assert.equal(bad.code, 1);
    const report = JSON.parse(bad.stdout) as { problems: { pytorch_message: string }[] };
    assert.match(report.problems[0]!.pytorch_message, /^MGU: Expected input to be 2D or 3D, got 4D instead$/);
  });

  test('pipeline, --save, inspect and run --weights: a saved MGU state_dict is read back as an MGU with --type', () => {
    const spec = join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ modules: [{ name: 'enc', type: 'mgu', input_size: 5, hidden_size: 4 }, { name: 'dec', type: 'gru', input_size: 4, hidden_size: 4, h_0_from: 'enc' }] }));
    const p = json(bin, ['pipeline', '--spec', spec, '--format', 'json', '--include-tensors']);
    assert.deepEqual((p['modules'] as { module: string }[]).map((m) => m.module), ['MGU(5, 4)', 'GRU(4, 4)']);
    // The same weights as a GRU-only pipeline: equal numbers.
    writeFileSync(spec, JSON.stringify({ modules: [{ name: 'enc', type: 'gru', input_size: 5, hidden_size: 4 }, { name: 'dec', type: 'gru', input_size: 4, hidden_size: 4, h_0_from: 'enc' }] }));
    const q = json(bin, ['pipeline', '--spec', spec, '--format', 'json', '--include-tensors']);
    assert.deepEqual((p['modules'] as { tensors: unknown }[]).map((m) => m.tensors), (q['modules'] as { tensors: unknown }[]).map((m) => m.tensors));

    const weights = join(dir, 'w.json');
    const x = join(dir, 'x.json');
    writeFileSync(x, JSON.stringify(Array.from({ length: 6 }, (_, t) => Array.from({ length: 3 }, (_, b) => Array.from({ length: 5 }, (_, i) => Math.sin(t + b * 2 + i * 3))))));
    const first = json(bin, ['run', '--type', 'mgu', ...model, '--input', x, '--format', 'json', '--include-tensors']);
    // Save the module's parameters through the library: run's own --save writes outputs, so build the state_dict by hand.
    const lib = spawnSync(process.execPath, ['--input-type=module', '-e', `
      import { Recurrent, kindOf } from ${JSON.stringify(join(dir, 'dist/index.js'))};
      const m = new Recurrent(kindOf('mgu'), { inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 3 });
      const sd = Object.fromEntries([...m.stateDict()].map(([k, t]) => [k, t.toNested()]));
      process.stdout.write(JSON.stringify(sd));`], { encoding: 'utf8' });
    assert.equal(lib.status, 0, lib.stderr);
    writeFileSync(weights, lib.stdout);
    const inspect = json(bin, ['inspect', weights, '--format', 'json']);
    assert.equal((inspect['modules'] as { type: string }[])[0]!.type, 'gru', 'the weights cannot tell MGU from GRU: the first in the list is shown');
    assert.ok((inspect['notes'] as string[]).some((n) => /fit GRU, MGU alike/.test(n)), String(inspect['notes']));
    const again = json(bin, ['run', '--type', 'mgu', '--weights', weights, '--input', x, '--format', 'json', '--include-tensors']);
    assert.deepEqual(again['tensors'], first['tensors']);
    assert.equal(again['module'], 'MGU(5, 4, num_layers=2, bidirectional=True)');
  });

  test('schema: the new kind is in every type enum', () => {
    const schema = runWith(bin, ['schema', 'run']);
    assert.equal(schema.code, 0, schema.stderr);
    assert.match(schema.stdout, /"mgu"/);
    assert.match(runWith(bin, ['run', '--help']).stdout, /rnn\|lstm\|gru\|mgu/);
  });

  test('the shipped build does not know it (the test really added it)', () => {
    const r = runWith(join(ROOT, 'bin/rnn-inspect.js'), ['run', '--type', 'mgu']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /expected one of rnn, lstm, gru, got "mgu"/);
  });
});
