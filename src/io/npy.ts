/**
 * NumPy .npy: one array.
 *
 * Layout: magic `\x93NUMPY`, major and minor version bytes, the header length (u16 little-endian
 * for 1.0, u32 for 2.0 and 3.0), the header (a Python dict literal, latin-1 or for 3.0 utf-8,
 * padded with spaces and a newline), then the raw elements in C or Fortran order.
 *
 * We write float32 version 1.0 in C order, which every numpy reads.
 */
import { FormatError } from '../errors.js';
import { Tensor, formatShape, numel } from '../tensor/tensor.js';
import { ITEM_SIZE, TensorBudget, decodeElements, decodeIntegers, gatherStrided, isIntegerType, type ElementType } from './dtypes.js';
import type { DecodeOptions, StoredTensor, TensorFormat } from './format.js';
import { describeLiteral, parsePyLiteral, type PyLiteral } from './py-literal.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy aligns the data to 64 bytes so it can be memory-mapped. */
const ALIGN = 64;

export function isNpy(head: Uint8Array): boolean {
  return MAGIC.every((b, i) => head[i] === b);
}

export interface NpyDtype {
  type: ElementType;
  littleEndian: boolean;
}

const KINDS: Readonly<Record<string, ElementType>> = {
  f2: 'f16',
  f4: 'f32',
  f8: 'f64',
  i1: 'i8',
  i2: 'i16',
  i4: 'i32',
  i8: 'i64',
  u1: 'u8',
  u2: 'u16',
  u4: 'u32',
  u8: 'u64',
  b1: 'bool',
};

/** The element type of a header's `descr`, or a FormatError naming what is refused. */
export function parseDescr(descr: PyLiteral, file: string): NpyDtype {
  if (typeof descr !== 'string') {
    const what = typeof descr === 'object' && descr !== null && descr.kind === 'list' ? 'a structured dtype' : 'a descr';
    throw new FormatError(`${file}: expected a plain numeric dtype, got ${what} ${describeLiteral(descr)} (structured arrays are not supported)`);
  }
  if (/^[<>|=]?O\d*$/.test(descr)) {
    throw new FormatError(
      `${file}: expected a numeric array, got an object array ('${descr}'): pickled object arrays are refused and never unpickled`,
    );
  }
  const m = /^([<>|=]?)([a-zA-Z?])(\d*)$/.exec(descr);
  const key = m ? (m[2] === '?' ? 'b1' : `${m[2]}${m[3]}`) : '';
  const type = Object.hasOwn(KINDS, key) ? KINDS[key] : undefined;
  if (!m || !type) {
    const why = m?.[2] === 'c' ? ' (complex)' : m?.[2] === 'V' ? ' (structured or void)' : '';
    throw new FormatError(
      `${file}: expected a dtype of float16/32/64, int8/16/32/64, uint8/16/32/64 or bool, got '${descr}'${why}`,
    );
  }
  // '|' (not applicable) and '=' (native) are little-endian on every platform Node runs on.
  return { type, littleEndian: m[1] !== '>' };
}

function field(entries: [PyLiteral, PyLiteral][], key: string): PyLiteral {
  return entries.find(([k]) => k === key)![1];
}

function parseHeader(text: string, file: string): { dtype: NpyDtype; descr: string; fortran: boolean; shape: number[] } {
  const header = parsePyLiteral(text, file);
  if (typeof header !== 'object' || header === null || header.kind !== 'dict') {
    throw new FormatError(`${file}: expected a dict in the .npy header, got ${describeLiteral(header)}`);
  }
  // numpy refuses a header whose keys are not exactly these three; so do we.
  const keys = header.entries.map(([k]) => (typeof k === 'string' ? k : describeLiteral(k))).sort();
  if (keys.join(',') !== 'descr,fortran_order,shape') {
    throw new FormatError(`${file}: expected header keys 'descr', 'fortran_order', 'shape', got ${keys.map((k) => `'${k}'`).join(', ') || 'none'}`);
  }
  const descr = field(header.entries, 'descr');
  const dtype = parseDescr(descr, file);
  const fortran = field(header.entries, 'fortran_order');
  if (typeof fortran !== 'boolean') {
    throw new FormatError(`${file}: expected fortran_order True or False, got ${describeLiteral(fortran)}`);
  }
  const shape = field(header.entries, 'shape');
  if (typeof shape !== 'object' || shape === null || shape.kind !== 'tuple' || !shape.items.every((d) => typeof d === 'number' && d >= 0)) {
    throw new FormatError(`${file}: expected a shape tuple of non-negative integers, got ${describeLiteral(shape)}`);
  }
  return { dtype, descr: descr as string, fortran, shape: shape.items as number[] };
}

