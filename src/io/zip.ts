/**
 * Zip archives, as .npz (numpy.savez) and .pt (torch.save since 1.6) both are.
 *
 * Layout: a local header before each member's data, then a central directory listing every member
 * (name, method, CRC-32, compressed and uncompressed sizes, where its local header is), then an
 * end-of-central-directory record, with a zip64 one before it when sizes need 64 bits (torch writes
 * one always).
 *
 * Nothing an archive declares is trusted. Names are unique; each local header agrees with the
 * central directory; members lie within the file and do not overlap; a deflated member is refused
 * as soon as its output outgrows its declared size, so the work done is bounded by the declared
 * size, never by what a bomb would inflate to; every member read must match its CRC-32; the members
 * read total at most `maxTotalBytes`.
 *
 * Node's zlib inflates: its `maxOutputLength` stops the inflate at the first 16 KiB chunk past the
 * declared size. On a 64 MiB deflated member, inflating and checking the CRC took about 1.0 s where
 * fflate's unzipSync took 1.8-2.3 s to inflate alone, and its streaming Inflate 2.9-5.3 s.
 */
import { constants as bufferConstants } from 'node:buffer';
import * as zlib from 'node:zlib';
import { FormatError } from '../errors.js';
import { DEFAULT_MAX_BYTES } from './format.js';

export interface ZipMember {
  name: string;
  data: Uint8Array;
}

export interface ZipLimits {
  /** Most members an archive may list. */
  maxMembers?: number;
  /** Most bytes the members read may hold together, once inflated. */
  maxTotalBytes?: number;
}

const DEFAULT_MAX_MEMBERS = 100_000;
/** Deflate cannot expand by more than about 1032:1 (258 bytes from a 1-bit length and a 1-bit distance code). */
const MAX_DEFLATE_RATIO = 1032;

const LOCAL = 0x04034b50;
const CENTRAL = 0x02014b50;
const END = 0x06054b50;
const END64 = 0x06064b50;
const END64_LOCATOR = 0x07064b50;
const ZIP64_EXTRA = 0x0001;
const FLAG_ENCRYPTED = 0x1;
const FLAG_DESCRIPTOR = 0x8;
const FLAG_UTF8 = 0x800;
const STORED = 0;
const DEFLATED = 8;
const SATURATED = 0xffffffff;

/** `PK\x03\x04` opens a zip with members; `PK\x05\x06` is an empty one (numpy.savez of nothing). */
export function isZip(head: Uint8Array): boolean {
  return head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6));
}

/**
 * A defect of the archive, worded by `readZip` as `FILE: expected EXPECTED, got GOT`; without
 * `expected`, the archive as a whole is what was expected ("a zip archive (.npz)").
 */
class Defect extends Error {
  constructor(
    readonly got: string,
    readonly expected?: string,
  ) {
    super(got);
  }
}
const corrupt = (what: string): Defect => new Defect(`corrupt data (${what})`);
const refuse = (expected: string, got: string): Defect => new Defect(got, expected);

interface Entry {
  name: string;
  nameBytes: Uint8Array;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  // Anything past 2^53 is past the end of any file we read; say so rather than round it.
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** The 64-bit values a zip64 extra field holds for the 32-bit fields that are saturated, in the order the format fixes. */
function zip64Values(view: DataView, start: number, length: number, wanted: number): number[] | undefined {
  for (let at = start; at + 4 <= start + length; ) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (at + 4 + size > start + length) return undefined;
    if (id === ZIP64_EXTRA) {
      if (size < wanted * 8) return undefined;
      return Array.from({ length: wanted }, (_, k) => u64(view, at + 4 + 8 * k));
    }
    at += 4 + size;
  }
  return undefined;
}

