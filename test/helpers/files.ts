// Temporary directories and files, and JSON on disk, for the tests that read or write files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What tempDir needs of a test context: node:test's TestContext has it. */
export interface Cleanup {
  after(fn: () => void): void;
}

/** A fresh temporary directory; with a test context, it is removed after that test. */
export function tempDir(t?: Cleanup): string {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-test-'));
  t?.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes bytes into a temporary directory (removed after the test) under `name` and returns the path. */
export function tempFile(t: Cleanup, name: string, bytes: Uint8Array | string): string {
  const file = join(tempDir(t), name);
  writeFileSync(file, bytes);
  return file;
}

/** Writes `value` as JSON into dir/name and returns the path. */
export function writeJson(dir: string, name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

/** Parses a JSON file; T is what the caller knows the file holds. */
export function readJson<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export const bytesOf = (file: string): Uint8Array => new Uint8Array(readFileSync(file));
