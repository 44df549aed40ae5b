/**
 * A worker thread that runs the CLI's program in-process for `InProcessPool` (./in-process-cli.ts),
 * so that a case that never returns (a loop, an allocation that does not fail) can be stopped.
 */
import { parentPort } from 'node:worker_threads';
import { runInProcess } from './in-process-cli.js';

interface Job {
  id: number;
  args: string[];
  inline: boolean;
  env: Record<string, string | undefined>;
}

parentPort!.on('message', async (job: Job) => {
  for (const [k, v] of Object.entries(job.env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    const r = await runInProcess(job.args, { inline: job.inline });
    parentPort!.postMessage({ id: job.id, ...r });
  } catch (err) {
    // runProgram itself threw: the entry would print nothing sensible.
    parentPort!.postMessage({ id: job.id, code: 1, stdout: '', stderr: `internal error: runProgram threw ${(err as Error)?.stack ?? String(err)}`, ms: 0 });
  }
});
