/**
 * Display width and wrapping for the terminal: how many columns a string takes (ANSI escapes
 * none, East Asian Wide and Fullwidth characters two, combining marks none), and prose wrapped
 * to a width, at word boundaries in Latin text and between any two characters in Chinese text.
 *
 * The output width: --width N, else the terminal's columns when standard output is a terminal,
 * else COLUMNS, else DEFAULT_WIDTH.
 */

/** The width when neither --width, a terminal nor COLUMNS says one. */
export const DEFAULT_WIDTH = 80;
/** No layout is attempted below this; a smaller --width is refused. */
export const MIN_WIDTH = 40;

/**
 * The output width by the rule above. `terminalColumns` is the terminal's width when standard output
 * is one (and the output goes there), else undefined.
 */
export function outputWidth(flag: number | undefined, terminalColumns: number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  if (flag !== undefined) return flag;
  if (terminalColumns !== undefined && terminalColumns > 0) return Math.max(MIN_WIDTH, terminalColumns);
  const columns = Number(env['COLUMNS']);
  if (env['COLUMNS'] && Number.isInteger(columns) && columns > 0) return Math.max(MIN_WIDTH, columns);
  return DEFAULT_WIDTH;
}

// East Asian Width W and F (Unicode 15.1 EastAsianWidth.txt), as [first, last] code points.
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f], [0x231a, 0x231b], [0x2329, 0x232a], [0x23e9, 0x23ec], [0x23f0, 0x23f0], [0x23f3, 0x23f3],
  [0x25fd, 0x25fe], [0x2614, 0x2615], [0x2648, 0x2653], [0x267f, 0x267f], [0x2693, 0x2693], [0x26a1, 0x26a1],
  [0x26aa, 0x26ab], [0x26bd, 0x26be], [0x26c4, 0x26c5], [0x26ce, 0x26ce], [0x26d4, 0x26d4], [0x26ea, 0x26ea],
  [0x26f2, 0x26f3], [0x26f5, 0x26f5], [0x26fa, 0x26fa], [0x26fd, 0x26fd], [0x2705, 0x2705], [0x270a, 0x270b],
  [0x2728, 0x2728], [0x274c, 0x274c], [0x274e, 0x274e], [0x2753, 0x2755], [0x2757, 0x2757], [0x2795, 0x2797],
  [0x27b0, 0x27b0], [0x27bf, 0x27bf], [0x2b1b, 0x2b1c], [0x2b50, 0x2b50], [0x2b55, 0x2b55], [0x2e80, 0x303e],
  [0x3041, 0x33ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xa000, 0xa4cf], [0xa960, 0xa97f], [0xac00, 0xd7a3],
  [0xf900, 0xfaff], [0xfe10, 0xfe19], [0xfe30, 0xfe6f], [0xff00, 0xff60], [0xffe0, 0xffe6], [0x16fe0, 0x16fe4],
  [0x17000, 0x18cd5], [0x1b000, 0x1b2fb], [0x1f004, 0x1f004], [0x1f0cf, 0x1f0cf], [0x1f18e, 0x1f18e],
  [0x1f191, 0x1f19a], [0x1f200, 0x1f251], [0x1f260, 0x1f265], [0x1f300, 0x1f320], [0x1f32d, 0x1f335],
  [0x1f337, 0x1f37c], [0x1f37e, 0x1f393], [0x1f3a0, 0x1f3ca], [0x1f3cf, 0x1f3d3], [0x1f3e0, 0x1f3f0],
  [0x1f3f4, 0x1f3f4], [0x1f3f8, 0x1f43e], [0x1f440, 0x1f440], [0x1f442, 0x1f4fc], [0x1f4ff, 0x1f53d],
  [0x1f54b, 0x1f54e], [0x1f550, 0x1f567], [0x1f57a, 0x1f57a], [0x1f595, 0x1f596], [0x1f5a4, 0x1f5a4],
  [0x1f5fb, 0x1f64f], [0x1f680, 0x1f6c5], [0x1f6cc, 0x1f6cc], [0x1f6d0, 0x1f6d2], [0x1f6d5, 0x1f6d7],
  [0x1f6dc, 0x1f6df], [0x1f6eb, 0x1f6ec], [0x1f6f4, 0x1f6fc], [0x1f7e0, 0x1f7eb], [0x1f7f0, 0x1f7f0],
  [0x1f90c, 0x1f93a], [0x1f93c, 0x1f945], [0x1f947, 0x1f9ff], [0x1fa70, 0x1fa7c], [0x1fa80, 0x1fa88],
  [0x1fa90, 0x1fabd], [0x1fabf, 0x1fac5], [0x1face, 0x1fadb], [0x1fae0, 0x1fae8], [0x1faf0, 0x1faf8],
  [0x20000, 0x2fffd], [0x30000, 0x3fffd],
];

