/**
 * The CLI's entry. Small commands run here on the main thread (./inline.ts); the rest run in a
 * worker thread while this thread only supervises (./supervisor.ts: signals, temporary files,
 * the exit code), so a signal is handled at once however long the forward pass computes.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { isProgramWorker, onSignals, programWorker, supervise } from './supervisor.js';

export async function main(argv: string[]): Promise<void> {
  if (!isMainThread) {
    const code = await (await import('./program.js')).runProgram(argv, null);
    process.exitCode = code === 'worker' ? 1 : code;
    return;
  }
  const temps = new Set<string>();
  const stop = onSignals(() => temps);
  const { runProgram } = await import('./program.js');
  const code = await runProgram(argv, { add: (p) => temps.add(p), remove: (p) => temps.delete(p) }, true);
  stop();
  if (code === 'worker') await supervise(new URL(import.meta.url), argv);
  else process.exitCode = code;
}

if (!isMainThread && isProgramWorker(workerData)) {
  programWorker(workerData, async (argv, temps) => {
    const code = await (await import('./program.js')).runProgram(argv, temps);
    return code === 'worker' ? 1 : code;
  });
}
