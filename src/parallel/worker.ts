/**
 * A pool worker (see pool.ts): receives a SliceJob per forward pass, takes its slice unless the
 * main thread already did, runs it, and signals through the job's shared control words.
 */
import { parentPort } from 'node:worker_threads';
import { claimSlice, finishSlice, recordFailure, runSlice, type SliceJob } from './slice.js';

const port = parentPort!;

port.on('message', (msg: { job: SliceJob; slice: number }) => {
  const { job, slice } = msg;
  if (!claimSlice(job, slice)) return;
  try {
    runSlice(job, slice);
  } catch (err) {
    recordFailure(job, err);
  } finally {
    finishSlice(job);
  }
});
