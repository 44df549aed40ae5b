/// <reference lib="dom" />
/**
 * The HTML report in a real browser: Debian's chromium (/usr/bin/chromium) driven by
 * playwright-core, the page opened from disk with every network request aborted and counted.
 * Without chromium the tests are skipped with a message, unless CI is set: then they fail.
 * Screenshots go to test-artifacts/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderHtmlReport } from '../../src/html/report.js';
import type { RunReport } from '../../src/schema/run.js';
import { CHROMIUM, cellSel, chromiumMissing as missing, cliPage, embedded, highlighted, launch, open as openPage, shot, skipWithoutChromium as skip, type Browser, type Opened } from '../helpers/browser.js';

let browser: Browser;

/** Runs the CLI with --html and --format json --trace full: the page's path and the printed document. */
function report(name: string, args: string[]): { file: string; doc: RunReport } {
  return cliPage<RunReport>(browser, name, args, ['--trace', 'full']);
}

const open = (file: string, options?: { width?: number; colorScheme?: 'light' | 'dark' }): Promise<Opened> => openPage(browser, file, options);

test('chromium is installed for the browser tests', { skip }, () => {
  assert.ok(!missing, `${CHROMIUM} is missing and CI is set: install chromium (apt-get install -y chromium); .ci/run does this`);
});

