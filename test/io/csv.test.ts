// CSV inputs: an unbatched (seq_len, input_size) table, with or without a header row.
import { test, type TestContext } from 'node:test';
import { readTensorFile, readTensorsFile } from '../../src/io/index.js';
import { assertRefused, assertTensorEquals, tempFile } from '../helpers/io.js';

const csv = (t: TestContext, text: string | Uint8Array, name = 'x.csv'): string => tempFile(t, name, Buffer.from(text));

test('a plain table is (rows, columns)', (t) => {
  assertTensorEquals(readTensorFile(csv(t, '1,2,3\n4,5,6\n')).tensor, [2, 3], [1, 2, 3, 4, 5, 6], 'plain');
});

test('a header row of names is skipped', (t) => {
  assertTensorEquals(readTensorFile(csv(t, 'f0,f1\n0.5,-1e-3\n2,3\n')).tensor, [2, 2], [0.5, -1e-3, 2, 3], 'header');
  assertTensorEquals(readTensorFile(csv(t, '"a","b"\n"1","2"\n')).tensor, [1, 2], [1, 2], 'quoted');
});

test('whitespace, CRLF, a BOM, comments and trailing blank lines are tolerated', (t) => {
  const text = '\ufeff# numpy.savetxt header\r\n 1 , 2 \r\n\t3,4\t\r\n\r\n\r\n';
  assertTensorEquals(readTensorFile(csv(t, text)).tensor, [2, 2], [1, 2, 3, 4], 'tolerant');
});

test('a single column and a single row', (t) => {
  assertTensorEquals(readTensorFile(csv(t, '1\n2\n3\n')).tensor, [3, 1], [1, 2, 3], 'column');
  assertTensorEquals(readTensorFile(csv(t, '1,2,3')).tensor, [1, 3], [1, 2, 3], 'row');
});

test('ragged rows name the line', (t) => {
  assertRefused(() => readTensorFile(csv(t, 'a,b\n1,2\n3\n', 'ragged.csv')), 'ragged.csv', /expected 2 columns at line 3.*got 1/);
});

test('a non-numeric cell names its line and column', (t) => {
  assertRefused(() => readTensorFile(csv(t, '1,2\n3,x\n', 'cell.csv')), 'cell.csv', /line 2, column 2, got "x"/);
  assertRefused(() => readTensorFile(csv(t, '1,2\n3,\n', 'gap.csv')), 'gap.csv', /line 2, column 2, got an empty cell/);
  assertRefused(() => readTensorFile(csv(t, '1 2 3\n4 5 6\n', 'spaces.csv')), 'spaces.csv', /separate values with commas/);
  assertRefused(() => readTensorFile(csv(t, '1,nan\n', 'nan.csv')), 'nan.csv', /"nan"/);
  assertRefused(() => readTensorFile(csv(t, '1,1e999\n', 'inf.csv')), 'inf.csv', /finite/);
});

test('an empty table, or only a header', (t) => {
  assertRefused(() => readTensorFile(csv(t, '\n\n', 'blank.csv')), 'blank.csv', /at least one row/);
  assertRefused(() => readTensorFile(csv(t, 'a,b,c\n', 'header.csv')), 'header.csv', /at least one row/);
});

test('a blank line inside the table is not silently dropped', (t) => {
  assertRefused(() => readTensorFile(csv(t, '1,2\n\n3,4\n', 'hole.csv')), 'hole.csv', /empty line inside the table/);
});

test('binary data is not text', (t) => {
  assertRefused(() => readTensorFile(csv(t, Buffer.from([0xff, 0xfe, 0x00, 0x80]), 'bin.csv')), 'bin.csv', /utf-8/);
});

test('CSV holds one input, not weights', (t) => {
  assertRefused(() => readTensorsFile(csv(t, '1,2\n', 'w.csv')), 'w.csv', /named tensors/);
});
