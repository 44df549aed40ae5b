// `rnn-inspect explain` end to end: the narration's shapes, norms and out/h_n checks, in English and
// Chinese, against numbers computed here from our own x and from `run --format json --include-tensors
// --trace full` (the trace's h_t and c_t rows, out, h_n); and its errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { explainReportSchema, type ExplainReport, type RunReport } from '../../src/schema/index.js';
import { assertUserError, plain, runCli, runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';
import { flatten, list3 } from '../helpers/nested.js';

const DIR = tempDir();

/** A deterministic x, nested as the layout says. */
function makeX(T: number, B: number, I: number, batchFirst: boolean, salt = 1): { time: number[][][]; nested: number[][][] } {
  const v = (t: number, b: number, i: number): number => Math.sin(salt * 0.7 + t * 1.3 + b * 2.1 + i * 0.37) * (1 + ((t + i) % 3) * 0.5);
  const time = Array.from({ length: T }, (_, t) => Array.from({ length: B }, (_, b) => Array.from({ length: I }, (_, i) => v(t, b, i))));
  const nested = batchFirst ? Array.from({ length: B }, (_, b) => time.map((row) => row[b])) : time;
  return { time, nested };
}

/** L2 norm over the rows of the batch elements that are active. */
function norm(rows: readonly (readonly number[])[], active: (b: number) => boolean = () => true): number {
  let sq = 0;
  rows.forEach((row, b) => {
    if (active(b)) for (const v of row) sq += v * v;
  });
  return Math.sqrt(sq);
}

/** The num() format's precision: 4 decimals, or 3 significant digits with an exponent. */
function closeToPrinted(printed: string, expected: number, what: string): void {
  const v = Number(printed);
  assert.ok(Number.isFinite(v), `${what}: "${printed}" is not a number`);
  assert.ok(Math.abs(v - expected) <= 6e-5 + 6e-3 * Math.abs(expected), `${what}: printed ${printed}, expected ${expected}`);
}

function close(actual: number, expected: number, what: string, tol = 1e-5): void {
  assert.ok(Math.abs(actual - expected) <= tol * (1 + Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

/** out[b, t, cols] whatever the layout. */
function outAt(out: number[][][], b: number, t: number, batchFirst: boolean): number[] {
  return batchFirst ? out[b][t] : out[t][b];
}

/**
 * Everything the explanation should say at step t, computed from the run's trace and our x:
 * per layer and direction, the norms of the input, h_{t-1} (c_{t-1}), h_t (c_t); and the checks.
 */
type CheckKind = 'forward_top' | 'reverse_top' | 'padded_last';

interface ExpectedFacts {
  fusions: { layer: number; direction: 'forward' | 'reverse'; norms: number[] }[];
  checks: Partial<Record<CheckKind, number>>;
}

function expectedFacts(run: RunReport, xTime: number[][][], { t, D, L, lengths, batchFirst }: { t: number; D: number; L: number; lengths?: number[]; batchFirst: boolean }): ExpectedFacts {
  const T = xTime.length;
  const B = xTime[0].length;
  const active = (b: number, s: number): boolean => !lengths || s < lengths[b];
  const trace = (l: number, d: number): RunReport['layers'][number] => {
    const found = run.layers.find((x) => x.layer === l && x.direction === (d ? 'reverse' : 'forward'));
    assert.ok(found, `the run traces layer ${l} direction ${d}`);
    return found;
  };
  /** A traced step's h or c rows: --trace full has them. */
  const rowsOf = (step: RunReport['layers'][number]['steps'][number], key: 'h' | 'c'): number[][] => {
    const rows = step[key];
    assert.ok(rows, `--trace full gives ${key} at t=${step.t}`);
    return rows;
  };
  const fusions: ExpectedFacts['fusions'] = [];
  for (let l = 0; l < L; l++) {
    for (let d = 0; d < D; d++) {
      const steps = trace(l, d).steps;
      const input =
        l === 0
          ? norm(xTime[t], (b) => active(b, t))
          : Math.sqrt(Array.from({ length: D }, (_, e) => norm(rowsOf(trace(l - 1, e).steps[t], 'h'), (b) => active(b, t)) ** 2).reduce((a, b) => a + b, 0));
      const prev = (key: 'h' | 'c'): number => {
        const rows = Array.from({ length: B }, (_, b) => {
          const s = d === 0 ? t - 1 : t + 1;
          return s >= 0 && s < T && active(b, s) ? rowsOf(steps[s], key)[b] : rowsOf(steps[t], key)[b].map(() => 0); // h_0 = c_0 = zeros
        });
        return norm(rows, (b) => active(b, t));
      };
      fusions.push({
        layer: l,
        direction: d ? 'reverse' : 'forward',
        norms: [input, prev('h'), ...(steps[t].c ? [prev('c')] : []), norm(rowsOf(steps[t], 'h'), (b) => active(b, t)), ...(steps[t].c ? [norm(rowsOf(steps[t], 'c'), (b) => active(b, t))] : [])],
      });
    }
  }
  // out against h_n, from the tensors.
  const out = list3(run.tensors?.out, 'out');
  const hN = list3(run.tensors?.h_n, 'h_n');
  const H = hN[0][0].length;
  const maxDiff = (step: (b: number) => number, cols: number, slice: number): number => {
    let m = 0;
    for (let b = 0; b < B; b++) {
      const row = outAt(out, b, step(b), batchFirst);
      for (let j = 0; j < H; j++) m = Math.max(m, Math.abs(row[cols + j] - hN[hN.length - slice][b][j]));
    }
    return m;
  };
  const last = (b: number): number => (lengths ? lengths[b] - 1 : T - 1);
  const checks: ExpectedFacts['checks'] = { forward_top: maxDiff(last, 0, D) };
  if (D === 2) checks.reverse_top = maxDiff(() => 0, H, 1);
  if (lengths && lengths.some((n) => n < T)) checks.padded_last = maxDiff(() => T - 1, 0, D);
  return { fusions, checks };
}

/** Norms printed in the fusion lines, in order, one list per line. */
function printedNorms(text: string, lang: string): string[][] {
  const line = lang === 'zh' ? /^ {2}第 \d+ 层（/ : /^ {2}Layer \d+( forward| reverse)? \(/;
  const re = lang === 'zh' ? /范数 (-?[0-9.e+-]+)）/g : /norm (-?[0-9.e+-]+)\)/g;
  return text
    .split('\n')
    .filter((l) => line.test(l))
    .map((l) => [...l.matchAll(re)].map((m) => m[1] ?? ''));
}

/** The `max |A - B| = v` values printed, by expression. */
function printedChecks(text: string): { left: string; right: string; value: string }[] {
  return [...text.matchAll(/max \|(out\[.+?\]) - (h_n\[-\d\])\| = (\d+(?:\.\d+)?(?:e[-+]\d+)?)/g)].map((m) => ({ left: m[1] ?? '', right: m[2] ?? '', value: m[3] ?? '' }));
}

/**
 * Chinese text with no English sentences left: every ASCII word is code (a tensor, a dimension
 * name, a flag, a function), and no two plain English words stand side by side.
 */
const CODE_WORDS = new Set(['LSTM', 'batch', 'first', 'input', 'size', 'hidden', 'num', 'layers', 'directions', 'proj', 'tanh', 'relu', 'weight', 'lengths', 'step', 'layer', 'dropout', 'seq', 'len', 'out', 'max']);
function assertNoEnglish(text: string): void {
  const body = text.replace(/^\S+\(.*?\) 就像/, '就像'); // the module's repr is code
  for (const word of body.match(/[A-Za-z]{4,}/g) ?? []) assert.ok(CODE_WORDS.has(word), `English word "${word}" in:\n${text}`);
  const pair = /(?<![_\w])[A-Za-z]{2,} [A-Za-z]{2,}(?![_\w])/.exec(body);
  assert.equal(pair, null, `English phrase "${pair?.[0]}"`);
}

interface Case {
  name: string;
  args: string[];
  T: number;
  B: number;
  I: number;
  batchFirst: boolean;
  D: number;
  L: number;
  lengths?: number[];
}

const CASES: Case[] = [
  { name: 'RNN, 3 layers, batch-first', args: ['--layers', '3', '--hidden', '6'], T: 6, B: 3, I: 4, batchFirst: true, D: 1, L: 3 },
  { name: 'LSTM, 2 layers', args: ['--type', 'lstm', '--layers', '2', '--hidden', '5'], T: 5, B: 2, I: 3, batchFirst: false, D: 1, L: 2 },
  { name: 'GRU, 2 layers', args: ['--type', 'gru', '--layers', '2', '--hidden', '5'], T: 5, B: 2, I: 3, batchFirst: true, D: 1, L: 2 },
  { name: 'bidirectional RNN, 2 layers', args: ['--layers', '2', '--hidden', '4', '--bidirectional'], T: 5, B: 2, I: 3, batchFirst: true, D: 2, L: 2 },
  { name: 'bidirectional LSTM with proj_size', args: ['--type', 'lstm', '--layers', '2', '--hidden', '6', '--proj-size', '3', '--bidirectional'], T: 4, B: 2, I: 3, batchFirst: false, D: 2, L: 2 },
  { name: 'bidirectional GRU with lengths', args: ['--type', 'gru', '--layers', '2', '--hidden', '4', '--bidirectional', '--lengths', '5,3'], T: 5, B: 2, I: 3, batchFirst: true, D: 2, L: 2, lengths: [5, 3] },
];

for (const c of CASES) {
  describe(`explain: ${c.name}`, () => {
    const x = makeX(c.T, c.B, c.I, c.batchFirst);
    const file = writeJson(DIR, `${c.name.replace(/\W+/g, '_')}.json`, x.nested);
    const base = [...c.args, '--input', file, ...(c.batchFirst ? ['--batch-first'] : [])];
    const run = runJson<RunReport>(['run', ...base, '--format', 'json', '--include-tensors', '--trace', 'full']);
    const steps = [c.T - 1, 1];

    for (const t of steps) {
      test(`JSON facts at step ${t} match the trace, x and the tensors`, () => {
        const facts = runJson<ExplainReport>(['explain', ...base, '--step', String(t), '--format', 'json']);
        explainReportSchema.parse(facts);
        assert.equal(facts.step, t);
        assert.equal(facts.layers.length, c.L);
        assert.equal(facts.fusions.length, c.L * c.D);
        assert.deepEqual(facts.tensors.map((x) => [x.name, x.shape]), Object.entries(run.shapes));
        const want = expectedFacts(run, x.time, { t, D: c.D, L: c.L, lengths: c.lengths, batchFirst: c.batchFirst });
        want.fusions.forEach((w, i) => {
          const f = facts.fusions[i];
          assert.equal(f.layer, w.layer);
          assert.equal(f.direction, w.direction);
          const got = [f.input.norm, f.h_prev.norm, ...(f.c_prev ? [f.c_prev.norm] : []), f.h.norm, ...(f.c ? [f.c.norm] : [])];
          got.forEach((v, k) => close(v, w.norms[k], `layer ${w.layer} ${w.direction} norm #${k}`));
          assert.deepEqual(f.input.shape, [c.B, f.layer === 0 ? c.I : c.D * list3(run.tensors?.h_n, 'h_n')[0][0].length]);
        });
        for (const check of facts.checks) {
          const expected = want.checks[check.kind];
          assert.ok(expected !== undefined, `an expected ${check.kind}`);
          close(check.max_abs_diff, expected, check.kind, 0);
        }
        assert.deepEqual(facts.checks.map((k) => k.kind).sort(), Object.keys(want.checks).sort());
      });
    }

    for (const lang of ['en', 'zh']) {
      test(`text (${lang}) prints the same norms, shapes and check numbers`, () => {
        const t = steps[1];
        const r = runCli(['explain', ...base, '--step', String(t), '--lang', lang]);
        assert.equal(r.code, 0, r.stderr);
        const want = expectedFacts(run, x.time, { t, D: c.D, L: c.L, lengths: c.lengths, batchFirst: c.batchFirst });
        const printed = printedNorms(r.stdout, lang);
        assert.equal(printed.length, c.L * c.D, 'one fusion line per layer and direction');
        printed.forEach((norms, i) => {
          assert.equal(norms.length, want.fusions[i].norms.length);
          norms.forEach((p, k) => closeToPrinted(p, want.fusions[i].norms[k], `${lang} line ${i} norm #${k}`));
        });
        const checks = printedChecks(r.stdout);
        assert.equal(checks.length, Object.keys(want.checks).length, r.stdout);
        const byKind: Record<CheckKind, { value: string } | undefined> = { forward_top: checks[0], reverse_top: c.D === 2 ? checks[1] : undefined, padded_last: checks.at(-1) };
        for (const [kind, value] of Object.entries(want.checks) as [CheckKind, number][]) {
          const printedCheck = byKind[kind];
          assert.ok(printedCheck, `${lang} ${kind} printed`);
          closeToPrinted(printedCheck.value, value, `${lang} ${kind}`);
        }
        assert.equal(checks[0].right, c.D === 2 ? 'h_n[-2]' : 'h_n[-1]');
        for (const [name, shape] of Object.entries(run.shapes)) assert.ok(r.stdout.includes(`(${shape.join(', ')})`), `${name} ${shape} in the text`);
        const layerWord = lang === 'zh' ? (l: number) => `第 ${l} 层` : (l: number) => `Layer ${l}`;
        for (let l = 0; l < c.L; l++) assert.ok(r.stdout.includes(layerWord(l)), `layer ${l} named`);
        assert.ok(!r.stdout.includes(layerWord(c.L)), 'no layer past the top');
        if (lang === 'zh') assertNoEnglish(r.stdout);
      });
    }
  });
}

describe('explain: the seed example (done-when)', () => {
  const SEED = ['explain', '--layers', '3', '--hidden', '20', '--batch-first'];

  test('zh tells the editorial-office story with the run\'s own shapes, in Chinese', () => {
    const r = runCli([...SEED, '--lang', 'zh']);
    assert.equal(r.code, 0, r.stderr);
    for (const term of ['隐藏状态', '时间步', '层', '批次', '编辑部', '编辑', '笔记本', '主编', '实习编辑', '审稿标准', '权重']) assert.ok(r.stdout.includes(term), term);
    assert.match(r.stdout, /x 的形状是 \(3, 10, 100\)/);
    assert.match(r.stdout, /h_0 的形状是 \(3, 3, 20\) = \(num_layers, batch, hidden_size\)/);
    assert.match(r.stdout, /out 的形状是 \(3, 10, 20\)/);
    assert.match(r.stdout, /batch_first 对它不起作用/);
    assert.match(r.stdout, /第 2 层是主编/);
    assert.match(r.stdout, /max \|out\[:, -1, :\] - h_n\[-1\]\| = 0。/);
    assertNoEnglish(r.stdout);
  });

  test('en and zh state the same numbers', () => {
    const en = runCli(SEED).stdout;
    const zh = runCli([...SEED, '--lang', 'zh']).stdout;
    // Norms in order, and shapes (the English text writes a shape and its norm in one bracket).
    const numbers = (s: string): string[] | null => s.replace(/^\S+\(.*?\)/, '').match(/-?\d+\.\d{4}|\(\d+(?:, \d+)+/g);
    assert.deepEqual(numbers(zh), numbers(en));
    assert.ok((numbers(en) ?? []).length > 30);
  });

  test('the default step is the last; -1 is the same step, Python-style', () => {
    const last = runJson<ExplainReport>([...SEED, '--format', 'json']);
    const minus = runJson<ExplainReport>([...SEED, '--format', 'json', '--step', '-1']);
    const nine = runJson<ExplainReport>([...SEED, '--format', 'json', '--step', '9']);
    assert.equal(last.step, 9);
    assert.equal(minus.step_requested, -1);
    assert.deepEqual({ ...minus, step_requested: 0 }, { ...nine, step_requested: 0 });
    assert.deepEqual(last.fusions, nine.fusions);
    assert.match(runCli([...SEED, '--step', '-10']).stdout, /Step t=0 \(--step -10: step 1 of 10\)/);
  });

  test('--layer focuses one layer: its fusion and its row over time only', () => {
    const all = runJson<ExplainReport>([...SEED, '--format', 'json', '--step', '4']);
    const one = runJson<ExplainReport>([...SEED, '--format', 'json', '--step', '4', '--layer', '1']);
    assert.equal(one.focus_layer, 1);
    assert.deepEqual(one.fusions, [all.fusions[1]]);
    assert.deepEqual(one.time_flow, [all.time_flow[1]]);
    assert.deepEqual(runJson<ExplainReport>([...SEED, '--format', 'json', '--layer', '-1']).fusions.map((f) => f.layer), [2]);
    const text = runCli([...SEED, '--step', '4', '--layer', '1']).stdout;
    assert.match(text, /Focused on layer 1/);
    assert.equal(printedNorms(text, 'en').length, 1);
  });

  test('the time-flow row is the trace\'s ‖h_t‖ at every step, the chosen one bracketed', () => {
    const run = runJson<RunReport>(['run', '--layers', '3', '--hidden', '20', '--batch-first', '--format', 'json']);
    const text = runCli([...SEED, '--step', '4']).stdout;
    for (let l = 0; l < 3; l++) {
      const match = new RegExp(`^ {4}layer ${l}: (.*)$`, 'm').exec(text);
      assert.ok(match?.[1] !== undefined, `a time-flow row for layer ${l}`);
      const row = match[1].split(' ');
      assert.equal(row.length, 10);
      assert.match(row[4], /^\[.*\]$/);
      row.forEach((p, t) => closeToPrinted(p.replace(/[[\]]/g, ''), run.layers[l].steps[t].norm, `layer ${l} t=${t}`));
    }
  });
});

describe('explain: packed sequences and the padded-last-step bug', () => {
  test('h_n is each sequence at its own last step; out[:, -1] differs for the shorter ones, by the measured amount', () => {
    const args = ['--layers', '2', '--hidden', '5', '--batch-first', '--lengths', '10,7,3'];
    const run = runJson<RunReport>(['run', ...args, '--format', 'json', '--include-tensors']);
    const facts = runJson<ExplainReport>(['explain', ...args, '--format', 'json']);
    const top = list3(run.tensors?.h_n, 'h_n')[1];
    const out = list3(run.tensors?.out, 'out');
    const diff = (b: number, t: number): number => Math.max(...out[b][t].map((v, j) => Math.abs(v - top[b][j])));
    const padded = facts.checks.find((k) => k.kind === 'padded_last');
    assert.ok(padded, 'a padded_last check');
    assert.deepEqual(padded.differing, [1, 2]);
    close(padded.max_abs_diff, Math.max(diff(0, 9), diff(1, 9), diff(2, 9)), 'padded', 0);
    assert.ok(padded.max_abs_diff > 0);
    assert.equal(facts.checks.find((k) => k.kind === 'forward_top')?.max_abs_diff, Math.max(diff(0, 9), diff(1, 6), diff(2, 2)));
    assert.deepEqual(facts.h_n_slices[0].steps, [9, 6, 2]);
    for (const lang of ['en', 'zh']) {
      const text = runCli(['explain', ...args, '--lang', lang]).stdout;
      assert.match(text, /--lengths 10,7,3/);
      assert.match(text, /t = 9, 6, 2/);
      assert.match(text, /out\[b, lengths\[b\]-1, :\] - h_n\[-1\]\| = 0\b/);
      const pitfall = /max \|out\[:, -1, :\] - h_n\[-1\]\| = (\d+(?:\.\d+)?(?:e[-+]\d+)?)/.exec(text);
      assert.ok(pitfall?.[1] !== undefined, `${lang}: the pitfall's number is printed`);
      closeToPrinted(pitfall[1], padded.max_abs_diff, `${lang} pitfall`);
      assert.match(text, lang === 'zh' ? /批次元素 1, 2/ : /batch elements 1, 2/);
    }
  });
});

describe('explain: output and errors', () => {
  test('schema explain is the JSON Schema of the document', () => {
    const schema = runJson<{ type: string; required: string[] }>(['schema', 'explain']);
    assert.equal(schema.type, 'object');
    assert.ok(schema.required.includes('fusions') && schema.required.includes('checks'));
  });

  test('colour only when asked; --no-color and NO_COLOR give plain text', () => {
    const coloured = runCli(['explain', '--layers', '2'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } }).stdout;
    assert.match(coloured, /\x1b\[1mThe office/);
    const off = runCli(['explain', '--layers', '2', '--no-color'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } }).stdout;
    assert.equal(off, plain(off));
    assert.equal(off, plain(coloured));
  });

  test('unbatched input: shapes without a batch dimension, the check still measured', () => {
    const facts = runJson<ExplainReport>(['explain', '--unbatched', '--layers', '2', '--format', 'json']);
    assert.deepEqual(facts.fusions[0].input.shape, [100]);
    assert.equal(facts.checks[0].left, 'out[-1, :]');
    assert.equal(facts.checks[0].max_abs_diff, 0);
  });

  test('bad --step, --layer, --lang, --format: exit 2 with one error line naming expected and got', () => {
    assertUserError(['explain', '--step', '10'], /--step: expected a time step in 0\.\.9 \(or -10\.\.-1 counting from the end\), got 10$/);
    assertUserError(['explain', '--step', '-11'], /--step: expected .* got -11$/);
    assertUserError(['explain', '--seq-len', '4', '--step', '4'], /--step: expected a time step in 0\.\.3 .*got 4$/);
    assertUserError(['explain', '--step', 'last'], /--step.*expected an integer, got "last"/);
    assertUserError(['explain', '--step', '2.5'], /--step.*expected an integer, got "2.5"/);
    assertUserError(['explain', '--layers', '2', '--layer', '2'], /--layer: expected a layer in 0\.\.1 \(or -2\.\.-1 counting from the top\), got 2$/);
    assertUserError(['explain', '--layer', 'top'], /--layer.*expected an integer, got "top"/);
    assertUserError(['explain', '--lang', 'fr'], /--lang.*expected one of en, zh, got "fr"/);
    assertUserError(['explain', '--format', 'table'], /--format.*expected one of text, json, got "table"/);
  });

  test('the flags of run still apply: a bad model option is the same one-line error', () => {
    assertUserError(['explain', '--type', 'lstm', '--proj-size', '30'], /proj_size/);
    const flat = flatten(runJson<ExplainReport>(['explain', '--format', 'json', '--seq-len', '3']).time_flow.map((r) => r.norms));
    assert.equal(flat.length, 3);
  });
});
