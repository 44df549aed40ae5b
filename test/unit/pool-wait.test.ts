// The pool's wait for the workers' slices: it returns when every slice is done, reports progress
// on the way, and gives up with an error (not a hang) when no thread finishes a step for too long,
// as when a worker dies mid-slice.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitForSlices } from '../../src/modules/run/pool.js';
import { CONTROL_DONE, CONTROL_STEPS, CONTROL_WORDS } from '../../src/modules/run/slice.js';

test('waitForSlices returns at once when every slice is done, reporting the final count', () => {
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
  control[CONTROL_DONE] = 4;
  control[CONTROL_STEPS] = 4 * 30;
  const calls: [number, number][] = [];
  waitForSlices(control, 4, 30, (done, total) => calls.push([done, total]));
  assert.deepEqual(calls.at(-1), [30, 30]);
});

test('waitForSlices gives up on a slice nobody finishes: an error naming --threads 1, after the stall time', () => {
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
  control[CONTROL_DONE] = 3; // one of four slices never finishes
  control[CONTROL_STEPS] = 3 * 30;
  const t0 = performance.now();
  assert.throws(() => waitForSlices(control, 4, 30, undefined, 300), /no thread finished a step for 300 ms with 1 of 4 batch slices outstanding.*--threads 1/);
  const waited = performance.now() - t0;
  assert.ok(waited >= 300, `gave up after ${waited} ms`);
});