/**
 * Decodes a whole .npy file (also an .npz member) into a float32 tensor. `budget` is shared by the
 * members of one .npz.
 */
export function decodeNpy(bytes: Uint8Array, file: string, options: DecodeOptions = {}, budget = new TensorBudget(options.maxBytes)): StoredTensor {
  if (bytes.length < 10 || !isNpy(bytes)) {
    throw new FormatError(`${file}: expected an .npy file starting with \\x93NUMPY, got ${describeStart(bytes)}`);
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) {
    throw new FormatError(`${file}: expected .npy format version 1.0, 2.0 or 3.0, got ${major}.${minor}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const preamble = major === 1 ? 10 : 12;
  if (bytes.length < preamble) {
    throw new FormatError(`${file}: expected a ${preamble}-byte .npy preamble, got a file of ${bytes.length} bytes`);
  }
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (preamble + headerLength > bytes.length) {
    throw new FormatError(
      `${file}: expected a header of ${headerLength} bytes, got only ${bytes.length - preamble} bytes after the preamble (truncated file?)`,
    );
  }
  const headerBytes = bytes.subarray(preamble, preamble + headerLength);
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(headerBytes);
  } catch {
    throw new FormatError(`${file}: expected a utf-8 header (.npy version 3.0), got invalid utf-8`);
  }
  const { dtype, descr, fortran, shape } = parseHeader(text, file);
  const count = numel(shape);
  const size = ITEM_SIZE[dtype.type];
  const start = preamble + headerLength;
  const available = bytes.length - start;
  // Checked before any allocation, so a shape of (2**50,) costs nothing.
  if (count * size > available) {
    throw new FormatError(
      `${file}: expected ${count * size} bytes of data for shape ${formatShape(shape)} of '${descr}', got ${available} (truncated file?)`,
    );
  }
  budget.take(shape, file);
  let data = decodeElements(bytes, start, count, dtype.type, dtype.littleEndian, file);
  let integers = isIntegerType(dtype.type) ? decodeIntegers(bytes, start, count, dtype.type, dtype.littleEndian) : undefined;
  if (fortran && shape.length > 1) {
    // Fortran order: the first axis varies fastest. Gather it back into row-major.
    const strides: number[] = [];
    let s = 1;
    for (const d of shape) {
      strides.push(s);
      s *= d;
    }
    data = gatherStrided(data, shape, strides, 0);
    if (integers) integers = gatherStrided(integers, shape, strides, 0);
  }
  return { tensor: new Tensor(data, shape), dtype: descr, elementType: dtype.type, ...(integers ? { integers } : {}) };
}

function describeStart(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'an empty file';
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `bytes ${head}`;
}

function pythonTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** Encodes one tensor as float32 little-endian .npy version 1.0, C order, as `numpy.save` would. */
export function encodeNpy(tensor: Tensor): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${pythonTuple(tensor.shape)}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN) + '\n';
  const out = new Uint8Array(10 + header.length + tensor.size * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  for (let i = 0; i < tensor.size; i++) view.setFloat32(start + i * 4, tensor.data[i]!, true);
  return out;
}

export const npyFormat: TensorFormat = {
  name: 'npy',
  extensions: ['.npy'],
  holds: 'one',
  sniff: isNpy,
  readTensor: decodeNpy,
  writeTensors(tensors, file) {
    if (tensors.size !== 1) {
      throw new FormatError(
        `${file}: expected exactly one tensor for .npy (it holds one array), got ${tensors.size}; save named tensors as .npz or .safetensors`,
      );
    }
    const [tensor] = tensors.values();
    return encodeNpy(tensor!);
  },
};
