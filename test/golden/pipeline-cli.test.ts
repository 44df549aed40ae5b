// Composed models against real PyTorch (test/fixtures/golden, written by scripts/fixtures/make_golden.py
// with PyTorch 1.13.1): the seed's MyModel,
// an LSTM feeding a GRU, and an encoder-decoder whose encoder h_n is the decoder's h_0, run as
//   rnn-inspect pipeline --spec spec.json --weights sd.json --input x=x.json [--input y=y.json] --format json --include-tensors
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { pipelineReportSchema } from '../../src/schema/index.js';
import { isRecurrentModuleReport } from '../../src/schema/pipeline.js';
import { runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';
import { maxAbsDiff, shapeOf } from '../helpers/nested.js';
import { REGENERATE_HINT, type GoldenFile, type GoldenModule } from '../helpers/golden.js';


type PipelineFile = GoldenFile & { modules: GoldenModule[]; outputs: Record<string, Record<string, unknown>> };

const DIR = new URL('../fixtures/golden/', import.meta.url);
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && f !== 'INDEX.json')
  .map((f) => JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as GoldenFile)
  .filter((g) => g.module === 'pipeline')
  .map((g) => {
    if (g.modules === undefined) throw new Error(`${g.name}: a pipeline case without modules. ${REGENERATE_HINT}`);
    return g as PipelineFile;
  });

export function specOf(g: PipelineFile) {
  return {
    modules: g.modules.map((m) => ({
      name: m.name,
      type: m.module.toLowerCase(),
      ...m.config,
      ...(m.input ? { input: m.input } : {}),
      ...(m.h_0_from ? { h_0_from: m.h_0_from } : {}),
    })),
  };
}

test('the golden set holds the three pipeline cases', () => {
  assert.deepEqual(cases.map((g) => g.name).sort(), ['encoder_decoder_gru', 'pipeline_lstm_gru', 'pipeline_seed_mymodel']);
});

for (const g of cases) {
  test(`pipeline CLI matches PyTorch on ${g.name}`, () => {
    const dir = tempDir();
    const args = ['pipeline', '--spec', writeJson(dir, 'spec.json', specOf(g)), '--weights', writeJson(dir, 'sd.json', g.state_dict)];
    for (const [name, value] of Object.entries(g.inputs)) args.push('--input', `${name}=${writeJson(dir, `${name}.json`, value)}`);
    const doc = pipelineReportSchema.parse(runJson([...args, '--format', 'json', '--include-tensors']));
    assert.deepEqual(doc.modules.map((m) => m.name), g.modules.map((m) => m.name));
    for (const m of doc.modules) {
      assert.ok(isRecurrentModuleReport(m), `${g.name} ${m.name}: a recurrent module`);
      assert.ok(m.tensors, `${g.name} ${m.name}: --include-tensors gives the tensors`);
      for (const t of ['out', 'h_n'] as const) {
        const want: unknown = g.outputs[m.name]?.[t];
        assert.deepEqual(m.shapes[t], shapeOf(want));
        const diff = maxAbsDiff(m.tensors[t], want);
        console.log(`${g.name} ${m.name}.${t}: ${diff <= 1e-5 ? 'OK' : 'MISMATCH'} maxdiff = ${diff.toExponential(2)}`);
        assert.ok(diff <= 1e-5, `${g.name} ${m.name}.${t}: max |diff| ${diff} > 1e-5. ${REGENERATE_HINT}`);
      }
    }
    const fingerprints = new Set(doc.modules.map((m) => m.fingerprint));
    assert.equal(fingerprints.size, doc.modules.length, 'separate modules, separate weights');
  });
}

test('the seed MyModel: both modules with their own shapes, parameter counts and h_n', () => {
  const dir = tempDir();
  const spec = { modules: [{ name: 'rnn1', type: 'rnn', input_size: 100, hidden_size: 50 }, { name: 'rnn2', type: 'rnn', input_size: 50, hidden_size: 20 }] };
  const doc = pipelineReportSchema.parse(runJson(['pipeline', '--spec', writeJson(dir, 'spec.json', spec), '--format', 'json']));
  const [a, b] = doc.modules;
  assert.ok(a && b && isRecurrentModuleReport(a) && isRecurrentModuleReport(b), 'two recurrent modules');
  assert.deepEqual([a.shapes.x, a.shapes.out, a.shapes.h_n], [[10, 3, 100], [10, 3, 50], [1, 3, 50]]);
  assert.deepEqual([b.shapes.x, b.shapes.out, b.shapes.h_n], [[10, 3, 50], [10, 3, 20], [1, 3, 20]]);
  assert.equal(a.parameter_count, 50 * 100 + 50 * 50 + 2 * 50);
  assert.equal(b.parameter_count, 20 * 50 + 20 * 20 + 2 * 20);
  assert.equal(doc.parameter_count, a.parameter_count + b.parameter_count);
  assert.equal(b.reads, 'rnn1');
});
