/**
 * PyTorch `torch.save` files (.pt, .pth, .bin) holding a state_dict, a checkpoint dict or a tensor.
 *
 * Zip layout (torch >= 1.6): `<archive>/data.pkl` (the pickle), `<archive>/data/<key>` (one raw
 * little-endian storage per key), `<archive>/version`, and since torch 2.1 `<archive>/byteorder`.
 *
 * Legacy layout (`_use_new_zipfile_serialization=False`, and every file before torch 1.6): five
 * pickles in a row — a magic number, the protocol version, sys_info, the object, the sorted list of
 * storage keys — then each storage as a u64 element count and its bytes, in that key order.
 *
 * Pickles are read by the restricted unpickler: nothing in a .pt file is ever executed.
 */
import { FormatError } from '../errors.js';
import { numel } from '../tensor/tensor.js';
import { ITEM_SIZE, TensorBudget } from './dtypes.js';
import { DEFAULT_MAX_BYTES, type DecodeOptions, type StoredTensor, type TensorFile, type TensorFormat } from './format.js';
import { PyDict, describeValue, type PyValue } from './pickle.js';
import {
  STORAGE_TYPES,
  collectTensors,
  decodeStorage,
  isTensorRef,
  materializeTensor,
  storageElementType,
  tensorRefOf,
  unpickleTorch,
  type StorageRef,
  type TensorRef,
} from './torch-pickle.js';
import { isZip, readZip } from './zip.js';

/** The start of every legacy file: PROTO 2, then LONG1 of the 10-byte magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
const LEGACY_PROTOCOL_VERSION = 1001;

export function isLegacyPt(head: Uint8Array): boolean {
  return LEGACY_MAGIC.every((b, i) => head[i] === b);
}

/** What a torch file holds once unpickled: the top-level value, a way to read each storage, and what decoding may allocate. */
interface Loaded {
  value: PyValue;
  storage(ref: StorageRef): Float32Array;
  budget: TensorBudget;
}

function cached(load: (ref: StorageRef) => Float32Array): (ref: StorageRef) => Float32Array {
  const cache = new Map<string, Float32Array>();
  return (ref) => {
    const id = ref.view ? `${ref.key}@${ref.view.offset}+${ref.view.size}` : ref.key;
    let data = cache.get(id);
    if (!data) {
      data = load(ref);
      cache.set(id, data);
    }
    return data;
  };
}

function loadZip(bytes: Uint8Array, file: string, maxBytes: number): Loaded {
  const members = readZip(bytes, file, '.pt', (name) => !name.endsWith('/'), { maxTotalBytes: maxBytes });
  const pkl = members.find((m) => /^([^/]+\/)?data\.pkl$/.test(m.name));
  if (!pkl) {
    const names = members.slice(0, 5).map((m) => `"${m.name}"`).join(', ');
    throw new FormatError(`${file}: expected a torch.save archive with a data.pkl member, got ${names || 'an empty archive'}`);
  }
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  const byName = new Map(members.map((m) => [m.name, m.data]));
  const torchScript = byName.has(`${prefix}constants.pkl`) || members.some((m) => m.name.startsWith(`${prefix}code/`));
  const hint = torchScript ? '; this is a TorchScript archive (torch.jit.save): save model.state_dict() with torch.save instead' : '';
  const byteorder = byName.get(`${prefix}byteorder`);
  const order = byteorder ? new TextDecoder().decode(byteorder).trim() : 'little';
  if (order !== 'little' && order !== 'big') {
    throw new FormatError(`${file}: expected byteorder "little" or "big", got ${JSON.stringify(order.slice(0, 20))}`);
  }
  const { value } = unpickleTorch(pkl.data, file, 0, hint);
  const budget = new TensorBudget(maxBytes);
  return {
    value,
    budget,
    storage: cached((ref) => {
      const data = byName.get(`${prefix}data/${ref.key}`);
      if (!data) throw new FormatError(`${file}: expected a member "${prefix}data/${ref.key}" for storage ${ref.key}, got none`);
      return decodeStorage(data, ref, order === 'little', file, budget);
    }),
  };
}

