/** Shape lists (--x-shape, --expect): the spellings people paste, and no empty sizes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { shapeList } from '../../src/cli/parse.js';

test('3,10,20, (3, 10, 20), [3, 10, 20], 3x10x20 and (3,) are accepted', () => {
  for (const v of ['3,10,20', '(3, 10, 20)', '[3, 10, 20]', '3x10x20', ' 3 × 10 × 20 ']) assert.deepEqual(shapeList(v), [3, 10, 20], v);
  assert.deepEqual(shapeList('(3,)'), [3]);
});

test('an empty size is an error: 3,,4, 3x4x, ,3, 3, and an empty list', () => {
  for (const v of ['3,,4', '3x4x', ',3', '3,', 'x3']) {
    assert.throws(() => shapeList(v), (err) => err instanceof InvalidArgumentError && /an empty size/.test(err.message), v);
  }
  for (const v of ['', '()', '[]', '[3,4', '3 4', 'a,b']) assert.throws(() => shapeList(v), InvalidArgumentError, v);
});
