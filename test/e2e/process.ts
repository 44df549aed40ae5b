/**
 * Spawning the built CLI for the tests of writes, signals and input streams: through `bash -c`
 * when a test needs the shell's redirections (`>&-`, `<(...)`, pipes), directly otherwise.
 */
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/rnn-inspect.js', import.meta.url));
export const NODE = process.execPath;
const ENV = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' };

/**
 * Small commands run on the main thread, the rest in a supervised worker (src/cli/entry/inline.ts):
 * tests of behaviour both share run each way.
 */
export const MODES: readonly { name: string; env: Record<string, string> }[] = [
  { name: 'on the main thread', env: {} },
  { name: 'in the worker', env: { RNN_INSPECT_INLINE_MAX_MACS: '0' } },
];

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `rnn-inspect ...args`, with stdio as given (default: pipes). */
export function cli(args: string[], options: { stdio?: SpawnOptions['stdio']; input?: string; cwd?: string; env?: Record<string, string> } = {}): Ran {
  const { env, ...rest } = options;
  const r = spawnSync(NODE, [BIN, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...rest, env: { ...ENV, ...env } });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** A bash script in which `rnn` runs the CLI. */
export function sh(script: string, cwd?: string, env: Record<string, string> = {}): Ran {
  const r = spawnSync('bash', ['-c', `rnn() { "$RNN_NODE" "$RNN_BIN" "$@"; }\n${script}`], {
    encoding: 'utf8',
    env: { ...ENV, RNN_NODE: NODE, RNN_BIN: BIN, ...env },
    maxBuffer: 256 * 1024 * 1024,
    ...(cwd ? { cwd } : {}),
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The CLI started in the background, to be signalled. */
export function start(args: string[], cwd?: string) {
  const child = spawn(NODE, [BIN, ...args], { env: ENV, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: performance.now(), stderr })),
  );
  return { child, exited };
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'rnn-inspect-test-'));
}

/** The stderr lines, and whether there is exactly one and it is an `error:` line. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter(Boolean);
}
