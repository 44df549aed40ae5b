// Picking the reader: by extension, by magic bytes when the extension says nothing, and by what a
// zip holds (.npz members or a torch data.pkl) whatever the zip is called.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectFormat, readTensorFile, readTensorsFile } from '../../src/io/index.js';
import { bytesOf, generated, seed, tempFile } from '../helpers/io.js';

const nameOf = (file: string, bytes: Uint8Array): string | undefined => detectFormat(file, bytes)?.name;

test('extensions pick their format', () => {
  assert.equal(nameOf('x.npy', bytesOf(seed('x.npy'))), 'npy');
  assert.equal(nameOf('w.npz', bytesOf(seed('weights.npz'))), 'npz');
  assert.equal(nameOf('w.safetensors', bytesOf(seed('weights.safetensors'))), 'safetensors');
  for (const ext of ['.pt', '.pth', '.bin', '.PT']) assert.equal(nameOf(`w${ext}`, bytesOf(seed('weights.pt'))), 'pt');
  assert.equal(nameOf('x.csv', bytesOf(seed('x_unbatched.csv'))), 'csv');
  assert.equal(nameOf('x.json', new TextEncoder().encode('[[1]]')), 'json');
});

test('without a known extension the bytes decide', () => {
  assert.equal(nameOf('x.data', bytesOf(seed('x.npy'))), 'npy');
  assert.equal(nameOf('weights', bytesOf(seed('weights.npz'))), 'npz');
  assert.equal(nameOf('weights', bytesOf(seed('weights.pt'))), 'pt');
  assert.equal(nameOf('weights', bytesOf(generated('legacy.pt'))), 'pt');
  assert.equal(nameOf('weights', bytesOf(seed('weights.safetensors'))), 'safetensors');
  assert.equal(nameOf('x.txt', new TextEncoder().encode(' {"a": [1]}')), 'json');
  assert.equal(nameOf('x.txt', new TextEncoder().encode('1,2\n')), undefined);
});

test('a zip is an .npz or a .pt by its members, whatever its name', (t) => {
  assert.equal(nameOf('weights.npz', bytesOf(seed('weights.pt'))), 'pt');
  assert.equal(nameOf('weights.pt', bytesOf(seed('weights.npz'))), 'npz');
  const misnamed = tempFile(t, 'weights.npz', bytesOf(seed('weights.pt')));
  assert.deepEqual([...readTensorsFile(misnamed).tensors.keys()], [...readTensorsFile(seed('weights.pt')).tensors.keys()]);
});

test('a file whose bytes clearly show another format is read as that format', (t) => {
  const npyAsBin = tempFile(t, 'x.bin', bytesOf(seed('x.npy')));
  assert.deepEqual([...readTensorFile(npyAsBin).tensor.shape], [3, 10, 100]);
  const safetensorsAsPt = tempFile(t, 'w.pt', bytesOf(seed('weights.safetensors')));
  assert.equal(readTensorsFile(safetensorsAsPt).tensors.size, 16);
  // Unrecognisable bytes stay with the extension's reader, which explains what it expected.
  assert.equal(nameOf('x.npy', new Uint8Array([1, 2, 3])), 'npy');
});

test('a safetensors header length whose first byte is "{" is still safetensors, not JSON', () => {
  const header = Buffer.from('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}'.padEnd(123, ' '));
  const bytes = Buffer.alloc(8 + header.length + 4);
  bytes.writeBigUInt64LE(BigInt(header.length), 0);
  header.copy(bytes, 8);
  assert.equal(bytes[0], 0x7b);
  assert.equal(nameOf('w', new Uint8Array(bytes)), 'safetensors');
});
