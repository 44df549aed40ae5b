/**
 * Where a command's output goes: standard output, or `-o FILE` written to a temporary file that
 * is renamed into place only when the command succeeds, so a failed run leaves no partial file.
 */
import { closeSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BudgetError, FormatError } from '../errors.js';

export interface Sink {
  write(text: string): void;
  /** The output is complete: make it visible. */
  commit(): void;
  /** The command failed: leave nothing behind. */
  abort(): void;
}

export function stdoutSink(): Sink {
  return {
    write: (text) => {
      process.stdout.write(text);
    },
    commit: () => {},
    abort: () => {},
  };
}

export function fileSink(file: string): Sink {
  const dir = dirname(file);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new FormatError(`--output ${file}: expected an existing directory to write into, got none at ${dir}`);
  const tmp = join(dir, `.${basename(file)}.${process.pid}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (err) {
    throw new FormatError(`--output ${file}: expected a writable location, got ${(err as Error).message}`);
  }
  let open = true;
  const close = (): void => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    write: (text) => {
      writeSync(fd, text);
    },
    commit: () => {
      close();
      renameSync(tmp, file);
    },
    abort: () => {
      close();
      rmSync(tmp, { force: true });
    },
  };
}

/**
 * A JSON document as text, indented (or on one line, for NDJSON). A document too large for one
 * JavaScript string (about 512 MiB) is a clear error naming what makes it large, not a crash.
 */
export function jsonText(value: unknown, indent: 2 | 0 = 2): string {
  try {
    // Infinity and NaN as "Infinity", "-Infinity", "NaN" (src/schema/numbers.ts), never JSON's null.
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), indent || undefined) + '\n';
  } catch (err) {
    if (err instanceof RangeError) {
      throw new BudgetError('--format json: expected a document within the largest string JavaScript can hold (about 512 MiB), got more: use --trace summary or --trace none, drop --include-tensors, or --save the tensors to a file');
    }
    throw err;
  }
}
