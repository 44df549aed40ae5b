/** Which commands stay on the main thread: the seed example's size with no files; not long or file-reading runs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { runsInline } from '../../src/cli/entry/inline.js';

function command(name: string, args: string[]): Command {
  const cmd = new Command(name)
    .option('--seq-len <n>', '', Number, 10)
    .option('--batch <n>', '', Number, 3)
    .option('--input-size <n>', '', Number, 100)
    .option('--hidden-size <n>', '', Number, 20)
    .option('--layers <n>', '', Number, 1)
    .option('--bidirectional')
    .option('--unbatched')
    .option('--input <file>')
    .option('--weights <file>')
    .option('--reference');
  return cmd.parse(args, { from: 'user' });
}

test('the seed example and the data-free commands stay on the main thread', () => {
  assert.equal(runsInline(command('run', ['--layers', '4', '--hidden-size', '20'])), true);
  assert.equal(runsInline(command('explain', ['--layers', '3'])), true);
  assert.equal(runsInline(command('doctor', [])), true);
  assert.equal(runsInline(command('schema', [])), true);
});

test('long runs, file inputs, --reference, pipeline and inspect go to the worker', () => {
  assert.equal(runsInline(command('run', ['--layers', '3', '--seq-len', '3000', '--hidden-size', '256'])), false);
  assert.equal(runsInline(command('run', ['--input', 'x.json'])), false);
  assert.equal(runsInline(command('run', ['--weights', 'w.pt'])), false);
  assert.equal(runsInline(command('compare', ['--reference'])), false);
  assert.equal(runsInline(command('pipeline', [])), false);
  assert.equal(runsInline(command('inspect', [])), false);
  assert.equal(runsInline(command('run', [])), true);
  assert.equal(runsInline(command('run', []), 0), false, 'a bound of 0 sends every run to the worker');
});
