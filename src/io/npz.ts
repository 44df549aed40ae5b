/**
 * NumPy .npz (numpy.savez, numpy.savez_compressed): a zip of `NAME.npy` members, one array each.
 * The key of an array is its member name without `.npy`, in the archive's order.
 *
 * We write as numpy.savez does: stored (uncompressed) .npy version 1.0 members, or deflated
 * ones like savez_compressed when asked.
 */
import { zipSync, type Zippable } from 'fflate';
import { FormatError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { TensorBudget } from './dtypes.js';
import { DEFAULT_MAX_BYTES, onlyTensor, type DecodeOptions, type StoredTensor, type TensorFile, type TensorFormat } from './format.js';
import { decodeNpy, encodeNpy } from './npy.js';
import { isZip, readZip } from './zip.js';

export function decodeNpz(bytes: Uint8Array, file: string, options: DecodeOptions = {}): TensorFile {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const members = readZip(bytes, file, '.npz', (name) => !name.endsWith('/'), { maxTotalBytes: maxBytes });
  const budget = new TensorBudget(maxBytes);
  const tensors = new Map<string, StoredTensor>();
  for (const { name, data } of members) {
    if (!name.endsWith('.npy')) {
      throw new FormatError(`${file}: expected only .npy members in an .npz, got "${name}"`);
    }
    tensors.set(name.slice(0, -'.npy'.length), decodeNpy(data, `${file}: ${name}`, options, budget));
  }
  return { tensors };
}

export interface NpzWriteOptions {
  /** Deflate the members, as numpy.savez_compressed does. */
  compressed?: boolean;
}

export function encodeNpz(tensors: ReadonlyMap<string, Tensor>, options: NpzWriteOptions = {}): Uint8Array {
  const members: Zippable = {};
  for (const [name, tensor] of tensors) members[`${name}.npy`] = encodeNpy(tensor);
  // mtime fixed so that the same tensors always give the same bytes.
  return zipSync(members, { level: options.compressed ? 6 : 0, mtime: new Date(1980, 0, 1) });
}

export const npzFormat: TensorFormat = {
  name: 'npz',
  extensions: ['.npz'],
  holds: 'many',
  // numpy.savez writes only NAME.npy members.
  zipLayout: (names) => names.every((n) => n.endsWith('.npy') || n.endsWith('/')),
  sniff: isZip,
  readTensors: decodeNpz,
  readTensor: (bytes, file, options) => onlyTensor(decodeNpz(bytes, file, options), file),
  writeTensors(tensors) {
    return encodeNpz(tensors);
  },
};
