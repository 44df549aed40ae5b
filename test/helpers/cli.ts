// Spawns the built CLI the way a user runs it, and the assertions the end-to-end tests share.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { item } from './checked.js';

export const BIN = fileURLToPath(new URL('../../bin/rnn-inspect.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string | Uint8Array | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** The working directory (default: this process's). */
  cwd?: string | undefined;
}

/**
 * A width where no table cell or line of prose wraps: tests that read the human output's content
 * line by line run at it; test/e2e/width.test.ts checks the layout at 80 columns.
 */
export const UNWRAPPED_COLUMNS = '1000';

/**
 * Runs `rnn-inspect ...args`; ANSI colour is off (NO_COLOR) unless `env` says otherwise, and the
 * output is laid out for COLUMNS=UNWRAPPED_COLUMNS unless `env` or --width says otherwise.
 */
export function runCli(args: readonly string[], { input, env, cwd }: CliOptions = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', COLUMNS: UNWRAPPED_COLUMNS, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs the CLI and parses its JSON output, failing loudly with stderr when it did not succeed.
 * T is the document the command prints (RunReport, ExplainReport, ... from src/schema).
 */
export function runJson<T = unknown>(args: readonly string[], opts?: CliOptions): T {
  const r = runCli(args, opts);
  if (r.code !== 0) throw new Error(`rnn-inspect ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Strips ANSI escape sequences. */
export function plain(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** Bad input: the exit code (2 unless said), exactly one `error:` line matching `pattern`, no stack trace. */
export function assertUserError(args: readonly string[], pattern: RegExp, { code = 2, input }: { code?: number; input?: string | Uint8Array | undefined } = {}): CliRun {
  const r = runCli(args, { input });
  assert.equal(r.code, code, `exit code for ${args.join(' ')}: stderr ${r.stderr}`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `exactly one stderr line, got:\n${r.stderr}`);
  const line = item(lines, 0, 'stderr lines');
  assert.match(line, /^error: /);
  assert.match(line, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}
