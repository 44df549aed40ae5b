/** An unbatched x runs as a batch of one: h_n's slices, the report's batch and its checks say so. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunReport } from '../../src/schema/index.js';
import { assertUserError, plain, runCli, runJson } from '../helpers/cli.js';

test('random unbatched x: batch 1, one step per h_n slice, the top slice equals out[-1, :]', () => {
  const doc = runJson<RunReport>(['--unbatched', '--seq-len', '5', '--layers', '2', '--format', 'json']);
  assert.deepEqual(doc.shapes.x, [5, 100]);
  assert.equal(doc.config.batch, 1);
  assert.deepEqual(doc.h_n_slices.map((s) => s.steps), [[4], [4]]);
  assert.equal(doc.h_n_slices[1]?.max_abs_diff, 0);
  const table = plain(runCli(['--unbatched', '--seq-len', '5', '--layers', '2']).stdout);
  assert.match(table, /out\[-1, :\] ✓ equal/);
});

test('--unbatched with another --batch is a contradiction', () => {
  assertUserError(['--unbatched', '--batch', '4'], /--batch 4 contradicts --unbatched/);
});
