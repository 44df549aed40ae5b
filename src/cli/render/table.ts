/**
 * Tables that fit a width: each column as wide as its widest line when the table fits, else the
 * widest columns narrowed (kept columns, such as shapes, whole, and no column below its longest
 * word while that is possible) and their cells wrapped; a wide table of a few rows turned on its
 * side. cli-table3 draws them; a long table (the trace: seq_len × batch lines) goes through
 * drawTable, which draws the same characters without measuring every line again: cli-table3
 * measures each line of each cell with string-width several times (a fresh ANSI regular expression
 * and the emoji expression per call), which made the 3-layer, 1000-step full trace take 40.9 s to
 * print against 0.45 s for its JSON (bench/trace-table.js measures it now); it also draws a row
 * spanning every column of a compact table with broken borders.
 */
import type { ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { displayWidth, stripAnsi, wrapLine } from './width.js';

/** A cell: text (lines split at \n), or one spanning several columns. */
export type Cell = string | { content: string; colSpan: number };

export interface TableSpec {
  head: string[];
  rows: Cell[][];
  /** No line between rows (long lists). */
  compact?: boolean;
  /** Per column, the most columns its text takes even when there is room (longer text wraps). */
  maxWidths?: (number | undefined)[];
  /** Per column, whether to keep its cells whole (shapes) while the table fits without breaking them. */
  keep?: (boolean | undefined)[];
  /** Per column, the indent of a wrapped line's continuation (e.g. under "b0: [" of a list of values). */
  hangs?: (number | undefined)[];
}

const SGR = /\x1b\[([0-9;]*)m/g;
const CLOSERS = new Set(['0', '', '22', '23', '24', '27', '28', '29', '39', '49']);

/**
 * Lines of a wrapped cell each closing the styles they open and reopening those still open from
 * the line before, so no colour runs into the border.
 */
export function balanceStyles(lines: string[]): string[] {
  if (!lines.some((l) => l.includes('\x1b'))) return lines;
  let open: string[] = [];
  return lines.map((line) => {
    const prefix = open.join('');
    for (const m of line.matchAll(SGR)) {
      const code = m[1]!;
      if (CLOSERS.has(code)) {
        // 22 closes bold and dim, 39 the foreground, 49 the background, 0 everything
        if (code === '0' || code === '') open = [];
        else open = open.filter((o) => closerOf(o) !== code);
      } else open.push(m[0]);
    }
    const suffix = open.length ? '\x1b[0m' : '';
    return prefix + line + suffix;
  });
}

function closerOf(escape: string): string {
  const code = escape.slice(2, -1).split(';')[0]!;
  const n = Number(code);
  if (n === 1 || n === 2) return '22';
  if (n === 3) return '23';
  if (n === 4) return '24';
  if (n === 7) return '27';
  if ((n >= 30 && n <= 38) || (n >= 90 && n <= 97)) return '39';
  if ((n >= 40 && n <= 48) || (n >= 100 && n <= 107)) return '49';
  return '0';
}

/** The longest unbreakable run of a cell (what it needs not to break a word). */
function longestWord(s: string): number {
  if (PLAIN_LINES.test(s)) {
    let best = 0;
    let run = 0;
    for (let i = 0; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch === 0x20 || ch === 0x0a) run = 0;
      else if (++run > best) best = run;
    }
    return best;
  }
  let best = 0;
  for (const line of stripAnsi(s).split('\n')) for (const w of line.split(' ')) best = Math.max(best, displayWidth(w));
  return best;
}

/** Printable ASCII and line breaks: a column a character. */
const PLAIN_LINES = /^[\x20-\x7e\n]*$/;

const spanOf = (cell: Cell): number => (typeof cell === 'string' ? 1 : cell.colSpan);
const textOf = (cell: Cell): string => (typeof cell === 'string' ? cell : cell.content);

function widestPlainLine(s: string): number {
  let best = 0;
  let from = 0;
  for (let at = s.indexOf('\n'); at >= 0; at = s.indexOf('\n', from)) {
    best = Math.max(best, at - from);
    from = at + 1;
  }
  return Math.max(best, s.length - from);
}

/** Columns of text each column gets (padding and borders excluded) for the table to fit `width`. */
export function columnWidths(spec: TableSpec, width: number): number[] {
  const n = spec.head.length;
  const natural = spec.head.map((h) => displayWidth(h));
  const words = spec.head.map((h) => longestWord(h));
  for (const row of spec.rows) {
    if (row.length === 1 && spanOf(row[0]!) > 1) continue;
    row.forEach((cell, i) => {
      if (typeof cell !== 'string') return;
      natural[i] = Math.max(natural[i]!, PLAIN_LINES.test(cell) ? widestPlainLine(cell) : displayWidth(cell));
      words[i] = Math.max(words[i]!, longestWord(cell));
    });
  }
  spec.maxWidths?.forEach((m, i) => {
    if (m !== undefined && natural[i]! > m) natural[i] = Math.max(m, Math.min(words[i]!, natural[i]!));
  });
  const room = width - (3 * n + 1);
  const total = (cap: number, floor: number[] | null): number => natural.reduce((s, w, i) => s + Math.max(floor ? floor[i]! : 1, Math.min(w, cap)), 0);
  if (natural.reduce((s, w) => s + w, 0) <= room) return natural;
  // The largest cap on every column that fits: first keeping the kept columns whole and the rest's
  // words, then only whole words, then not even those.
  const floor = words.map((w, i) => Math.min(w, natural[i]!));
  const search = (floorOf: number[] | null): number | null => {
    let lo = 1;
    let hi = Math.max(...natural);
    if (total(lo, floorOf) > room) return null;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (total(mid, floorOf) <= room) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const kept = floor.map((w, i) => (spec.keep?.[i] ? natural[i]! : w));
  const withKept = search(kept);
  if (withKept !== null) return fill(natural.map((w, i) => Math.max(kept[i]!, Math.min(w, withKept))), natural, room);
  const withWords = search(floor);
  if (withWords !== null) return fill(natural.map((w, i) => Math.max(floor[i]!, Math.min(w, withWords))), natural, room);
  const cap = search(null) ?? 1;
  return fill(natural.map((w) => Math.max(1, Math.min(w, cap))), natural, room);
}

/** The columns left over by a cap, given one each to the narrowed columns, widest first. */
function fill(widths: number[], natural: number[], room: number): number[] {
  let left = room - widths.reduce((s, w) => s + w, 0);
  const narrowed = widths.map((_, i) => i).filter((i) => widths[i]! < natural[i]!).sort((a, b) => natural[b]! - natural[a]!);
  for (let k = 0; left > 0 && narrowed.length; k = (k + 1) % narrowed.length) {
    const i = narrowed[k]!;
    if (widths[i]! < natural[i]!) {
      widths[i]!++;
      left--;
    } else if (narrowed.every((j) => widths[j]! >= natural[j]!)) break;
  }
  return widths;
}

/** A cell's text wrapped to `w` columns, as lines. */
function wrapCell(text: string, w: number, hang = 0): string[] {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (displayWidth(line) <= w) lines.push(line);
    else lines.push(...balanceStyles(wrapLine(line, w, { indent: ' '.repeat(hang < w / 2 ? hang : 0) })));
  }
  return lines;
}

/** The cells wrapped to the widths; a spanning cell to the width of the columns it spans. */
function wrapRows(spec: TableSpec, widths: number[]): { head: string[][]; rows: string[][][] } {
  const spanWidth = (from: number, span: number): number => widths.slice(from, from + span).reduce((s, w) => s + w, 0) + 3 * (span - 1);
  const wrapRow = (row: Cell[]): string[][] => {
    let col = 0;
    return row.map((cell) => {
      const span = spanOf(cell);
      const lines = wrapCell(textOf(cell), spanWidth(col, span), span === 1 ? spec.hangs?.[col] : 0);
      col += span;
      return lines;
    });
  };
  return { head: wrapRow(spec.head), rows: spec.rows.map(wrapRow) };
}

const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** Whether every column fits `width` without breaking a word. */
function fitsWords(spec: TableSpec, width: number): boolean {
  const n = spec.head.length;
  const words = spec.head.map((h) => longestWord(h));
  for (const row of spec.rows) row.forEach((cell, i) => (words[i] = Math.max(words[i]!, typeof cell === 'string' ? longestWord(cell) : 0)));
  return words.reduce((s, w) => s + w, 0) + 3 * n + 1 <= width;
}

/** Rows at most this many are turned into columns when the table is too wide for its words. */
const TRANSPOSE_MAX_ROWS = 4;

/**
 * A wide table of a few rows (a pipeline's modules, a checkpoint's modules) that cannot fit without
 * breaking its words turns on its side: one row per column of the original, the head down the left.
 */
function reflow(spec: TableSpec, width: number): TableSpec {
  if (fitsWords(spec, width) || !spec.rows.length || spec.rows.length > TRANSPOSE_MAX_ROWS) return spec;
  if (spec.rows.some((r) => r.length !== spec.head.length || r.some((cell) => typeof cell !== 'string'))) return spec;
  const rows = spec.rows as string[][];
  const turned: TableSpec = {
    head: [spec.head[0]!, ...rows.map((r) => stripAnsi(r[0]!))],
    rows: spec.head.slice(1).map((h, i) => [h, ...rows.map((r) => r[i + 1]!)]),
    keep: [false, ...rows.map(() => true)],
    ...(spec.compact ? { compact: true } : {}),
  };
  return fitsWords(turned, width) ? turned : spec;
}

/** The table fitted to `width` and drawn by cli-table3. */
export function renderTable(c: ChalkInstance, given: TableSpec, width: number): string {
  const spec = reflow(given, width);
  const widths = columnWidths({ ...spec, head: spec.head.map((h) => c.bold(h)) }, width);
  const { head, rows } = wrapRows({ ...spec, head: spec.head.map((h) => c.bold(h)) }, widths);
  const t = new Table({
    head: head.map((lines) => lines.join('\n')),
    style: { head: [], border: [] },
    colWidths: widths.map((w) => w + 2),
    ...(spec.compact ? { chars: COMPACT } : {}),
  });
  for (const row of rows) t.push(row.map((lines) => lines.join('\n')));
  return t.toString();
}

/**
 * The table fitted to `width`, drawn line by line with cli-table3's characters; a row of one
 * cell spanning every column is framed by lines that join the columns above and below it.
 */
export function drawTable(c: ChalkInstance, given: TableSpec, width: number): string {
  const spec = reflow(given, width);
  const bold = spec.head.map((h) => c.bold(h));
  const widths = columnWidths({ ...spec, head: bold }, width);
  const { head, rows } = wrapRows({ ...spec, head: bold }, widths);
  const full = widths.reduce((s, w) => s + w, 0) + 3 * (widths.length - 1);
  const rule = (left: string, join: string, right: string, spanned = false): string =>
    left + (spanned ? '─'.repeat(full + 2) : widths.map((w) => '─'.repeat(w + 2)).join(join)) + right;
  const out: string[] = [rule('┌', '┬', '┐')];
  const body = (cells: string[][], spanned: boolean): void => {
    const height = Math.max(1, ...cells.map((l) => l.length));
    const ws = spanned ? [full] : widths;
    for (let k = 0; k < height; k++) {
      let line = '│';
      for (let i = 0; i < ws.length; i++) {
        const text = cells[i]?.[k] ?? '';
        line += ' ' + text + ' '.repeat(Math.max(0, ws[i]! - displayWidth(text))) + ' │';
      }
      out.push(line);
    }
  };
  body(head, false);
  let prevSpanned = false;
  rows.forEach((cells, r) => {
    const spanned = cells.length === 1 && spanOf(spec.rows[r]![0]!) >= widths.length && widths.length > 1;
    if (spanned) out.push(rule('├', '┴', '┤'));
    else if (prevSpanned) out.push(rule('├', '┬', '┤'));
    else if (!spec.compact) out.push(rule('├', '┼', '┤'));
    body(cells, spanned);
    prevSpanned = spanned;
  });
  out.push(prevSpanned ? rule('└', '', '┘', true) : rule('└', '┴', '┘'));
  return out.join('\n');
}
