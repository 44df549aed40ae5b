/** How two values compare when either may be Infinity or NaN (the h_n/out, explain and compare checks). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addPair, agreement, valueDiff } from '../../src/report/non-finite.js';

test('equal infinities agree; opposite ones and a NaN facing a number differ by Infinity; two NaNs cannot be compared', () => {
  assert.equal(valueDiff(Infinity, Infinity), 0);
  assert.equal(valueDiff(-Infinity, -Infinity), 0);
  assert.equal(valueDiff(Infinity, -Infinity), Infinity);
  assert.equal(valueDiff(Infinity, 3), Infinity);
  assert.equal(valueDiff(NaN, 3), Infinity);
  assert.equal(valueDiff(-2, NaN), Infinity);
  assert.ok(Number.isNaN(valueDiff(NaN, NaN)));
  assert.equal(valueDiff(1.5, -0.5), 2);
});

test('an agreement keeps the largest difference, where it is, and counts the pairs NaN on both sides', () => {
  const a = agreement();
  [[1, 1], [NaN, NaN], [2, 2.5], [Infinity, Infinity], [NaN, NaN], [0, 0.25]].forEach(([x, y], i) => addPair(a, i, x!, y!));
  assert.deepEqual(a, { maxAbsDiff: 0.5, at: 2, notComparable: 2 });
  addPair(a, 6, NaN, 1);
  assert.deepEqual(a, { maxAbsDiff: Infinity, at: 6, notComparable: 2 });
});
