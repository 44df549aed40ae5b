/**
 * Zip members are checked, not trusted: CRC-32, unique names, local headers that agree with the
 * central directory, members that do not overlap, a bounded inflate, and a budget on what the
 * members inflate to. Every archive here is built in the test: fflate's zipSync then byte surgery,
 * or laid out by hand where the compressed data itself is crafted (the bomb).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as zlib from 'node:zlib';
import { zipSync } from 'fflate';
import { decodeNpz, encodeNpy, encodeNpz, readTensorsFile } from '../../src/io/index.js';
import { crc32, crc32Portable, readZip } from '../../src/io/zip.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { assertUserError } from '../e2e/cli.js';
import { tempFile } from '../helpers/files.js';
import { refused } from '../helpers/io.js';
import { item } from '../helpers/checked.js';

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.length);
const latin1 = new TextDecoder('latin1');

function tensor(values: number[], shape = [values.length]): Tensor {
  return new Tensor(Float32Array.from(values), shape);
}

/** Where each member's local header and central directory entry start (fflate writes no zip64 and no comment). */
function headersOf(zip: Uint8Array): Map<string, { local: number; central: number }> {
  const v = view(zip);
  const eocd = zip.length - 22;
  assert.equal(v.getUint32(eocd, true), 0x06054b50, 'end of central directory record');
  const out = new Map<string, { local: number; central: number }>();
  let at = v.getUint32(eocd + 16, true);
  for (let i = 0; i < v.getUint16(eocd + 10, true); i++) {
    const nameLength = v.getUint16(at + 28, true);
    out.set(latin1.decode(zip.subarray(at + 46, at + 46 + nameLength)), { local: v.getUint32(at + 42, true), central: at });
    at += 46 + nameLength + v.getUint16(at + 30, true) + v.getUint16(at + 32, true);
  }
  return out;
}

/** Header fields as (local offset, central offset, width). */
const FIELDS = {
  flags: [6, 8, 2],
  method: [8, 10, 2],
  crc: [14, 16, 4],
  compressedSize: [18, 20, 4],
  size: [22, 24, 4],
} as const;
type Field = keyof typeof FIELDS;

/** Sets a field of one member's headers: the local one, the central one, or both. */
function patch(zip: Uint8Array, name: string, field: Field, value: number, where: 'both' | 'local' | 'central' = 'both'): Uint8Array {
  const out = zip.slice();
  const h = headersOf(out).get(name);
  assert.ok(h, `member ${name}`);
  const [local, central, width] = FIELDS[field];
  const set = (at: number): void => (width === 2 ? view(out).setUint16(at, value, true) : view(out).setUint32(at, value >>> 0, true));
  if (where !== 'central') set(h.local + local);
  if (where !== 'local') set(h.central + central);
  return out;
}

function field(zip: Uint8Array, name: string, f: Field): number {
  const h = headersOf(zip).get(name)!;
  return FIELDS[f][2] === 2 ? view(zip).getUint16(h.central + FIELDS[f][1], true) : view(zip).getUint32(h.central + FIELDS[f][1], true);
}

/** Offset of a member's data: after its local header, name and extra field. */
function dataOffset(zip: Uint8Array, name: string): number {
  const { local } = headersOf(zip).get(name)!;
  return local + 30 + view(zip).getUint16(local + 26, true) + view(zip).getUint16(local + 28, true);
}

interface RawMember {
  name: string;
  /** The bytes as stored in the archive (already deflated when method is 8). */
  stored: Uint8Array;
  method: 0 | 8;
  crc: number;
  size: number;
}

/**
 * A zip laid out by hand: local headers and data, the central directory, the end record. With
 * `zip64`, as large archives are: the central entries' sizes and offsets in zip64 extra fields, and
 * a zip64 end record with its locator before the end record.
 */
/** Flips the lowest bit of byte `i` of a member's data, in place. */
function flipBit(zip: Uint8Array, name: string, i: number): void {
  const at = dataOffset(zip, name) + i;
  zip[at] = item(zip, at, name) ^ 0x01;
}

