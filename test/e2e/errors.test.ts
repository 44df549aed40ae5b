// Bad input: exit 2, one `error:` line on stderr naming what was expected and what was got,
// PyTorch's wording where it has one, no stack trace, and no output file left behind.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeNpy } from '../../src/io/index.js';
import { Tensor } from '../../src/index.js';
import { commands } from '../../src/cli/commands/index.js';
import { assertUserError, runCli } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';
import { zerosNested } from '../helpers/nested.js';
import type { RunReport } from '../../src/schema/index.js';

const dir = tempDir();
const file = (name: string, text: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const cases: [string, string[], RegExp, string?][] = [
  ['unknown option', ['--bogus'], /unknown option '--bogus'/],
  ['unknown option with a suggestion', ['--layer', '2'], /unknown option '--layer'.*Did you mean --layers\?/],
  ['a mistyped command', ['explian', '--layers', '2'], new RegExp(`expected a command \\(${commands.map((c) => c.name).join(', ')}\\) or options, got 'explian' \\(did you mean explain\\?\\)`)],
  ['an unknown word', ['hello'], /expected a command \(run, .*\) or options, got 'hello'$/],
  ['help for a command that does not exist', ['help', 'docter'], /expected a command \(run, .*\) or options, got 'docter' \(did you mean doctor\?\)/],
  ['an empty output file name', ['--output=', 'doctor', '--x-shape', '3,4,5'], /--output: expected a file name, got an empty one/],
  ['a size beyond 2^53', ['doctor', '--x-shape', '99999999999999999999,3,4'], /expected sizes up to 9007199254740991, got 99999999999999999999/],
  ['size zero', ['--layers', '0'], /--layers <n>.*expected a positive integer, got "0"/],
  ['size not a number', ['--hidden', 'abc'], /--hidden-size <n>.*expected a positive integer, got "abc"/],
  ['size not an integer', ['--batch', '2.5'], /--batch <n>.*expected a positive integer, got "2.5"/],
  ['nonlinearity', ['--nonlinearity', 'sigmoid'], /expected one of tanh, relu, got "sigmoid"/],
  ['dropout above 1', ['--dropout', '1.5'], /--dropout <p>.*expected a number in \[0, 1\].*got "1.5"/],
  ['dropout below 0', ['--dropout', '-0.1'], /--dropout <p>.*got "-0.1"/],
  ['h_0 with too few layers', ['--layers', '4', '--h0', writeJson(dir, 'h0_2.json', zerosNested(2, 3, 20))], /h_0: Expected hidden size \(4, 3, 20\), got \[2, 3, 20\]; h_0 holds one slice per layer and direction: num_layers\*num_directions = 4\*1 = 4/],
  ['h_0 given batch-first', ['--layers', '4', '--batch-first', '--h0', writeJson(dir, 'h0_bf.json', zerosNested(3, 4, 20))], /Expected hidden size \(4, 3, 20\), got \[3, 4, 20\]; batch_first does not apply to h_0/],
  ['h_0 from a smaller last batch', ['--h0', writeJson(dir, 'h0_b2.json', zerosNested(1, 2, 20))], /Expected hidden size \(1, 3, 20\), got \[1, 2, 20\]; h_0's batch must equal x's batch, 3/],
  ['h_0 of the wrong rank', ['--h0', writeJson(dir, 'h0_2d.json', zerosNested(1, 20))], /For batched 3-D input, hx should also be 3-D but got 2-D tensor/],
  ['x of rank 4', ['--input', writeJson(dir, 'x4.json', zerosNested(2, 3, 4, 5))], /RNN: Expected input to be 2D or 3D, got 4D tensor instead/],
  ['x of rank 1', ['--input', writeJson(dir, 'x1.json', zerosNested(5))], /RNN: Expected input to be 2D or 3D, got 1D tensor instead/],
  ['x feature size', ['--input', writeJson(dir, 'x99.json', zerosNested(10, 3, 99)), '--input-size', '100'], /input.size\(-1\) must be equal to input_size. Expected 100, got 99/],
  ['missing file', ['--input', join(dir, 'nope.json')], /nope.json: expected a readable file, got no such file/],
  ['unreadable file (a directory)', ['--input', dir], /expected a readable file, got/],
  ['empty file', ['--input', file('empty.json', '')], /empty.json: expected data, got an empty file/],
  ['blank file', ['--input', file('blank.json', '  \n')], /blank.json: expected JSON, got an empty file/],
  ['malformed JSON', ['--input', file('bad.json', '[[[1, 2],')], /bad.json: expected valid JSON, got a syntax error/],
  ['ragged nested list', ['--input', writeJson(dir, 'ragged.json', [[[1, 2]], [[3]]])], /ragged.json\[1\]\[0\]: ragged nested list: expected a list of 2, got a list of 1/],
  ['non-numeric value', ['--input', writeJson(dir, 'str.json', [[[1, 'a']]])], /str.json\[0\]\[0\]\[1\]: expected a number, got the string "a"/],
  ['null value', ['--input', writeJson(dir, 'null.json', [[[1, null]]])], /expected a number, got null/],
  ['NaN in input', ['--input', file('nan.json', '[[[1.0, NaN]]]')], /nan.json: expected finite numbers, got NaN/],
  ['NaN in a .npy input', ['--input', file('nan.npy', encodeNpy(new Tensor(new Float32Array([0, 1, NaN, 2]), [2, 1, 2])))], /x \(.*nan.npy\): expected finite numbers, got NaN at \[1, 0, 0\]/],
  ['Infinity in input', ['--input', file('inf.json', '[[[1.0, -Infinity]]]')], /expected finite numbers, got -Infinity/],
  ['weights with a missing key', ['--weights', writeJson(dir, 'w_missing.json', { weight_ih_l0: zerosNested(20, 100), weight_hh_l0: zerosNested(20, 20), bias_ih_l0: zerosNested(20) })], /missing key\(s\) "bias_hh_l0"/],
  ['weights with an unexpected key', ['--weights', writeJson(dir, 'w_extra.json', { weight_ih_l0: zerosNested(20, 100), weight_hh_l0: zerosNested(20, 20), bias_ih_l0: zerosNested(20), bias_hh_l0: zerosNested(20), extra: zerosNested(2) })], /unexpected key\(s\) "extra"/],
  ['weights with a misshapen key', ['--weights', writeJson(dir, 'w_shape.json', { weight_ih_l0: zerosNested(20, 100), weight_hh_l0: zerosNested(20, 20), bias_ih_l0: zerosNested(20), bias_hh_l0: zerosNested(21) })], /bias_hh_l0: expected shape \(20,\), got \(21,\)/],
  ['a flag contradicting the weights', ['--hidden', '30', '--weights', writeJson(dir, 'w_ok.json', { weight_ih_l0: zerosNested(20, 100), weight_hh_l0: zerosNested(20, 20), bias_ih_l0: zerosNested(20), bias_hh_l0: zerosNested(20) })], /--hidden-size 30 contradicts .*w_ok.json: it holds hidden_size 20/],
  ['a flag contradicting the input file', ['--batch', '5', '--input', writeJson(dir, 'x_ok.json', zerosNested(10, 3, 100))], /--batch 5 contradicts .*x_ok.json: x \(10, 3, 100\) read as \(seq_len, batch, input_size\) has batch 3/],
  ['memory budget', ['--batch', '100000', '--seq-len', '100000'], /--max-memory: expected a run within 2.0 GiB, got an estimate of [\d.]+ TiB/],
  ['memory budget, lowered', ['--max-memory', '1K'], /expected a run within 1.0 KiB, got an estimate of/],
  ['stdin that is not JSON', ['--input', '-'], /standard input: expected valid JSON/, 'not json'],
  ['unknown format', ['--format', 'xml'], /--format <format>.*expected one of table, json, ndjson, got "xml"/],
  ['bad --expect', ['--expect', 'out=3,a'], /expected a shape such as 3,10,20, got "3,a"/],
  ['unknown schema', ['schema', 'nope'], /schema: expected one of run/],
  ['output into a missing directory', ['-o', join(dir, 'no', 'such', 'out.json')], /expected an existing directory/],
];

for (const [name, args, pattern, input] of cases) {
  test(`bad input: ${name}`, () => {
    assertUserError(args, pattern, { input });
  });
}

test('--debug adds the stack trace to the error line', () => {
  const r = runCli(['--layers', '4', '--h0', join(dir, 'h0_2.json'), '--debug']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error: h_0: Expected hidden size/);
  assert.match(r.stderr, /\n\s+at /);
});

test('a failed run leaves no output file, partial or whole', () => {
  const out = join(dir, 'never.json');
  assertUserError(['--layers', '4', '--h0', join(dir, 'h0_2.json'), '--format', 'json', '-o', out], /Expected hidden size/);
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('never')), []);
});

test('--expect: a shape that differs exits 1 with a one-line diff', () => {
  const r = assertUserError(['--layers', '4', '--batch-first', '--expect', 'out=3,10,20', '--expect', 'h_n=3,4,20', '--format', 'json'], /--expect: h_n expected \(3, 4, 20\), got \(4, 3, 20\)$/, { code: 1 });
  assert.equal((JSON.parse(r.stdout) as RunReport).expectations?.find((e) => e.name === 'h_n')?.ok, false);
});

test('--expect: matching shapes exit 0', () => {
  const r = runCli(['--layers', '4', '--batch-first', '--expect', 'out=3,10,20', '--expect', 'h_n=(4, 3, 20)', '--expect', 'x=3x10x100']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /✓ out \(3, 10, 20\)/);
});
