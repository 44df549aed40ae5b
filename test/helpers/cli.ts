// Spawns the built CLI the way a user runs it, and the assertions the end-to-end tests share.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/rnn-inspect.js', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
}

/** Runs `rnn-inspect ...args`; ANSI colour is off (NO_COLOR) unless `env` says otherwise. */
export function runCli(args: readonly string[], { input, env }: CliOptions = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', ...env },
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
export function assertUserError(args: readonly string[], pattern: RegExp, { code = 2, input }: { code?: number; input?: string | Uint8Array } = {}): CliRun {
  const r = runCli(args, { input });
  assert.equal(r.code, code, `exit code for ${args.join(' ')}: stderr ${r.stderr}`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `exactly one stderr line, got:\n${r.stderr}`);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}
