// `rnn-inspect doctor` end to end: the issue's done-when, exit codes 0 / 1 / 2, the JSON document
// against its zod schema, sizes taken from the shapes when not given, --spec and --weights, and
// the expected shapes against real PyTorch's (the golden cases).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { doctorReportSchema, type DoctorReport } from '../../src/schema/index.js';
import { defined, item } from '../helpers/checked.js';
import { assertUserError, runCli } from '../helpers/cli.js';
import { readJson, tempDir, writeJson } from '../helpers/files.js';

/** What these tests read of a golden case (test/fixtures/golden/*.json). */
interface GoldenCase {
  name: string;
  module: string;
  config: { input_size: number; hidden_size: number; num_layers?: number; batch_first?: boolean; bidirectional?: boolean; proj_size?: number; bias?: boolean; nonlinearity?: string };
  shapes: Record<string, number[]>;
  inputs: { h_0?: unknown; c_0?: unknown; lengths?: number[]; enforce_sorted?: boolean; [name: string]: unknown };
  modules: { name: string; module: string; config: Record<string, unknown>; input?: string; h_0_from?: string }[];
}

const dir = tempDir();
const SEED = new URL('../fixtures/files/seed/', import.meta.url).pathname;
const GENERATED = new URL('../fixtures/files/generated/', import.meta.url).pathname;
const GOLDEN = new URL('../fixtures/golden/', import.meta.url);
const golden = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.json') && f !== 'INDEX.json')
  .map((f) => JSON.parse(readFileSync(new URL(f, GOLDEN), 'utf8')) as GoldenCase);

