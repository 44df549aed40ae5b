/**
 * HDF5 files, read through jsfive (a pure-JavaScript, synchronous reader): groups, their
 * attributes and float datasets, for the Keras readers (./keras.ts). Whatever jsfive throws on a
 * damaged file (it throws strings and RangeErrors) becomes one FormatError naming the file and
 * the object being read; a dataset's size is charged to the file's budget before it is decoded.
 */
import { createRequire } from 'node:module';
import type * as Jsfive from 'jsfive';
import { FormatError } from '../errors.js';
import type { TensorBudget } from './dtypes.js';
import type { KerasWeight } from './keras-config.js';

/**
 * jsfive, loaded on first use: required, not imported, so that a run that reads no HDF5 file
 * (the seed example) does not load it (measured: the seed example's whole command 6-11 ms quicker, median of 15).
 */
let loaded: typeof Jsfive | null = null;
function jsfive(): typeof Jsfive {
  return (loaded ??= createRequire(import.meta.url)('jsfive') as typeof Jsfive);
}

/** `\x89HDF\r\n\x1a\n`: an HDF5 file's signature, at offset 0 when the file has no user block. */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function isHdf5(head: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => head[i] === b);
}

/** What a message says of whatever jsfive threw. */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** An open HDF5 file: look-ups by path, each one turning the reader's failures into FormatErrors. */
export class Hdf5File {
  private readonly root: Jsfive.File;

