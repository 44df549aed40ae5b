/**
 * Where a command's output goes, and the one place that claims output targets for a run.
 *
 * Standard output is written with checked, synchronous writes: a reader that went away (EPIPE)
 * ends the run quietly with exit 0; any other failure (ENOSPC on /dev/full, a closed descriptor)
 * is an error. `-o FILE` and `--save FILE` are atomic (src/io/atomic-write.ts): a temporary file,
 * announced before it is created so a signal can remove it, renamed into place only when complete.
 */
import { fstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BudgetError, FormatError, UsageError } from '../errors.js';
import { describeWriteError, openAtomic, resolveTarget, writeAll, type AtomicWriteOptions } from '../io/atomic-write.js';

export interface Sink {
  write(text: string): void;
  /** The output is complete: make it visible. */
  commit(): void;
  /** The command failed: leave nothing behind. */
  abort(): void;
}

/** Standard output's reader is gone (EPIPE): the run ends quietly, exit 0. */
export class OutputClosed extends Error {}

/** Where temporary files are announced: the supervising thread removes them on a signal. */
export interface TempFiles {
  add(path: string): void;
  remove(path: string): void;
}

/**
 * Whether standard output was closed when the process started (`>&-`). Node.js reopens a closed
 * descriptor 0-2 on /dev/null read-write, where a shell's `> /dev/null` opens it write-only; on
 * Linux /proc/self/fdinfo tells the two apart.
 */
function stdoutWasClosed(): boolean {
  try {
    const st = fstatSync(1);
    if (!st.isCharacterDevice() || st.rdev !== statSync('/dev/null').rdev) return false;
    const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync('/proc/self/fdinfo/1', 'utf8'));
    return flags !== null && (parseInt(flags[1]!, 8) & 3) === 2;
  } catch {
    return false;
  }
}

export function stdoutSink(): Sink {
  let checked = false;
  return {
    write: (text) => {
      if (!checked) {
        checked = true;
        if (stdoutWasClosed()) throw new FormatError('standard output: expected an open descriptor to write to, got a closed one (EBADF); redirect it, or use -o FILE');
      }
      try {
        writeAll(1, text);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') throw new OutputClosed('standard output: the reader closed the pipe');
        throw new FormatError(`standard output: expected to write the output, got ${describeWriteError(err)}`);
      }
    },
    commit: () => {},
    abort: () => {},
  };
}

/** An input file's identity, to refuse writing over it. */
interface Identity {
  flag: string;
  file: string;
  dev: number;
  ino: number;
}

function identity(path: string): { dev: number; ino: number } | null {
  try {
    const st = statSync(path);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return null;
  }
}

/** The path a write to `file` lands at, with its directory's symlinks resolved too. */
function landing(file: string): string {
  try {
    const st = statSync(file);
    if (!st.isFile() && !st.isDirectory()) return file;
  } catch {
    // not there yet: where it will be
  }
  const target = resolveTarget(file);
  try {
    return join(realpathSync(dirname(target)), basename(target));
  } catch {
    return target;
  }
}

/**
 * The output targets of one run: each claimed once, by one flag, and none of them one of the run's
 * own input files (the same device and inode: a symlink or another path to it counts).
 */
export class Outputs {
  private readonly inputs: Identity[] = [];
  private readonly claimed: { flag: string; file: string; path: string }[] = [];
  private readonly open = new Set<Sink>();

  constructor(private readonly temps: TempFiles | null = null) {}

  /** Files the run reads (`-` and files that do not exist are skipped). */
  addInput(flag: string, file: string): void {
    if (file === '-' || file === '') return;
    const id = identity(file);
    if (id) this.inputs.push({ flag, file, ...id });
  }

  /** Claims `file` for `flag` (e.g. `--save`): an error if another flag has it or the run reads it. */
  claim(flag: string, file: string): AtomicWriteOptions {
    if (file === '') throw new UsageError(`${flag}: expected a file name, got an empty one`);
    // `-o=out.json` reaches here as "=out.json" (a short option takes the rest of its word): say so rather than write "=out.json".
    if (file.startsWith('=')) throw new UsageError(`${flag}: expected a file name, got "${file}" (write ${flag === '-o' || flag === '--output' ? '-o FILE or --output=FILE' : `${flag} FILE or ${flag}=FILE`})`);
    const path = landing(file);
    const id = identity(path);
    const other = this.claimed.find((c) => c.path === path);
    if (other) throw new UsageError(`${flag} ${file}: expected a different file from ${other.flag} ${other.file}, got the same file for both`);
    if (id && statSync(path).isDirectory()) throw new UsageError(`${flag} ${file}: expected a file name to write, got a directory`);
    const input = id && this.inputs.find((i) => i.dev === id.dev && i.ino === id.ino);
    if (input) throw new UsageError(`${flag} ${file}: expected a file other than the run's inputs, got ${input.flag} ${input.file} (the same file), which the output would overwrite`);
    this.claimed.push({ flag, file, path });
    return this.writeOptions(flag, file);
  }

  /** A file sink for `file`, claimed for `flag` unless it already is. */
  fileSink(flag: string, file: string): Sink {
    const options = this.claimed.some((c) => c.flag === flag && c.file === file) ? this.writeOptions(flag, file) : this.claim(flag, file);
    const out = openAtomic(file, options);
    const sink: Sink = {
      write: (text) => out.write(text),
      commit: () => {
        this.open.delete(sink);
        out.commit();
      },
      abort: () => {
        this.open.delete(sink);
        out.abort();
      },
    };
    this.open.add(sink);
    return sink;
  }

  /** Removes every temporary file still open (the run failed). */
  abortAll(): void {
    for (const sink of [...this.open]) sink.abort();
  }

  private writeOptions(flag: string, file: string): AtomicWriteOptions {
    const temps = this.temps;
    return { label: `${flag} ${file}`, ...(temps ? { onTemp: (p) => temps.add(p), onTempGone: (p) => temps.remove(p) } : {}) };
  }
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
