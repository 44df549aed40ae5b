/**
 * The pages of explain, compare and pipeline, and what they are made from: gate statistics on
 * gates set by hand through the biases, the automatic-minus-manual difference, and the pages'
 * structure on documents built here (the browser tests drive real pages).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LSTM, GRU, RNN } from '../../src/modules/recurrent.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gateCollector } from '../../src/report/gate-stats.js';
import { differenceResult } from '../../src/report/difference.js';
import { renderHtmlReport } from '../../src/html/report.js';
import { inspectShapes } from '../../src/report/index.js';
import { explain } from '../../src/explain/index.js';
import { Pipeline } from '../../src/modules/pipeline.js';
import { buildRunReport } from '../../src/report/run-report.js';
import type { PipelineReport } from '../../src/schema/pipeline.js';
import { item } from '../helpers/checked.js';

/** Zero weights and biases set per gate: each gate's activation is its activation function of the bias. */
function gated<T extends LSTM | GRU>(module: T, biases: readonly number[]): T {
  const H = module.config.hiddenSize;
  const dict = module.stateDict();
  for (const [name, t] of dict) {
    t.data.fill(0);
    if (name.startsWith('bias_ih')) biases.forEach((b, k) => t.data.fill(b, k * H, (k + 1) * H));
  }
  module.loadStateDict(dict);
  return module;
}

const x = (T: number, B: number, F: number): Tensor => new Tensor(Float32Array.from({ length: T * B * F }, (_, i) => Math.sin(i)), [T, B, F]);

test('LSTM gates set by their biases: means and saturation as sigmoid and tanh give them', () => {
  // i = σ(10) ≈ 1 (open), f = σ(-10) ≈ 0 (closed), g = tanh(0) = 0, o = σ(0) = 0.5.
  const module = gated(new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2 }), [10, -10, 0, 0]);
  const gates = gateCollector(module, [3, 1])!;
  module.forward(x(3, 2, 2), { lengths: [3, 1], onStep: gates.onStep, gates: true });
  const stats = gates.stats();
  assert.deepEqual(stats.gates.map((g) => [g.name, g.activation, g.bounds]), [
    ['i', 'sigmoid', [0.1, 0.9]],
    ['f', 'sigmoid', [0.1, 0.9]],
    ['g', 'tanh', [-0.9, 0.9]],
    ['o', 'sigmoid', [0.1, 0.9]],
  ]);
  assert.equal(stats.layers.length, 2);
  for (const layer of stats.layers) {
    assert.equal(layer.steps.length, 3);
    for (const s of layer.steps) {
      const mean = s.mean.map((v) => Math.round(v! * 1e4) / 1e4);
      assert.deepEqual(mean, [1, 0, 0, 0.5], `layer ${layer.layer} t=${s.t}`);
      assert.deepEqual(s.low, [0, 1, 0, 0]);
      assert.deepEqual(s.high, [1, 0, 0, 0]);
    }
  }
});

test('GRU gates: r and z from their biases; n = tanh(b_in) saturates above 0.9; a single-gate RNN has none', () => {
  const module = gated(new GRU({ inputSize: 2, hiddenSize: 4, bidirectional: true }), [-10, 10, 3]);
  const gates = gateCollector(module, null)!;
  module.forward(x(2, 1, 2), { onStep: gates.onStep, gates: true });
  const stats = gates.stats();
  assert.deepEqual(stats.layers.map((l) => l.direction), ['forward', 'reverse']);
  const s = item(item(stats.layers, 1, 'layers').steps, 0, 'steps');
  assert.deepEqual(s.low, [1, 0, 0]);
  assert.deepEqual(s.high, [0, 1, 1], 'tanh(3) = 0.995 is above 0.9');
  assert.ok(Math.abs(s.mean[2]! - Math.tanh(3)) < 1e-6);
  assert.equal(gateCollector(new RNN({ inputSize: 2, hiddenSize: 3 }), null), null);
});

test('a step no sequence has input at keeps null gate statistics', () => {
  const module = gated(new LSTM({ inputSize: 2, hiddenSize: 2 }), [0, 0, 0, 0]);
  const gates = gateCollector(module, [1])!;
  module.forward(x(3, 1, 2), { lengths: [1], onStep: gates.onStep, gates: true });
  const steps = item(gates.stats().layers, 0, 'layers').steps;
  assert.deepEqual(steps.map((s) => s.mean[0]), [0.5, null, null]);
});