function centralDirectory(bytes: Uint8Array, maxMembers: number): { entries: Entry[]; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let eocd = -1;
  for (let at = bytes.length - 22; at >= 0 && at >= bytes.length - 22 - 0xffff; at--) {
    if (view.getUint32(at, true) === END && at + 22 + view.getUint16(at + 20, true) <= bytes.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw corrupt('no end of central directory record');
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0) throw corrupt('a multi-disk archive');
  let count = view.getUint16(eocd + 10, true);
  let size = view.getUint32(eocd + 12, true);
  let offset = view.getUint32(eocd + 16, true);
  let end = eocd;
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === END64_LOCATOR) {
    const at = u64(view, eocd - 12);
    if (at + 56 > eocd - 20 || view.getUint32(at, true) !== END64) throw corrupt('a zip64 locator pointing at no zip64 end record');
    count = u64(view, at + 32);
    size = u64(view, at + 40);
    offset = u64(view, at + 48);
    end = at;
  }
  if (count > maxMembers) throw refuse(`at most ${maxMembers} members`, `${count}`);
  if (offset + size > end || count * 46 > size) throw corrupt(`a central directory of ${count} members in ${size} bytes at byte ${offset}, past its end record at ${end}`);

  const entries: Entry[] = [];
  const names = new Set<string>();
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > offset + size || view.getUint32(at, true) !== CENTRAL) throw corrupt(`no central directory entry ${i} at byte ${at}`);
    const flags = view.getUint16(at + 8, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > offset + size) throw corrupt(`central directory entry ${i} running past the directory`);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    const name = (flags & FLAG_UTF8 ? utf8 : latin1).decode(nameBytes);
    if (names.has(name)) throw refuse('unique member names', `${JSON.stringify(name)} twice`);
    names.add(name);
    let compressedSize = view.getUint32(at + 20, true);
    let uncompressed = view.getUint32(at + 24, true);
    let localOffset = view.getUint32(at + 42, true);
    const saturated = [uncompressed, compressedSize, localOffset].filter((v) => v === SATURATED).length;
    if (saturated > 0) {
      const wide = zip64Values(view, at + 46 + nameLength, extraLength, saturated);
      if (!wide) throw corrupt(`member ${JSON.stringify(name)} without the zip64 sizes its header calls for`);
      let k = 0;
      if (uncompressed === SATURATED) uncompressed = wide[k++]!;
      if (compressedSize === SATURATED) compressedSize = wide[k++]!;
      if (localOffset === SATURATED) localOffset = wide[k++]!;
    }
    entries.push({
      name,
      nameBytes,
      flags,
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressedSize,
      size: uncompressed,
      localOffset,
    });
    at = next;
  }
  return { entries, end: offset };
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** Where each member's data starts, after checking its local header against the central directory and that no two members overlap. */
function locate(bytes: Uint8Array, entries: readonly Entry[], directoryStart: number): Map<Entry, number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const starts = new Map<Entry, number>();
  const spans: [number, number, Entry][] = [];
  for (const e of entries) {
    const at = e.localOffset;
    const quoted = JSON.stringify(e.name);
    if (at + 30 > directoryStart || view.getUint32(at, true) !== LOCAL) throw corrupt(`no local header for member ${quoted} at byte ${at}`);
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    const start = at + 30 + nameLength + extraLength;
    if (start + e.compressedSize > directoryStart) {
      throw refuse(`member ${quoted} within the archive`, `${e.compressedSize} bytes at byte ${start}, past the central directory at byte ${directoryStart}`);
    }
    const localName = bytes.subarray(at + 30, at + 30 + nameLength);
    const disagree = (what: string, local: string, central: string): never => {
      throw refuse(`the local header of member ${quoted} to agree with the central directory`, `${what} ${local} there and ${central} in the directory`);
    };
    if (localName.length !== e.nameBytes.length || localName.some((b, k) => b !== e.nameBytes[k])) {
      disagree('the name', JSON.stringify(latin1.decode(localName)), quoted);
    }
    const method = view.getUint16(at + 8, true);
    if (method !== e.method) disagree('compression method', String(method), String(e.method));
    if (!(e.flags & FLAG_DESCRIPTOR)) {
      // Without a data descriptor the local header carries the CRC and sizes too: they must be the same.
      const crc = view.getUint32(at + 14, true);
      let compressedSize = view.getUint32(at + 18, true);
      let size = view.getUint32(at + 22, true);
      if (size === SATURATED || compressedSize === SATURATED) {
        const wide = zip64Values(view, at + 30 + nameLength, extraLength, 2);
        if (wide) [size, compressedSize] = wide as [number, number];
      }
      if (crc !== e.crc) disagree('CRC-32', hex(crc), hex(e.crc));
      if (compressedSize !== e.compressedSize || size !== e.size) {
        disagree('sizes (compressed/uncompressed)', `${compressedSize}/${size}`, `${e.compressedSize}/${e.size}`);
      }
    }
    starts.set(e, start);
    spans.push([at, start + e.compressedSize, e]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let k = 1; k < spans.length; k++) {
    if (spans[k]![0] < spans[k - 1]![1]) {
      throw refuse('members that do not overlap', `${JSON.stringify(spans[k]![2].name)} inside ${JSON.stringify(spans[k - 1]![2].name)}`);
    }
  }
  return starts;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** zlib.crc32 is native, ~10 times faster than the loop, but only from Node 20.15 and 22.2. */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 as zip (and zlib, and PNG) computes it. */
export function crc32(data: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(data) >>> 0 : crc32Portable(data);
}

/** The same CRC-32 in plain TypeScript, for a Node without zlib.crc32. */
export function crc32Portable(data: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** Inflates `data` into exactly `size` bytes, giving up as soon as the output passes them. */
function inflateBounded(data: Uint8Array, size: number, quoted: string): Uint8Array {
  let out: Buffer;
  try {
    out = zlib.inflateRawSync(data, { maxOutputLength: Math.max(size, 1) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw refuse(`member ${quoted} to inflate to the ${size} bytes its header declares`, 'more (corrupt archive or a zip bomb)');
    }
    // An empty member may be stored as no deflate data at all.
    if (size === 0 && data.length === 0) return new Uint8Array(0);
    throw refuse(`member ${quoted} to inflate`, `corrupt deflate data (${(err as Error).message})`);
  }
  if (out.length !== size) throw refuse(`${size} bytes in member ${quoted}`, `${out.length} (truncated or corrupt archive)`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function read(bytes: Uint8Array, e: Entry, start: number): Uint8Array {
  const quoted = JSON.stringify(e.name);
  if (e.flags & FLAG_ENCRYPTED) throw refuse('unencrypted members', `${quoted} encrypted`);
  const raw = bytes.subarray(start, start + e.compressedSize);
  const data = e.method === STORED ? raw : inflateBounded(raw, e.size, quoted);
  const crc = crc32(data);
  if (crc !== e.crc) throw refuse(`member ${quoted} to match its CRC-32 (${hex(e.crc)})`, `${hex(crc)} (corrupt archive)`);
  return data;
}

/** Runs `read`, turning a Defect (or a read past the end of a lying archive) into a FormatError naming the file. */
function worded<T>(file: string, kind: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof Defect) throw new FormatError(`${file}: expected ${err.expected ?? `a zip archive (${kind})`}, got ${err.got}`);
    if (err instanceof RangeError) throw new FormatError(`${file}: expected a zip archive (${kind}), got corrupt data (${err.message})`);
    throw err;
  }
}

/**
 * The members `want` selects, in the archive's own order, each inflated, checked against its size
 * and CRC-32. Members not selected are checked for their place in the archive but never inflated.
 */
export function readZip(
  bytes: Uint8Array,
  file: string,
  kind: string,
  want: (name: string) => boolean = () => true,
  limits: ZipLimits = {},
): ZipMember[] {
  if (!isZip(bytes)) {
    const got = bytes.length === 0 ? 'an empty file' : `bytes ${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
    throw new FormatError(`${file}: expected a zip archive (${kind}), got ${got}`);
  }
  const maxTotal = limits.maxTotalBytes ?? DEFAULT_MAX_BYTES;
  return worded(file, kind, () => {
    const { entries, end } = centralDirectory(bytes, limits.maxMembers ?? DEFAULT_MAX_MEMBERS);
    const chosen = entries.filter((e) => want(e.name));
    let total = 0;
    for (const e of chosen) {
      if (e.method !== STORED && e.method !== DEFLATED) {
        throw new FormatError(`${file}: expected a zip archive (${kind}) with stored or deflated members, got compression method ${e.method} for "${e.name}"`);
      }
      const plausible = e.method === STORED ? e.size === e.compressedSize : e.size <= e.compressedSize * MAX_DEFLATE_RATIO + 1024;
      if (!plausible) {
        throw new FormatError(
          `${file}: expected a zip archive (${kind}) with member sizes that fit the archive, got "${e.name}" declaring ${e.size} bytes from ${e.compressedSize} in a file of ${bytes.length}`,
        );
      }
      if (e.size > bufferConstants.MAX_LENGTH) {
        throw new FormatError(`${file}: expected a zip archive (${kind}) with members of at most ${bufferConstants.MAX_LENGTH} bytes, got "${e.name}" of ${e.size}`);
      }
      total += e.size;
      if (total > maxTotal) throw new FormatError(`${file}: expected a zip archive (${kind}) with at most ${maxTotal} bytes of members, got ${total} counting "${e.name}"`);
    }
    const starts = locate(bytes, entries, end);
    return chosen.map((e) => ({ name: e.name, data: read(bytes, e, starts.get(e)!) }));
  });
}

/** Member names only, in archive order; nothing is inflated. */
export function listZip(bytes: Uint8Array, file: string, kind: string): string[] {
  return worded(file, kind, () => centralDirectory(bytes, DEFAULT_MAX_MEMBERS).entries.map((e) => e.name));
}

/** Member names of a zip, or null when it is not a readable one (the format's own reader then says why). */
export function zipMemberNames(bytes: Uint8Array): string[] | null {
  if (!isZip(bytes)) return null;
  try {
    return listZip(bytes, 'zip', 'zip');
  } catch {
    return null;
  }
}
