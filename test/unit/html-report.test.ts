/**
 * The HTML report's pure parts: escaping, the colour scale, the value budget and the page's
 * cells, on documents built here (the browser tests drive real pages).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { viridis } from '../../src/html/colour.js';
import { escapeHtml, jsonForScript } from '../../src/html/escape.js';
import { trimToBudget } from '../../src/html/model.js';
import { htmlReportBytes, MAX_REPORT_VALUES, renderHtmlReport } from '../../src/html/report.js';
import { runReportSchema, type RunReport } from '../../src/schema/run.js';

/** A run document of L layers, T steps, B sequences and H features, values from a formula. */
function fakeDoc(L: number, T: number, B: number, H: number, { bidirectional = false, values = true } = {}): RunReport {
  const D = bidirectional ? 2 : 1;
  const dirs = bidirectional ? (['forward', 'reverse'] as const) : (['forward'] as const);
  const shape = { x: [T, B, 7], h_0: [L * D, B, H], out: [T, B, D * H], h_n: [L * D, B, H] };
  return {
    command: 'run',
    version: '0.0.0',
    module: `RNN(7, ${H}, num_layers=${L})`,
    config: { type: 'rnn', input_size: 7, hidden_size: H, num_layers: L, nonlinearity: 'tanh', bias: true, batch_first: false, dropout: 0, bidirectional, proj_size: 0, training: false, seed: 0, batch: B, seq_len: T, unbatched: false },
    shapes: shape,
    dims: { x: ['seq_len', 'batch', 'input_size'], h_0: ['num_layers', 'batch', 'hidden_size'], out: ['seq_len', 'batch', 'hidden_size'], h_n: ['num_layers', 'batch', 'hidden_size'] },
    meanings: { x: 'x', h_0: 'h_0', out: 'out', h_n: 'h_n' },
    h_n_slices: Array.from({ length: L * D }, (_, k) => ({ index: k, layer: Math.floor(k / D), direction: dirs[k % D]!, equals_out: null, max_abs_diff: null, steps: Array(B).fill(k % D ? 0 : T - 1) })),
    parameters: [],
    parameter_count: 0,
    lengths: null,
    layers: Array.from({ length: L * D }, (_, k) => ({
      layer: Math.floor(k / D),
      direction: dirs[k % D]!,
      h_n_index: k,
      reads: 'x[t]',
      steps: Array.from({ length: T }, (_, t) => ({
        t,
        norm: 1 + t + k,
        mean: 0.1 * t,
        min: -0.5,
        max: 0.5,
        valid: B,
        ...(values ? { h: Array.from({ length: B }, (_, b) => Array.from({ length: H }, (_, j) => Math.sin(k + t + b + j))) } : {}),
      })),
    })),
    warnings: [],
    notes: [],
  };
}

test('escaping: markup is text, and embedded JSON cannot close its script element', () => {
  assert.equal(escapeHtml(`<b a="1">&'`), '&lt;b a=&quot;1&quot;&gt;&amp;&#39;');
  const hostile = '</script><!-- <img src=x onerror=alert(1)> & \u2028';
  const json = jsonForScript({ module: hostile });
  assert.ok(!/[<>&\u2028]/.test(json), json);
  assert.ok(json.includes('\\u003c/script\\u003e'));
  assert.deepEqual(JSON.parse(json), { module: hostile });
});

test("viridis: at 0, 0.5 and 1 within 4/255 of matplotlib's table", () => {
  // matplotlib's _viridis_data entries 0, 128 and 255.
  const table: [number, number[]][] = [
    [0, [0.267004, 0.004874, 0.329415]],
    [128 / 255, [0.127568, 0.566949, 0.550556]],
    [1, [0.993248, 0.906157, 0.143936]],
  ];
  for (const [s, ref] of table) {
    const hex = viridis(s);
    const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    rgb.forEach((v, c) => assert.ok(Math.abs(v - ref[c]! * 255) <= 4, `viridis(${s}) = ${hex}, channel ${c}`));
  }
});

test('a document within the budget is embedded unchanged', () => {
  const doc = fakeDoc(2, 5, 3, 4);
  const trimmed = trimToBudget(doc, MAX_REPORT_VALUES);
  assert.equal(trimmed.doc, doc);
  assert.equal(trimmed.note, null);
  assert.equal(trimmed.keptCells, 10);
});

test("over the budget: statistics everywhere, values on h_n's cells and the last steps, within the bound", () => {
  const doc = fakeDoc(3, 40, 4, 50, { bidirectional: true }); // 3*2*40 cells of 200 values = 48,000
  const max = 10_000;
  const { doc: small, keptCells, note } = trimToBudget(doc, max);
  const kept = small.layers.flatMap((l) => l.steps.filter((s) => s.h).map((s) => `${l.layer}/${l.direction}/${s.t}`));
  assert.equal(kept.length, keptCells);
  assert.ok(keptCells * 200 <= max, `${keptCells} cells kept`);
  for (const s of doc.h_n_slices) assert.ok(kept.includes(`${s.layer}/${s.direction}/${s.steps[0]}`), `h_n[${s.index}]'s cell keeps its values`);
  assert.ok(kept.includes('0/forward/39') && kept.includes('2/reverse/38'), 'the last steps keep their values');
  assert.ok(small.layers.every((l, e) => l.steps.every((s, t) => s.norm === doc.layers[e]!.steps[t]!.norm)));
  assert.match(note ?? '', /values are kept for \d+ of 240 cells/);
  runReportSchema.parse(small);
});

test('the tensors of --include-tensors go first', () => {
  const doc = { ...fakeDoc(1, 3, 2, 2), tensors: { out: [Array(6000).fill(0)], h_n: [[0]] } };
  const { doc: small, note } = trimToBudget(doc, 1000);
  assert.equal(small.tensors, undefined);
  assert.ok(small.layers[0]!.steps.every((s) => s.h));
  assert.match(note ?? '', /tensors of --include-tensors \(6001 numbers\) are left out/);
});

test('the page: one cell per layer, direction and step, each h_n slice and out step; a big run stays small', () => {
  const html = renderHtmlReport(fakeDoc(2, 6, 3, 5, { bidirectional: true }));
  assert.equal(html.match(/<rect class="cell[ "]/g)?.length, 2 * 2 * 6);
  assert.equal(html.match(/data-hn="\d/g)?.length, 4);
  assert.equal(html.match(/data-out-t="\d/g)?.length, 6);
  assert.ok(!/\b(src|href)="(https?:)?\/\//.test(html), 'nothing loaded from a network');
  const bigDoc = fakeDoc(4, 100, 32, 64); // 819,200 values
  const big = renderHtmlReport(bigDoc);
  assert.equal(big.match(/<rect class="cell[ "]/g)?.length, 400);
  const bytes = htmlReportBytes(big);
  const documentBytes = JSON.stringify(bigDoc).length;
  console.log(`page ${bytes} bytes; the document alone ${documentBytes}`);
  assert.ok(bytes < 2 * 1024 * 1024 && bytes * 5 < documentBytes, `${bytes} bytes`);
  assert.equal(htmlReportBytes('é'), 2);
});