function inRanges(cp: number, ranges: readonly (readonly [number, number])[]): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [a, b] = ranges[mid]!;
    if (cp < a) hi = mid - 1;
    else if (cp > b) lo = mid + 1;
    else return true;
  }
  return false;
}

// Combining marks, zero-width spaces and joiners, variation selectors: no column of their own.
const ZERO: readonly (readonly [number, number])[] = [
  [0x0300, 0x036f], [0x0483, 0x0489], [0x0591, 0x05bd], [0x0610, 0x061a], [0x064b, 0x065f], [0x0e31, 0x0e31],
  [0x0e34, 0x0e3a], [0x0e47, 0x0e4e], [0x1ab0, 0x1aff], [0x1dc0, 0x1dff], [0x200b, 0x200f], [0x2028, 0x202e],
  [0x2060, 0x2064], [0x20d0, 0x20ff], [0x302a, 0x302d], [0x3099, 0x309a], [0xfe00, 0xfe0f], [0xfe20, 0xfe2f],
  [0xfeff, 0xfeff], [0xe0100, 0xe01ef],
];

/** Columns one code point takes: 0, 1 or 2. */
export function codePointWidth(cp: number): 0 | 1 | 2 {
  if (cp < 0x300) return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ? 0 : 1;
  if (inRanges(cp, ZERO)) return 0;
  return inRanges(cp, WIDE) ? 2 : 1;
}

/** ANSI escape sequences: CSI (colours, \x1b[...m) and OSC (links, ending in BEL or ST). */
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/y;
const PLAIN = /^[\x20-\x7e]*$/;

/** The columns `s` takes on one line (its widest line if it holds several). */
export function displayWidth(s: string): number {
  if (PLAIN.test(s)) return s.length;
  let widest = 0;
  let w = 0;
  for (let i = 0; i < s.length; ) {
    const ch = s.charCodeAt(i);
    if (ch === 0x1b) {
      ANSI.lastIndex = i;
      if (ANSI.test(s)) {
        i = ANSI.lastIndex;
        continue;
      }
    }
    if (ch === 0x0a) {
      widest = Math.max(widest, w);
      w = 0;
      i++;
      continue;
    }
    const cp = s.codePointAt(i)!;
    w += codePointWidth(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return Math.max(widest, w);
}

/** Removes ANSI escape sequences. */
export function stripAnsi(s: string): string {
  return s.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '');
}

/** One unit of wrapping: a word, a space run, or a wide character; escapes ride on the unit after them. */
interface Piece {
  text: string;
  width: number;
  space: boolean;
}

/** Closing punctuation that must not start a line (Chinese line breaking rules, simplified). */
const NO_LINE_START = /^[，。、；：？！）》」』】〕…—,.;:?!)\]]/u;

function pieces(s: string): Piece[] {
  const out: Piece[] = [];
  let cur = '';
  let curW = 0;
  let pending = '';
  const flush = (): void => {
    if (cur) out.push({ text: cur, width: curW, space: false });
    cur = '';
    curW = 0;
  };
  for (let i = 0; i < s.length; ) {
    const ch = s.charCodeAt(i);
    if (ch === 0x1b) {
      ANSI.lastIndex = i;
      if (ANSI.test(s)) {
        const esc = s.slice(i, ANSI.lastIndex);
        // A closing escape belongs to the word before it, an opening one to the word after.
        if (cur) cur += esc;
        else pending += esc;
        i = ANSI.lastIndex;
        continue;
      }
    }
    const cp = s.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    const chText = s.slice(i, i + len);
    i += len;
    if (cp === 0x20) {
      flush();
      const last = out[out.length - 1];
      if (last?.space) {
        last.text += ' ';
        last.width++;
      } else out.push({ text: pending + ' ', width: 1, space: true });
      pending = '';
      continue;
    }
    const w = codePointWidth(cp);
    if (w === 2) {
      // A wide character is a unit of its own; closing punctuation sticks to the one before it.
      flush();
      const last = out[out.length - 1];
      if (last && !last.space && NO_LINE_START.test(chText)) {
        last.text += pending + chText;
        last.width += w;
      } else out.push({ text: pending + chText, width: w, space: false });
      pending = '';
      continue;
    }
    const prev = out[out.length - 1];
    if (!cur && prev && !prev.space && prev.width === 2 && !pending) {
      // A narrow character straight after a wide one may break there (Chinese text mixes both);
      // closing punctuation does not.
      if (NO_LINE_START.test(chText)) {
        prev.text += chText;
        prev.width += w;
        continue;
      }
    }
    cur += pending + chText;
    curW += w;
    pending = '';
  }
  flush();
  if (pending) {
    const last = out[out.length - 1];
    if (last) last.text += pending;
    else out.push({ text: pending, width: 0, space: false });
  }
  return out;
}