describe('the HTML report in chromium', { skip: skip || missing }, () => {
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  test('the seed example: 40 cells, no network, the embedded document is the one --format json prints', async () => {
    const { file, doc } = report('seed', ['--layers', '4', '--hidden', '20', '--batch-first']);
    const { page, blocked, errors } = await open(file);
    assert.equal(await page.locator('[data-layer][data-direction][data-t]:not([data-b])').count(), 4 * 1 * 10);
    assert.equal(await page.locator('[data-hn]').count(), 4);
    assert.equal(await page.locator('[data-out-t]').count(), 10);
    assert.deepEqual(await embedded(page), doc);
    await shot(page, 'seed-1400-light');
    await page.setViewportSize({ width: 400, height: 900 });
    await shot(page, 'seed-400-light');
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("clicking a cell shows that h_t's values (those of the document), what it read and where it goes", async () => {
    const { file, doc } = report('seed-click', ['--layers', '4', '--hidden', '20', '--batch-first']);
    const { page, errors } = await open(file);
    await page.click(cellSel(2, 'forward', 4));
    const detail = page.locator('[data-role="detail"]');
    const step = doc.layers.find((l) => l.layer === 2 && l.direction === 'forward')!.steps[4]!;
    const shown = await detail.locator('[data-value]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    assert.deepEqual(shown, step.h!.flat());
    const text = (await detail.textContent()) ?? '';
    assert.match(text, /layer 2, t=4/);
    assert.ok(text.includes(step.norm.toFixed(4)), `the detail shows the norm ${step.norm.toFixed(4)}: ${text}`);
    // Read from the left (t=3) and from below (layer 1 at t=4); goes right (t=5) and up (layer 3 at t=4).
    assert.deepEqual(await highlighted(page), ['1/forward/4', '2/forward/3', '2/forward/5', '3/forward/4']);
    assert.equal(await page.getAttribute(cellSel(2, 'forward', 3), 'data-relation'), 'reads');
    assert.equal(await page.getAttribute(cellSel(3, 'forward', 4), 'data-relation'), 'feeds');
    assert.equal(await page.getAttribute(cellSel(2, 'forward', 4), 'data-selected'), 'true');
    await shot(page, 'seed-selected-cell');
    // Layer 0 reads x[t]; the top layer goes to out[t].
    await page.click(cellSel(0, 'forward', 0));
    assert.equal(await page.getAttribute('[data-x-t="0"]', 'data-highlighted'), 'true');
    await page.click(cellSel(3, 'forward', 9));
    assert.equal(await page.getAttribute('[data-out-t="9"]', 'data-highlighted'), 'true');
    assert.equal(await page.getAttribute('[data-hn="3"]', 'data-highlighted'), 'true');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('h_n[3] highlights layer 3 at t=9; out[t] the top row at t', async () => {
    const { file, doc } = report('seed-hn', ['--layers', '4', '--hidden', '20', '--batch-first']);
    const { page, errors } = await open(file);
    await page.click('[data-hn="3"]');
    assert.deepEqual(await highlighted(page), ['3/forward/9']);
    const hn = await page.locator('[data-role="detail"] [data-value]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    assert.deepEqual(hn, doc.layers[3]!.steps[9]!.h!.flat());
    await page.click('[data-out-t="4"]');
    assert.deepEqual(await highlighted(page), ['3/forward/4']);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('bidirectional: h_n[1] is layer 0 reverse at t=0; out[t] is both halves of the top layer at t', async () => {
    const { file } = report('bidirectional', ['--layers', '2', '--hidden', '8', '--bidirectional']);
    const { page, errors, blocked } = await open(file);
    assert.equal(await page.locator('[data-layer][data-direction][data-t]:not([data-b])').count(), 2 * 2 * 10);
    await page.click('[data-hn="1"]');
    assert.deepEqual(await highlighted(page), ['0/reverse/0']);
    await page.click('[data-out-t="3"]');
    assert.deepEqual(await highlighted(page), ['1/forward/3', '1/reverse/3']);
    // A reverse cell reads from the right and goes left.
    await page.click(cellSel(1, 'reverse', 5));
    assert.equal(await page.getAttribute(cellSel(1, 'reverse', 6), 'data-relation'), 'reads');
    assert.equal(await page.getAttribute(cellSel(1, 'reverse', 4), 'data-relation'), 'feeds');
    assert.equal(await page.getAttribute(cellSel(0, 'forward', 5), 'data-relation'), 'reads');
    assert.equal(await page.getAttribute(cellSel(0, 'reverse', 5), 'data-relation'), 'reads');
    await shot(page, 'bidirectional-1400-light');
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("lengths: padded cells absent, each sequence's last step marked, h_n per sequence", async () => {
    const { file, doc } = report('lengths', ['--layers', '2', '--hidden', '6', '--bidirectional', '--lengths', '10,7,3']);
    const { page, errors } = await open(file);
    const rows = 2 * 2;
    assert.equal(await page.locator('[data-b]').count(), rows * 10 * 3);
    assert.equal(await page.locator('.seq.padded').count(), rows * (0 + 3 + 7));
    assert.equal(await page.locator('.seq.end').count(), rows * 3);
    assert.equal(await page.getAttribute(cellSel(0, 'forward', 6, 1), 'class'), 'seq end');
    await page.click('[data-hn="0"]');
    assert.deepEqual(doc.h_n_slices[0]!.steps, [9, 6, 2]);
    assert.deepEqual(await highlighted(page), ['0/forward/2', '0/forward/2/2', '0/forward/6', '0/forward/6/1', '0/forward/9', '0/forward/9/0']);
    // The reverse pass of sequence 1 starts at its own last valid step, t=6, from h_0.
    await page.click(cellSel(0, 'reverse', 6, 1));
    assert.equal(await page.getAttribute('[data-h0="1"]', 'data-relation'), 'reads');
    await page.click(cellSel(0, 'forward', 8, 2));
    assert.match((await page.locator('[data-role="detail"]').textContent()) ?? '', /Padded: sequence 2 has length 3/);
    assert.deepEqual(await highlighted(page), []);
    // The heatmaps show one sequence: sequence 2 (length 3) has 7 padded steps in each of 6 unit rows.
    await page.selectOption('#rnn-seq-0', '2');
    assert.equal(await page.locator('[data-heatmap="0:forward:h"] rect[fill="url(#rnn-hatch)"]').count(), 6 * 7);
    await page.selectOption('#rnn-seq-0', '0');
    assert.equal(await page.locator('[data-heatmap="0:forward:h"] rect[fill="url(#rnn-hatch)"]').count(), 0);
    await shot(page, 'lengths-1400-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'lengths-1400-dark');
    await page.setViewportSize({ width: 400, height: 900 });
    await shot(page, 'lengths-400-dark');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('LSTM with proj_size, unbatched: h_t (proj_size wide) and c_t (hidden_size wide) in the detail', async () => {
    const { file, doc } = report('lstm', ['--type', 'lstm', '--hidden', '6', '--proj-size', '3', '--layers', '2', '--unbatched', '--seq-len', '5']);
    const { page, errors, blocked } = await open(file);
    assert.equal(await page.locator('[data-layer][data-direction][data-t]:not([data-b])').count(), 2 * 5);
    await page.click(cellSel(1, 'forward', 2));
    const step = doc.layers[1]!.steps[2]!;
    const units = page.locator('[data-role="detail"] .units');
    assert.equal(await units.count(), 2);
    const values = (i: number): Promise<number[]> => units.nth(i).locator('[data-value]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
    assert.deepEqual(await values(0), step.h!.flat());
    assert.deepEqual(await values(1), step.c!.flat());
    assert.equal(step.h![0]!.length, 3);
    assert.equal(step.c![0]!.length, 6);
    await page.click('[data-hn="1"]');
    assert.deepEqual(await highlighted(page), ['1/forward/4']);
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a hostile module name renders as text, in the page and in the embedded JSON', async () => {
    const { doc } = report('hostile-base', ['--layers', '2', '--hidden', '4', '--seq-len', '3']);
    const hostile = `<img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script><!--`;
    const page0 = renderHtmlReport({ ...doc, module: hostile, notes: [hostile] });
    assert.ok(!page0.includes('<img'), 'no <img tag in the page source');
    assert.equal(page0.split('</script>').length - 1, 3, 'only the three script elements of the page close');
    const file = join(browser.work, 'hostile.html');
    writeFileSync(file, page0);
    const { page, errors, blocked } = await open(file);
    assert.equal(await page.locator('h1').textContent(), hostile);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal((await embedded<RunReport>(page)).module, hostile);
    assert.ok(readFileSync(file, 'utf8').includes('\\u003cimg src=x'), 'the embedded JSON escapes < as \\u003c');
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('light and dark colour schemes; the statistic switch recolours the cells', async () => {
    const { file } = report('schemes', ['--layers', '3', '--hidden', '10']);
    const { page, errors } = await open(file, { colorScheme: 'light' });
    const background = (): Promise<string> => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await background();
    assert.equal(light, 'rgb(255, 255, 255)');
    assert.notEqual(dark, light);
    await shot(page, 'schemes-dark');
    const cell = cellSel(1, 'forward', 2);
    const fills = ((await page.getAttribute(cell, 'data-fill')) ?? '').split(' ');
    assert.equal(await page.getAttribute(cell, 'fill'), fills[0]);
    await page.check('input[name="rnn-stat-0"][value="absmax"]');
    assert.equal(await page.getAttribute(cell, 'fill'), fills[2]);
    assert.equal(await page.locator('svg[data-legend="absmax"]').isVisible(), true);
    assert.equal(await page.locator('svg[data-legend="norm"]').isVisible(), false);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('keyboard: tab to the grid, arrows move between cells, Enter selects', async () => {
    const { file } = report('keyboard', ['--layers', '2', '--hidden', '5', '--seq-len', '4']);
    const { page, errors } = await open(file);
    const focused = (): Promise<string | null> =>
      page.evaluate(() => {
        const e = document.activeElement;
        return e && e.hasAttribute('data-layer') ? `${e.getAttribute('data-layer')}/${e.getAttribute('data-direction')}/${e.getAttribute('data-t')}` : null;
      });
    let at: string | null = null;
    for (let i = 0; i < 30 && at === null; i++) {
      await page.keyboard.press('Tab');
      at = await focused();
    }
    assert.equal(at, '1/forward/0', 'Tab reaches the grid at the top layer, t=0');
    assert.match((await page.locator('[data-role="detail"]').textContent()) ?? '', /layer 1, t=0/);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(), '0/forward/1');
    await page.click('[data-out-t="2"]');
    await page.focus(cellSel(0, 'forward', 1));
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute(cellSel(0, 'forward', 1), 'data-selected'), 'true');
    assert.match((await page.locator('[data-role="detail"]').textContent()) ?? '', /layer 0, t=1/);
    assert.equal(await page.getAttribute(cellSel(0, 'forward', 1), 'tabindex'), '0');
    assert.equal(await page.getAttribute(cellSel(1, 'forward', 0), 'tabindex'), '-1');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
