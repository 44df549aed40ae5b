/// <reference lib="dom" />
/**
 * The playground page in a real browser: Debian's chromium (/usr/bin/chromium) driven by
 * playwright-core, the page written by `rnn-inspect playground FILE` and opened from disk with
 * every network request aborted and counted. Its `rnnInspect.run(argv)` is compared with the
 * CLI's `run ARGV --format json` (deep-equal, nothing removed), its controls with what they
 * recompute, its errors with the CLI's error line. Without chromium the tests are skipped with a
 * message, unless CI is set: then they fail. Screenshots go to test-artifacts/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { CHROMIUM, chromiumMissing, launch, open, shot, skipWithoutChromium, type Browser, type Opened } from '../helpers/browser.js';
import type { RunReport } from '../../src/schema/run.js';

const BIN = fileURLToPath(new URL('../../bin/rnn-inspect.js', import.meta.url));
const missing = chromiumMissing;
const skip = skipWithoutChromium;

let browser: Browser;
let file: string;

function cli(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `rnn-inspect run ARGV --format json`: the document, or the exit code and the error line. */
function cliRun(argv: readonly string[]): { code: number | null; doc: RunReport | null; line: string } {
  const r = cli(['run', ...argv, '--format', 'json']);
  return { code: r.code, doc: r.stdout ? (JSON.parse(r.stdout) as RunReport) : null, line: r.stderr.trimEnd() };
}

/** The playground page, once it has computed its first result. */
const openPlayground = (options: { width?: number; colorScheme?: 'light' | 'dark' } = {}): Promise<Opened> => open(browser, file, { ...options, ready: 'html[data-runs="1"]', timeout: 10_000 });

type PageRun = { doc: RunReport } | { message: string; exitCode: number; name: string; document: RunReport | null };

/** `window.rnnInspect.run(argv)` in the page: its document, or what it threw. */
async function pageRun(page: Page, argv: readonly string[]): Promise<PageRun> {
  return page.evaluate((a) => {
    const w = window as unknown as { rnnInspect: { run(argv: string[]): RunReport } };
    try {
      return { doc: w.rnnInspect.run(a) };
    } catch (e) {
      const err = e as Error & { exitCode: number; document: RunReport | null };
      return { message: err.message, exitCode: err.exitCode, name: err.name, document: err.document };
    }
  }, [...argv]);
}

/** Changes the page's controls and waits for the recomputation they cause. */
async function change(page: Page, edit: () => Promise<unknown>): Promise<void> {
  const before = Number(await page.getAttribute('html', 'data-runs'));
  await edit();
  await page.waitForFunction((n) => Number(document.documentElement.getAttribute('data-runs')) > n, before);
}

/** The shapes table as tensor -> shape text. */
async function shapes(page: Page): Promise<Record<string, string>> {
  const rows = await page.$$eval('table.shapes:not(.hn) tbody tr', (trs) => trs.map((tr) => [tr.children[0]!.textContent ?? '', tr.children[1]!.textContent ?? '']));
  return Object.fromEntries(rows);
}

test('chromium is installed for the playground test', { skip }, () => {
  assert.ok(!missing, `${CHROMIUM} is missing and CI is set: install chromium (apt-get install -y chromium); .ci/run does this`);
});

