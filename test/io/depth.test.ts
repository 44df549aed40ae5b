/**
 * No recursion on a depth the file chooses. Nested JSON deeper than a tensor can be (MAX_RANK
 * levels) or than a structured document needs is refused with one line naming the depth, before
 * it is parsed; the walks over parsed values are loops; the pickle machine refuses what would
 * make its stand-ins recurse. V8's JSON.parse itself takes any depth (10 million levels here),
 * but JSON.stringify of a value 10 000 levels deep already throws RangeError.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { FormatError } from '../../src/errors.js';
import { decodeNpy, decodePt, decodeSafetensors, readTensorFile, readTensorsFile } from '../../src/io/index.js';
import { jsonDepth } from '../../src/io/json.js';
import { MAX_RANK, tensorFromNested } from '../../src/tensor/nested.js';
import { assertUserError } from '../e2e/cli.js';
import { OP, Pickle, f32, torchZip } from './torch-files.js';

const DEEP = 100_000;
const nested = (depth: number, leaf = '1'): string => '['.repeat(depth) + leaf + ']'.repeat(depth);

function refused(read: () => unknown, pattern: RegExp, ms = 2000): string {
  let caught: unknown;
  const started = performance.now();
  assert.throws(read, (err) => {
    caught = err;
    return true;
  });
  const took = performance.now() - started;
  assert.ok(caught instanceof FormatError, `expected a FormatError, got ${(caught as Error)?.name}: ${(caught as Error)?.message}`);
  assert.match(caught.message, pattern);
  assert.ok(took < ms, `refused in ${took.toFixed(0)} ms`);
  return caught.message;
}

function tempFile(t: TestContext, name: string, bytes: Uint8Array | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-depth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

function safetensorsWithHeader(json: string): Uint8Array {
  const text = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + text.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  return out;
}

describe('the depth of JSON text', () => {
  test('counts [ and { outside strings only', () => {
    assert.equal(jsonDepth(new TextEncoder().encode('{"a": "[[[{\\"[[", "b": [1, [2]]}')), 3);
    assert.equal(jsonDepth(new TextEncoder().encode('"[[["')), 0);
    assert.equal(jsonDepth(new TextEncoder().encode(nested(DEEP))), DEEP);
  });
});

describe('tensors', () => {
  test(`a nested list ${DEEP} levels deep is refused with one line naming the depth`, (t) => {
    const file = tempFile(t, 'x.json', nested(DEEP));
    refused(() => readTensorFile(file), /^.*x\.json: expected a nested list at most 32 levels deep \(a tensor's rank\), got 100000 levels$/);
  });

  test(`rank ${MAX_RANK} reads; rank ${MAX_RANK + 1} is refused`, (t) => {
    assert.equal(readTensorFile(tempFile(t, 'r32.json', nested(MAX_RANK))).tensor.shape.length, MAX_RANK);
    refused(() => readTensorFile(tempFile(t, 'r33.json', nested(MAX_RANK + 1))), /r33\.json: expected a nested list at most 32 levels deep \(a tensor's rank\), got 33 levels/);
  });

  test('tensorFromNested on a deep list built in memory (not parsed) refuses it too, without recursing', () => {
    let deep: unknown = 1;
    for (let d = 0; d < 1_000_000; d++) deep = [deep];
    refused(() => tensorFromNested(deep, 'x'), /^x: expected a nested list at most 32 levels deep \(a tensor's rank\), got 1000000 levels$/);
  });

  test('a state_dict is names, then tensors: one level more than a tensor', (t) => {
    const ok = tempFile(t, 'w33.json', `{"w": ${nested(MAX_RANK)}}`);
    assert.equal(readTensorsFile(ok).tensors.get('w')!.tensor.shape.length, MAX_RANK);
    refused(
      () => readTensorsFile(tempFile(t, 'w.json', `{"w": ${nested(DEEP)}}`)),
      /w\.json: expected a state_dict \{name: nested list\} at most 33 levels deep \(names, then a tensor of rank at most 32\), got 100001 levels$/,
    );
    refused(() => readTensorsFile(tempFile(t, 'objects.json', '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP))), /objects\.json: expected a state_dict .* got 100000 levels$/);
  });
});

describe('structured documents', () => {
  test(`a safetensors header ${DEEP} levels deep is refused`, () => {
    refused(
      () => decodeSafetensors(safetensorsWithHeader(`{"w": ${nested(DEEP)}}`), 'w.safetensors'),
      /^w\.safetensors: expected a safetensors header at most 8 levels deep \(\{name: \{dtype, shape: \[\.\.\.\], data_offsets: \[\.\.\.\]\}\} needs 3\), got 100001 levels$/,
    );
  });

  test('a header a few levels deep still gets the message about what is wrong in it', () => {
    refused(() => decodeSafetensors(safetensorsWithHeader(`{"w": ${nested(6)}}`), 'w.safetensors'), /tensor "w": expected \{dtype, shape, data_offsets\}, got a list of 1/);
  });

  test(`an .npy header nested ${DEEP} levels is refused by the literal parser's own bound`, () => {
    // Version 2.0: a u32 header length, room for 200 000 parentheses.
    const text = '('.repeat(DEEP) + ')'.repeat(DEEP) + '\n';
    const bytes = new Uint8Array(12 + text.length);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(bytes.buffer).setUint32(8, text.length, true);
    for (let i = 0; i < text.length; i++) bytes[12 + i] = text.charCodeAt(i);
    refused(() => decodeNpy(bytes, 'deep.npy'), /deep\.npy: expected nesting of at most 32 levels/);
  });
});

describe('pickles', () => {
  test(`_rebuild_from_type_v2 nested in itself ${DEEP} times is refused, not recursed into`, () => {
    // R, then (R, None) pairs, an innermost (), then TUPLE3s: (R, None, (R, None, (... ()))), REDUCE.
    const p = new Pickle().op(OP.EMPTY_DICT).str('w').global('torch._tensor', '_rebuild_from_type_v2').op(OP.BINPUT, 0);
    for (let d = 0; d < DEEP; d++) p.op(OP.BINGET, 0, OP.NONE);
    p.op(OP.EMPTY_TUPLE);
    for (let d = 0; d < DEEP; d++) p.op(OP.TUPLE3);
    p.op(OP.REDUCE, OP.SETITEM);
    refused(() => decodePt(torchZip(p.done()), 'nested.pt'), /^nested\.pt: expected a tensor rebuild function inside torch\._tensor\._rebuild_from_type_v2, got torch\._tensor\._rebuild_from_type_v2 itself$/);
  });

  test(`a list ${DEEP} levels deep beside the tensors is kept as metadata, never walked`, () => {
    const p = new Pickle().op(OP.EMPTY_DICT).str('w').tensor([2], [1], 2).op(OP.SETITEM).str('deep');
    for (let d = 0; d < DEEP; d++) p.op(OP.EMPTY_LIST);
    for (let d = 1; d < DEEP; d++) p.op(OP.APPEND);
    p.op(OP.SETITEM);
    const { tensors, metadata } = decodePt(torchZip(p.done(), { '0': f32([1, 2]) }), 'meta.pt');
    assert.deepEqual([...tensors.get('w')!.tensor.data], [1, 2]);
    assert.equal(metadata?.['deep'], 'a list of 1');
  });

  test('checkpoint dicts nested deeper than 16 levels are refused, not silently skipped', () => {
    const checkpoint = (levels: number): Uint8Array => {
      const p = new Pickle().op(OP.EMPTY_DICT);
      for (let d = 0; d < levels; d++) p.str('a').op(OP.EMPTY_DICT);
      p.str('w').tensor([2], [1], 2).op(OP.SETITEM);
      for (let d = 0; d < levels; d++) p.op(OP.SETITEM);
      return torchZip(p.done(), { '0': f32([1, 2]) });
    };
    assert.deepEqual([...decodePt(checkpoint(3), 'ok.pt').tensors.keys()], ['a.a.a.w']);
    assert.deepEqual([...decodePt(checkpoint(16), 'ok.pt').tensors.keys()], [`${'a.'.repeat(16)}w`]);
    refused(() => decodePt(checkpoint(20), 'deep.pt'), /^deep\.pt: expected dicts nested at most 16 levels deep, got deeper at "a\.a\.a\./);
  });
});

describe(`through the CLI: ${DEEP} levels give exit 2 and one line, quickly`, () => {
  test('--input, --weights, a safetensors header and a pipeline spec', (t) => {
    const cases: [string[], RegExp][] = [
      [['run', '--input', tempFile(t, 'x.json', nested(DEEP))], /x\.json: expected a nested list at most 32 levels deep \(a tensor's rank\), got 100000 levels/],
      [['run', '--weights', tempFile(t, 'w.json', `{"w": ${nested(DEEP)}}`)], /w\.json: expected a state_dict \{name: nested list\} at most 33 levels deep/],
      [['inspect', tempFile(t, 'h.safetensors', safetensorsWithHeader(`{"w": ${nested(DEEP)}}`))], /h\.safetensors: expected a safetensors header at most 8 levels deep/],
      [['pipeline', '--spec', tempFile(t, 'spec.json', `{"modules": ${nested(DEEP)}}`)], /spec\.json: expected a pipeline spec at most 8 levels deep \(\{"modules": \[\{\.\.\.\}\]\} needs 3\), got 100001 levels/],
    ];
    for (const [args, pattern] of cases) {
      const started = performance.now();
      assertUserError(args, pattern);
      const ms = performance.now() - started;
      // Node's start-up included, on a machine running other tests: generous.
      assert.ok(ms < 5000, `${args[0]} ${args[1]} took ${ms.toFixed(0)} ms`);
    }
  });

  test('a spec with a misplaced list a few levels down still gets the schema message', (t) => {
    const spec = { modules: [{ name: 'a', type: 'rnn', input_size: [[4]], hidden_size: 2 }] };
    assertUserError(['pipeline', '--spec', tempFile(t, 'spec.json', JSON.stringify(spec))], /spec\.json: modules\[0\]\.input_size: /);
  });
});
