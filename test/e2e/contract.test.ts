// The JSON contract: key names are public (scripts and jq pipelines depend on them). Real output is
// validated against the zod schemas that `rnn-inspect schema` prints, and the keys are pinned here.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { z } from 'zod';
import { compareReportSchema, runReportSchema, stepEventSchema, summaryEventSchema, type CompareReport, type RunReport } from '../../src/schema/index.js';
import { item } from '../helpers/checked.js';
import { runCli, runJson } from '../helpers/cli.js';
import { readJson, tempDir } from '../helpers/files.js';
import { at, listAt } from '../helpers/nested.js';

type StepEvent = z.infer<typeof stepEventSchema>;
type SummaryEvent = z.infer<typeof summaryEventSchema>;

const RUN_KEYS = ['command', 'version', 'module', 'config', 'shapes', 'dims', 'meanings', 'h_n_slices', 'parameters', 'parameter_count', 'lengths', 'layers', 'warnings', 'notes'];

test('run --format json: the documented keys, valid against the schema', () => {
  const doc = runJson<RunReport>(['--layers', '2', '--format', 'json']);
  runReportSchema.parse(doc);
  assert.deepEqual(Object.keys(doc), RUN_KEYS);
  assert.deepEqual(Object.keys(doc.shapes), ['x', 'h_0', 'out', 'h_n']);
  assert.deepEqual(Object.keys(item(doc.parameters, 0, 'parameters')), ['name', 'shape', 'count']);
  assert.deepEqual(Object.keys(item(doc.layers, 0, 'layers')), ['layer', 'direction', 'h_n_index', 'reads', 'steps']);
  assert.deepEqual(Object.keys(item(item(doc.layers, 0, 'layers').steps, 0, 'steps')), ['t', 'norm', 'mean', 'min', 'max', 'valid']);
  assert.deepEqual(Object.keys(doc.config), ['type', 'input_size', 'hidden_size', 'num_layers', 'nonlinearity', 'bias', 'batch_first', 'dropout', 'bidirectional', 'proj_size', 'training', 'seed', 'batch', 'seq_len', 'unbatched']);
});

test('--include-tensors adds out and h_n (and c_n for LSTM) in PyTorch layout', () => {
  const rnn = runJson<RunReport>(['--layers', '2', '--batch-first', '--format', 'json', '--include-tensors']);
  assert.ok(rnn.tensors, '--include-tensors gives tensors');
  assert.deepEqual(Object.keys(rnn.tensors), ['out', 'h_n']);
  assert.equal(listAt(rnn.tensors.out).length, 3, 'batch-first: out[0] is batch element 0');
  assert.equal(listAt(rnn.tensors.out, 0).length, 10);
  const lstm = runJson<RunReport>(['--type', 'lstm', '--format', 'json', '--include-tensors']);
  runReportSchema.parse(lstm);
  assert.ok(lstm.tensors, '--include-tensors gives tensors');
  assert.deepEqual(Object.keys(lstm.tensors), ['out', 'h_n', 'c_n']);
  assert.deepEqual(Object.keys(lstm.shapes), ['x', 'h_0', 'c_0', 'out', 'h_n', 'c_n']);
});

test('--format ndjson: a step event per layer, direction and step, then the summary', () => {
  const r = runCli(['--layers', '3', '--bidirectional', '--seq-len', '4', '--format', 'ndjson']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as StepEvent | SummaryEvent);
  const steps = lines.filter((l): l is StepEvent => l.event === 'step');
  assert.equal(steps.length, 3 * 2 * 4);
  steps.forEach((s) => stepEventSchema.parse(s));
  assert.deepEqual(Object.keys(item(steps, 0, 'step events')), ['event', 'layer', 'direction', 't', 'norm', 'mean', 'min', 'max', 'valid']);
  const last = lines.at(-1);
  assert.ok(last?.event === 'summary', 'the last line is the summary');
  summaryEventSchema.parse(last);
  // Streamed in the order the automatic path runs: layer by layer; the reverse direction from the last step.
  assert.deepEqual(steps.slice(0, 5).map((s) => [s.layer, s.direction, s.t]), [[0, 'forward', 0], [0, 'forward', 1], [0, 'forward', 2], [0, 'forward', 3], [0, 'reverse', 3]]);
  // The step events agree with the summary's per-layer statistics.
  const s = steps.find((e) => e.layer === 2 && e.direction === 'reverse' && e.t === 1);
  const fromSummary = last.layers.find((l) => l.layer === 2 && l.direction === 'reverse')?.steps[1];
  assert.ok(s && fromSummary, 'layer 2 reverse, t = 1, in the events and the summary');
  assert.equal(s.norm, fromSummary.norm);
});

