// Bad input for LSTM/GRU, variable lengths and pipelines: exit 2 and one `error:` line.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { item } from '../helpers/checked.js';
import { assertUserError, runCli, runJson } from '../helpers/cli.js';
import { tempDir, writeJson } from '../helpers/files.js';
import { at, listAt, zerosNested } from '../helpers/nested.js';
import type { RunReport } from '../../src/schema/index.js';

const dir = tempDir();
const spec = (name: string, modules: unknown[]): string => writeJson(dir, name, { modules });
const rnn = (name: string, input_size: number, hidden_size: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, type: 'rnn', input_size, hidden_size, ...extra });
const notJson = join(dir, 'not.json');
writeFileSync(notJson, 'modules: rnn1');
const one = spec('one.json', [rnn('a', 4, 3)]);
const aWeights = { 'a.weight_ih_l0': zerosNested(3, 4), 'a.weight_hh_l0': zerosNested(3, 3), 'a.bias_ih_l0': zerosNested(3), 'a.bias_hh_l0': zerosNested(3) };

const cases: [string, string[], RegExp][] = [
  ['a type other than rnn/lstm/gru', ['--type', 'transformer'], /--type <kind>.*expected one of rnn, lstm, gru, gru-reset-before, got "transformer"/],
  ['proj_size on an RNN', ['--proj-size', '5'], /proj_size argument is only supported for LSTM, not RNN or GRU/],
  ['proj_size on a GRU', ['--type', 'gru', '--proj-size', '5'], /proj_size argument is only supported for LSTM, not RNN or GRU/],
  ['proj_size not below hidden_size', ['--type', 'lstm', '--hidden', '8', '--proj-size', '8'], /proj_size has to be smaller than hidden_size/],
  ['lengths out of range', ['--lengths', '3,11,2'], /lengths\[1\]: expected an integer in 1..10 \(seq_len\), got 11/],
  ['a zero length', ['--lengths', '3,0,2'], /lengths\[1\]: expected an integer in 1..10/],
  ['lengths of the wrong count', ['--lengths', '3,2'], /Expected `len\(lengths\)` to be equal to batch_size, but got 2 \(batch_size=3\)/],
  ['unsorted lengths under --enforce-sorted', ['--lengths', '2,3,1', '--enforce-sorted'], /`lengths` array must be sorted in decreasing order when `enforce_sorted` is True/],
  ['lengths that are not integers', ['--lengths', '3,a'], /expected integers separated by commas, got "3,a"/],
  ['c_0 of the wrong shape', ['--type', 'lstm', '--h0', writeJson(dir, 'h0.json', zerosNested(1, 3, 20)), '--c0', writeJson(dir, 'c0.json', zerosNested(1, 3, 19))], /c_0: Expected hidden\[1\] size \(1, 3, 20\), got \[1, 3, 19\]/],
  ['LSTM h_0 of the wrong shape', ['--type', 'lstm', '--layers', '2', '--h0', join(dir, 'h0.json'), '--c0', join(dir, 'h0.json')], /h_0: Expected hidden\[0\] size \(2, 3, 20\), got \[1, 3, 20\]/],
  ['c_0 for a GRU', ['--type', 'gru', '--c0', join(dir, 'h0.json')], /--c0: expected only with --type lstm/],
  ['a spec that is not JSON', ['pipeline', '--spec', notJson], /not.json: expected valid JSON/],
  ['a spec with duplicate names', ['pipeline', '--spec', spec('dup.json', [rnn('a', 4, 3), rnn('a', 3, 2)])], /modules\[1\].name: expected unique module names, got "a" twice/],
  ['a spec with a missing name', ['pipeline', '--spec', writeJson(dir, 'noname.json', { modules: [{ type: 'rnn', input_size: 4, hidden_size: 3 }] })], /modules\[0\].name: Invalid input/],
  ['a spec with an unknown key', ['pipeline', '--spec', spec('key.json', [rnn('a', 4, 3, { hiden: 2 })])], /modules\[0\]: Unrecognized key: "hiden"/],
  ['a spec with an unknown type', ['pipeline', '--spec', spec('type.json', [{ name: 'a', type: 'transformer', input_size: 4, hidden_size: 3 }])], /modules\[0\].type: Invalid option: expected one of "rnn"\|"lstm"\|"gru"/],
  ['a dangling h_0_from', ['pipeline', '--spec', spec('dangling.json', [rnn('a', 4, 3, { h_0_from: 'zzz' })])], /a.h_0_from: expected the name of a module \(a\), got "zzz"/],
  ['a dangling input', ['pipeline', '--spec', spec('dangling-in.json', [rnn('a', 4, 3, { input: 'y' })]), '--input', `x=${writeJson(dir, 'x4.json', zerosNested(2, 1, 4))}`], /--input: expected inputs named y, got x which no module reads/],
  ['a cycle', ['pipeline', '--spec', spec('cycle.json', [rnn('a', 3, 3, { input: 'b' }), rnn('b', 3, 3, { input: 'a' })])], /expected no cycle between modules, got a -> b -> a/],
  ['a chain that does not fit', ['pipeline', '--spec', spec('misfit.json', [rnn('rnn1', 100, 50), rnn('rnn2', 40, 20)])], /rnn2.input_size: expected 50 to read rnn1's out \(num_directions\*hidden_size = 1\*50\), got 40/],
  ['an h_0_from source with other layers', ['pipeline', '--spec', spec('h0misfit.json', [{ name: 'enc', type: 'gru', input_size: 4, hidden_size: 3, num_layers: 2 }, { name: 'dec', type: 'gru', input_size: 4, hidden_size: 3, input: 'y', h_0_from: 'enc' }])], /dec.h_0_from: expected enc's h_n to have 1 slices .* got 2/],
  ['an h_0_from source with another hidden size', ['pipeline', '--spec', spec('h0hidden.json', [{ name: 'enc', type: 'gru', input_size: 4, hidden_size: 5 }, { name: 'dec', type: 'gru', input_size: 4, hidden_size: 3, input: 'y', h_0_from: 'enc' }])], /dec.h_0_from: expected enc's h_n to carry 3 features .* got 5/],
  ['a state_dict key for no module', ['pipeline', '--spec', one, '--weights', writeJson(dir, 'stray.json', { ...aWeights, 'fc.weight': zerosNested(2, 3) })], /got "fc.weight" for no module/],
  ['a state_dict missing a module\'s keys', ['pipeline', '--spec', one, '--weights', writeJson(dir, 'missing.json', { 'a.weight_ih_l0': zerosNested(3, 4), 'a.weight_hh_l0': zerosNested(3, 3) })], /a \(keys "a.\*"\): .*missing key\(s\) "bias_ih_l0", "bias_hh_l0"/],
  ['a pipeline with neither spec nor weights', ['pipeline'], /expected --spec FILE \(or --weights FILE holding the modules\), got neither/],
];

for (const [name, args, pattern] of cases) {
  test(`bad input: ${name}`, () => {
    assertUserError(args, pattern);
  });
}

test('compare --type lstm and --type gru report automatic = manual', () => {
  for (const type of ['lstm', 'gru']) {
    const r = runCli(['compare', '--type', type, '--layers', '3', '--bidirectional', '--lengths', '10,4,7']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /automatic = manual: every tensor within tolerance/);
  }
});

test('variable lengths: out is zero past each length and h_n is taken at each own last step', () => {
  const doc = runJson<RunReport>(['--type', 'gru', '--bidirectional', '--seq-len', '5', '--hidden', '2', '--lengths', '5,2,3', '--format', 'json', '--include-tensors']);
  const out = doc.tensors?.out; // (seq, batch, 2 * hidden)
  assert.ok(listAt(out, 2, 1).every((v) => v === 0) && listAt(out, 4, 2).every((v) => v === 0));
  assert.ok(listAt(out, 1, 1).some((v) => v !== 0));
  const fwd = doc.h_n_slices.find((s) => s.index === 0);
  assert.ok(fwd, 'h_n slice 0');
  assert.deepEqual(fwd.steps, [4, 1, 2]);
  assert.deepEqual(at(doc.tensors?.h_n, 0, 1), listAt(out, 1, 1).slice(0, 2), 'forward h_n of element 1 is its step 1');
  assert.deepEqual(at(doc.tensors?.h_n, 1, 1), listAt(out, 0, 1).slice(2, 4), 'reverse h_n of element 1 ends at step 0');
  assert.deepEqual(item(doc.layers, 0, 'layers').steps.map((s) => s.valid), [3, 3, 2, 1, 1]);
});

test('LSTM with proj_size: h carries proj_size, c carries hidden_size', () => {
  const doc = runJson<RunReport>(['--type', 'lstm', '--hidden', '8', '--proj-size', '3', '--layers', '2', '--format', 'json']);
  assert.deepEqual(doc.shapes, { x: [10, 3, 100], h_0: [2, 3, 3], c_0: [2, 3, 8], out: [10, 3, 3], h_n: [2, 3, 3], c_n: [2, 3, 8] });
  assert.deepEqual(doc.parameters.find((p) => p.name === 'weight_hr_l1')?.shape, [3, 8]);
  assert.deepEqual(doc.parameters.find((p) => p.name === 'weight_ih_l1')?.shape, [32, 3]);
});
