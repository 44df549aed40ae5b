// Random argument vectors against the built CLI, each in its own process: every run exits 0 (1 only
// for --expect, compare and doctor's misfits) or 2 with exactly one `error:` line on stderr, never
// an internal error, a stack trace or a hang. FUZZ_SEED=S repeats a run; FUZZ_CLI_CASES=N changes
// the count. `npm run fuzz` runs the in-process parser at a far larger count.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { argvArbitrary, argvFiles, cliFailure, pooled, shellLine, spawnCli } from '../helpers/fuzz.js';

const CASES = Number(process.env['FUZZ_CLI_CASES'] ?? 60);
const SEED = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
const TIMEOUT_MS = 30_000;

test(`${CASES} random argument vectors (FUZZ_SEED=${SEED}): exit 0, or 2 with one error line`, async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'rnn-inspect-fuzz-cli-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const files = argvFiles(scratch);
  const stdin = readFileSync(join(scratch, 'x.json'), 'utf8');
  const cases = fc.sample(argvArbitrary(files, { stdin: true }), { numRuns: CASES, seed: SEED });
  const results = await pooled(
    cases.map((argv) => () => spawnCli(argv, { cwd: scratch, input: stdin, timeoutMs: TIMEOUT_MS })),
    2,
  );
  const failures = cases.flatMap((argv, i) => {
    const why = cliFailure(argv, results[i]!);
    return why ? [`${shellLine(argv)}\n    ${why}`] : [];
  });
  const codes = results.reduce<Record<string, number>>((n, r) => ((n[String(r.code)] = (n[String(r.code)] ?? 0) + 1), n), {});
  t.diagnostic(`exit codes: ${JSON.stringify(codes)}`);
  assert.deepEqual(failures, [], `${failures.length} of ${CASES} runs broke the promise (cwd: a scratch folder with the fuzz files):\n${failures.join('\n')}`);
  // The generator reaches both sides: runs that work and runs that are refused.
  assert.ok((codes['0'] ?? 0) > 0 && (codes['2'] ?? 0) > 0, `exit codes ${JSON.stringify(codes)}`);
});

test('the check refuses what breaks the promise', () => {
  const ok = { code: 2, stderr: 'error: --hidden: expected a positive integer, got "x"\n', ms: 1 };
  assert.equal(cliFailure(['--hidden', 'x'], ok), null);
  assert.match(cliFailure([], { ...ok, stderr: ok.stderr + 'error: again\n' })!, /2 stderr lines/);
  assert.match(cliFailure([], { ...ok, stderr: 'error: internal error: x is not a function\n' })!, /internal error/);
  assert.match(cliFailure([], { ...ok, stderr: 'error: x\n    at main (file:///x.js:1:1)\n' })!, /stack trace/);
  assert.match(cliFailure([], { ...ok, code: 1 })!, /exit 1/);
  assert.equal(cliFailure(['--expect', 'out=1'], { ...ok, code: 1 }), null);
  assert.match(cliFailure([], { ...ok, code: null, signal: 'SIGABRT' })!, /SIGABRT/);
  assert.match(cliFailure([], { ...ok, timedOut: true, ms: 30_000 })!, /no exit/);
  assert.match(cliFailure([], { ...ok, stderr: 'warning: x\n' })!, /does not start with "error: "/);
});
