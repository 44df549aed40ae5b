/**
 * safetensors (Hugging Face): named tensors with no code in them.
 *
 * Layout: an 8-byte little-endian u64 N, then N bytes of utf-8 JSON
 * `{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {str: str}}`
 * (padded with spaces), then the data buffer. Offsets are relative to the buffer, and the tensors
 * must tile it exactly: no overlap, no hole, nothing left over. Data is little-endian, row-major.
 *
 * Validation follows the reference implementation's: every violation is refused, not repaired.
 */
import { FormatError } from '../errors.js';
import { Tensor, formatShape, numel, type Shape } from '../tensor/tensor.js';
import { ITEM_SIZE, TensorBudget, decodeElements, type ElementType } from './dtypes.js';
import { onlyTensor, type DecodeOptions, type StoredTensor, type TensorFile, type TensorFormat } from './format.js';
import { MAX_DOCUMENT_DEPTH, checkJsonDepth, describeJson } from './json.js';

/** The reference implementation refuses headers above 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;

const DTYPES: Readonly<Record<string, ElementType>> = {
  F16: 'f16',
  BF16: 'bf16',
  F32: 'f32',
  F64: 'f64',
  I8: 'i8',
  I16: 'i16',
  I32: 'i32',
  I64: 'i64',
  U8: 'u8',
  U16: 'u16',
  U32: 'u32',
  U64: 'u64',
  BOOL: 'bool',
};

/** A u64 length that fits the file, then `{`: what every safetensors file starts with. */
export function isSafetensors(head: Uint8Array): boolean {
  if (head.length < 9 || head[8] !== 0x7b /* { */) return false;
  const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  return n >= 2n && n <= BigInt(MAX_HEADER_BYTES);
}

