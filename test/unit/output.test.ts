// jsonText: a document too large for one JavaScript string is a usage-level budget error (exit 2)
// that names the ways out, not an internal error; other failures are not disguised as one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonText } from '../../src/cli/output.js';
import { BudgetError } from '../../src/errors.js';

test('jsonText indents documents and writes NDJSON lines compact', () => {
  assert.equal(jsonText({ a: [1, 2] }), '{\n  "a": [\n    1,\n    2\n  ]\n}\n');
  assert.equal(jsonText({ a: [1, 2] }, 0), '{"a":[1,2]}\n');
});

test('jsonText: a string too long for V8 becomes a BudgetError naming --trace and --include-tensors', () => {
  const tooLong = { toJSON: () => { throw new RangeError('Invalid string length'); } };
  assert.throws(() => jsonText(tooLong), (err) => err instanceof BudgetError && err.exitCode === 2 && /--trace summary/.test(err.message) && /--include-tensors/.test(err.message));
  const other = { toJSON: () => { throw new TypeError('boom'); } };
  assert.throws(() => jsonText(other), (err) => err instanceof TypeError);
});
