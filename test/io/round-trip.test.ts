// Writing tensors and reading them back gives the same tensors, for every format with a writer;
// and the writers lay files out as numpy and safetensors do.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { unzipSync } from 'fflate';
import { FormatError } from '../../src/errors.js';
import { encodeNpy, encodeNpz, encodeSafetensors, readTensorFile, readTensorsFile, writeTensorsFile, writerFor } from '../../src/io/index.js';
import type { StoredTensor } from '../../src/index.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertTensorEquals, bytesOf, seed, tempDir } from '../helpers/io.js';

const ramp = (shape: number[], scale = 1): Tensor => {
  const n = shape.reduce((a, b) => a * b, 1);
  return new Tensor(Float32Array.from({ length: n }, (_, i) => (i - n / 3) * scale), shape);
};

const sample = () =>
  new Map([
    ['weight_ih_l0', ramp([4, 3], 0.1)],
    ['weight_hh_l0', ramp([4, 1], -1e-3)],
    ['bias', ramp([4], 1e7)],
    ['scalar', new Tensor(Float32Array.of(Math.fround(Math.PI)), [])],
    ['empty', new Tensor(new Float32Array(0), [0, 3])],
    ['special', new Tensor(Float32Array.of(-0, 1e-45, 3.4028234663852886e38, -1.1754943508222875e-38), [2, 2])],
  ]);

function assertSameTensors(actual: ReadonlyMap<string, StoredTensor>, expected: ReadonlyMap<string, Tensor>, what: string): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort(), `${what}: names`);
  for (const [name, tensor] of expected) {
    const stored = actual.get(name);
    assert.ok(stored, `${what}: ${name} is there`);
    const got = stored.tensor;
    assert.deepEqual([...got.shape], [...tensor.shape], `${what}: ${name} shape`);
    assert.deepEqual(got.data, tensor.data, `${what}: ${name} values`);
    // -0 survives too.
    for (let i = 0; i < tensor.size; i++) assert.ok(Object.is(got.data[i], tensor.data[i]), `${what}: ${name}[${i}]`);
  }
}

for (const ext of ['.npz', '.safetensors', '.json']) {
  test(`round trip through ${ext}`, (t) => {
    const file = join(tempDir(t), `weights${ext}`);
    const tensors = ext === '.json' ? new Map([...sample()].filter(([k]) => k !== 'empty' && k !== 'special')) : sample();
    writeTensorsFile(file, tensors);
    assertSameTensors(readTensorsFile(file).tensors, tensors, ext);
  });
}

test('round trip through .npy, one tensor of each rank', (t) => {
  const dir = tempDir(t);
  for (const [name, tensor] of sample()) {
    const file = join(dir, `${name}.npy`);
    writeTensorsFile(file, new Map([[name, tensor]]));
    const back = readTensorFile(file);
    assert.equal(back.dtype, '<f4');
    assertSameTensors(new Map([[name, back]]), new Map([[name, tensor]]), `.npy ${name}`);
  }
});

test('the seed files survive a rewrite in every writable format', (t) => {
  const dir = tempDir(t);
  const original = readTensorsFile(seed('weights.pt')).tensors;
  const plain = new Map([...original].map(([k, v]) => [k, v.tensor]));
  for (const ext of ['.npz', '.safetensors', '.json']) {
    const file = join(dir, `seed${ext}`);
    writeTensorsFile(file, plain);
    assertSameTensors(readTensorsFile(file).tensors, plain, ext);
  }
  const x = readTensorFile(seed('x.npy')).tensor;
  writeTensorsFile(join(dir, 'x.npy'), new Map([['x', x]]));
  assert.deepEqual(bytesOf(join(dir, 'x.npy')), bytesOf(seed('x.npy')), 'our .npy is byte-identical to numpy.save');
});

test('npy header is padded to 64 bytes and ends with a newline, as numpy writes it', () => {
  for (const shape of [[], [5], [3, 10, 100], [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2]]) {
    const bytes = encodeNpy(ramp(shape));
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    assert.equal((10 + headerLength) % 64, 0);
    assert.equal(bytes[10 + headerLength - 1], 0x0a);
  }
  const header = Buffer.from(encodeNpy(ramp([5]))).toString('latin1', 10, 100);
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(5,\), \}/);
});

test('npz: stored like numpy.savez, or deflated like savez_compressed; both read back', () => {
  const tensors = sample();
  const stored = encodeNpz(tensors);
  const deflated = encodeNpz(tensors, { compressed: true });
  assert.ok(deflated.length < stored.length);
  assert.deepEqual(Object.keys(unzipSync(stored)), [...tensors.keys()].map((k) => `${k}.npy`));
  // Same tensors, same bytes: the writer is deterministic.
  assert.deepEqual(encodeNpz(tensors), stored);
});

test('safetensors: sorted by name, contiguous offsets, header padded with spaces to 8 bytes', () => {
  const bytes = encodeSafetensors(sample());
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const text = Buffer.from(bytes).toString('utf8', 8, 8 + n);
  assert.match(text, /^\{.*\} *$/);
  const header = JSON.parse(text);
  const names = Object.keys(header);
  assert.deepEqual(names, [...names].sort());
  let end = 0;
  for (const name of names) {
    assert.equal(header[name].dtype, 'F32');
    assert.equal(header[name].data_offsets[0], end);
    end = header[name].data_offsets[1];
  }
  assert.equal(bytes.length, 8 + n + end);
});

test('a single-tensor read of a one-array .npz or .safetensors', (t) => {
  const dir = tempDir(t);
  const x = ramp([2, 3]);
  for (const ext of ['.npz', '.safetensors']) {
    const file = join(dir, `x${ext}`);
    writeTensorsFile(file, new Map([['x', x]]));
    assertTensorEquals(readTensorFile(file).tensor, [2, 3], [...x.data], ext);
    writeTensorsFile(file, new Map([['x', x], ['y', x]]));
    assert.throws(() => readTensorFile(file), (e) => e instanceof FormatError && /expected one/.test(e.message));
  }
});

test('writerFor names the writable extensions when asked for another', () => {
  assert.equal(writerFor('a.npz').name, 'npz');
  assert.equal(writerFor('a.safetensors').name, 'safetensors');
  assert.equal(writerFor('a.NPY').name, 'npy');
  for (const file of ['a.pt', 'a.csv', 'a']) {
    assert.throws(() => writerFor(file), (e) => e instanceof FormatError && /\.npy/.test(e.message) && /\.npz/.test(e.message) && /\.safetensors/.test(e.message));
  }
});
