/**
 * A tiny parser for the Python literals an .npy header holds:
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 10, 100), }`.
 *
 * Only dicts, tuples, lists, strings, integers, True, False and None: numpy itself reads the header
 * with `ast.literal_eval`, and we never evaluate anything either.
 */
import { FormatError } from '../errors.js';

export type PyLiteral =
  | string
  | number
  | boolean
  | null
  | { kind: 'tuple'; items: PyLiteral[] }
  | { kind: 'list'; items: PyLiteral[] }
  | { kind: 'dict'; entries: [PyLiteral, PyLiteral][] };

/** Nesting deeper than this is not a header numpy writes; the bound keeps recursion small. */
const MAX_DEPTH = 32;

export function parsePyLiteral(text: string, file: string): PyLiteral {
  let pos = 0;

  const fail = (expected: string): never => {
    const got = pos >= text.length ? 'the end of the header' : JSON.stringify(text.slice(pos, pos + 12));
    throw new FormatError(`${file}: expected ${expected} in the .npy header at character ${pos}, got ${got}`);
  };

  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };

  const parseString = (): string => {
    const quote = text[pos++]!;
    let out = '';
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\\') {
        pos++;
        const c = text[pos];
        if (c === undefined) break;
        out += c === 'n' ? '\n' : c === 't' ? '\t' : c;
        pos++;
      } else {
        out += text[pos++];
      }
    }
    if (text[pos] !== quote) fail(`a closing ${quote}`);
    pos++;
    return out;
  };

  const parseSequence = (close: string, depth: number): PyLiteral[] => {
    const items: PyLiteral[] = [];
    for (;;) {
      skipSpace();
      if (text[pos] === close) {
        pos++;
        return items;
      }
      items.push(parseValue(depth + 1));
      skipSpace();
      if (text[pos] === ',') pos++;
      else if (text[pos] !== close) fail(`"," or "${close}"`);
    }
  };

  const parseDict = (depth: number): PyLiteral => {
    const entries: [PyLiteral, PyLiteral][] = [];
    for (;;) {
      skipSpace();
      if (text[pos] === '}') {
        pos++;
        return { kind: 'dict', entries };
      }
      const key = parseValue(depth + 1);
      skipSpace();
      if (text[pos] !== ':') fail('":"');
      pos++;
      entries.push([key, parseValue(depth + 1)]);
      skipSpace();
      if (text[pos] === ',') pos++;
      else if (text[pos] !== '}') fail('"," or "}"');
    }
  };

  const parseValue = (depth: number): PyLiteral => {
    if (depth > MAX_DEPTH) fail(`nesting of at most ${MAX_DEPTH} levels`);
    skipSpace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      return parseDict(depth);
    }
    if (c === '(') {
      pos++;
      return { kind: 'tuple', items: parseSequence(')', depth) };
    }
    if (c === '[') {
      pos++;
      return { kind: 'list', items: parseSequence(']', depth) };
    }
    if (c === "'" || c === '"') return parseString();
    const word = /^(?:True|False|None|[+-]?\d+L?)/.exec(text.slice(pos, pos + 40));
    if (!word) return fail('a Python literal');
    pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    // Python 2 wrote longs with an L suffix: (3L, 4L).
    const n = Number(word[0].replace(/L$/, ''));
    if (!Number.isSafeInteger(n)) fail('an integer below 2^53');
    return n;
  };

  const value = parseValue(0);
  skipSpace();
  if (pos !== text.length) fail('the end of the header');
  return value;
}

/** A short description of a literal for messages. */
export function describeLiteral(value: PyLiteral): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return String(value);
  if (value.kind === 'dict') return 'a dict';
  const open = value.kind === 'tuple' ? '(' : '[';
  const close = value.kind === 'tuple' ? ')' : ']';
  if (value.items.length > 8) return `a ${value.kind} of ${value.items.length}`;
  const trailing = value.kind === 'tuple' && value.items.length === 1 ? ',' : '';
  return `${open}${value.items.map(describeLiteral).join(', ')}${trailing}${close}`;
}
