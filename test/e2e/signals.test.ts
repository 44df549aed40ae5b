/**
 * SIGTERM, SIGINT and SIGHUP stop a long run at once, even while the forward pass computes (and
 * its pool of worker threads with it): exit 143, 130, 129, no temporary file left, nothing on a
 * stderr that is not a terminal.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, NODE, start, tempDir } from './process.js';

/** Generous: the stop itself takes tens of milliseconds; the machine may be busy. */
const STOP_WITHIN_MS = 2000;
const LONG = ['--layers', '3', '--seq-len', '3000', '--hidden', '256', '--trace', 'full'];

/** Polls until `ready()` or the timeout. */
async function until(ready: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (ready()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

const EXIT: Record<string, number> = { SIGTERM: 143, SIGINT: 130, SIGHUP: 129 };

for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  test(`${signal} during a long -o run: exit ${EXIT[signal]}, promptly, no temporary file`, async () => {
    const dir = tempDir();
    const run = start([...LONG, '-o', join(dir, 'out.txt')]);
    // The temporary file exists from before the forward pass: wait for it, then a little more.
    assert.ok(await until(() => readdirSync(dir).some((f) => f.endsWith('.tmp')), 30_000), 'the run created its temporary file');
    await new Promise((r) => setTimeout(r, 300));
    const sent = performance.now();
    run.child.kill(signal);
    const { code, signal: killedBy, at, stderr } = await run.exited;
    const took = at - sent;
    assert.equal(code, EXIT[signal], `exit code (killed by ${killedBy}); stderr: ${stderr}`);
    assert.ok(took < STOP_WITHIN_MS, `stopped ${Math.round(took)} ms after ${signal}`);
    assert.deepEqual(readdirSync(dir), [], 'no temporary file and no output');
    assert.equal(stderr, '', 'nothing on a stderr that is not a terminal');
  });
}

// Large enough for the forward pass's pool (src/parallel/pool.ts): a thread that outlived the
// signal would hold the exit up, and the temporary file would stay.
test("SIGTERM while the pool's worker threads compute: they stop with the run", async () => {
  const dir = tempDir();
  const run = start(['--batch', '64', '--layers', '3', '--seq-len', '3000', '--hidden', '256', '--threads', '2', '--format', 'json', '-o', join(dir, 'out.json')]);
  const base = await until(() => readdirSync(dir).some((f) => f.endsWith('.tmp')), 30_000);
  assert.ok(base, 'the run created its temporary file');
  await new Promise((r) => setTimeout(r, 500));
  const sent = performance.now();
  run.child.kill('SIGTERM');
  const { code, at } = await run.exited;
  assert.equal(code, 143);
  assert.ok(at - sent < STOP_WITHIN_MS, `stopped ${Math.round(at - sent)} ms after SIGTERM`);
  assert.deepEqual(readdirSync(dir), []);
});

test('SIGTERM while blocked opening a FIFO that no one writes: the run still ends at once', async () => {
  const dir = tempDir();
  const fifo = join(dir, 'x.fifo');
  execFileSync('mkfifo', [fifo]);
  const run = start(['--input', fifo, '-o', join(dir, 'out.json')]);
  await new Promise((r) => setTimeout(r, 1000));
  const sent = performance.now();
  run.child.kill('SIGTERM');
  const { code, signal, at } = await run.exited;
  // The worker cannot be stopped inside open(2); the process ends by the signal's default action.
  assert.ok(code === 143 || signal === 'SIGTERM', `exit ${code}, signal ${signal}`);
  assert.ok(at - sent < STOP_WITHIN_MS, `stopped ${Math.round(at - sent)} ms after SIGTERM`);
  assert.deepEqual(readdirSync(dir), ['x.fifo']);
});

test('with stderr a terminal, one short line says which signal stopped the run', (t) => {
  const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
  if (script.status !== 0) return t.skip('no script(1) here to give the run a terminal');
  const dir = tempDir();
  const inner = `"$RNN_NODE" "$RNN_BIN" ${LONG.join(' ')} -o out.txt & p=$!; sleep 2; kill -TERM $p; wait $p; echo "exit=$?"`;
  const r = spawnSync('script', ['-qec', inner, '/dev/null'], { cwd: dir, encoding: 'utf8', env: { ...process.env, RNN_NODE: NODE, RNN_BIN: BIN } });
  const lines = r.stdout.split(/\r?\n|\r/).map((l) => l.replace(/\x1b\[K/g, '')).filter((l) => l.trim() && !/^forward: /.test(l));
  assert.deepEqual(lines, ['rnn-inspect: stopped by SIGTERM', 'exit=143']);
  assert.deepEqual(readdirSync(dir), []);
});
