/// <reference lib="dom" />
/**
 * The browser tests' shared pieces: Debian's chromium (/usr/bin/chromium) launched headless
 * through playwright-core with a fresh profile, pages opened from disk with every other request
 * aborted and counted, console errors collected, screenshots kept under test-artifacts/
 * (git-ignored), and the queries the tests read pages with. One browser per test file.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { runCli } from './cli.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
export const chromiumMissing = !existsSync(CHROMIUM);
/** The skip reason without chromium (false with it); with CI set the tests fail instead. */
export const skipWithoutChromium: string | false =
  chromiumMissing && !process.env['CI'] ? `${CHROMIUM} not found: install it with apt-get install -y chromium (the browser tests fail instead when CI is set)` : false;

export interface Browser {
  context: BrowserContext;
  /** A scratch folder for the pages, removed by close(). */
  work: string;
  close(): Promise<void>;
}

export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'rnn-inspect-chromium-'));
  const work = mkdtempSync(join(tmpdir(), 'rnn-inspect-browser-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    work,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the CLI with `--html FILE` added and `--format json` (plus `extra`, e.g. --trace full):
 * the page's path and the document stdout printed.
 */
export function cliPage<T>(browser: Browser, name: string, args: readonly string[], extra: readonly string[] = []): { file: string; doc: T } {
  const file = join(browser.work, `${name}.html`);
  const r = runCli([...args, '--format', 'json', ...extra, '--html', file]);
  assert.equal(r.code, 0, r.stderr);
  return { file, doc: JSON.parse(r.stdout) as T };
}

export interface Opened {
  page: Page;
  blocked: string[];
  errors: string[];
}

/** Opens a page from disk (ready when `ready` matches); every request but the file itself is aborted and recorded. */
export async function open(browser: Browser, file: string, { width = 1400, colorScheme = 'light' as 'light' | 'dark', ready = 'html[data-ready="true"]', timeout = 5000 } = {}): Promise<Opened> {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(timeout);
  await page.setViewportSize({ width, height: 900 });
  await page.emulateMedia({ colorScheme });
  const url = pathToFileURL(file).href;
  const blocked: string[] = [];
  const errors: string[] = [];
  await page.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    blocked.push(route.request().url());
    return route.abort();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForSelector(ready);
  return { page, blocked, errors };
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** The highlighted grid cells as "layer/direction/t" (and "/b" for a sequence's cell), sorted; within `scope` when given. */
export async function highlighted(page: Page, scope = ''): Promise<string[]> {
  return page.$$eval(`${scope} [data-layer][data-highlighted="true"]`.trim(), (els) =>
    els.map((e) => [e.getAttribute('data-layer'), e.getAttribute('data-direction'), e.getAttribute('data-t'), e.getAttribute('data-b')].filter((v) => v !== null).join('/')).sort(),
  );
}

export const cellSel = (l: number, d: string, t: number, b?: number): string => `[data-layer="${l}"][data-direction="${d}"][data-t="${t}"]${b === undefined ? ':not([data-b])' : `[data-b="${b}"]`}`;

/** The grid cells of the page (or of `scope`), one per layer, direction and step. */
export const GRID_CELLS = '[data-layer][data-direction][data-t]:not([data-b])';

/** An embedded JSON script's document: the page's own (`rnn-inspect-data`) unless said. */
export async function embedded<T>(page: Page, id = 'rnn-inspect-data'): Promise<T> {
  return JSON.parse(await page.$eval(`script#${id}`, (e) => e.textContent ?? '')) as T;
}

/** The numbers of the detail's units strips, in order (all strips, or the i-th). */
export async function detailValues(page: Page, strip?: number): Promise<number[]> {
  const scope = strip === undefined ? page.locator('[data-role="detail"]') : page.locator('[data-role="detail"] .units').nth(strip);
  return scope.locator('[data-value]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
}

/** Whether the page scrolls sideways (wider than the window). */
export async function overflows(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

export async function background(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
}