/** Runs doctor and parses its JSON, checking the exit code and the schema. */
function doctorJson(args: string[], code: number): DoctorReport {
  const r = runCli(['doctor', ...args, '--format', 'json']);
  assert.equal(r.code, code, `exit code: stderr ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as DoctorReport;
  doctorReportSchema.parse(doc);
  return doc;
}

describe('doctor: the done-when', () => {
  const args = ['doctor', '--layers', '2', '--hidden', '256', '--batch-first', '--x-shape', '4,35,128', '--h0-shape', '2,64,256'];

  test('names the smaller-last-batch cause and the fix, with PyTorch\'s message; exit 1 after the whole report', () => {
    const r = runCli(args);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /PyTorch: Expected hidden size \(2, 4, 256\), got \[2, 64, 256\]/);
    assert.match(r.stdout, /cause: +a smaller last batch: h_0 was built for a fixed batch size of 64, but this x has a batch of 4/);
    assert.match(r.stdout, /fix: +build h_0 from x's batch dimension, not a constant: h0 = torch\.zeros\(2, x\.size\(0\), 256\); or drop the short batch with DataLoader\(\.\.\., drop_last=True\)/);
    assert.match(r.stdout, /num_layers=2, batch=4, hidden_size=256/, 'the expected shape with its dimensions named');
    assert.match(r.stdout, /│ h_n +│ \(2, 4, 256\)/, 'the shape table is printed in full');
    assert.match(r.stdout, /input_size=128: x's last dimension \(no --input-size given\)/);
    assert.equal(r.stderr, 'error: doctor: the shapes do not fit: 1 problem (h_0)\n');
  });

  test('--format json: {ok, expected, problems: [{tensor, expected, got, pytorch_message, cause, fix}]}', () => {
    const doc = doctorJson(args.slice(1), 1);
    assert.equal(doc.ok, false);
    assert.deepEqual(doc.expected, { x: [4, 35, 128], h_0: [2, 4, 256], out: [4, 35, 256], h_n: [2, 4, 256] });
    assert.equal(doc.problems.length, 1);
    const p = item(doc.problems, 0, 'problems');
    for (const key of ['tensor', 'expected', 'got', 'pytorch_message', 'cause', 'fix']) assert.ok(key in p, key);
    assert.equal(p.tensor, 'h_0');
    assert.deepEqual(p.expected, [2, 4, 256]);
    assert.deepEqual(p.got, [2, 64, 256]);
    assert.equal(p.pytorch_message, 'Expected hidden size (2, 4, 256), got [2, 64, 256]');
    assert.equal(p.cause_id, 'smaller-last-batch');
    assert.match(p.fix, /drop_last=True/);
  });

  test('-o FILE: the report is written even when the shapes do not fit', () => {
    const out = join(dir, 'report.json');
    const r = runCli([...args, '--format', 'json', '-o', out]);
    assert.equal(r.code, 1);
    assert.equal(item(readJson<DoctorReport>(out).problems, 0, 'problems').cause_id, 'smaller-last-batch');
  });
});

describe('doctor: causes through the CLI', () => {
  const cases: [string, string[], string, RegExp][] = [
    ['h_0 batch-first', ['--layers', '4', '--batch-first', '--x-shape', '3,10,100', '--h0-shape', '3,4,20'], 'h0-batch-first', /transpose\(0, 1\)\.contiguous\(\)/],
    ['bidirectional forgotten', ['--layers', '2', '--bidirectional', '--x-shape', '10,3,100', '--h0-shape', '2,3,20'], 'bidirectional-forgotten', /torch\.zeros\(4, x\.size\(1\), 20\)/],
    ['proj_size in h_0', ['--type', 'lstm', '--hidden', '20', '--proj-size', '10', '--x-shape', '10,3,100', '--h0-shape', '1,3,20', '--c0-shape', '1,3,20'], 'proj-size-in-h0', /\(proj_size\)/],
    ['explicit input_size', ['--input-size', '128', '--x-shape', '35,4,100'], 'input-size', /input_size=100/],
    ['x batch-first without batch_first', ['--x-shape', '64,10,100', '--h0-shape', '1,64,20'], 'x-batch-first-order', /batch_first=True/],
    ['unbatched x with a 3-D h_0', ['--x-shape', '10,100', '--h0-shape', '1,1,20'], 'unbatched-x-3d-state', /squeeze\(1\)/],
    ['lengths unsorted', ['--x-shape', '10,3,100', '--lengths', '9,10,3', '--enforce-sorted'], 'lengths-unsorted', /enforce_sorted=False/],
    ['lengths too long', ['--x-shape', '10,3,100', '--lengths', '12,9,3'], 'lengths-too-long', /clamp\(max=10\)/],
  ];
  for (const [name, args, causeId, fix] of cases) {
    test(`${name}: exit 1, cause ${causeId}`, () => {
      const doc = doctorJson(args, 1);
      const p = item(doc.problems, 0, 'problems');
      assert.equal(p.cause_id, causeId);
      assert.match(p.fix, fix);
    });
  }
});

describe('doctor: shapes that fit, and sizes taken from the shapes', () => {
  test('exit 0, says so, and prints the shape table with named dimensions', () => {
    const r = runCli(['doctor', '--type', 'lstm', '--layers', '2', '--hidden', '20', '--bidirectional', '--x-shape', '10,3,100', '--h0-shape', '4,3,20', '--c0-shape', '4,3,20']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /✓ The shapes fit/);
    for (const name of ['x', 'h_0', 'c_0', 'out', 'h_n', 'c_n']) assert.match(r.stdout, new RegExp(`│ ${name} +│`));
    assert.match(r.stdout, /num_layers\*num_directions=4, batch=3, hidden_size=20/);
    assert.match(r.stdout, /seq_len=10, batch=3, num_directions\*hidden_size=40/);
  });

  test('hidden_size, num_layers and LSTM come from h_0 / c_0 when not given; given ones are checked', () => {
    const doc = doctorJson(['--x-shape', '7,2,5', '--h0-shape', '3,2,6', '--c0-shape', '3,2,6'], 0);
    assert.equal(item(doc.modules, 0, 'modules').module, 'LSTM(5, 6, num_layers=3)');
    assert.ok(doc.notes.some((n) => /hidden_size=6: h_0's last dimension/.test(n)));
    assert.ok(doc.notes.some((n) => /num_layers=3: h_0's 3 slices/.test(n)));
    const given = doctorJson(['--hidden', '8', '--x-shape', '7,2,5', '--h0-shape', '1,2,6'], 1);
    assert.equal(item(given.problems, 0, 'problems').cause_id, 'state-features');
  });

  test('a batch-first h_0 does not mislead the num_layers taken from it', () => {
    const doc = doctorJson(['--batch-first', '--x-shape', '3,10,100', '--h0-shape', '3,4,20'], 1);
    assert.equal(item(doc.problems, 0, 'problems').cause_id, 'h0-batch-first');
    assert.deepEqual(doc.expected.h_0, [4, 3, 20]);
  });

  for (const g of golden.filter((c) => ['RNN', 'LSTM', 'GRU'].includes(c.module))) {
    test(`the expected shapes are real PyTorch's: ${g.name}`, () => {
      const c = g.config;
      const args = ['--type', g.module.toLowerCase(), '--input-size', String(c.input_size), '--hidden', String(c.hidden_size), '--layers', String(c.num_layers ?? 1)];
      if (c.batch_first) args.push('--batch-first');
      if (c.bidirectional) args.push('--bidirectional');
      if (c.proj_size) args.push('--proj-size', String(c.proj_size));
      if (c.bias === false) args.push('--no-bias');
      if (c.nonlinearity) args.push('--nonlinearity', c.nonlinearity);
      args.push('--x-shape', defined(g.shapes['x'], `${g.name}: x's shape`).join(','));
      if (g.shapes.h_0 && g.inputs.h_0) args.push('--h0-shape', g.shapes.h_0.join(','));
      if (g.shapes.c_0 && g.inputs.c_0) args.push('--c0-shape', g.shapes.c_0.join(','));
      if (g.inputs.lengths) args.push('--lengths', g.inputs.lengths.join(','));
      if (g.inputs.enforce_sorted) args.push('--enforce-sorted');
      const doc = doctorJson(args, 0);
      for (const [name, shape] of Object.entries(g.shapes)) assert.deepEqual(doc.expected[name], shape, name);
    });
  }
});