test('the difference of a pass with itself is zero everywhere; with a changed weight it is the change', () => {
  const module = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 }).eval();
  const input = x(5, 2, 3);
  const a = module.forward(input);
  const same = differenceResult(a, module.forwardManual(input));
  assert.ok(same.trace.layers.every((l) => l.h.data.every((v) => v === 0) && l.c!.data.every((v) => v === 0)));
  const dict = module.stateDict();
  dict.get('bias_hh_l1')!.data[0]! += 0.5;
  const b = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed: 1 }).eval().loadStateDict(dict).forward(input);
  const d = differenceResult(a, b);
  const l1 = item(d.trace.layers, 1, 'layers');
  const i = 7;
  assert.equal(l1.h.data[i], item(a.trace.layers, 1, 'layers').h.data[i]! - item(b.trace.layers, 1, 'layers').h.data[i]!);
  assert.ok(l1.h.data.some((v) => v !== 0));
  assert.ok(item(d.trace.layers, 0, 'layers').h.data.every((v) => v === 0), 'layer 0 did not change');
  const doc = buildRunReport(module, d, { version: '0', trace: 'full', includeTensors: false, geometry: { seqLen: 5, batch: 2, batched: true, h0Given: false, c0Given: false, lengths: null } });
  assert.equal(item(doc.layers, 0, 'layers').steps.every((s) => s.norm === 0), true);
});

/** A two-module pipeline document (encoder hands its h_n to decoder) with names chosen by the test. */
function pipelineDoc(names: [string, string]): PipelineReport {
  const spec = {
    modules: [
      { name: 'enc', type: 'gru' as const, input_size: 4, hidden_size: 3 },
      { name: 'dec', type: 'gru' as const, input_size: 3, hidden_size: 3, h_0_from: 'enc' },
    ],
  };
  const pipeline = new Pipeline(spec, { seed: 0 });
  const runs = pipeline.forward(new Map([['x', x(4, 2, 4)]]));
  const rename = (n: string): string => (n === 'enc' ? names[0] : n === 'dec' ? names[1] : n);
  return {
    command: 'pipeline',
    version: '0',
    order: pipeline.order.map(rename),
    modules: pipeline.recurrentStages().map((stage) => {
      const run = runs.get(stage.name)!;
      assert.ok('result' in run);
      const { command: _c, version: _v, ...rest } = buildRunReport(stage.module, run.result, { version: '0', trace: 'full', includeTensors: false, geometry: { seqLen: 4, batch: 2, batched: true, h0Given: !!run.h0, c0Given: false, lengths: null } });
      return { name: rename(stage.name), reads: rename(stage.reads), h_0_from: stage.h0From ? rename(stage.h0From) : null, fingerprint: 'f', ...rest };
    }),
    parameter_count: pipeline.parameterCount(),
    warnings: [],
    notes: [],
    unused_keys: [],
  };
}

test('pipeline page: one grid per module, the hand-off marked, hostile names as text only', () => {
  const hostile = '<script>window.__pwned=1</script>';
  const html = renderHtmlReport(pipelineDoc([hostile, 'dec']));
  assert.equal(html.match(/<rect class="cell[ "]/g)?.length, 2 * 4);
  assert.equal(html.match(/data-panel="\d"/g)?.length, 2);
  assert.equal(html.split('<script').length - 1, 3, 'the data, the view and the page script: no other script element');
  assert.ok(html.includes('&lt;script&gt;window.__pwned=1&lt;/script&gt;'));
  assert.match(html, /data-link="0-1" data-handoff="true"/);
  assert.equal(html.match(/class="chip h0 handoff"/g)?.length, 1, "dec's h_0 is enc's h_n");
  assert.equal(html.match(/class="chip hn handoff"/g)?.length, 1);
  const independent = renderHtmlReport({ ...pipelineDoc(['a', 'b']), modules: pipelineDoc(['a', 'b']).modules.map((m) => ({ ...m, h_0_from: null })) });
  assert.doesNotMatch(independent, /data-handoff/);
  assert.match(independent, /h_0 = zeros/);
});

test('explain page: the narrated text in its language, the focus step marked on its layer', () => {
  const module = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 3, seed: 0 }).eval();
  const input = x(6, 2, 3);
  const facts = explain(module, input, { step: 2, layer: 1 });
  const run = inspectShapes(module, { x: input, trace: 'full' });
  for (const lang of ['en', 'zh'] as const) {
    const html = renderHtmlReport(facts, { lang, grids: [run] });
    assert.match(html, new RegExp(`<html lang="${lang}">`));
    const focused = [...html.matchAll(/<rect class="cell[^"]*"[^>]*data-focus="true"[^>]*>/g)].map((m) => /data-layer="(\d+)".*data-t="(\d+)"/.exec(m[0])!.slice(1).join('/'));
    assert.deepEqual(focused, ['1/2']);
  }
  assert.match(renderHtmlReport(facts, { lang: 'zh', grids: [run] }), /编辑/);
  // Without its run, the page is the explanation alone.
  const alone = renderHtmlReport(facts);
  assert.doesNotMatch(alone, /class="cell/);
  assert.match(alone, /data-role="explanation"/);
});
