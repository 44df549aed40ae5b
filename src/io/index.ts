/**
 * Reading and writing tensor files. The format comes from the extension, else from the magic bytes.
 * `-` is JSON on standard input; FIFOs and pipes are read as streams. Writes are checked and
 * atomic (./atomic-write.ts), so a failed write never leaves a half-written output.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { writeFileAtomic as atomicWrite, type AtomicWriteOptions } from './atomic-write.js';
import { FormatError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { DEFAULT_MAX_BYTES, type StoredTensor, type TensorFile, type TensorFormat } from './format.js';
import { formats } from './formats.js';
import { jsonFormat } from './json.js';
import { isZip, zipMemberNames } from './zip.js';
import { waitMs } from './wait.js';

export type { DecodeOptions, DeclaredModule, StoredTensor, TensorFile, TensorFormat } from './format.js';
export { openAtomic, type AtomicFile, type AtomicWriteOptions } from './atomic-write.js';
export { formats } from './formats.js';
export { encodeNpy, decodeNpy } from './npy.js';
export { encodeNpz, decodeNpz, type NpzWriteOptions } from './npz.js';
export { encodeSafetensors, decodeSafetensors } from './safetensors.js';
export { decodePt, decodePtTensor } from './pt.js';
export { decodeCsv } from './csv.js';
export { decodeOnnx } from './onnx.js';
export { decodeKeras, decodeKerasH5 } from './keras.js';
export { encodeKeras, encodeKerasH5, isKerasTarget, kerasRefusal } from './keras-write.js';
export { loadHdf5Writer, type Hdf5Writer } from './hdf5-write.js';
export { decodeTfjs, encodeTfjs, isTfjsTarget, tfjsRefusal, tfjsShardPath } from './tfjs.js';

/** Files larger than this are refused before they are read (override with `maxBytes`). */
export const DEFAULT_MAX_FILE_BYTES = DEFAULT_MAX_BYTES;

export interface ReadOptions {
  maxBytes?: number;
}

function formatByExtension(file: string): TensorFormat | undefined {
  const ext = extname(file).toLowerCase();
  return formats.find((f) => f.extensions.includes(ext));
}

function formatByMagic(head: Uint8Array): TensorFormat | undefined {
  return formats.find((f) => f.sniff?.(head));
}

/** The format the bytes themselves show; for a zip, the format whose member layout its names fit (.npz, .pt). */
function formatByContent(bytes: Uint8Array): TensorFormat | undefined {
  if (isZip(bytes)) {
    const names = zipMemberNames(bytes);
    return names === null ? undefined : formats.find((f) => f.zipLayout?.(names));
  }
  return formatByMagic(bytes.subarray(0, 16));
}

/**
 * The format to read `file` with: its extension's, unless the bytes clearly are another format
 * (a torch.save archive named .npz, an .npy named .bin), in which case the bytes win. When the
 * bytes show nothing recognisable the extension's reader runs and says what is wrong.
 */
export function detectFormat(file: string, bytes: Uint8Array): TensorFormat | undefined {
  const inside = formats.find((f) => f.layout?.(bytes));
  if (inside) return inside;
  const byExtension = formatByExtension(file);
  const byContent = formatByContent(bytes);
  if (!byExtension || !byContent || byContent === byExtension) return byExtension ?? byContent;
  const claimed = !isZip(bytes) && byExtension.sniff?.(bytes.subarray(0, 16)) === true;
  return claimed ? byExtension : byContent;
}

function describeErrno(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'a directory';
    default:
      return err.message;
  }
}

/**
 * The whole file, after checking that it exists, is not a directory, is not empty and is within the
 * size limit. A FIFO, a pipe (`/dev/stdin`, a shell's `<(...)`), a character device or a regular
 * file that reports size 0 (as /proc files do) is read as a stream, up to the same limit.
 */