function rawZip(members: RawMember[], { zip64 = false } = {}): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = new TextEncoder().encode(m.name);
    const local = new Uint8Array(30 + name.length);
    const lv = view(local);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, m.method, true);
    lv.setUint32(14, m.crc >>> 0, true);
    lv.setUint32(18, m.stored.length, true);
    lv.setUint32(22, m.size, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const extra = zip64 ? 4 + 24 : 0;
    const entry = new Uint8Array(46 + name.length + extra);
    const cv = view(entry);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 45, true);
    cv.setUint16(6, 45, true);
    cv.setUint16(10, m.method, true);
    cv.setUint32(16, m.crc >>> 0, true);
    cv.setUint32(20, zip64 ? 0xffffffff : m.stored.length, true);
    cv.setUint32(24, zip64 ? 0xffffffff : m.size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint16(30, extra, true);
    cv.setUint32(42, zip64 ? 0xffffffff : offset, true);
    entry.set(name, 46);
    if (zip64) {
      // Uncompressed size, compressed size, local header offset: the order the format fixes.
      const at = 46 + name.length;
      cv.setUint16(at, 0x0001, true);
      cv.setUint16(at + 2, 24, true);
      cv.setBigUint64(at + 4, BigInt(m.size), true);
      cv.setBigUint64(at + 12, BigInt(m.stored.length), true);
      cv.setBigUint64(at + 20, BigInt(offset), true);
    }
    parts.push(local, m.stored);
    central.push(entry);
    offset += local.length + m.stored.length;
  }
  const directorySize = central.reduce((n, c) => n + c.length, 0);
  const tail: Uint8Array[] = [];
  if (zip64) {
    const record = new Uint8Array(56);
    const rv = view(record);
    rv.setUint32(0, 0x06064b50, true);
    rv.setBigUint64(4, 44n, true);
    rv.setBigUint64(24, BigInt(members.length), true);
    rv.setBigUint64(32, BigInt(members.length), true);
    rv.setBigUint64(40, BigInt(directorySize), true);
    rv.setBigUint64(48, BigInt(offset), true);
    const locator = new Uint8Array(20);
    const lv = view(locator);
    lv.setUint32(0, 0x07064b50, true);
    lv.setBigUint64(8, BigInt(offset + directorySize), true);
    lv.setUint32(16, 1, true);
    tail.push(record, locator);
  }
  const end = new Uint8Array(22);
  const ev = view(end);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, zip64 ? 0xffff : members.length, true);
  ev.setUint16(10, zip64 ? 0xffff : members.length, true);
  ev.setUint32(12, zip64 ? 0xffffffff : directorySize, true);
  ev.setUint32(16, zip64 ? 0xffffffff : offset, true);
  const all = [...parts, ...central, ...tail, end];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}



const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
const stored = (): Uint8Array => zipSync({ 'x.npy': encodeNpy(x) }, { level: 0 });
const deflated = (): Uint8Array => zipSync({ 'x.npy': encodeNpy(x) }, { level: 9 });

/**
 * A 4 MiB deflate stream that inflates to 4 GiB of zeros: one 8 MiB run of zeros deflated with a
 * sync flush (so it ends on a byte boundary and is not the final block), 512 times, then an empty
 * final block. Repeating a block is valid deflate, since each copy refers only to zeros.
 */