describe('the playground in chromium', { skip: skip || missing }, () => {
  before(async () => {
    browser = await launch();
    file = join(browser.work, 'playground.html');
    const r = cli(['playground', file]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await browser?.close();
  });

  test("run(argv) returns the CLI's JSON document, deep-equal with nothing removed", async () => {
    const { page, blocked, errors } = await openPlayground();
    const cases = [
      ['--layers', '4', '--hidden', '20', '--batch-first'],
      ['--type', 'lstm', '--bidirectional', '--proj-size', '5', '--layers', '2', '--hidden', '8', '--seed', '3'],
      ['--type', 'gru', '--lengths', '10,3,7', '--batch-first', '--layers', '2'],
      ['--unbatched', '--layers', '2', '--input-size', '6'],
      ['--type', 'lstm', '--layers', '3', '--train', '--dropout', '0.4', '--trace', 'full', '--include-tensors', '--seed', '11'],
      ['--nonlinearity', 'relu', '--no-bias', '--trace', 'none', '--expect', 'out=10,3,20'],
    ];
    for (const argv of cases) {
      const want = cliRun(argv);
      assert.equal(want.code, 0, want.line);
      const got = await pageRun(page, argv);
      assert.ok('doc' in got, `run(${JSON.stringify(argv)}) threw: ${'message' in got ? got.message : ''}`);
      assert.deepEqual(got.doc, want.doc, `run(${JSON.stringify(argv)})`);
    }
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("a bad argv throws the CLI's error line and exit code; a failed --expect also carries the document", async () => {
    const { page, errors } = await openPlayground();
    for (const argv of [['--layers', '0'], ['--type', 'transformer'], ['--lengths', '3,2'], ['--proj-size', '4'], ['--hidden', '8', '--proj-size', '9', '--type', 'lstm'], ['--bogus'], ['--seed', '-1']]) {
      const want = cliRun(argv);
      assert.equal(want.code, 2, `the CLI refuses ${argv.join(' ')}`);
      const got = await pageRun(page, argv);
      assert.ok('message' in got, `run(${JSON.stringify(argv)}) should throw`);
      assert.equal(`error: ${got.message}`, want.line, argv.join(' '));
      assert.equal(got.exitCode, 2);
      assert.equal(got.name, 'PlaygroundError');
    }
    const expect = ['--expect', 'out=3,10,20'];
    const want = cliRun(expect);
    assert.equal(want.code, 1);
    const got = await pageRun(page, expect);
    assert.ok('message' in got);
    assert.equal(`error: ${got.message}`, want.line);
    assert.equal(got.exitCode, 1);
    assert.deepEqual(got.document, want.doc, 'the document the CLI printed before failing');
    // A page reads no files: file options are refused by name, whatever the file.
    for (const flag of ['--weights', '--input', '--h0', '--c0', '--save', '--html']) {
      const refused = await pageRun(page, [flag, 'some.json']);
      assert.ok('message' in refused, `${flag} should be refused`);
      assert.equal(refused.message, `${flag}: expected no file in the page (a page reads and writes no files: weights and x are random from --seed), got ${flag} some.json`);
      assert.equal(refused.exitCode, 2);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('changing a control recomputes the shapes table, h_n and the grid with the CLI’s numbers', async () => {
    const { page, blocked, errors } = await openPlayground();
    assert.deepEqual(await shapes(page), { x: '(10, 3, 100)', h_0: '(1, 3, 20)', out: '(10, 3, 20)', h_n: '(1, 3, 20)' });
    await change(page, () => page.fill('#pg-layers', '4'));
    assert.equal((await shapes(page))['h_n'], '(4, 3, 20)');
    await change(page, () => page.check('#pg-batchFirst'));
    assert.deepEqual(await shapes(page), { x: '(3, 10, 100)', h_0: '(4, 3, 20)', out: '(3, 10, 20)', h_n: '(4, 3, 20)' });
    assert.equal(await page.textContent('#pg-argv'), 'rnn-inspect --layers 4 --batch-first');
    assert.equal(await page.locator('[data-layer][data-direction][data-t]:not([data-b])').count(), 40);
    assert.equal(await page.locator('table.hn tbody tr').count(), 4);
    // The grid's document is the CLI's, with the values the detail shows (--trace full).
    const embedded = JSON.parse(await page.$eval('script#rnn-inspect-data', (e) => e.textContent ?? '')) as RunReport;
    assert.deepEqual(embedded, cliRun(['--layers', '4', '--batch-first', '--trace', 'full']).doc);
    // h_n[3] came from layer 3 at t=9: selecting it highlights that cell.
    await page.click('[data-hn="3"]');
    assert.equal(await page.getAttribute('[data-layer="3"][data-direction="forward"][data-t="9"]', 'data-highlighted'), 'true');
    await shot(page, 'playground-seed-1400-light');

    await change(page, () => page.selectOption('#pg-type', 'lstm'));
    await change(page, () => page.check('#pg-bidirectional'));
    await change(page, () => page.fill('#pg-projSize', '5'));
    await change(page, () => page.fill('#pg-lengths', '10,4,7'));
    assert.deepEqual(await shapes(page), { x: '(3, 10, 100)', h_0: '(8, 3, 5)', c_0: '(8, 3, 20)', out: '(3, 10, 10)', h_n: '(8, 3, 5)', c_n: '(8, 3, 20)' });
    assert.equal(await page.locator('table.hn tbody tr').count(), 8);
    assert.match((await page.textContent('table.hn tbody tr:nth-child(7)')) ?? '', /h_n\[6\]\s*3\s*forward\s*b0: t=9, b1: t=3, b2: t=6/);
    const argv = ['--type', 'lstm', '--layers', '4', '--bidirectional', '--batch-first', '--proj-size', '5', '--lengths', '10,4,7'];
    assert.equal(await page.textContent('#pg-argv'), `rnn-inspect ${argv.join(' ')}`);
    const doc = JSON.parse(await page.$eval('script#rnn-inspect-data', (e) => e.textContent ?? '')) as RunReport;
    assert.deepEqual(doc, cliRun([...argv, '--trace', 'full']).doc);
    assert.deepEqual(blocked, []);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("a control the CLI would refuse shows the CLI's error line and keeps the last result, marked stale", async () => {
    const { page, errors } = await openPlayground();
    await change(page, () => page.fill('#pg-batch', '0'));
    const line = cliRun(['--batch', '0']).line;
    assert.match(line, /^error: /);
    assert.equal(await page.textContent('#pg-error'), line);
    assert.equal(await page.getAttribute('#pg-error', 'role'), 'alert');
    assert.equal(await page.getAttribute('#pg-result', 'data-stale'), 'true');
    await change(page, () => page.fill('#pg-batch', '2'));
    assert.equal(await page.isHidden('#pg-error'), true);
    assert.equal((await shapes(page))['x'], '(10, 2, 100)');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('every control is labelled; the page fits 400 px and 1400 px, in light and dark', async () => {
    for (const [width, colorScheme] of [[400, 'dark'], [1400, 'dark'], [400, 'light']] as const) {
      const { page, blocked, errors } = await openPlayground({ width, colorScheme });
      const unlabelled = await page.$$eval('#pg-form input, #pg-form select', (els) => els.filter((e) => !(e as HTMLInputElement).labels?.length || !e.getAttribute('aria-describedby')).map((e) => e.id));
      assert.deepEqual(unlabelled, []);
      assert.equal(await page.locator('#pg-form input, #pg-form select').count(), 11);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no sideways scrolling of the page at ${width} px (the grid scrolls in its box): ${overflow} px over`);
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(bg, colorScheme === 'dark' ? 'rgb(21, 22, 27)' : 'rgb(255, 255, 255)');
      await shot(page, `playground-${width}-${colorScheme}`);
      assert.deepEqual(blocked, []);
      assert.deepEqual(errors, []);
      await page.close();
    }
  });
});