describe('doctor --spec', () => {
  const specOf = (g: GoldenCase): { modules: Record<string, unknown>[] } => ({
    modules: g.modules.map((m) => ({ name: m.name, type: m.module.toLowerCase(), ...m.config, ...(m.input ? { input: m.input } : {}), ...(m.h_0_from ? { h_0_from: m.h_0_from } : {}) })),
  });
  for (const g of golden.filter((c) => c.module === 'pipeline')) {
    test(`fits, with real PyTorch's shapes: ${g.name}`, () => {
      const args = ['--spec', writeJson(dir, `${g.name}.json`, specOf(g))];
      for (const name of Object.keys(g.inputs)) args.push('--x-shape', `${name}=${defined(g.shapes[name], `${g.name}: ${name}'s shape`).join(',')}`);
      const doc = doctorJson(args, 0);
      for (const [name, shape] of Object.entries(g.shapes)) {
        const feeder = g.modules.find((m) => (m.input ?? 'x') === name);
        assert.ok(name.includes('.') || feeder, `a module reads ${name}`);
        const key = name.includes('.') || !feeder ? name : `${feeder.name}.x`;
        assert.deepEqual(doc.expected[key], shape, name);
      }
    });
  }

  test('a module fed by a bidirectional module: input_size must be 2*hidden', () => {
    const spec = { modules: [{ name: 'rnn1', type: 'rnn', input_size: 100, hidden_size: 50, bidirectional: true }, { name: 'rnn2', type: 'rnn', input_size: 50, hidden_size: 20 }] };
    const doc = doctorJson(['--spec', writeJson(dir, 'bi.json', spec), '--x-shape', '10,3,100'], 1);
    assert.equal(doc.problems.length, 1);
    const p = item(doc.problems, 0, 'problems');
    assert.equal(p.tensor, 'rnn2.x');
    assert.equal(p.module, 'rnn2');
    assert.equal(p.cause_id, 'input-size-from-feeder');
    assert.equal(p.pytorch_message, 'input.size(-1) must be equal to input_size. Expected 50, got 100');
    assert.match(p.cause, /rnn1's out, which carries num_directions\*hidden_size = 2\*50 = 100 features \(rnn1 is bidirectional/);
    assert.match(p.fix, /input_size=100/);
    assert.deepEqual(doc.modules.map((m) => [m.name, m.ok]), [['rnn1', true], ['rnn2', false]]);
  });

  test('an encoder-decoder whose encoder has more layers than the decoder', () => {
    const spec = { modules: [{ name: 'encoder', type: 'gru', input_size: 5, hidden_size: 6, num_layers: 2 }, { name: 'decoder', type: 'gru', input_size: 5, hidden_size: 6, input: 'y', h_0_from: 'encoder' }] };
    const doc = doctorJson(['--spec', writeJson(dir, 'ed.json', spec), '--x-shape', '7,2,5', '--x-shape', 'y=4,2,5'], 1);
    const p = item(doc.problems, 0, 'problems');
    assert.equal(p.tensor, 'decoder.h_0');
    assert.equal(p.cause_id, 'state-from-module');
    assert.equal(p.pytorch_message, 'Expected hidden size (1, 2, 6), got [2, 2, 6]');
    assert.match(p.cause, /encoder has num_layers\*num_directions = 2\*1 = 2 slices, this module num_layers\*num_directions = 1\*1 = 1/);
  });

  test('h_0 for a module by name', () => {
    const spec = { modules: [{ name: 'a', type: 'rnn', input_size: 4, hidden_size: 3 }, { name: 'b', type: 'rnn', input_size: 3, hidden_size: 2 }] };
    const file = writeJson(dir, 'ab.json', spec);
    const doc = doctorJson(['--spec', file, '--x-shape', '5,8,4', '--h0-shape', 'b=1,2,2'], 1);
    assert.deepEqual(doc.problems.map((p) => [p.tensor, p.cause_id]), [['b.h_0', 'batch-mismatch']]);
    assertUserError(['doctor', '--spec', file, '--x-shape', '5,8,4', '--h0-shape', '1,8,2'], /--h0-shape: expected MODULE=SHAPE with a spec of several modules \(a, b\)/);
  });
});

describe('doctor --weights', () => {
  for (const file of ['weights.pt', 'weights.npz', 'weights.safetensors']) {
    test(`the configuration is read from ${file}`, () => {
      const ok = doctorJson(['--weights', join(SEED, file), '--batch-first', '--x-shape', '3,10,100', '--h0-shape', '4,3,20'], 0);
      assert.equal(item(ok.modules, 0, 'modules').module, 'RNN(100, 20, num_layers=4, batch_first=True)');
      const bad = doctorJson(['--weights', join(SEED, file), '--batch-first', '--x-shape', '3,10,99', '--h0-shape', '2,3,20'], 1);
      assert.deepEqual(bad.problems.map((p) => [p.tensor, p.cause_id]), [['x', 'input-size'], ['h_0', 'num-layers']]);
      assert.equal(item(bad.problems, 0, 'problems').pytorch_message, 'input.size(-1) must be equal to input_size. Expected 100, got 99');
    });
  }

  test('--module picks one of several modules in a checkpoint', () => {
    const doc = doctorJson(['--weights', join(GENERATED, 'composed.pt'), '--module', 'model.lstm', '--x-shape', '5,2,4', '--h0-shape', '1,2,2', '--c0-shape', '1,2,2'], 0);
    assert.equal(item(doc.modules, 0, 'modules').module, 'LSTM(4, 2)');
    assertUserError(['doctor', '--weights', join(GENERATED, 'composed.pt'), '--x-shape', '5,2,4'], /--module: .*composed\.pt holds 3 recurrent modules; expected --module with one of encoder, model\.lstm, rnn1/);
  });
});

describe('doctor: unusable arguments exit 2 with one error line', () => {
  const w = join(SEED, 'weights.pt');
  const cases: [string, string[], RegExp][] = [
    ['no --x-shape', ['doctor', '--layers', '2'], /doctor: expected --x-shape/],
    ['a shape that does not parse', ['doctor', '--x-shape', '3,a'], /--x-shape .*expected a shape such as 3,10,20, got "3,a"/],
    ['a zero size', ['doctor', '--x-shape', '3,0,5'], /expected sizes of at least 1, got "3,0,5"/],
    ['a named shape without --spec', ['doctor', '--x-shape', '3,4,5', '--h0-shape', 'rnn1=1,4,20'], /--h0-shape: expected a plain shape/],
    ['two x shapes', ['doctor', '--x-shape', '3,4,5', '--x-shape', '3,4,5'], /--x-shape: expected one shape, got 2/],
    ['--enforce-sorted alone', ['doctor', '--x-shape', '3,4,5', '--enforce-sorted'], /--enforce-sorted: expected --lengths/],
    ['an impossible configuration', ['doctor', '--type', 'gru', '--proj-size', '2', '--x-shape', '3,4,5'], /proj_size argument is only supported for LSTM/],
    ['a flag contradicting --weights', ['doctor', '--weights', w, '--hidden', '30', '--x-shape', '3,10,100'], /--hidden-size 30 contradicts .*weights\.pt: it holds hidden_size 20/],
    ['module flags with --spec', ['doctor', '--spec', join(SEED, 'x.npy'), '--hidden', '3', '--x-shape', '3,4,5'], /--hidden-size: expected no module flags with --spec/],
    ['a missing input shape with --spec', ['doctor', '--spec', writeJson(dir, 'ed2.json', { modules: [{ name: 'e', type: 'gru', input_size: 5, hidden_size: 6 }, { name: 'd', type: 'gru', input_size: 5, hidden_size: 6, input: 'y' }] }), '--x-shape', '7,2,5'], /--x-shape: expected a shape for every input .*--x-shape y=SHAPE.*got none for y/],
    ['an unknown format', ['doctor', '--x-shape', '3,4,5', '--format', 'xml'], /expected one of table, json, got "xml"/],
  ];
  for (const [name, args, pattern] of cases) {
    test(name, () => {
      const r = assertUserError(args, pattern);
      assert.equal(r.stdout, '');
    });
  }
});

test('rnn-inspect schema doctor prints the JSON Schema of the document', () => {
  const r = runCli(['schema', 'doctor']);
  assert.equal(r.code, 0, r.stderr);
  const schema = JSON.parse(r.stdout);
  assert.deepEqual(schema.required.sort(), ['command', 'expected', 'modules', 'notes', 'ok', 'problems', 'version', 'warnings']);
  assert.ok(['tensor', 'expected', 'got', 'pytorch_message', 'cause', 'fix'].every((k) => k in schema.properties.problems.items.properties));
});