function deflateBomb(): Uint8Array {
  const block = zlib.deflateRawSync(new Uint8Array(8 * 1024 * 1024), { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const out = new Uint8Array(block.length * 512 + 2);
  for (let k = 0; k < 512; k++) out.set(block, k * block.length);
  out.set([0x03, 0x00], block.length * 512);
  return out;
}

describe('good archives still read', () => {
  test('stored and deflated, as numpy.savez and savez_compressed write them', () => {
    const tensors = new Map([
      ['x', x],
      ['b', tensor([0.5, -1])],
    ]);
    for (const compressed of [false, true]) {
      const { tensors: read } = decodeNpz(encodeNpz(tensors, { compressed }), 'good.npz');
      assert.deepEqual([...read.keys()], ['x', 'b']);
      assert.deepEqual([...read.get('x')!.tensor.data], [1, 2, 3, 4, 5, 6]);
      assert.deepEqual([...read.get('b')!.tensor.shape], [2]);
    }
  });

  test('zip64: sizes and offsets in the extra field and a zip64 end record, as large archives have them', () => {
    const a = encodeNpy(x);
    const b = zlib.deflateRawSync(encodeNpy(tensor([0.5, -1])));
    const zip = rawZip(
      [
        { name: 'a.npy', stored: a, method: 0, crc: crc32(a), size: a.length },
        { name: 'b.npy', stored: b, method: 8, crc: crc32(encodeNpy(tensor([0.5, -1]))), size: encodeNpy(tensor([0.5, -1])).length },
      ],
      { zip64: true },
    );
    const { tensors } = decodeNpz(zip, 'z64.npz');
    assert.deepEqual([...tensors.get('a')!.tensor.data], [1, 2, 3, 4, 5, 6]);
    assert.deepEqual([...tensors.get('b')!.tensor.data], [0.5, -1]);
  });

  test('crc32 is the zip CRC-32 (fflate computes the same when it writes)', () => {
    const data = new TextEncoder().encode('The quick brown fox jumps over the lazy dog');
    assert.equal(crc32(data), 0x414fa339);
    assert.equal(crc32(new Uint8Array(0)), 0);
    assert.equal(crc32(encodeNpy(x)), field(stored(), 'x.npy', 'crc'));
    // The loop used where Node lacks zlib.crc32, against the same vectors and fflate's own CRC of a larger member.
    assert.equal(crc32Portable(data), 0x414fa339);
    assert.equal(crc32Portable(new Uint8Array(0)), 0);
    const big = zipSync({ 'r.bin': Uint8Array.from({ length: 100_003 }, (_, i) => (i * 2654435761) >>> 24) }, { level: 0 });
    assert.equal(crc32Portable(big.subarray(dataOffset(big, 'r.bin'), dataOffset(big, 'r.bin') + 100_003)), field(big, 'r.bin', 'crc'));
  });
});

describe('CRC-32', () => {
  test('one flipped data byte in a stored member is refused, naming the file and the member', () => {
    const zip = stored();
    flipBit(zip, 'x.npy', 130);
    const err = refused(() => decodeNpz(zip, 'x.npz'), /^x\.npz: expected member "x\.npy" to match its CRC-32 \(0x[0-9a-f]{8}\), got 0x[0-9a-f]{8} \(corrupt archive\)$/);
    assert.ok(err.message.includes(`(0x${field(zip, 'x.npy', 'crc').toString(16).padStart(8, '0')})`), err.message);
  });

  test('a deflated member whose CRC-32 both headers misstate is refused', () => {
    const zip = deflated();
    refused(() => decodeNpz(patch(zip, 'x.npy', 'crc', field(zip, 'x.npy', 'crc') ^ 0x80), 'x.npz'), /expected member "x\.npy" to match its CRC-32/);
  });

  test('a member that is not read is not inflated, so its CRC-32 is not checked', () => {
    const zip = zipSync({ 'x.npy': encodeNpy(x), 'dir/': new Uint8Array(0) }, { level: 0 });
    assert.equal(decodeNpz(zip, 'x.npz').tensors.size, 1);
  });
});

describe('headers', () => {
  test('two members of the same name are refused', () => {
    const zip = zipSync({ 'x.npy': encodeNpy(x), 'y.npy': encodeNpy(x) }, { level: 0 });
    // Rename y.npy to x.npy in its local header and its central entry.
    const h = headersOf(zip).get('y.npy')!;
    zip[h.local + 30] = 0x78;
    zip[h.central + 46] = 0x78;
    refused(() => decodeNpz(zip, 'dup.npz'), /^dup\.npz: expected unique member names, got "x\.npy" twice$/);
    refused(() => readZip(zip, 'dup.pt', '.pt'), /unique member names/);
  });

  test('a local header that disagrees with the central directory is refused', () => {
    const zip = deflated();
    const crc = field(zip, 'x.npy', 'crc');
    refused(() => decodeNpz(patch(zip, 'x.npy', 'crc', crc ^ 1, 'local'), 'x.npz'), /local header of member "x\.npy" to agree with the central directory, got CRC-32 0x[0-9a-f]{8} there/);
    const size = field(zip, 'x.npy', 'size');
    refused(() => decodeNpz(patch(zip, 'x.npy', 'size', size + 1, 'local'), 'x.npz'), /agree with the central directory, got sizes/);
    refused(() => decodeNpz(patch(zip, 'x.npy', 'method', 0, 'local'), 'x.npz'), /agree with the central directory, got compression method 0 there and 8/);
    const renamed = zip.slice();
    renamed[headersOf(zip).get('x.npy')!.local + 30] = 0x79;
    refused(() => decodeNpz(renamed, 'x.npz'), /agree with the central directory, got the name "y\.npy" there/);
  });

  test('an encrypted member is refused', () => {
    refused(() => decodeNpz(patch(stored(), 'x.npy', 'flags', 1), 'x.npz'), /expected unencrypted members, got "x\.npy" encrypted/);
  });

  test('a member hidden inside another one (overlapping members) is refused', () => {
    // b.npy's local header and data are the data of a.npy; the directory lists both.
    const inner = rawZip([{ name: 'b.npy', stored: encodeNpy(x), method: 0, crc: crc32(encodeNpy(x)), size: encodeNpy(x).length }]);
    const innerLocal = inner.subarray(0, dataOffset(inner, 'b.npy') + encodeNpy(x).length);
    const outer = rawZip([{ name: 'a.npy', stored: innerLocal, method: 0, crc: crc32(innerLocal), size: innerLocal.length }]);
    // Append b.npy's central entry, pointing inside a.npy, and fix up the end record.
    const end = outer.length - 22;
    const directory = outer.subarray(view(outer).getUint32(end + 16, true), end);
    const bEntry = inner.subarray(headersOf(inner).get('b.npy')!.central, inner.length - 22).slice();
    view(bEntry).setUint32(42, dataOffset(outer, 'a.npy'), true);
    const out = new Uint8Array(end + bEntry.length + 22);
    out.set(outer.subarray(0, end));
    out.set(bEntry, end);
    out.set(outer.subarray(end), end + bEntry.length);
    const ev = view(out.subarray(end + bEntry.length));
    ev.setUint16(8, 2, true);
    ev.setUint16(10, 2, true);
    ev.setUint32(12, directory.length + bEntry.length, true);
    refused(() => readZip(out, 'overlap.npz', '.npz'), /^overlap\.npz: expected members that do not overlap, got "b\.npy" inside "a\.npy"$/);
  });
});

describe('sizes', () => {
  test('a deflate bomb declaring 1 KiB is refused within a second, however much it would inflate to', (t) => {
    const bomb = deflateBomb();
    // The stream is real: it inflates past 64 MiB (in full it is 4 GiB).
    assert.throws(() => zlib.inflateRawSync(bomb, { maxOutputLength: 64 * 1024 * 1024 }), { code: 'ERR_BUFFER_TOO_LARGE' });
    const zip = rawZip([{ name: 'x.npy', stored: bomb, method: 8, crc: 0, size: 1024 }]);
    assert.ok(zip.length < 5 * 1024 * 1024, `a ${zip.length}-byte archive`);
    const started = performance.now();
    refused(() => decodeNpz(zip, 'bomb.npz'), /^bomb\.npz: expected member "x\.npy" to inflate to the 1024 bytes its header declares, got more \(corrupt archive or a zip bomb\)$/);
    const ms = performance.now() - started;
    t.diagnostic(`a ${(zip.length / 2 ** 20).toFixed(1)} MiB archive inflating to 4 GiB, declaring 1 KiB: refused in ${ms.toFixed(1)} ms`);
    assert.ok(ms < 1000, `refused in ${ms.toFixed(0)} ms`);
  });

  test('a few MB of zeros deflated, its declared sizes patched down to 1 KiB: refused quickly; unpatched it reads', (t) => {
    const big = new Tensor(new Float32Array(2 * 1024 * 1024), [2 * 1024 * 1024]);
    const zip = zipSync({ 'x.npy': encodeNpy(big) }, { level: 9 });
    assert.equal(decodeNpz(zip, 'honest.npz').tensors.get('x')!.tensor.size, 2 * 1024 * 1024);
    const started = performance.now();
    refused(() => decodeNpz(patch(zip, 'x.npy', 'size', 1024), 'lying.npz'), /expected member "x\.npy" to inflate to the 1024 bytes its header declares, got more/);
    const ms = performance.now() - started;
    t.diagnostic(`8 MiB of zeros in a ${zip.length}-byte archive, declaring 1 KiB: refused in ${ms.toFixed(1)} ms`);
    assert.ok(ms < 2000, `refused in ${ms.toFixed(0)} ms`);
  });

  test('a member inflating to less than it declares is refused', () => {
    const zip = deflated();
    const size = field(zip, 'x.npy', 'size');
    refused(() => decodeNpz(patch(zip, 'x.npy', 'size', size + 10), 'x.npz'), new RegExp(`expected ${size + 10} bytes in member "x\\.npy", got ${size} \\(truncated or corrupt archive\\)`));
  });

  test('what members inflate to counts against maxBytes, however small the file', (t) => {
    const zeros = new Tensor(new Float32Array(256 * 1024), [256 * 1024]);
    const zip = zipSync({ 'x.npy': encodeNpy(zeros) }, { level: 9 });
    assert.ok(zip.length < 8 * 1024, `a ${zip.length}-byte archive`);
    const file = tempFile(t, 'small.npz', zip);
    refused(() => readTensorsFile(file, { maxBytes: 64 * 1024 }), /small\.npz: expected a zip archive \(\.npz\) with at most 65536 bytes of members, got \d+ counting "x\.npy"/);
    assert.equal(readTensorsFile(file, { maxBytes: 2 * 1024 * 1024 }).tensors.get('x')!.tensor.size, 256 * 1024);
  });
});

describe('through the CLI: one error line, exit 2', () => {
  test('a flipped byte, a duplicate name, --max-memory and a bomb', (t) => {
    const flipped = stored();
    flipBit(flipped, 'x.npy', 130);
    assertUserError(['inspect', tempFile(t, 'crc.npz', flipped)], /crc\.npz: expected member "x\.npy" to match its CRC-32 \(0x[0-9a-f]{8}\), got 0x[0-9a-f]{8}/);

    const dup = zipSync({ 'x.npy': encodeNpy(x), 'y.npy': encodeNpy(x) }, { level: 0 });
    const h = headersOf(dup).get('y.npy')!;
    dup[h.local + 30] = 0x78;
    dup[h.central + 46] = 0x78;
    assertUserError(['run', '--weights', tempFile(t, 'dup.npz', dup)], /dup\.npz: expected unique member names, got "x\.npy" twice/);

    const small = tempFile(t, 'small.npz', zipSync({ 'x.npy': encodeNpy(new Tensor(new Float32Array(256 * 1024), [256 * 1024])) }, { level: 9 }));
    assertUserError(['run', '--input', small, '--max-memory', '64K'], /small\.npz: expected a zip archive \(\.npz\) with at most 65536 bytes of members/);

    const bomb = tempFile(t, 'bomb.npz', rawZip([{ name: 'x.npy', stored: deflateBomb(), method: 8, crc: 0, size: 1024 }]));
    const started = performance.now();
    assertUserError(['run', '--input', bomb], /bomb\.npz: expected member "x\.npy" to inflate to the 1024 bytes its header declares/);
    // Node's start-up included, on a machine running other tests: generous.
    assert.ok(performance.now() - started < 5000, 'the CLI refused the bomb within 5 s');
  });
});
