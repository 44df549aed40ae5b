/**
 * Element types shared by the binary formats (npy, safetensors, pt) and their decoding into the
 * float32 we compute with. Every format names its dtypes its own way; each maps them onto these.
 *
 * Integers wider than 24 bits and float64 lose precision in float32, as `tensor.float()` does.
 */
import { FormatError } from '../errors.js';
import { MAX_RANK } from '../tensor/nested.js';
import { formatShape } from '../tensor/tensor.js';
import { DEFAULT_MAX_BYTES } from './format.js';

export type ElementType =
  | 'f16'
  | 'bf16'
  | 'f32'
  | 'f64'
  | 'i8'
  | 'i16'
  | 'i32'
  | 'i64'
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 'bool';

export const ITEM_SIZE: Readonly<Record<ElementType, number>> = {
  f16: 2,
  bf16: 2,
  f32: 4,
  f64: 8,
  i8: 1,
  i16: 2,
  i32: 4,
  i64: 8,
  u8: 1,
  u16: 2,
  u32: 4,
  u64: 8,
  bool: 1,
};

/** Each element type by PyTorch's name for it: the one spelling `inspect` shows whatever the format. */
export const DTYPE_NAMES: Readonly<Record<ElementType, string>> = {
  f16: 'float16',
  bf16: 'bfloat16',
  f32: 'float32',
  f64: 'float64',
  i8: 'int8',
  i16: 'int16',
  i32: 'int32',
  i64: 'int64',
  u8: 'uint8',
  u16: 'uint16',
  u32: 'uint32',
  u64: 'uint64',
  bool: 'bool',
};

/** IEEE 754 half precision (binary16) bits to a number; exact, as every half is a float32. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * Decodes `count` elements starting at `offset` of `bytes` into a new Float32Array.
 * The caller has checked that the bytes are there; this re-checks so a slip cannot read past the end.
 */
export function decodeElements(
  bytes: Uint8Array,
  offset: number,
  count: number,
  type: ElementType,
  littleEndian: boolean,
  file: string,
): Float32Array {
  const size = ITEM_SIZE[type];
  if (!Number.isSafeInteger(count) || count < 0 || offset < 0 || offset + count * size > bytes.length) {
    throw new FormatError(`${file}: expected ${count} elements of ${size} bytes at byte ${offset}, got a file of ${bytes.length} bytes`);
  }
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * size);
  const le = littleEndian;
  switch (type) {
    case 'f32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, le);
      break;
    case 'f64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, le);
      break;
    case 'f16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, le));
      break;
    case 'bf16': {
      // bfloat16 is the upper half of a float32's bits.
      const scratch = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        scratch.setUint32(0, view.getUint16(i * 2, le) << 16);
        out[i] = scratch.getFloat32(0);
      }
      break;
    }
    case 'i8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case 'u8':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
    case 'bool':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i) ? 1 : 0;
      break;
    case 'i16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, le);
      break;
    case 'u16':
      for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, le);
      break;
    case 'i32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, le);
      break;
    case 'u32':
      for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, le);
      break;
    case 'i64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, le));
      break;
    case 'u64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigUint64(i * 8, le));
      break;
  }
  return out;
}

/** Integer element types: their values can be token ids. */
export function isIntegerType(type: ElementType): boolean {
  return type !== 'f16' && type !== 'bf16' && type !== 'f32' && type !== 'f64' && type !== 'bool';
}

/**
 * Integer elements as float64, exact up to 2^53 (float32 is exact only up to 2^24): token ids.
 * Wider int64 values are rounded as Number() rounds them.
 */
export function decodeIntegers(bytes: Uint8Array, offset: number, count: number, type: ElementType, littleEndian: boolean): Float64Array {
  const out = new Float64Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * ITEM_SIZE[type]);
  const le = littleEndian;
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 'i8': out[i] = view.getInt8(i); break;
      case 'u8': out[i] = view.getUint8(i); break;
      case 'i16': out[i] = view.getInt16(i * 2, le); break;
      case 'u16': out[i] = view.getUint16(i * 2, le); break;
      case 'i32': out[i] = view.getInt32(i * 4, le); break;
      case 'u32': out[i] = view.getUint32(i * 4, le); break;
      case 'i64': out[i] = Number(view.getBigInt64(i * 8, le)); break;
      case 'u64': out[i] = Number(view.getBigUint64(i * 8, le)); break;
      default: throw new FormatError(`decodeIntegers: expected an integer type, got ${type}`);
    }
  }
  return out;
}

/**
 * A strided view gathered into row-major order: element `[i0, i1, ...]` is
 * `source[offset + i0 * strides[0] + i1 * strides[1] + ...]`. The caller has checked the bounds.
 */
export function gatherStrided<A extends Float32Array | Float64Array>(source: A, shape: readonly number[], strides: readonly number[], offset: number): A {
  let count = 1;
  for (const d of shape) count *= d;
  const out = new (source.constructor as new (n: number) => A)(count);
  if (count === 0) return out;
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let src = offset;
  for (let k = 0; k < count; k++) {
    out[k] = source[src]!;
    // Odometer increment: bump the last axis, carrying into earlier ones.
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      src += strides[axis]!;
      if (index[axis]! < shape[axis]!) break;
      src -= strides[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
  return out;
}

/** True when a strided view is plain row-major storage: then no gather is needed. */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    if (shape[axis] !== 1 && strides[axis] !== expected) return false;
    expected *= shape[axis]!;
  }
  return true;
}

/** The largest storage index a strided view touches, or -1 for an empty view (strides are non-negative). */
export function lastIndex(shape: readonly number[], strides: readonly number[], offset: number): number {
  let last = offset;
  for (let axis = 0; axis < shape.length; axis++) {
    if (shape[axis] === 0) return -1;
    last += (shape[axis]! - 1) * strides[axis]!;
  }
  return last;
}

/**
 * What decoding one file may allocate, as float32, checked before each allocation and each loop
 * over a header's sizes. An empty shape is counted by its other dimensions: a (0, 3e12, 4) array
 * holds nothing, but what is computed from it (a run's output, its hidden state) is sized by them.
 */
export class TensorBudget {
  private used = 0;
  constructor(readonly maxBytes: number = DEFAULT_MAX_BYTES) {}

  /** The element count of `shape` once it is checked and charged; `at` names the tensor in messages. */
  take(shape: readonly number[], at: string): number {
    if (shape.length > MAX_RANK) throw new FormatError(`${at}: expected at most ${MAX_RANK} dimensions, got ${shape.length}`);
    let count = 1;
    let nominal = 1;
    for (const d of shape) {
      if (!Number.isSafeInteger(d) || d < 0) throw new FormatError(`${at}: expected dimensions that are integers from 0 to 2^53 - 1, got ${d}`);
      count *= d;
      nominal *= Math.max(d, 1);
    }
    if (nominal * 4 > this.maxBytes) {
      throw new FormatError(
        count === 0
          ? `${at}: expected an empty shape whose other dimensions fit in ${this.maxBytes} bytes as float32 too, got ${formatShape(shape)} (${nominal * 4} bytes with its zeros counted as 1)`
          : `${at}: expected at most ${this.maxBytes} bytes of float32 data, got shape ${formatShape(shape)} (${count * 4} bytes)`,
      );
    }
    this.used += count * 4;
    if (this.used > this.maxBytes) {
      throw new FormatError(`${at}: expected the tensors of one file to take at most ${this.maxBytes} bytes as float32 together, got ${this.used} with this one`);
    }
    return count;
  }
}