/** Splits one piece wider than `width` into pieces that fit, character by character. */
function hardBreak(p: Piece, width: number): Piece[] {
  const out: Piece[] = [];
  let cur = '';
  let curW = 0;
  for (let i = 0; i < p.text.length; ) {
    if (p.text.charCodeAt(i) === 0x1b) {
      ANSI.lastIndex = i;
      if (ANSI.test(p.text)) {
        cur += p.text.slice(i, ANSI.lastIndex);
        i = ANSI.lastIndex;
        continue;
      }
    }
    const cp = p.text.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    const w = codePointWidth(cp);
    if (curW + w > width && curW > 0) {
      out.push({ text: cur, width: curW, space: false });
      cur = '';
      curW = 0;
    }
    cur += p.text.slice(i, i + len);
    curW += w;
    i += len;
  }
  if (cur) out.push({ text: cur, width: curW, space: false });
  return out;
}

export interface WrapOptions {
  /** Put before each line after the first (a hanging indent); default the first line's leading spaces. */
  indent?: string;
}

/**
 * One line of text wrapped to `width` columns: at spaces, between wide characters, and inside a
 * word only when the word alone is wider than the line. Lines it breaks lose their trailing
 * spaces; continuation lines start with `indent`.
 */
export function wrapLine(text: string, width: number, options: WrapOptions = {}): string[] {
  if (displayWidth(text) <= width) return [text];
  const lead = /^ */.exec(stripAnsi(text))![0];
  const indent = options.indent ?? lead;
  if (PLAIN.test(text) && PLAIN.test(indent)) return wrapPlain(text, width, indent);
  const indentW = displayWidth(indent);
  const lines: string[] = [];
  let line = '';
  let lineW = 0;
  let first = true;
  const room = (): number => (first ? width : Math.max(1, width - indentW));
  const endLine = (): void => {
    lines.push(first ? line.replace(/ +((?:\x1b\[[0-9;]*m)*)$/, '$1') : indent + line.replace(/ +((?:\x1b\[[0-9;]*m)*)$/, '$1'));
    first = false;
    line = '';
    lineW = 0;
  };
  for (const piece of pieces(text)) {
    if (piece.space) {
      if (lineW === 0 && !first) {
        // no leading spaces on a continuation line; keep any escape the space carried
        line += piece.text.replace(/ +/g, '');
        continue;
      }
      if (lineW + piece.width > room()) {
        line += piece.text.replace(/ +/g, '');
        endLine();
        continue;
      }
      line += piece.text;
      lineW += piece.width;
      continue;
    }
    if (lineW + piece.width > room() && lineW > 0) endLine();
    if (piece.width <= room()) {
      line += piece.text;
      lineW += piece.width;
      continue;
    }
    // A word wider than a whole line: broken between characters.
    for (const part of hardBreak(piece, Math.max(1, Math.min(room(), width - indentW)))) {
      if (lineW + part.width > room() && lineW > 0) endLine();
      line += part.text;
      lineW += part.width;
    }
  }
  if (line || lines.length === 0) endLine();
  return lines;
}

/** wrapLine for printable ASCII (one column a character, as the trace's values are). */
function wrapPlain(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  const room = (): number => (lines.length ? Math.max(1, width - indent.length) : width);
  const lead = /^ */.exec(text)![0];
  let line = lead;
  let words = 0;
  const push = (): void => {
    lines.push((lines.length ? indent : '') + line.replace(/ +$/, ''));
    line = '';
    words = 0;
  };
  // words and the spaces between them, alternately
  const tokens = text.slice(lead.length).split(/( +)/);
  for (let i = 0; i < tokens.length; i += 2) {
    let word = tokens[i]!;
    if (!word) continue;
    if (words > 0) {
      const sep = tokens[i - 1] ?? '';
      if (line.length + sep.length + word.length <= room()) {
        line += sep + word;
        words++;
        continue;
      }
      push();
    }
    // the first line's leading spaces alone, when the word fits a line of its own after them
    if (words === 0 && line.length > 0 && line.length + word.length > room() && word.length <= Math.max(1, width - indent.length)) push();
    while (line.length + word.length > room()) {
      const cut = room() - line.length;
      if (cut <= 0) {
        push();
        continue;
      }
      line += word.slice(0, cut);
      word = word.slice(cut);
      push();
    }
    if (word) {
      line += word;
      words++;
    }
  }
  if (words > 0 || !lines.length) push();
  return lines;
}

/**
 * Text wrapped to `width`, line by line: a line wider than `width` continues on lines indented as
 * it is, plus `extraIndent` (e.g. 2 for a hanging indent under a list item).
 */
export function wrapText(text: string, width: number, extraIndent = 0): string {
  return text
    .split('\n')
    .map((line) => {
      if (displayWidth(line) <= width) return line;
      const lead = /^ */.exec(stripAnsi(line))![0];
      return wrapLine(line, width, { indent: lead + ' '.repeat(extraIndent) }).join('\n');
    })
    .join('\n');
}