export function readBytes(file: string, options: ReadOptions = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (file === '-') {
    const bytes = readStdin(maxBytes);
    if (bytes.length === 0) throw new FormatError(`standard input: expected JSON, got nothing`);
    return bytes;
  }
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new FormatError(`${file}: expected a readable file, got ${describeErrno(err as NodeJS.ErrnoException)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new FormatError(`${file}: expected a readable file, got a directory`);
    if (!st.isFile() || st.size === 0) {
      const bytes = readStream(fd, file, maxBytes);
      if (bytes.length === 0) throw new FormatError(`${file}: expected data, got ${st.isFile() ? 'an empty file' : 'an empty stream'}`);
      return bytes;
    }
    if (st.size > maxBytes) {
      throw new FormatError(`${file}: expected at most ${maxBytes} bytes, got a file of ${st.size} bytes`);
    }
    const bytes = new Uint8Array(st.size);
    let off = 0;
    while (off < bytes.length) {
      const n = readSync(fd, bytes, off, bytes.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === bytes.length ? bytes : bytes.subarray(0, off);
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(`${file}: expected a readable file, got ${describeErrno(err as NodeJS.ErrnoException)}`);
  } finally {
    closeSync(fd);
  }
}

function readStdin(maxBytes: number): Uint8Array {
  return readStream(0, 'standard input', maxBytes);
}

/** Everything `fd` gives until end of file, refusing more than maxBytes. */
function readStream(fd: number, label: string, maxBytes: number): Uint8Array {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        // A non-blocking pipe with nothing in it yet: wait 1 ms rather than spin.
        waitMs(1);
        continue;
      }
      if (code === 'EOF') break;
      throw new FormatError(`${label}: expected ${fd === 0 ? 'JSON' : 'data'}, got ${(err as Error).message}`);
    }
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw new FormatError(`${label}: expected at most ${maxBytes} bytes, got more`);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function pickFormat(file: string, bytes: Uint8Array, wants: 'readTensor' | 'readTensors'): TensorFormat {
  if (file === '-') return jsonFormat;
  const format = detectFormat(file, bytes);
  if (!format) {
    const known = formats.filter((f) => f[wants]).flatMap((f) => f.extensions);
    throw new FormatError(`${file}: expected a file of type ${known.join(', ')}, got an unknown extension "${extname(file)}" and unrecognised contents`);
  }
  if (!format[wants]) {
    const known = formats.filter((f) => f[wants]).flatMap((f) => f.extensions);
    const what = wants === 'readTensor' ? 'a single tensor' : 'named tensors (weights)';
    throw new FormatError(`${file}: expected ${what} in one of ${known.join(', ')}, got a ${format.extensions[0]} file, which holds ${wants === 'readTensor' ? 'named tensors' : 'a single tensor'}`);
  }
  return format;
}

/** Reads one tensor (x, h_0, c_0) from a file; `maxBytes` also bounds what the file inflates and decodes to. */
export function readTensorFile(file: string, options: ReadOptions = {}): StoredTensor {
  const bytes = readBytes(file, options);
  const label = file === '-' ? 'standard input' : file;
  return pickFormat(file, bytes, 'readTensor').readTensor!(bytes, label, { maxBytes: options.maxBytes ?? DEFAULT_MAX_FILE_BYTES });
}

/** Reads named tensors (a state_dict) from a file; `format` names the reader that read it. `maxBytes` as for readTensorFile. */
export function readTensorsFile(file: string, options: ReadOptions = {}): TensorFile & { format: string } {
  const bytes = readBytes(file, options);
  const label = file === '-' ? 'standard input' : file;
  const format = pickFormat(file, bytes, 'readTensors');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  const sibling = file === '-' ? {} : { sibling: (path: string): Uint8Array => readBytes(join(dirname(file), path), { maxBytes }) };
  return { ...format.readTensors!(bytes, label, { maxBytes, ...sibling }), format: format.name };
}

/** The format `--save FILE` would write, or an error listing the ones it can. */
export function writerFor(file: string): TensorFormat {
  const format = formatByExtension(file);
  if (!format?.writeTensors) {
    const known = formats.filter((f) => f.writeTensors).flatMap((f) => f.extensions);
    throw new FormatError(`${file}: expected an output extension of ${known.join(', ')}, got "${extname(file) || 'none'}"`);
  }
  return format;
}

/** The extensions of the formats that write, those holding `holds` tensors: `.npz, .safetensors or .json`. */
export function writableExtensions(holds: TensorFormat['holds']): string {
  const exts = formats.filter((f) => f.writeTensors && f.holds === holds).map((f) => f.extensions[0]!);
  return exts.length > 1 ? `${exts.slice(0, -1).join(', ')} or ${exts[exts.length - 1]}` : (exts[0] ?? 'none');
}

/** Writes bytes atomically: a temporary file beside the target, checked writes, fsync, then a rename. */
export function writeFileAtomic(file: string, bytes: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  atomicWrite(file, bytes, options);
}

/** Writes named tensors in the format the extension names. */
export function writeTensorsFile(file: string, tensors: ReadonlyMap<string, Tensor>, options: AtomicWriteOptions = {}): void {
  const format = writerFor(file);
  writeFileAtomic(file, format.writeTensors!(tensors, file), options);
}