  constructor(
    bytes: Uint8Array,
    readonly file: string,
  ) {
    if (!isHdf5(bytes)) {
      const got = bytes.length < 8 ? `${bytes.length} bytes` : `bytes ${Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
      throw new FormatError(`${file}: expected an HDF5 file (signature 89 48 44 46 0d 0a 1a 0a), got ${got}`);
    }
    const end = endOfFile(bytes);
    if (end !== null && end > bytes.length) throw new FormatError(`${file}: expected ${end} bytes, as the HDF5 superblock says, got ${bytes.length} (a truncated file)`);
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    this.root = this.guard('an HDF5 superblock and root group', () => new (jsfive().File)(copy, file));
  }

  /**
   * Runs one look-up, naming `what` in the error when the reader fails. jsfive prints to the console
   * what it skips ("Attribute ... type not implemented"); a library never prints, so console.log and
   * console.warn are silent while it runs (synchronously) and restored after.
   */
  guard<T>(what: string, read: () => T): T {
    const { log, warn } = console;
    console.log = console.warn = () => {};
    try {
      return read();
    } catch (err) {
      if (err instanceof FormatError) throw err;
      throw new FormatError(`${this.file}: expected ${what}, got a damaged HDF5 file (${reason(err)})`);
    } finally {
      console.log = log;
      console.warn = warn;
    }
  }

  private find(path: string): Jsfive.Group | Jsfive.Dataset | null {
    if (path === '' || path === '/') return this.root;
    return this.guard(`the HDF5 object "${path}"`, () => {
      let at: Jsfive.Group = this.root;
      const parts = path.split('/').filter((p) => p !== '');
      for (const [i, part] of parts.entries()) {
        if (!at.keys.includes(part)) return null;
        const next = at.get(part);
        if (next instanceof jsfive().Group) at = next;
        else return i === parts.length - 1 ? next : null;
      }
      return at;
    });
  }

  /** True when `path` is a group. */
  isGroup(path: string): boolean {
    return this.find(path) instanceof jsfive().Group;
  }

  /** The names in the group at `path`, or null when there is no such group. */
  keys(path: string): string[] | null {
    const g = this.find(path);
    return g instanceof jsfive().Group ? this.guard(`the members of "${path || '/'}"`, () => g.keys) : null;
  }

  /** The attributes of the group or dataset at `path` (empty when there is none). */
  attrs(path: string): Record<string, unknown> {
    const o = this.find(path);
    return o ? this.guard(`the attributes of "${path || '/'}"`, () => o.attrs) : {};
  }

  /** An attribute as text (a string, or bytes decoded as UTF-8), or null when it is absent or not text. */
  text(path: string, name: string): string | null {
    return asText(this.attrs(path)[name]);
  }

  /**
   * An attribute that is a list of strings, as Keras writes `layer_names` and `weight_names`: in one
   * attribute, or, when too large for one, in `NAME0`, `NAME1`, ... (load_attributes_from_hdf5_group).
   */
  textList(path: string, name: string): string[] | null {
    const attrs = this.attrs(path);
    const one = (v: unknown): string[] | null => {
      if (v === undefined) return null;
      const list = typeof v === 'string' ? [v] : Array.isArray(v) || ArrayBuffer.isView(v) ? Array.from(v as ArrayLike<unknown>) : null;
      if (!list) return null;
      const texts = list.map(asText);
      return texts.every((t) => t !== null) ? (texts as string[]) : null;
    };
    if (name in attrs) return one(attrs[name]);
    if (!(`${name}0` in attrs)) return null;
    const out: string[] = [];
    for (let i = 0; `${name}${i}` in attrs; i++) {
      const part = one(attrs[`${name}${i}`]);
      if (!part) return null;
      out.push(...part);
    }
    return out;
  }

  /** The dataset at `path`, float32 (or float64, rounded) decoded; data null for another dtype; null when there is no dataset. */
  weight(path: string, budget: TensorBudget): KerasWeight | null {
    const d = this.find(path);
    if (!(d instanceof jsfive().Dataset)) return null;
    const shape = this.guard(`the shape of "${path}"`, () => (Array.isArray(d.shape) ? [...(d.shape as unknown[])] : null));
    if (!shape || !shape.every((n): n is number => typeof n === 'number')) throw new FormatError(`${this.file}: expected a shape of integers for "${path}", got ${String(shape)}`);
    const dtype = this.guard(`the dtype of "${path}"`, () => d.dtype);
    const float = typeof dtype === 'string' && /^[<>]f[48]$/.test(dtype);
    if (!float) return { name: path, shape, data: null };
    const count = budget.take(shape, `${this.file}: ${path}`);
    const values = this.guard(`the data of "${path}"`, () => d.value as unknown);
    if (!Array.isArray(values) && !ArrayBuffer.isView(values)) throw new FormatError(`${this.file}: expected the data of "${path}", got none (a damaged HDF5 file)`);
    if ((values as ArrayLike<unknown>).length !== count) throw new FormatError(`${this.file}: expected ${count} values in "${path}" of shape (${shape.join(', ')}), got ${(values as ArrayLike<unknown>).length}`);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const v = (values as ArrayLike<unknown>)[i];
      if (typeof v !== 'number') throw new FormatError(`${this.file}: expected numbers in "${path}", got ${typeof v}`);
      data[i] = v;
    }
    return { name: path, shape, data };
  }
}

/**
 * The file's length as its superblock records it (base address + end-of-file address), as the HDF5
 * library checks it on opening; null when the superblock is too short or of an unknown version
 * (the reader then says what is wrong). Superblock versions 0 and 1 hold the addresses after 24
 * (28) bytes of fields, versions 2 and 3 after 12.
 */
function endOfFile(bytes: Uint8Array): number | null {
  const version = bytes[8];
  const sizeOfOffsets = version === 0 || version === 1 ? bytes[13] : version === 2 || version === 3 ? bytes[9] : undefined;
  if (sizeOfOffsets !== 2 && sizeOfOffsets !== 4 && sizeOfOffsets !== 8) return null;
  const at = version === 0 ? 24 : version === 1 ? 28 : 12;
  if (bytes.length < at + 3 * sizeOfOffsets) return null;
  const address = (offset: number): number => {
    let v = 0;
    for (let i = sizeOfOffsets - 1; i >= 0; i--) v = v * 256 + bytes[offset + i]!;
    return v;
  };
  // v0/v1: base, free-space info, end of file; v2/v3: base, superblock extension, end of file.
  return address(at) + address(at + 2 * sizeOfOffsets);
}

function asText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return null;
}
