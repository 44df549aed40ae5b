/// <reference lib="dom" />
/**
 * grad --html in a real browser: the backward grid (dL/dh_t of every layer, direction and step)
 * beside the grad document, opened from disk with every network request aborted. Each cell's norm
 * is the document's ‖dL/dh_t‖, the colours are on a log scale (the gradient spans decades), and
 * h_n[k] links to the step it was taken at.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { GradReport } from '../../src/schema/grad.js';
import type { RunReport } from '../../src/schema/run.js';
import { cellSel, chromiumMissing, cliPage, detailValues, embedded, GRID_CELLS, highlighted, launch, open, shot, skipWithoutChromium, type Browser } from '../helpers/browser.js';

let browser: Browser;

describe('grad --html in chromium', { skip: skipWithoutChromium || chromiumMissing }, () => {
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('the seed example over 50 steps: every cell, its norm, a log scale, h_n linked, nothing fetched', async () => {
    const { file, doc } = cliPage<GradReport>(browser, 'grad-seed', ['grad', '--layers', '4', '--hidden', '20', '--batch-first', '--seq-len', '50']);
    const { page, blocked, errors } = await open(browser, file);
    assert.deepEqual(await embedded(page), doc, 'the page embeds the document --format json prints');
    assert.equal(await page.locator(GRID_CELLS).count(), 4 * 50);
    // Each cell's norm is the document's ‖dL/dh_t‖ (the grid's own statistics of the same gradients).
    const grid = await embedded<RunReport>(page, 'rnn-inspect-grid-0');
    for (const l of doc.layers) {
      const steps = grid.layers.find((e) => e.layer === l.layer && e.direction === l.direction)!.steps;
      l.steps.forEach((s, t) => assert.ok(Math.abs(steps[t]!.norm - s.dh_norm) <= 1e-5 * Math.max(1e-12, s.dh_norm) + 1e-12, `layer ${l.layer} t=${t}: ${steps[t]!.norm} vs ${s.dh_norm}`));
    }
    // Ten decades from t=0 to t=49: a linear scale would paint nearly the whole row one colour.
    const fills = await page.$$eval('[data-layer="3"][data-direction="forward"][data-t]:not([data-b])', (els) => els.map((e) => e.getAttribute('fill')));
    assert.ok(new Set(fills).size >= 25, `distinct colours in the top row: ${new Set(fills).size}`);
    // A cell's detail shows its gradient's values, those of the embedded grid.
    await page.locator(cellSel(3, 'forward', 49)).click();
    const values = await detailValues(page, 0);
    assert.deepEqual(values, grid.layers.find((e) => e.layer === 3)!.steps[49]!.h!.flat());
    const norm = Math.hypot(...values);
    const dh = doc.layers.find((e) => e.layer === 3)!.steps[49]!.dh_norm;
    assert.ok(Math.abs(norm - dh) <= 1e-5 * dh, `the detail's values have the document's norm: ${norm} vs ${dh}`);
    // h_n[3]: the top layer at the last step.
    await page.locator('[data-hn="3"]').first().click();
    assert.deepEqual(await highlighted(page), ['3/forward/49']);
    await shot(page, 'grad-seed-1400-light');
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a bidirectional LSTM with lengths: both directions, h_n per sequence, the decay table', async () => {
    const { file, doc } = cliPage<GradReport>(browser, 'grad-lstm', ['grad', '--type', 'lstm', '--layers', '2', '--hidden', '6', '--bidirectional', '--lengths', '10,4,7']);
    const { page, blocked, errors } = await open(browser, file, { colorScheme: 'dark' });
    assert.equal(await page.locator(GRID_CELLS).count(), 2 * 2 * 10);
    assert.equal(await page.locator('[data-decay]').count(), doc.decay.length);
    await page.locator('[data-hn="3"]').first().click();
    // h_n[3] is layer 1's reverse direction, taken at t=0 for every sequence.
    assert.ok((await highlighted(page)).every((c) => c.startsWith('1/reverse/0')), (await highlighted(page)).join());
    await shot(page, 'grad-lstm-1400-dark');
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
