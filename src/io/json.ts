/**
 * JSON: a tensor is a nested list (`tensor.tolist()`); a state_dict is `{name: nested list}`.
 */
import { FormatError } from '../errors.js';
import { tensorFromNested } from '../tensor/nested.js';
import type { Tensor } from '../tensor/tensor.js';
import type { StoredTensor, TensorFile, TensorFormat } from './format.js';

const decoder = new TextDecoder('utf-8', { fatal: false });

export function parseJson(bytes: Uint8Array, file: string): unknown {
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

export const jsonFormat: TensorFormat = {
  name: 'json',
  extensions: ['.json'],
  sniff(head) {
    const c = head.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
    return c === 0x5b /* [ */ || c === 0x7b /* { */;
  },
  readTensor(bytes, file): StoredTensor {
    return { tensor: tensorFromNested(parseJson(bytes, file), file), dtype: 'float32' };
  },
  readTensors(bytes, file): TensorFile {
    const value = parseJson(bytes, file);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const got = Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value;
      throw new FormatError(`${file}: expected a state_dict object {name: nested list}, got ${got}`);
    }
    const tensors = new Map<string, StoredTensor>();
    for (const [key, v] of Object.entries(value)) {
      tensors.set(key, { tensor: tensorFromNested(v, `${file}: ${key}`), dtype: 'float32' });
    }
    return { tensors };
  },
  writeTensors(tensors: ReadonlyMap<string, Tensor>): Uint8Array {
    const obj: Record<string, unknown> = {};
    for (const [k, t] of tensors) obj[k] = t.toNested();
    return new TextEncoder().encode(JSON.stringify(obj) + '\n');
  },
};
