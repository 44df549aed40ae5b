// Shared by the test/io tests: fixture paths, zip surgery and exact comparisons of what the readers return.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { FormatError } from '../../src/errors.js';
import type { InferredModule, Nested, Tensor } from '../../src/index.js';
import { item } from './checked.js';
import { readJson } from './files.js';
import { flatten } from './nested.js';

const here = dirname(fileURLToPath(import.meta.url));
export const SEED = join(here, '..', 'fixtures', 'files', 'seed');
export const GENERATED = join(here, '..', 'fixtures', 'files', 'generated');

export const seed = (name: string): string => join(SEED, name);
export const generated = (name: string): string => join(GENERATED, name);

/** A generated fixture's .expected.json: what a reader must return for it, or why it must refuse it. */
export type ExpectedFixture =
  | { kind: 'tensor'; dtype: string; shape: number[]; values: Nested }
  | {
      kind: 'tensors';
      order: string[];
      tensors: Record<string, { shape: number[]; values: Nested }>;
      metadata?: Record<string, string>;
      modules?: InferredModule[];
    }
  | { kind: 'refusal'; message: string };

/** The generated fixtures (not their .expected.json), each with what a reader must return. */
export function generatedFixtures(): { name: string; file: string; expected: ExpectedFixture }[] {
  return readdirSync(GENERATED)
    .filter((f) => !f.endsWith('.json') && f !== 'README.md')
    .sort()
    .map((name) => ({ name, file: generated(name), expected: readJson<ExpectedFixture>(generated(`${name}.expected.json`)) }));
}

/** Largest |a - b| between a tensor and a nested list, after rounding the list to float32 (NaN equals NaN). */
export function maxAbsDiffF32(tensor: Tensor, nested: Nested): number {
  const expected = Float32Array.from(flatten(nested));
  assert.equal(tensor.data.length, expected.length, 'element count');
  let max = 0;
  for (const [i, b] of expected.entries()) {
    const a = item(tensor.data, i, 'tensor');
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    max = Math.max(max, Math.abs(a - b));
  }
  return max;
}

/** Asserts a tensor equals a nested list exactly (float32), shape included. */
export function assertTensorEquals(tensor: Tensor, shape: readonly number[], nested: Nested, what: string): void {
  assert.deepEqual([...tensor.shape], shape, `${what}: shape`);
  const expected = Float32Array.from(flatten(nested));
  assert.deepEqual(tensor.data, expected, `${what}: values`);
}

/** Runs `fn`, which must throw a FormatError whose message names `file` (and matches `pattern`). */
export function assertRefused(fn: () => unknown, file: string, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FormatError, `expected a FormatError, got ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    assert.ok(err.message.includes(file), `message should name ${file}: ${err.message}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

/** A zip's members by name, as fflate gives and takes them. */
export type Members = Record<string, Uint8Array>;

/** Unzips an archive, lets `edit` change its members (an object name -> bytes), and zips it again in order. */
export function rezip(bytes: Uint8Array, edit: (members: Members) => void): Uint8Array {
  const members: Members = unzipSync(bytes);
  edit(members);
  return zipSync(members satisfies Zippable, { level: 0 });
}

/** Name of the member of a torch zip that ends with `suffix` (e.g. 'data.pkl'). */
export function memberName(members: Members, suffix: string): string {
  const name = Object.keys(members).find((n) => n.endsWith(suffix));
  assert.ok(name, `no member ending in ${suffix}`);
  return name;
}

/** Replaces every occurrence of an ASCII string in bytes (lengths may differ). */
export function replaceAscii(bytes: Uint8Array, from: string, to: string): Uint8Array {
  const text = Buffer.from(bytes).toString('latin1');
  assert.ok(text.includes(from), `"${from}" not found`);
  return new Uint8Array(Buffer.from(text.split(from).join(to), 'latin1'));
}

/** A safetensors file from a header object and a data buffer, laid out by hand. */
export function safetensorsBytes(header: unknown, data: Uint8Array, { pad = true }: { pad?: boolean } = {}): Uint8Array {
  let json = Buffer.from(JSON.stringify(header));
  if (pad && json.length % 8) json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), 0x20)]);
  const out = Buffer.alloc(8 + json.length + data.length);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  Buffer.from(data).copy(out, 8 + json.length);
  return new Uint8Array(out);
}

/** Little-endian float32 bytes of numbers. */
export function f32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

export { bytesOf, readJson, tempDir, tempFile } from './files.js';

/** Runs `read`, which must throw a FormatError whose message matches `pattern`; returns the error. */
export function refused(read: () => unknown, pattern: RegExp): FormatError {
  let caught: unknown;
  assert.throws(read, (err) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof FormatError, `expected a FormatError, got ${(caught as Error)?.name}: ${(caught as Error)?.message}`);
  assert.match(caught.message, pattern);
  return caught;
}