function loadLegacy(bytes: Uint8Array, file: string, maxBytes: number): Loaded {
  const magic = unpickleTorch(bytes, file, 0);
  const version = unpickleTorch(bytes, file, magic.end);
  if (version.value !== LEGACY_PROTOCOL_VERSION) {
    throw new FormatError(`${file}: expected legacy torch.save protocol ${LEGACY_PROTOCOL_VERSION}, got ${describeValue(version.value)}`);
  }
  const sysInfo = unpickleTorch(bytes, file, version.end);
  const littleEndian = !(sysInfo.value instanceof PyDict && sysInfo.value.map.get('little_endian') === false);
  // Storage types come from the persistent ids in the main pickle; the sections only hold counts.
  const types = new Map<string, string>();
  const main = unpickleTorch(bytes, file, sysInfo.end, '', (ref) => types.set(ref.key, ref.type));
  const keysPickle = unpickleTorch(bytes, file, main.end);
  const keys = keysPickle.value;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
    throw new FormatError(`${file}: expected the list of storage keys after the pickle, got ${describeValue(keys)}`);
  }

  const sections = new Map<string, Uint8Array>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let pos = keysPickle.end;
  for (const key of keys as string[]) {
    if (pos + 8 > bytes.length) throw new FormatError(`${file}: expected storage ${key} after byte ${pos}, got the end of the file (truncated)`);
    const count = view.getBigUint64(pos, littleEndian);
    const type = types.get(key);
    const size = type ? ITEM_SIZE[storageElementType(type, file)] : 1;
    if (count * BigInt(size) > BigInt(bytes.length - pos - 8)) {
      throw new FormatError(`${file}: expected ${count} elements in storage ${key}, got only ${bytes.length - pos - 8} bytes left (truncated)`);
    }
    const length = Number(count) * size;
    sections.set(key, bytes.subarray(pos + 8, pos + 8 + length));
    pos += 8 + length;
  }
  const budget = new TensorBudget(maxBytes);
  return {
    value: main.value,
    budget,
    storage: cached((ref) => {
      const data = sections.get(ref.key);
      if (!data) throw new FormatError(`${file}: expected a section for storage ${ref.key}, got none`);
      const size = ITEM_SIZE[storageElementType(ref.type, file)];
      const window = ref.view ? data.subarray(ref.view.offset * size, (ref.view.offset + ref.view.size) * size) : data;
      return decodeStorage(window, ref.view ? { ...ref, numel: ref.view.size } : ref, littleEndian, file, budget);
    }),
  };
}

function load(bytes: Uint8Array, file: string, options: DecodeOptions): Loaded {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  if (isZip(bytes)) return loadZip(bytes, file, maxBytes);
  if (isLegacyPt(bytes)) return loadLegacy(bytes, file, maxBytes);
  if (bytes.length > 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar') {
    throw new FormatError(
      `${file}: expected a torch.save zip archive, got the tar format of torch < 0.4, which is not supported; re-save with a newer torch: torch.save(torch.load(f), f2)`,
    );
  }
  throw new FormatError(`${file}: expected a torch.save file (a zip archive, or the legacy pickle format), got neither`);
}

function tensorOf(loaded: Loaded, ref: TensorRef, name: string, file: string): StoredTensor {
  const tensor = materializeTensor(ref, loaded.storage(ref.storage), name, file, loaded.budget);
  const elementType = Object.hasOwn(STORAGE_TYPES, ref.storage.type) ? STORAGE_TYPES[ref.storage.type] : undefined;
  return { tensor, dtype: `torch.${ref.storage.type}`, ...(elementType ? { elementType } : {}) };
}

export function decodePt(bytes: Uint8Array, file: string, options: DecodeOptions = {}): TensorFile {
  const loaded = load(bytes, file, options);
  if (!(loaded.value instanceof PyDict)) {
    const what = isTensorRef(loaded.value) ? 'a single tensor (use it as an input, not as weights)' : describeValue(loaded.value);
    throw new FormatError(`${file}: expected a state_dict (a dict of tensors), got ${what}`);
  }
  const { tensors: refs, metadata } = collectTensors(loaded.value, file);
  // Views may share storage (a weight and its transpose), but a file listing thousands of views of
  // one storage would make us copy it thousands of times: cap the total at a few times the file.
  const budget = 8 * bytes.length + (1 << 24);
  let total = 0;
  const tensors = new Map<string, StoredTensor>();
  for (const [name, ref] of refs) {
    total += numel(ref.size);
    if (total > budget) {
      throw new FormatError(`${file}: expected tensors totalling at most ${budget} elements for a file of ${bytes.length} bytes, got more at "${name}"`);
    }
    tensors.set(name, tensorOf(loaded, ref, name, file));
  }
  return Object.keys(metadata).length > 0 ? { tensors, metadata } : { tensors };
}

/** A single tensor: `torch.save(x)`, or a dict holding exactly one tensor. */
export function decodePtTensor(bytes: Uint8Array, file: string, options: DecodeOptions = {}): StoredTensor {
  const loaded = load(bytes, file, options);
  if (isTensorRef(loaded.value)) return tensorOf(loaded, tensorRefOf(loaded.value), 'tensor', file);
  if (loaded.value instanceof PyDict) {
    const { tensors } = collectTensors(loaded.value, file);
    if (tensors.length === 1) return tensorOf(loaded, tensors[0]![1], tensors[0]![0], file);
    throw new FormatError(`${file}: expected one tensor, got a dict of ${tensors.length} tensors (${tensors.slice(0, 5).map(([n]) => n).join(', ')})`);
  }
  throw new FormatError(`${file}: expected a tensor, got ${describeValue(loaded.value)}`);
}

export const ptFormat: TensorFormat = {
  name: 'pt',
  extensions: ['.pt', '.pth', '.bin'],
  holds: 'many',
  zipLayout: (names) => names.some((n) => /^[^/]+\/data\.pkl$/.test(n) || n === 'data.pkl'),
  sniff: (head) => isZip(head) || isLegacyPt(head),
  readTensors: decodePt,
  readTensor: decodePtTensor,
};
