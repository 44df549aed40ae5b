// Output that fits: every command's human output within 80 columns (--width 80, COLUMNS, the
// default, and a real terminal of 80 columns under `script`), measured as display width with
// ANSI stripped; JSON unchanged by the width; the layers × time heatmap (--view grid, --stat).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { displayWidth } from '../../src/cli/render/width.js';
import type { RunReport } from '../../src/schema/index.js';
import { LSTM, writeTensorsFile } from '../../src/index.js';
import { BIN, plain, runCli, runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';

const SEED_FILES = fileURLToPath(new URL('../fixtures/files/seed/', import.meta.url));
const AGAINST = fileURLToPath(new URL('../fixtures/against/', import.meta.url));
const ONNX = fileURLToPath(new URL('../fixtures/onnx/', import.meta.url));
const SEED = ['--layers', '4', '--hidden', '20', '--batch-first'];

/** Every command with a human output, and the runs the issue measured on the old layout. */
function commands(dir: string): [string, string[]][] {
  const other = join(dir, 'other-weights.safetensors');
  writeTensorsFile(other, new LSTM({ inputSize: 5, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 7 }).stateDict());
  const spec = writeJson(dir, 'spec.json', { modules: [{ name: 'encoder', type: 'lstm', input_size: 100, hidden_size: 50, num_layers: 2, bidirectional: true }, { name: 'decoder', type: 'lstm', input_size: 100, hidden_size: 50, num_layers: 2, bidirectional: true, h_0_from: 'encoder' }] });
  return [
    ['run: the seed example', SEED],
    ['run: LSTM bidirectional', ['--type', 'lstm', '--layers', '2', '--bidirectional']],
    ['run: --trace full, LSTM with lengths', ['--type', 'lstm', '--layers', '2', '--bidirectional', '--lengths', '3,10,7', '--trace', 'full']],
    ['run: 500 steps, elided trace', ['--seq-len', '500', '--layers', '2']],
    ['run: --view grid, 1000 steps', ['--seq-len', '1000', '--layers', '3', '--view', 'grid']],
    ['explain (en)', ['explain', ...SEED]],
    ['explain (zh)', ['explain', ...SEED, '--lang', 'zh']],
    ['explain (zh), LSTM bidirectional', ['explain', '--type', 'lstm', '--layers', '2', '--bidirectional', '--lang', 'zh']],
    ['compare', ['compare', '--layers', '3', '--bidirectional']],
    ['compare --reference', ['compare', '--type', 'gru', '--layers', '2', '--reference']],
    ['compare --against: a loop\'s mistake found', ['compare', '--weights', join(AGAINST, 'reverse-not-reversed', 'weights.pt'), '--input', join(AGAINST, 'reverse-not-reversed', 'x.npy'), '--against', join(AGAINST, 'reverse-not-reversed', 'wrong.npz')]],
    ['doctor: a problem', ['doctor', '--layers', '2', '--hidden', '256', '--batch-first', '--x-shape', '4,35,128', '--h0-shape', '2,64,256']],
    ['doctor: shapes that fit', ['doctor', '--type', 'lstm', '--layers', '2', '--bidirectional', '--x-shape', '10,3,100']],
    ['pipeline: a spec', ['pipeline', '--spec', spec]],
    ['pipeline: a checkpoint', ['pipeline', '--weights', join(SEED_FILES, 'weights.pt')]],
    ['inspect', ['inspect', join(SEED_FILES, 'weights.pt')]],
    ['grad: LSTM bidirectional, 50 steps', ['grad', '--type', 'lstm', '--layers', '2', '--bidirectional', '--seq-len', '50']],
    ['grad --connectivity', ['grad', '--layers', '2', '--seq-len', '30', '--connectivity']],
    ['convert: a long path into ONNX', ['convert', join(ONNX, 'lstm_bi2.state_dict.pt'), join(dir, 'a-rather-long-name-for-the-converted-model.onnx')]],
    ['diff: agreeing files', ['diff', join(ONNX, 'lstm_bi2.state_dict.pt'), join(ONNX, 'lstm_bi2.onnx')]],
    ['diff: other weights, no known cause', ['diff', join(ONNX, 'lstm_bi2.state_dict.pt'), other]],
  ];
}

function widest(text: string): { width: number; line: string } {
  let best = { width: 0, line: '' };
  for (const line of plain(text).replace(/\r/g, '').split('\n')) {
    const w = displayWidth(line);
    if (w > best.width) best = { width: w, line };
  }
  return best;
}

function assertFits(text: string, width: number, what: string): void {
  const w = widest(text);
  assert.ok(w.width <= width, `${what}: a line of ${w.width} columns, wider than ${width}:\n${w.line}`);
}

describe('every command fits 80 columns', () => {
  const dir = tempDir();
  for (const [name, args] of commands(dir)) {
    test(`${name}: --width 80`, () => {
      const r = runCli([...args, '--width', '80']);
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      assert.ok(r.stdout.length > 0);
      assertFits(r.stdout, 80, name);
    });
  }

  test('COLUMNS=80, and the default of 80 when neither --width, a terminal nor COLUMNS says', () => {
    for (const env of [{ COLUMNS: '80' }, { COLUMNS: '' }]) {
      for (const args of [SEED, ['explain', ...SEED, '--lang', 'zh'], ['doctor', '--layers', '2', '--x-shape', '4,35,128', '--h0-shape', '2,64,20']]) {
        assertFits(runCli(args, { env }).stdout, 80, `${args.join(' ')} with COLUMNS=${env.COLUMNS}`);
      }
    }
  });

  test('a wider --width is used: the flow table shows every step at the width it names', () => {
    const at80 = plain(runCli([...SEED, '--width', '80']).stdout);
    const hint = /--width (\d+) shows every\s+step/.exec(at80);
    assert.ok(hint, 'the elided flow table says which width shows every step');
    assert.match(at80, /shown: t=0\.\.\d, …, t=\d\.\.9; left out: t=\d\.\.\d \(\d steps\)/);
    const wide = plain(runCli([...SEED, '--width', hint[1]!]).stdout);
    const flowHead = wide.split('\n').find((l) => l.includes('‖h_t‖') && l.includes('t=0'))!;
    assert.deepEqual(flowHead.match(/t=\d+/g), Array.from({ length: 10 }, (_, t) => `t=${t}`));
    assertFits(wide, Number(hint[1]), 'at the hinted width');
    const narrower = plain(runCli([...SEED, '--width', String(Number(hint[1]) - 1)]).stdout);
    assert.match(narrower, /left out/);
  });

  test('--width takes a number of at least 40 columns', () => {
    const r = runCli([...SEED, '--width', '20']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^error: .*--width.*expected a width of at least 40 columns, got "20"\n$/);
  });

  test('JSON and NDJSON do not change with the width', () => {
    for (const format of ['json', 'ndjson']) {
      const base = runCli(['--layers', '2', '--format', format]).stdout;
      assert.equal(runCli(['--layers', '2', '--format', format, '--width', '40']).stdout, base, format);
      assert.equal(runCli(['--layers', '2', '--format', format], { env: { COLUMNS: '40' } }).stdout, base, `${format}, COLUMNS=40`);
    }
    const explain = runCli(['explain', '--format', 'json']).stdout;
    assert.equal(runCli(['explain', '--format', 'json', '--width', '40']).stdout, explain);
  });

  test('the elided trace (500 steps) keeps its borders: every line of a table as wide as its frame', () => {
    const text = plain(runCli(['--seq-len', '500', '--width', '80']).stdout);
    const trace = text.slice(text.indexOf('Trace, per layer and step'));
    const table = trace.split('\n').filter((l) => /^[┌│├└]/.test(l));
    assert.ok(table.some((l) => l.includes('488 steps')), 'the elision row');
    assert.equal(new Set(table.map(displayWidth)).size, 1, table.join('\n'));
    for (const l of table) assert.match(l, /[┐│┤┘]$/);
  });
});

/** The CLI in a real terminal of `cols` columns (util-linux `script` gives it a pseudo-terminal). */
function inTerminal(cols: number, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // stderr aside: an error is one line whatever the width (the rule for errors).
  const r = spawnSync('script', ['-qec', `stty cols ${cols}; ${quoted} 2>/dev/null`, '/dev/null'], {
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: '', NO_COLOR: '', FORCE_COLOR: '', TERM: 'xterm-256color', ...env },
  });
  assert.equal(r.error, undefined, `script (util-linux) runs: ${r.error?.message}`);
  assert.ok(r.status === 0 || r.status === 1, r.stderr + r.stdout);
  return r.stdout;
}