interface Entry {
  name: string;
  type: ElementType;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function parseEntry(name: string, info: unknown, file: string): Entry {
  const at = `${file}: tensor "${name}"`;
  if (!isRecord(info)) throw new FormatError(`${at}: expected {dtype, shape, data_offsets}, got ${describeJson(info)}`);
  for (const key of ['dtype', 'shape', 'data_offsets']) {
    if (!(key in info)) throw new FormatError(`${at}: expected a "${key}" field, got none`);
  }
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== 'string') throw new FormatError(`${at}: expected a dtype string, got ${describeJson(dtype)}`);
  const type = Object.hasOwn(DTYPES, dtype) ? DTYPES[dtype] : undefined;
  if (!type) {
    throw new FormatError(`${at}: expected a dtype of ${Object.keys(DTYPES).join(', ')}, got "${dtype}"`);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw new FormatError(`${at}: expected a shape of non-negative integers, got ${describeJson(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    throw new FormatError(`${at}: expected data_offsets [begin, end] of non-negative integers, got ${describeJson(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new FormatError(`${at}: expected data_offsets begin <= end, got [${begin}, ${end}]`);
  const bytes = numel(shape) * ITEM_SIZE[type];
  if (end - begin !== bytes) {
    throw new FormatError(
      `${at}: expected ${bytes} bytes for shape ${formatShape(shape)} of ${dtype}, got data_offsets [${begin}, ${end}] (${end - begin} bytes)`,
    );
  }
  return { name, type, dtype, shape, begin, end };
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new FormatError(`${file}: expected __metadata__ to map strings to strings, got ${describeJson(value)}`);
  }
  return value as Record<string, string>;
}

export function decodeSafetensors(bytes: Uint8Array, file: string, options: DecodeOptions = {}): TensorFile {
  if (bytes.length < 8) {
    throw new FormatError(`${file}: expected an 8-byte safetensors header length, got a file of ${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const declared = view.getBigUint64(0, true);
  // Compared as BigInt: a random u64 must not become a lossy Number or an allocation.
  if (declared > BigInt(bytes.length - 8)) {
    throw new FormatError(`${file}: expected a header of ${declared} bytes, got only ${bytes.length - 8} bytes after the length (not safetensors, or truncated)`);
  }
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    throw new FormatError(`${file}: expected a header of at most ${MAX_HEADER_BYTES} bytes, got ${declared}`);
  }
  const n = Number(declared);
  checkJsonDepth(bytes.subarray(8, 8 + n), file, { max: MAX_DOCUMENT_DEPTH, what: 'a safetensors header', why: '{name: {dtype, shape: [...], data_offsets: [...]}} needs 3' });
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    if (!text.startsWith('{')) throw new SyntaxError(`text starting with ${JSON.stringify(text.slice(0, 8))}`);
    header = JSON.parse(text);
  } catch (err) {
    const why = err instanceof SyntaxError && err.message.startsWith('text') ? err.message : `invalid JSON (${(err as Error).message})`;
    throw new FormatError(`${file}: expected a JSON object as the safetensors header, got ${why}`);
  }
  if (!isRecord(header)) throw new FormatError(`${file}: expected a JSON object as the safetensors header, got ${describeJson(header)}`);

  let metadata: Record<string, string> | undefined;
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') metadata = parseMetadata(info, file);
    else entries.push(parseEntry(name, info, file));
  }

  // The tensors must tile the buffer exactly, in offset order.
  const bufferStart = 8 + n;
  const bufferLength = bytes.length - bufferStart;
  const sorted = entries.map((e, i) => ({ e, i })).sort((a, b) => a.e.begin - b.e.begin || a.e.end - b.e.end || a.i - b.i).map(({ e }) => e);
  let cursor = 0;
  for (const e of sorted) {
    if (e.end > bufferLength) {
      throw new FormatError(`${file}: tensor "${e.name}": expected data_offsets within the ${bufferLength}-byte data buffer, got [${e.begin}, ${e.end}]`);
    }
    if (e.begin < cursor) {
      throw new FormatError(`${file}: tensor "${e.name}": expected non-overlapping data, got [${e.begin}, ${e.end}] overlapping bytes before ${cursor}`);
    }
    if (e.begin > cursor) {
      throw new FormatError(`${file}: expected the tensors to cover the data buffer, got a hole at bytes [${cursor}, ${e.begin}) before "${e.name}"`);
    }
    cursor = e.end;
  }
  if (cursor !== bufferLength) {
    throw new FormatError(`${file}: expected the tensors to cover the data buffer, got ${bufferLength - cursor} unused bytes at its end`);
  }

  const budget = new TensorBudget(options.maxBytes);
  for (const e of sorted) budget.take(e.shape, `${file}: tensor "${e.name}"`);
  // File order: the order of the data, which is also the header's order in files the library writes.
  const tensors = new Map<string, StoredTensor>();
  for (const e of sorted) {
    const data = decodeElements(bytes, bufferStart + e.begin, numel(e.shape), e.type, true, `${file}: ${e.name}`);
    tensors.set(e.name, { tensor: new Tensor(data, e.shape as Shape), dtype: e.dtype, elementType: e.type });
  }
  return metadata ? { tensors, metadata } : { tensors };
}

/**
 * Encodes float32 tensors sorted by name, as the safetensors library orders tensors of one dtype,
 * with the header padded by spaces so that the data starts 8-byte aligned.
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const names = [...tensors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata) header['__metadata__'] = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.size * 4] };
    offset += t.size * 4;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const name of names) {
    const t = tensors.get(name)!;
    for (let i = 0; i < t.size; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
  }
  return out;
}

export const safetensorsFormat: TensorFormat = {
  name: 'safetensors',
  extensions: ['.safetensors'],
  holds: 'many',
  sniff: isSafetensors,
  readTensors: decodeSafetensors,
  readTensor: (bytes, file, options) => onlyTensor(decodeSafetensors(bytes, file, options), file),
  writeTensors(tensors) {
    return encodeSafetensors(tensors);
  },
};
