/// <reference lib="dom" />
/**
 * The pages of explain, compare and pipeline (and run's gates and narrow screens) in a real
 * browser: Debian's chromium driven by playwright-core, each page opened from disk with every
 * network request aborted and counted. Each page's embedded document is the one the command
 * prints with --format json; the detail's numbers are checked against the embedded documents, and
 * gate means against explain's own account of the same run. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderHtmlReport } from '../../src/html/report.js';
import type { CompareReport } from '../../src/schema/compare.js';
import type { ExplainReport } from '../../src/schema/explain.js';
import type { PipelineReport } from '../../src/schema/pipeline.js';
import type { RunReport } from '../../src/schema/run.js';
import { item } from '../helpers/checked.js';
import { runCli, runJson } from '../helpers/cli.js';
import {
  background,
  cellSel,
  chromiumMissing,
  cliPage,
  detailValues,
  embedded,
  GRID_CELLS,
  highlighted,
  launch,
  open,
  overflows,
  shot,
  skipWithoutChromium,
  type Browser,
} from '../helpers/browser.js';

let browser: Browser;

const stepOf = (doc: RunReport, l: number, d: string, t: number) => item(doc.layers.find((e) => e.layer === l && e.direction === d)?.steps, t, `layer ${l} ${d} steps`);

describe('explain, compare and pipeline pages in chromium', { skip: skipWithoutChromium || chromiumMissing }, () => {
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('explain: the narrated text (en and zh), its step marked, cells and h_n linked, the document embedded', async () => {
    const args = ['explain', '--type', 'lstm', '--layers', '2', '--hidden', '6', '--bidirectional', '--lengths', '10,7,3', '--step', '4', '--layer', '1'];
    const { file, doc } = cliPage<ExplainReport>(browser, 'explain', args);
    const { page, blocked, errors } = await open(browser, file);
    assert.deepEqual(await embedded(page), doc);
    assert.equal(await page.locator(GRID_CELLS).count(), 2 * 2 * 10);
    // The text is the one the command prints.
    const story = (await page.locator('[data-role="explanation"]').textContent()) ?? '';
    const text = runCli(args).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    assert.ok(text.length > 10);
    for (const line of text) assert.ok(story.includes(line), `the page has the line: ${line}`);
    // Its step, on its layer, both directions.
    const focus = await page.$$eval('[data-focus="true"]', (els) => els.map((e) => `${e.getAttribute('data-layer')}/${e.getAttribute('data-direction')}/${e.getAttribute('data-t')}`).sort());
    assert.deepEqual(focus, ['1/forward/4', '1/reverse/4']);
    // A cell's values are its run's, and its norm is the one the explanation states.
    const run = await embedded<RunReport>(page, 'rnn-inspect-grid-0');
    await page.click(cellSel(1, 'reverse', 4));
    assert.deepEqual(await detailValues(page, 0), stepOf(run, 1, 'reverse', 4).h!.flat());
    const fusion = doc.fusions.find((f) => f.layer === 1 && f.direction === 'reverse')!;
    assert.match((await page.locator('[data-role="detail"]').textContent()) ?? '', new RegExp(`norm${fusion.h.norm.toFixed(4)}`));
    // Gates at the step: the means explain reports.
    for (const g of fusion.gates ?? []) assert.equal(await page.locator(`[data-role="detail"] tr[data-gate="${g.name}"] td`).first().textContent(), g.mean.toFixed(4), `gate ${g.name}`);
    // h_n per sequence: h_n[0] is layer 0 forward at each sequence's last valid step.
    await page.click('[data-hn="0"]');
    assert.deepEqual(item(doc.h_n_slices, 0, 'h_n slices').steps, [9, 6, 2]);
    assert.deepEqual(await highlighted(page), ['0/forward/2', '0/forward/2/2', '0/forward/6', '0/forward/6/1', '0/forward/9', '0/forward/9/0']);
    await page.click('[data-out-t="5"]');
    assert.deepEqual(
      (await highlighted(page)).filter((c) => c.split('/').length === 3),
      ['1/forward/5', '1/reverse/5'],
    );
    await shot(page, 'explain-1400-light');
    await page.setViewportSize({ width: 400, height: 900 });
    assert.equal(await overflows(page), false, 'no sideways scroll of the page at 400 px');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'explain-400-dark');
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
    const zh = cliPage<ExplainReport>(browser, 'explain-zh', ['explain', '--layers', '3', '--hidden', '8', '--lang', 'zh']);
    const opened = await open(browser, zh.file, { colorScheme: 'dark' });
    assert.equal(await opened.page.getAttribute('html', 'lang'), 'zh');
    const zhText = runCli(['explain', '--layers', '3', '--hidden', '8', '--lang', 'zh']).stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    const zhStory = (await opened.page.locator('[data-role="explanation"]').textContent()) ?? '';
    for (const line of zhText) assert.ok(zhStory.includes(line), `the page has the line: ${line}`);
    assert.equal(await opened.page.locator('[data-focus="true"]').count(), 3, 'the last step of every layer');
    assert.notEqual(await background(opened.page), 'rgb(255, 255, 255)');
    assert.deepEqual(opened.blocked, []);
    assert.deepEqual(opened.errors, []);
    await opened.page.close();
  });

  test('compare: the grid is the automatic-minus-manual difference of each cell, within what compare measured', async () => {
    const args = ['compare', '--type', 'gru', '--layers', '2', '--hidden', '5', '--bidirectional', '--lengths', '10,7,3'];
    const { file, doc } = cliPage<CompareReport>(browser, 'compare', args);
    const { page, blocked, errors } = await open(browser, file);
    assert.deepEqual(await embedded(page), doc);
    assert.equal(await page.locator(GRID_CELLS).count(), 2 * 2 * 10);
    assert.equal(await page.locator('table.results tbody tr').count(), doc.results.length);
    const diff = await embedded<RunReport>(page, 'rnn-inspect-grid-0');
    for (const [l, d, t] of [[1, 'forward', 3], [0, 'reverse', 8]] as const) {
      await page.click(cellSel(l, d, t));
      const shown = await detailValues(page, 0);
      assert.deepEqual(shown, stepOf(diff, l, d, t).h!.flat());
      const measured = doc.results.find((r) => r.tensor === 'h' && r.layer === l && r.direction === d)!.max_abs_diff;
      assert.ok(shown.every((v) => Math.abs(v) <= measured), `layer ${l} ${d} t=${t}: every |difference| within compare's max ${measured}`);
      assert.match((await page.locator('[data-role="detail"] h3').textContent()) ?? '', /automatic − manual h_t/);
    }
    await page.click('[data-hn="3"]');
    assert.deepEqual((await highlighted(page)).filter((c) => c.split('/').length === 3), ['1/reverse/0']);
    await page.click('[data-out-t="2"]');
    assert.deepEqual((await highlighted(page)).filter((c) => c.split('/').length === 3), ['1/forward/2', '1/reverse/2']);
    await shot(page, 'compare-1400-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.notEqual(await background(page), 'rgb(255, 255, 255)');
    await page.setViewportSize({ width: 400, height: 900 });
    assert.equal(await overflows(page), false);
    await shot(page, 'compare-400-dark');
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('pipeline: one grid per module, the h_n -> h_0 hand-off followed across grids, independent memories said', async () => {
    const spec = join(browser.work, 'spec.json');
    writeFileSync(
      spec,
      JSON.stringify({
        modules: [
          { name: 'encoder', type: 'lstm', input_size: 100, hidden_size: 6, num_layers: 2 },
          { name: 'decoder', type: 'lstm', input_size: 6, hidden_size: 6, num_layers: 2, h_0_from: 'encoder' },
          { name: 'head', type: 'rnn', input_size: 6, hidden_size: 4, bidirectional: true },
        ],
      }),
    );
    const { file, doc } = cliPage<PipelineReport>(browser, 'pipeline', ['pipeline', '--spec', spec], ['--trace', 'full']);
    const { page, blocked, errors } = await open(browser, file);
    assert.deepEqual(await embedded(page), doc);
    assert.equal(await page.locator(GRID_CELLS).count(), 2 * 10 + 2 * 10 + 1 * 2 * 10);
    assert.deepEqual(await page.$$eval('[data-panel]', (els) => els.map((e) => e.getAttribute('data-module'))), ['encoder', 'decoder', 'head']);
    assert.equal(await page.getAttribute('[data-link="0-1"]', 'data-handoff'), 'true');
    assert.equal(await page.getAttribute('[data-link="1-2"]', 'data-handoff'), null);
    assert.match((await page.locator('[data-link="1-2"] svg').getAttribute('aria-label')) ?? '', /h_0 = zeros: its own memory/);
    // encoder's h_n[1] is its layer 1 at t=9, and becomes decoder's h_0[1].
    const enc = '[data-module="encoder"]';
    const dec = '[data-module="decoder"]';
    await page.click(`${enc} [data-hn="1"]`);
    assert.deepEqual(await highlighted(page, enc), ['1/forward/9']);
    assert.deepEqual(await highlighted(page, dec), []);
    assert.equal(await page.getAttribute(`${dec} [data-h0="1"]`, 'data-highlighted'), 'true');
    const values = await detailValues(page, 0);
    assert.deepEqual(values, stepOf({ ...item(doc.modules, 0, 'modules'), command: 'run', version: doc.version }, 1, 'forward', 9).h!.flat());
    // decoder's first step reads h_0, handed over: encoder's h_n[0] lights up too.
    await page.click(`${dec} ${cellSel(0, 'forward', 0)}`);
    assert.equal(await page.getAttribute(`${enc} [data-hn="0"]`, 'data-relation'), 'reads');
    assert.match((await page.locator('[data-role="detail"]').textContent()) ?? '', /encoder's h_n\[0\], handed over/);
    const decoder = { ...item(doc.modules, 1, 'modules'), command: 'run' as const, version: doc.version };
    assert.deepEqual(await detailValues(page, 0), stepOf(decoder, 0, 'forward', 0).h!.flat());
    // head: bidirectional; its h_n[1] is the reverse direction at t=0; its h_0 is zeros.
    const head = '[data-module="head"]';
    await page.click(`${head} [data-hn="1"]`);
    assert.deepEqual(await highlighted(page, head), ['0/reverse/0']);
    await page.click(`${head} [data-out-t="6"]`);
    assert.deepEqual(await highlighted(page, head), ['0/forward/6', '0/reverse/6']);
    await shot(page, 'pipeline-1400-light');
    await page.setViewportSize({ width: 400, height: 900 });
    assert.equal(await overflows(page), false);
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'pipeline-400-dark');
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('pipeline: a module named <script> renders as text', async () => {
    const spec = join(browser.work, 'hostile-spec.json');
    writeFileSync(spec, JSON.stringify({ modules: [{ name: 'a', type: 'gru', input_size: 4, hidden_size: 3 }, { name: 'b', type: 'gru', input_size: 3, hidden_size: 3, h_0_from: 'a' }] }));
    const doc = runJson<PipelineReport>(['pipeline', '--spec', spec, '--seq-len', '3', '--format', 'json', '--trace', 'full']);
    // Spec names are identifiers; a document from elsewhere (a library caller) may hold anything.
    const hostile = '<script>window.__pwned=1</script>';
    const rename = (n: string): string => (n === 'a' ? hostile : n);
    const renamed: PipelineReport = { ...doc, order: doc.order.map(rename), modules: doc.modules.map((m) => ({ ...m, name: rename(m.name), reads: rename(m.reads), h_0_from: m.h_0_from === null ? null : rename(m.h_0_from) })) };
    const file = join(browser.work, 'hostile-pipeline.html');
    writeFileSync(file, renderHtmlReport(renamed));
    const { page, blocked, errors } = await open(browser, file);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('[data-panel="0"] h3 code').textContent(), hostile);
    assert.equal(await page.getAttribute('[data-panel="0"]', 'data-module'), hostile);
    assert.equal(await page.locator('script').count(), 3);
    await page.click('[data-panel="0"] [data-hn="0"]');
    assert.match((await page.locator('[data-role="detail"] h3').textContent()) ?? '', /^<script>window.__pwned=1<\/script>: h_n\[0\]$/);
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("run: LSTM gates' means are explain's; every page fits 400 px", async () => {
    const args = ['--type', 'lstm', '--layers', '2', '--hidden', '6', '--batch-first'];
    const { file } = cliPage<RunReport>(browser, 'run-gates', args);
    const facts = runJson<ExplainReport>(['explain', ...args, '--step', '3', '--format', 'json']);
    const { page, blocked, errors } = await open(browser, file, { width: 400, colorScheme: 'dark' });
    assert.equal(await overflows(page), false);
    assert.equal(await page.locator('figure.gates').count(), 2);
    for (const f of facts.fusions) {
      await page.click(cellSel(f.layer, f.direction, 3));
      for (const g of f.gates ?? []) assert.equal(await page.locator(`[data-role="detail"] tr[data-gate="${g.name}"] td`).first().textContent(), g.mean.toFixed(4), `layer ${f.layer} gate ${g.name}`);
    }
    assert.equal(await page.locator('[data-heatmap$=":c"]').count(), 2, "c's heatmaps, one per layer");
    await shot(page, 'run-lstm-400-dark');
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