test('--trace full adds the values; --trace none leaves layers empty', () => {
  const full = runJson<RunReport>(['--batch', '2', '--hidden', '3', '--seq-len', '2', '--format', 'json', '--trace', 'full', '--include-tensors']);
  runReportSchema.parse(full);
  const step = item(item(full.layers, 0, 'layers').steps, 1, 'steps');
  assert.ok(step.h, '--trace full has the values');
  assert.equal(step.h.length, 2);
  assert.equal(item(step.h, 0, 'h').length, 3);
  assert.deepEqual(step.h, at(full.tensors?.out, 1), 'one layer: the trace at t=1 is out[1]');
  const none = runJson<RunReport>(['--format', 'json', '--trace', 'none']);
  assert.deepEqual(none.layers, []);
});

test('compare --format json: valid, ok, with a row per tensor and per layer', () => {
  const doc = runJson<CompareReport>(['compare', '--type', 'lstm', '--layers', '2', '--format', 'json']);
  compareReportSchema.parse(doc);
  assert.equal(doc.ok, true);
  assert.deepEqual(doc.results.map((r) => r.name), ['out', 'h_n', 'c_n', 'layer 0 forward h', 'layer 0 forward c', 'layer 1 forward h', 'layer 1 forward c']);
  assert.deepEqual(Object.keys(item(doc.results, 0, 'results')), ['name', 'tensor', 'layer', 'direction', 'shape', 'max_abs_diff', 'where', 'automatic', 'manual', 'max_abs_value', 'tolerance', 'ok']);
});

test('compare in training mode with dropout: the same masks, so automatic = manual', () => {
  const doc = runJson<CompareReport>(['compare', '--type', 'gru', '--layers', '3', '--dropout', '0.5', '--train', '--format', 'json']);
  assert.equal(doc.config.training, true);
  assert.equal(doc.ok, true);
});

test('schema prints JSON Schema for every document', () => {
  const all = runJson<{ $defs: Record<string, unknown> }>(['schema']);
  assert.deepEqual(Object.keys(all.$defs), ['run', 'ndjson-step', 'ndjson-summary', 'compare', 'pipeline', 'inspect', 'doctor', 'explain', 'grad', 'convert', 'diff']);
  const run = runJson<{ type: string; required: string[]; additionalProperties: boolean }>(['schema', 'run']);
  assert.equal(run.type, 'object');
  assert.ok(run.required.includes('shapes') && run.required.includes('parameter_count'));
  assert.equal(run.additionalProperties, false);
});

test('-o writes the output to a file; - reads x from standard input', () => {
  const dir = tempDir();
  const out = join(dir, 'run.json');
  const x = JSON.stringify([[[1, 2, 3]], [[4, 5, 6]]]);
  const r = runCli(['--input', '-', '--hidden', '4', '--format', 'json', '-o', out], { input: x });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const doc = readJson<RunReport>(out);
  assert.deepEqual(doc.shapes.x, [2, 1, 3]);
  assert.equal(doc.config.input_size, 3, 'input_size comes from the file');
});

test('a 2-D input runs unbatched: out (seq_len, hidden), h_n (layers, hidden)', () => {
  const doc = runJson<RunReport>(['--unbatched', '--layers', '2', '--format', 'json']);
  assert.deepEqual(doc.shapes, { x: [10, 100], h_0: [2, 20], out: [10, 20], h_n: [2, 20] });
  assert.deepEqual(doc.dims.out, ['seq_len', 'hidden_size']);
});

test('compare --reference: automatic against the independent float64 reference', () => {
  const doc = runJson<CompareReport>(['compare', '--type', 'gru', '--layers', '2', '--bidirectional', '--lengths', '10,6,3', '--reference', '--format', 'json']);
  compareReportSchema.parse(doc);
  assert.ok(doc.reference, 'compare --reference reports the reference');
  assert.deepEqual(doc.reference.map((r) => r.name), ['out', 'h_n']);
  assert.ok(doc.reference.every((r) => r.ok && r.max_abs_diff > 0 && r.max_abs_diff <= 1e-5), 'float32 vs float64 differ a little, within 1e-5');
  const refused = runCli(['compare', '--reference', '--layers', '2', '--dropout', '0.5', '--train']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^error: --reference: expected eval mode/);
});
