// Shared by the test/io tests: fixture paths, temporary files, zip surgery and exact comparisons.
// (node --test also loads this file as a test file; it defines no tests, so that is harmless.)
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync, zipSync } from 'fflate';
import { FormatError } from '../../dist/errors.js';

const here = dirname(fileURLToPath(import.meta.url));
export const SEED = join(here, '..', 'fixtures', 'files', 'seed');
export const GENERATED = join(here, '..', 'fixtures', 'files', 'generated');

export const seed = (name) => join(SEED, name);
export const generated = (name) => join(GENERATED, name);
export const bytesOf = (file) => new Uint8Array(readFileSync(file));
export const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The generated fixtures (not their .expected.json), each with what a reader must return. */
export function generatedFixtures() {
  return readdirSync(GENERATED)
    .filter((f) => !f.endsWith('.json') && f !== 'README.md')
    .sort()
    .map((name) => ({ name, file: generated(name), expected: readJson(generated(`${name}.expected.json`)) }));
}

/** A fresh temporary directory, removed after the test. */
export function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-io-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes bytes into a temporary directory under `name` and returns the path. */
export function tempFile(t, name, bytes) {
  const file = join(tempDir(t), name);
  writeFileSync(file, bytes);
  return file;
}

/** Nested lists flattened in row-major order. */
export function flatten(nested) {
  return Array.isArray(nested) ? nested.flatMap(flatten) : [nested];
}

/** Largest |a - b| between a tensor and a nested list, after rounding the list to float32. */
export function maxAbsDiff(tensor, nested) {
  const expected = Float32Array.from(flatten(nested));
  assert.equal(tensor.data.length, expected.length, 'element count');
  let max = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = tensor.data[i];
    const b = expected[i];
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    max = Math.max(max, Math.abs(a - b));
  }
  return max;
}

/** Asserts a tensor equals a nested list exactly (float32), shape included. */
export function assertTensorEquals(tensor, shape, nested, what) {
  assert.deepEqual([...tensor.shape], shape, `${what}: shape`);
  const expected = Float32Array.from(flatten(nested));
  assert.deepEqual(tensor.data, expected, `${what}: values`);
}

/** Runs `fn`, which must throw a FormatError whose message names `file` (and matches `pattern`). */
export function assertRefused(fn, file, pattern) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof FormatError, `expected a FormatError, got ${err?.name}: ${err?.message}`);
    assert.ok(err.message.includes(file), `message should name ${file}: ${err.message}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

/** Unzips an archive, lets `edit` change its members (an object name -> bytes), and zips it again in order. */
export function rezip(bytes, edit) {
  const members = unzipSync(bytes);
  edit(members);
  return zipSync(members, { level: 0 });
}

/** Name of the member of a torch zip that ends with `suffix` (e.g. 'data.pkl'). */
export function memberName(members, suffix) {
  const name = Object.keys(members).find((n) => n.endsWith(suffix));
  assert.ok(name, `no member ending in ${suffix}`);
  return name;
}

/** Replaces every occurrence of an ASCII string in bytes (lengths may differ). */
export function replaceAscii(bytes, from, to) {
  const text = Buffer.from(bytes).toString('latin1');
  assert.ok(text.includes(from), `"${from}" not found`);
  return new Uint8Array(Buffer.from(text.split(from).join(to), 'latin1'));
}

/** A safetensors file from a header object and a data buffer, laid out by hand. */
export function safetensorsBytes(header, data, { pad = true } = {}) {
  let json = Buffer.from(JSON.stringify(header));
  if (pad && json.length % 8) json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), 0x20)]);
  const out = Buffer.alloc(8 + json.length + data.length);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  Buffer.from(data).copy(out, 8 + json.length);
  return new Uint8Array(out);
}

/** Little-endian float32 bytes of numbers. */
export function f32Bytes(values) {
  return new Uint8Array(Float32Array.from(values).buffer);
}
