/**
 * JSON: a tensor is a nested list (`tensor.tolist()`); a state_dict is `{name: nested list}`.
 *
 * Depth is checked on the text before it is parsed: V8's JSON.parse takes any depth, but
 * JSON.stringify, a recursive walk or a schema check of the result would overflow the stack.
 */
import { FormatError } from '../errors.js';
import { MAX_RANK, tensorFromNested } from '../tensor/nested.js';
import type { Tensor } from '../tensor/tensor.js';
import { TensorBudget } from './dtypes.js';
import type { StoredTensor, TensorFile, TensorFormat } from './format.js';

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Structured documents (a safetensors header, a pipeline spec) need 3 levels; a few more let a misplaced value reach the schema's own message. */
export const MAX_DOCUMENT_DEPTH = 8;

export interface JsonDepth {
  /** Most levels of nested `[` and `{` allowed. */
  max: number;
  /** What the document is, for the message: "a nested list", "a pipeline spec". */
  what: string;
  /** Why that depth, for the message: "a tensor's rank". */
  why: string;
}

/** The deepest nesting of `[` and `{` in JSON text, strings skipped; UTF-8 never hides these bytes inside a multi-byte character. */
export function jsonDepth(bytes: Uint8Array): number {
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x22 /* " */) {
      for (i++; i < bytes.length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c /* \ */) i++;
    } else if (b === 0x5b /* [ */ || b === 0x7b /* { */) {
      if (++depth > deepest) deepest = depth;
    } else if (b === 0x5d /* ] */ || b === 0x7d /* } */) depth--;
  }
  return deepest;
}

export function checkJsonDepth(bytes: Uint8Array, file: string, limit: JsonDepth): void {
  const depth = jsonDepth(bytes);
  if (depth > limit.max) throw new FormatError(`${file}: expected ${limit.what} at most ${limit.max} levels deep (${limit.why}), got ${depth} levels`);
}

export function parseJson(bytes: Uint8Array, file: string, depth?: JsonDepth): unknown {
  if (depth) checkJsonDepth(bytes, file, depth);
  const text = decoder.decode(bytes);
  if (text.trim() === '') throw new FormatError(`${file}: expected JSON, got an empty file`);
  try {
    return JSON.parse(text);
  } catch (err) {
    const bad = /(\bNaN\b|-?\bInfinity\b)/.exec(text);
    if (bad) {
      throw new FormatError(`${file}: expected finite numbers, got ${bad[1]} (not valid JSON; replace non-finite values)`);
    }
    throw new FormatError(`${file}: expected valid JSON, got a syntax error: ${(err as Error).message}`);
  }
}

/** A parsed JSON value for a message, short whatever its size or depth. */
export function describeJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 40 ? `${text.slice(0, 40)}…` : text;
  }
  if (Array.isArray(value)) {
    const flat = value.length <= 8 && value.every((v) => v === null || typeof v !== 'object');
    return flat ? `[${value.map(describeJson).join(', ')}]` : `a list of ${value.length}`;
  }
  const keys = Object.keys(value);
  return keys.length === 0 ? '{}' : `an object with keys ${keys.slice(0, 5).map((k) => JSON.stringify(k)).join(', ')}${keys.length > 5 ? ', …' : ''}`;
}

const TENSOR_DEPTH: JsonDepth = { max: MAX_RANK, what: 'a nested list', why: "a tensor's rank" };
const STATE_DICT_DEPTH: JsonDepth = { max: MAX_RANK + 1, what: 'a state_dict {name: nested list}', why: `names, then a tensor of rank at most ${MAX_RANK}` };

export const jsonFormat: TensorFormat = {
  name: 'json',
  extensions: ['.json'],
  holds: 'many',
  sniff(head) {
    const c = head.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    return c === 0x5b /* [ */ || c === 0x7b /* { */;
  },
  readTensor(bytes, file, options = {}): StoredTensor {
    const budget = new TensorBudget(options.maxBytes);
    const value = parseJson(bytes, file, TENSOR_DEPTH);
    const tensor = tensorFromNested(value, file, (shape) => budget.take(shape, file));
    // Whole numbers are kept exactly too (float32 is exact only up to 2^24): they may be token ids.
    const flat = Array.isArray(value) ? (value.flat(Infinity) as number[]) : [value as number];
    return { tensor, dtype: 'float32', elementType: 'f32', ...(flat.every(Number.isInteger) ? { integers: Float64Array.from(flat) } : {}) };
  },
  readTensors(bytes, file, options = {}): TensorFile {
    const value = parseJson(bytes, file, STATE_DICT_DEPTH);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const got = Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value;
      throw new FormatError(`${file}: expected a state_dict object {name: nested list}, got ${got}`);
    }
    const budget = new TensorBudget(options.maxBytes);
    const tensors = new Map<string, StoredTensor>();
    for (const [key, v] of Object.entries(value)) {
      const at = `${file}: ${key}`;
      tensors.set(key, { tensor: tensorFromNested(v, at, (shape) => budget.take(shape, at)), dtype: 'float32', elementType: 'f32' });
    }
    return { tensors };
  },
  writeTensors(tensors: ReadonlyMap<string, Tensor>): Uint8Array {
    const obj: Record<string, unknown> = {};
    for (const [k, t] of tensors) obj[k] = t.toNested();
    return new TextEncoder().encode(JSON.stringify(obj) + '\n');
  },
};