describe('in a real terminal (script, stty cols)', () => {
  const dir = tempDir();
  test('every command fits an 80-column terminal, with no --width and no COLUMNS', () => {
    for (const [name, args] of commands(dir)) assertFits(inTerminal(80, args), 80, name);
  });

  test('the terminal width is read: a 120-column terminal gets wider tables, within 120', () => {
    const text = inTerminal(120, ['--type', 'lstm', '--layers', '2', '--bidirectional']);
    assertFits(text, 120, 'at 120');
    assert.ok(widest(text).width > 80, 'wider than 80');
    // A run big enough for the worker thread reads the same width.
    const big = inTerminal(120, ['--layers', '3', '--seq-len', '2000', '--trace', 'none'], { RNN_INSPECT_INLINE_MAX_MACS: '0' });
    assertFits(big, 120, 'in the worker');
    assert.ok(widest(big).width > 80, 'wider than 80, in the worker');
  });

  test('a colour terminal gets the heatmap in the table output; a pipe does not', () => {
    const text = inTerminal(80, SEED);
    assert.match(text, /\x1b\[48;5;\d+m/, 'viridis backgrounds');
    assert.match(plain(text), /^Grid {2}‖h_t‖/m);
    assert.doesNotMatch(plain(runCli(SEED).stdout), /^Grid/m);
    assert.doesNotMatch(plain(inTerminal(80, [...SEED, '--no-color'])), /^Grid/m, '--no-color: a terminal without colour');
  });
});

/** The grid's rows: label, then the cells (each `cellW` columns, a space between). */
function gridRows(text: string): { label: string; cells: string[]; note: string }[] {
  const rows: { label: string; cells: string[]; note: string }[] = [];
  for (const line of plain(text).split('\n')) {
    const m = /^(layer \d+(?: [→←])?) +(.*?)(?: (◆ [hc]_n\[\d+\].*))?$/u.exec(line);
    if (!m || !/[░▒▓█◆]|^ {3}/u.test(m[2]!)) continue;
    rows.push({ label: m[1]!, cells: m[2]!.match(/.{1,3}(?: |$)/gu)!.map((c) => c.trimEnd().padEnd(3)), note: m[3] ?? '' });
  }
  return rows;
}

describe('the heatmap (--view grid)', () => {
  test('the seed example without colour: 4 rows × 10 columns of shade characters, top layer first, h_n at t=9', () => {
    const text = runCli([...SEED, '--view', 'grid']).stdout;
    const rows = gridRows(text);
    assert.deepEqual(rows.map((r) => r.label), ['layer 3', 'layer 2', 'layer 1', 'layer 0']);
    for (const [k, row] of rows.entries()) {
      assert.equal(row.cells.length, 10, row.cells.join('|'));
      for (const cell of row.cells) assert.match(cell, /^[░▒▓█]{2}[░▒▓█◆]$/u, 'fall-back characters only');
      assert.ok(row.cells.slice(0, 9).every((c) => !c.includes('◆')) && row.cells[9]!.endsWith('◆'), 'h_n taken at the last step');
      assert.match(row.note, new RegExp(`◆ h_n\\[${3 - k}\\]`));
    }
    assert.match(rows[0]!.note, /\(out\)/, 'the top row is out');
    assert.match(plain(text), /scale \(shades, ‖h_t‖ \(L2 norm\)\): ░ [\d.]+ {2}▒ [\d.]+ {2}▓ [\d.]+ {2}█ [\d.]+ {2}to [\d.]+/);
    assert.doesNotMatch(text, /\x1b\[/, 'no escapes without colour');
    assert.doesNotMatch(plain(text), /^Shapes/m, 'the grid alone');
  });

  test('the seed example in colour: 4 rows × 10 viridis cells and a legend of 8 levels', () => {
    const text = runCli([...SEED, '--view', 'grid'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } }).stdout;
    const lines = text.split('\n').filter((l) => l.startsWith('layer '));
    assert.equal(lines.length, 4);
    for (const line of lines) assert.equal(line.match(/\x1b\[48;5;\d+m/g)?.length, 10, JSON.stringify(line));
    const legend = text.split('\n').slice(text.split('\n').findIndex((l) => l.includes('scale (viridis')));
    assert.equal(legend.join('\n').match(/\x1b\[48;5;\d+m/g)?.length, 8);
    const truecolor = runCli([...SEED, '--view', 'grid'], { env: { NO_COLOR: '', FORCE_COLOR: '1', COLORTERM: 'truecolor' } }).stdout;
    assert.match(truecolor, /\x1b\[48;2;68;1;84m/, '24-bit viridis when the terminal takes it');
  });

  test('the levels follow the statistic: each cell its level of the run\'s own numbers (--stat norm|mean|absmax)', () => {
    const report = runJson<RunReport>([...SEED, '--format', 'json']);
    const stats = {
      norm: (s: RunReport['layers'][number]['steps'][number]) => s.norm,
      mean: (s: RunReport['layers'][number]['steps'][number]) => s.mean,
      absmax: (s: RunReport['layers'][number]['steps'][number]) => Math.max(Math.abs(s.min), Math.abs(s.max)),
    };
    const shades = ['░', '▒', '▓', '█'];
    for (const [stat, of] of Object.entries(stats)) {
      const rows = gridRows(runCli([...SEED, '--view', 'grid', '--stat', stat]).stdout);
      const layers = [...report.layers].sort((a, b) => b.layer - a.layer);
      const all = layers.flatMap((l) => l.steps.map(of));
      const lo = Math.min(...all);
      const hi = Math.max(...all);
      layers.forEach((l, k) => {
        l.steps.forEach((s, t) => {
          const level = Math.min(3, Math.floor(((of(s) - lo) / (hi - lo)) * 4));
          assert.equal(rows[k]!.cells[t]![0], shades[level], `${stat}: layer ${l.layer}, t=${t}`);
        });
      });
    }
    const legends = ['norm', 'mean', 'absmax'].map((stat) => /scale .*/.exec(plain(runCli([...SEED, '--view', 'grid', '--stat', stat]).stdout))![0]);
    assert.equal(new Set(legends).size, 3, 'a legend per statistic');
    assert.match(runCli([...SEED, '--view', 'grid', '--stat', 'max']).stderr, /^error: .*--stat.*norm, mean, absmax|^error: .*--stat.*expected/);
  });

  test('bidirectional: both directions of each layer labelled, h_n of the reverse direction at t=0', () => {
    const rows = gridRows(runCli(['--layers', '2', '--bidirectional', '--view', 'grid']).stdout);
    assert.deepEqual(rows.map((r) => r.label), ['layer 1 →', 'layer 1 ←', 'layer 0 →', 'layer 0 ←']);
    for (const row of rows) {
      const at = row.cells.findIndex((c) => c.includes('◆'));
      assert.equal(at, row.label.endsWith('←') ? 0 : 9, row.label);
    }
    assert.deepEqual(rows.map((r) => /h_n\[(\d)\]/.exec(r.note)![1]), ['2', '3', '0', '1']);
  });

  test('--lengths: one grid per sequence, padded steps empty, h_n at each sequence\'s last valid step; LSTM: c_t too', () => {
    const lengths = [3, 10, 7];
    const text = runCli(['--type', 'lstm', '--layers', '2', '--lengths', lengths.join(','), '--view', 'grid']).stdout;
    const [h, c] = plain(text).split(/^Grid of c_t/m);
    assert.ok(c, 'a grid of c_t');
    for (const part of [h!, c!]) {
      const rows = gridRows(part);
      assert.equal(rows.length, 2 * lengths.length, 'two layers per sequence');
      lengths.forEach((length, b) => {
        for (const row of rows.slice(2 * b, 2 * b + 2)) {
          const cells = [...row.cells, ...Array(10).fill('   ')].slice(0, 10);
          cells.forEach((cell, t) => (t < length ? assert.match(cell, /^[░▒▓█]{2}[░▒▓█◆]$/u) : assert.equal(cell.trim(), '', `b=${b} t=${t} padded: empty`)));
          assert.ok(cells[length - 1]!.endsWith('◆'), `b=${b}: h_n at t=${length - 1}`);
        }
      });
      assert.equal((part.match(/sequence b=\d \(length \d+\)/g) ?? []).length, 3);
    }
  });

  test('1000 steps are binned to the width, saying so; --format json is unchanged by --view', () => {
    const text = plain(runCli(['--seq-len', '1000', '--layers', '3', '--view', 'grid', '--width', '80']).stdout);
    const bins = /binned: (\d+) columns of (\d+) steps each/.exec(text);
    assert.ok(bins, text);
    assert.ok(Number(bins[1]) * Number(bins[2]) >= 1000 && (Number(bins[1]) - 1) * Number(bins[2]) < 1000);
    const rows = text.split('\n').filter((l) => /^layer \d/.test(l));
    assert.equal(rows.length, 3);
    for (const row of rows) assert.equal(row.replace(/^layer \d +/, '').replace(/ ◆ h_n.*$/, '').length, Number(bins[1]), row);
    assert.equal(runCli(['--format', 'json', '--view', 'grid']).stdout, runCli(['--format', 'json']).stdout);
  });
});
