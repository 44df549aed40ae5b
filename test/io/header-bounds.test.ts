/**
 * Every size a header declares is bounded before anything is allocated or looped over: the product
 * of its dimensions (an empty shape counted by its other dimensions, which size whatever is computed
 * from it), the rank, and the float32 the tensors of one file decode to, against maxBytes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { zipSync } from 'fflate';
import { decodeNpy, decodeNpz, decodePt, decodeSafetensors, readTensorFile } from '../../src/io/index.js';
import { jsonFormat } from '../../src/io/json.js';
import { MAX_RANK } from '../../src/tensor/nested.js';
import { assertUserError } from '../e2e/cli.js';
import { tempFile } from '../helpers/files.js';
import { refused } from '../helpers/io.js';
import { Pickle, OP, f32, torchZip } from './torch-files.js';

function npyBytes(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  let text = header;
  text += ' '.repeat((64 - ((10 + text.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  out.set(data, 10 + text.length);
  return out;
}

const header = (shape: string, descr = '<f4'): string => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;

function safetensors(entries: Record<string, unknown>, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(entries));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}



const EMPTY_BUT_HUGE = /expected an empty shape whose other dimensions fit in 2147483648 bytes as float32 too, got \(0, 3000000000000, 4\) \(48000000000000 bytes with its zeros counted as 1\)/;

describe('.npy', () => {
  test('a (0, 3e12, 4) array is refused: nothing to read, but its other dimensions would size what is computed from it', () => {
    refused(() => decodeNpy(npyBytes(header('(0, 3000000000000, 4)')), 'x.npy'), new RegExp(`^x\\.npy: ${EMPTY_BUT_HUGE.source}$`));
  });

  test('a small empty array still reads as empty', () => {
    const { tensor } = decodeNpy(npyBytes(header('(0, 3)')), 'empty.npy');
    assert.deepEqual([...tensor.shape], [0, 3]);
    assert.equal(tensor.size, 0);
  });

  test(`more than ${MAX_RANK} dimensions are refused; ${MAX_RANK} read`, () => {
    const ones = (n: number): string => `(${Array(n).fill(1).join(', ')})`;
    assert.equal(decodeNpy(npyBytes(header(ones(MAX_RANK)), f32([7])), 'r32.npy').tensor.shape.length, MAX_RANK);
    refused(() => decodeNpy(npyBytes(header(ones(MAX_RANK + 1)), f32([7])), 'r33.npy'), /^r33\.npy: expected at most 32 dimensions, got 33$/);
  });

  test('the float32 an array decodes to counts against maxBytes, not just its bytes on disk', () => {
    const u8 = npyBytes(header('(1000,)', '|u1'), new Uint8Array(1000));
    assert.equal(decodeNpy(u8, 'u8.npy', { maxBytes: 4000 }).tensor.size, 1000);
    refused(() => decodeNpy(u8, 'u8.npy', { maxBytes: 3999 }), /^u8\.npy: expected at most 3999 bytes of float32 data, got shape \(1000,\) \(4000 bytes\)$/);
  });

  test('the members of one .npz share the budget', () => {
    // Two members of 228 bytes (uint8), each 400 bytes as float32.
    const member = npyBytes(header('(100,)', '|u1'), new Uint8Array(100));
    const npz = zipSync({ 'a.npy': member, 'b.npy': member }, { level: 0 });
    assert.equal(decodeNpz(npz, 'two.npz', { maxBytes: 800 }).tensors.size, 2);
    refused(() => decodeNpz(npz, 'two.npz', { maxBytes: 700 }), /^two\.npz: b\.npy: expected the tensors of one file to take at most 700 bytes as float32 together, got 800 with this one$/);
  });

  test('through the CLI: one error line, exit 2 (it was "Invalid typed array length", exit 1)', (t) => {
    assertUserError(['run', '--input', tempFile(t, 'zero.npy', npyBytes(header('(0, 3000000000000, 4)')))], EMPTY_BUT_HUGE);
  });
});

describe('safetensors', () => {
  test('an empty tensor with huge other dimensions is refused', () => {
    const bytes = safetensors({ w: { dtype: 'F32', shape: [0, 3000000000000, 4], data_offsets: [0, 0] } });
    refused(() => decodeSafetensors(bytes, 'w.safetensors'), new RegExp(`^w\\.safetensors: tensor "w": ${EMPTY_BUT_HUGE.source}$`));
  });

  test('rank and the budget across tensors', () => {
    const rank = safetensors({ w: { dtype: 'F32', shape: Array(MAX_RANK + 1).fill(1), data_offsets: [0, 4] } }, f32([1]));
    refused(() => decodeSafetensors(rank, 'rank.safetensors'), /tensor "w": expected at most 32 dimensions, got 33/);
    const two = safetensors(
      { a: { dtype: 'U8', shape: [100], data_offsets: [0, 100] }, b: { dtype: 'U8', shape: [100], data_offsets: [100, 200] } },
      new Uint8Array(200),
    );
    assert.equal(decodeSafetensors(two, 'two.safetensors', { maxBytes: 800 }).tensors.size, 2);
    refused(() => decodeSafetensors(two, 'two.safetensors', { maxBytes: 799 }), /tensor "b": expected the tensors of one file to take at most 799 bytes/);
  });

  test('a message about a bad header value stays short, however long the value', () => {
    const shape = [...Array(100_000).fill(1), -1];
    const message = refused(() => decodeSafetensors(safetensors({ w: { dtype: 'F32', shape, data_offsets: [0, 4] } }, f32([1])), 'long.safetensors'), /shape of non-negative integers, got a list of 100001/).message;
    assert.ok(message.length < 200, `a message of ${message.length} characters`);
  });
});

describe('.pt', () => {
  test('a tensor of size (0, 3e12, 4) is refused', () => {
    const pkl = new Pickle().op(OP.EMPTY_DICT).str('w').tensor([0, 3e12, 4], [12e12, 4, 1], 0).op(OP.SETITEM).done();
    refused(() => decodePt(torchZip(pkl, { '0': new Uint8Array(0) }), 'w.pt'), new RegExp(`^w\\.pt: tensor "w": ${EMPTY_BUT_HUGE.source}$`));
  });

  test('storages and tensors count against maxBytes', () => {
    const pkl = new Pickle().op(OP.EMPTY_DICT).str('w').tensor([10, 100], [100, 1], 1000, { type: 'ByteStorage' }).op(OP.SETITEM).done();
    const pt = torchZip(pkl, { '0': new Uint8Array(1000).fill(7) });
    assert.deepEqual([...decodePt(pt, 'w.pt').tensors.get('w')!.tensor.shape], [10, 100]);
    // The storage as float32 (4000 bytes) and the tensor copied out of it (4000 more).
    assert.equal(decodePt(pt, 'w.pt', { maxBytes: 8000 }).tensors.size, 1);
    refused(() => decodePt(pt, 'w.pt', { maxBytes: 7999 }), /^w\.pt: tensor "w": expected the tensors of one file to take at most 7999 bytes as float32 together, got 8000 with this one$/);
  });

  test('a rank above the cap is refused', () => {
    const ones = Array(MAX_RANK + 1).fill(1);
    const pkl = new Pickle().op(OP.EMPTY_DICT).str('w').tensor(ones, ones, 1).op(OP.SETITEM).done();
    refused(() => decodePt(torchZip(pkl, { '0': f32([1]) }), 'rank.pt'), /tensor "w": expected at most 32 dimensions, got 33/);
  });
});

describe('JSON nested lists', () => {
  test('a ragged list whose first row implies a huge tensor is refused as ragged, without allocating for it', () => {
    // 100000 x 100000 by its first row (40 GB as float32); in fact one long row and short ones.
    const text = `[[${Array(100_000).fill(0).join(',')}]${',[1]'.repeat(99_999)}]`;
    const started = performance.now();
    refused(() => jsonFormat.readTensor!(new TextEncoder().encode(text), 'ragged.json'), /^ragged\.json\[1\]: ragged nested list: expected a list of 100000, got a list of 1$/);
    assert.ok(performance.now() - started < 2000);
  });

  test('the float32 a nested list decodes to counts against maxBytes', () => {
    const bytes = new TextEncoder().encode(JSON.stringify([[1, 2, 3], [4, 5, 6]]));
    assert.equal(jsonFormat.readTensor!(bytes, 'x.json', { maxBytes: 24 }).tensor.size, 6);
    refused(() => jsonFormat.readTensor!(bytes, 'x.json', { maxBytes: 23 }), /^x\.json: expected at most 23 bytes of float32 data, got shape \(2, 3\) \(24 bytes\)$/);
  });

  test('readTensorFile passes maxBytes to the reader', (t) => {
    const file = tempFile(t, 'x.json', JSON.stringify([[1, 2, 3], [4, 5, 6]]));
    assert.equal(readTensorFile(file).tensor.size, 6);
    refused(() => readTensorFile(file, { maxBytes: 23 }), /x\.json: expected at most 23 bytes of float32 data/);
  });
});
