/**
 * The CLI's entry. In the main thread it only supervises (./supervisor.ts: signals, temporary
 * files, the exit code) and loads nothing else, so start-up pays for the program once, in the
 * worker thread that runs it (./program.ts).
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { isProgramWorker, programWorker, supervise } from './supervisor.js';

export async function main(argv: string[]): Promise<void> {
  if (isMainThread) await supervise(new URL(import.meta.url), argv);
  else process.exitCode = await (await import('./program.js')).runProgram(argv, null);
}

if (!isMainThread && isProgramWorker(workerData)) {
  programWorker(workerData, async (argv, temps) => (await import('./program.js')).runProgram(argv, temps));
}
