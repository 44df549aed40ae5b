/** What a file or an argument says reaches the terminal as text: no control characters, no surprise file names. */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assertUserError, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/files.js';

test('control characters a file holds are escaped in the error line', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'esc.json');
  writeFileSync(file, '\x1b[31mRED\r\x07 {');
  const r = assertUserError(['--input', file], /expected valid JSON/);
  assert.doesNotMatch(r.stderr, /[\x00-\x09\x0b-\x1f\x7f]/, 'no raw control character besides the final newline');
  assert.match(r.stderr, /\\x1b\[31mRED\\x0d\\x07/);
});

test('-o=FILE is refused with the spelling that works, and writes nothing', (t) => {
  const dir = tempDir(t);
  const r = runCli(['-o=out.json', '--format', 'json'], { cwd: dir });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error: -o: expected a file name, got "=out\.json" \(write -o FILE or --output=FILE\)\n$/);
  assert.ok(!existsSync(join(dir, '=out.json')));
});
