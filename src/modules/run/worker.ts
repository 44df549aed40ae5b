/**
 * A pool worker (see pool.ts): receives a SliceJob per forward pass and takes its slices, with
 * the main thread, until none is left; it signals through the job's shared control words.
 */
import { parentPort } from 'node:worker_threads';
import { runSlices, type SliceJob } from './slice.js';

parentPort!.on('message', (job: SliceJob) => runSlices(job));
