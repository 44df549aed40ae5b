/**
 * What torch.save puts in its pickle: the handful of torch names a state_dict needs, allowed
 * through the restricted unpickler, and the tensor views they describe.
 *
 * A tensor is pickled as `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
 * requires_grad, backward_hooks[, metadata])`, where `storage` is a persistent id
 * `('storage', torch.FloatStorage, key, location, numel)` naming raw bytes stored outside the pickle
 * (a zip member, or a section after the pickle in the legacy format). Unpickling yields references;
 * `materializeTensor` reads the bytes once the container has them.
 */
import { FormatError } from '../errors.js';
import { Tensor, formatShape, numel } from '../tensor/tensor.js';
import { ITEM_SIZE, decodeElements, gatherStrided, isContiguous, lastIndex, type ElementType, type TensorBudget } from './dtypes.js';
import { PyDict, PyGlobal, PyObject, PyTuple, describeValue, unpickle, type PyValue, type Unpickled } from './pickle.js';

export const STORAGE_TYPES: Readonly<Record<string, ElementType>> = {
  FloatStorage: 'f32',
  DoubleStorage: 'f64',
  HalfStorage: 'f16',
  BFloat16Storage: 'bf16',
  LongStorage: 'i64',
  IntStorage: 'i32',
  ShortStorage: 'i16',
  CharStorage: 'i8',
  ByteStorage: 'u8',
  BoolStorage: 'bool',
};

export interface StorageRef {
  /** `FloatStorage`, ... as the pickle names it. */
  type: string;
  key: string;
  /** Elements the pickle says the storage holds. */
  numel: number;
  /** Legacy format only: this storage is a window `[offset, offset + size)` of storage `key`. */
  view?: { offset: number; size: number };
}

export interface TensorRef {
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
}

const TENSOR = 'Tensor';
const STORAGE = 'Storage';

function asInt(v: PyValue | undefined, what: string, file: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new FormatError(`${file}: expected ${what} to be a non-negative integer, got ${v === undefined ? 'nothing' : describeValue(v)}`);
}

function asInts(v: PyValue | undefined, what: string, file: string): number[] {
  if (!(v instanceof PyTuple)) throw new FormatError(`${file}: expected ${what} to be a tuple, got ${v === undefined ? 'nothing' : describeValue(v)}`);
  return v.items.map((d) => asInt(d, `each entry of ${what}`, file));
}

function rebuildTensor(args: readonly PyValue[], file: string): PyValue {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof PyObject) || storage.className !== STORAGE) {
    throw new FormatError(`${file}: expected a storage as the first argument of _rebuild_tensor_v2, got ${storage === undefined ? 'nothing' : describeValue(storage)}`);
  }
  const ref: TensorRef = {
    storage: storage.value as StorageRef,
    offset: asInt(offset, 'storage_offset', file),
    size: asInts(size, 'size', file),
    stride: asInts(stride, 'stride', file),
  };
  if (ref.size.length !== ref.stride.length) {
    throw new FormatError(`${file}: expected a stride per dimension of size ${formatShape(ref.size)}, got ${formatShape(ref.stride)}`);
  }
  return new PyObject(TENSOR, ref);
}

function firstTensor(args: readonly PyValue[], name: string, file: string): PyValue {
  const data = args[0];
  if (!(data instanceof PyObject) || data.className !== TENSOR) {
    throw new FormatError(`${file}: expected a tensor as the first argument of ${name}, got ${data === undefined ? 'nothing' : describeValue(data)}`);
  }
  return data;
}

/**
 * The allow-list. Anything else, however harmless it sounds, is refused by name: the point is
 * that no name outside this list is ever imported or called.
 */
function findGlobal(file: string, hint: string): (module: string, name: string) => PyGlobal {
  return (module, name) => {
    const qualname = `${module}.${name}`;
    switch (qualname) {
      case 'collections.OrderedDict':
        return new PyGlobal(module, name, (args) => {
          const d = new PyDict('OrderedDict');
          const pairs = args[0];
          if (Array.isArray(pairs)) {
            for (const p of pairs) if (p instanceof PyTuple && p.items.length === 2) d.map.set(p.items[0]!, p.items[1]!);
          }
          return d;
        });
      case 'torch._utils._rebuild_tensor_v2':
      case 'torch._utils._rebuild_tensor':
        return new PyGlobal(module, name, (args) => rebuildTensor(args, file));
      case 'torch._utils._rebuild_parameter':
      case 'torch._utils._rebuild_parameter_with_state':
        // A Parameter is its data for our purposes; requires_grad and hooks do not matter here.
        return new PyGlobal(module, name, (args) => firstTensor(args, name, file));
      case 'torch._tensor._rebuild_from_type_v2':
        // (func, new_type, args, state): how tensor subclasses are saved; rebuild with func.
        return new PyGlobal(module, name, (args) => {
          const [func, , inner] = args;
          if (!(func instanceof PyGlobal) || !func.call || !(inner instanceof PyTuple)) {
            throw new FormatError(`${file}: expected (function, type, args, state) for _rebuild_from_type_v2, got ${args.map(describeValue).join(', ')}`);
          }
          // Nested in itself it would recurse once per level, as deep as the pickle likes; torch never nests it.
          if (func.qualname === qualname) throw new FormatError(`${file}: expected a tensor rebuild function inside ${qualname}, got ${qualname} itself`);
          return func.call(inner.items);
        });
      case 'torch.Tensor':
      case 'torch.nn.parameter.Parameter':
        // Only ever passed as the type argument of _rebuild_from_type_v2; not callable.
        return new PyGlobal(module, name);
    }
    if (module === 'torch' && name.endsWith('Storage')) return new PyGlobal(module, name);
    const shown = /^[\x20-\x7e]{1,120}$/.test(qualname) ? qualname : JSON.stringify(qualname.slice(0, 120));
    throw new FormatError(`${file}: expected only the globals a state_dict uses, got ${shown} (refused, never imported or called)${hint}`);
  };
}

/** Resolves `('storage', storage_type, key, location, numel[, view_metadata])`. */
function persistentLoad(file: string, onStorage?: (ref: StorageRef) => void): (pid: PyValue) => PyValue {
  return (pid) => {
    const items = pid instanceof PyTuple ? pid.items : [];
    const [tag, type, key, , count, view] = items;
    if (tag !== 'storage' || !(type instanceof PyGlobal) || (typeof key !== 'string' && typeof key !== 'number')) {
      throw new FormatError(`${file}: expected a persistent id ('storage', type, key, location, numel), got ${describeValue(pid)}`);
    }
    const ref: StorageRef = { type: type.name, key: String(key), numel: asInt(count, 'storage numel', file) };
    if (view instanceof PyTuple) {
      // Legacy format: (view_key, offset, view_size) carves a window out of storage `key`.
      ref.view = { offset: asInt(view.items[1], 'view offset', file), size: asInt(view.items[2], 'view size', file) };
    }
    onStorage?.(ref);
    return new PyObject(STORAGE, ref);
  };
}

/**
 * Runs one pickle of a torch file with the torch allow-list. `hint` is appended to a refused
 * global's message; `onStorage` sees every storage the pickle refers to.
 */
export function unpickleTorch(bytes: Uint8Array, file: string, start = 0, hint = '', onStorage?: (ref: StorageRef) => void): Unpickled {
  return unpickle(bytes, file, { findGlobal: findGlobal(file, hint), persistentLoad: persistentLoad(file, onStorage) }, start);
}

export function isTensorRef(v: PyValue): v is PyObject {
  return v instanceof PyObject && v.className === TENSOR;
}

export function tensorRefOf(v: PyObject): TensorRef {
  return v.value as TensorRef;
}

/** How deep nested checkpoint dicts may go (`{'model': {'encoder': {...}}}`); deeper is refused, not skipped. */
const MAX_NESTING = 16;

/**
 * The tensors of a state_dict, and of dicts nested in it under dotted names (a checkpoint such as
 * `{'model': state_dict, 'epoch': 3}` gives `model.lstm.weight_ih_l0`). Plain values (`epoch`) become
 * metadata; a dict seen twice is not walked twice.
 */
export function collectTensors(root: PyDict, file: string): { tensors: [string, TensorRef][]; metadata: Record<string, string> } {
  const tensors: [string, TensorRef][] = [];
  const metadata: Record<string, string> = {};
  const seen = new Set<PyDict>();
  const walk = (dict: PyDict, prefix: string, depth: number): void => {
    if (seen.has(dict)) return;
    if (depth > MAX_NESTING) {
      throw new FormatError(`${file}: expected dicts nested at most ${MAX_NESTING} levels deep, got deeper at "${prefix.slice(0, 200)}"`);
    }
    seen.add(dict);
    for (const [k, v] of dict.map) {
      const name = prefix + (typeof k === 'string' ? k : String(describeValue(k)));
      if (isTensorRef(v)) tensors.push([name, tensorRefOf(v)]);
      else if (v instanceof PyDict) walk(v, `${name}.`, depth + 1);
      else if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
        metadata[name] = v === null ? 'None' : String(v);
      } else metadata[name] = describeValue(v);
    }
  };
  walk(root, '', 0);
  return { tensors, metadata };
}

export function storageElementType(type: string, file: string): ElementType {
  const t = Object.hasOwn(STORAGE_TYPES, type) ? STORAGE_TYPES[type] : undefined;
  if (!t) {
    throw new FormatError(`${file}: expected a storage of ${Object.keys(STORAGE_TYPES).join(', ')}, got torch.${type}`);
  }
  return t;
}

/**
 * Decodes a storage's raw bytes. `bytes` must hold at least `count` elements; the caller passes
 * the slice the container holds for this storage.
 */
export function decodeStorage(bytes: Uint8Array, ref: StorageRef, littleEndian: boolean, file: string, budget?: TensorBudget): Float32Array {
  const type = storageElementType(ref.type, file);
  const size = ITEM_SIZE[type];
  const available = Math.floor(bytes.length / size);
  if (ref.numel > available) {
    throw new FormatError(`${file}: expected ${ref.numel} elements (${ref.numel * size} bytes) in storage ${ref.key}, got ${bytes.length} bytes`);
  }
  budget?.take([ref.numel], `${file}: storage ${ref.key}`);
  return decodeElements(bytes, 0, ref.numel, type, littleEndian, file);
}

/** Views that read the same elements many times (expand) are allowed up to this size. */
const MAX_EXPANDED_ELEMENTS = 1 << 24;

/** Gathers a tensor view (offset, sizes, strides) out of its decoded storage. */
export function materializeTensor(ref: TensorRef, storage: Float32Array, name: string, file: string, budget?: TensorBudget): Tensor {
  const count = numel(ref.size);
  const last = lastIndex(ref.size, ref.stride, ref.offset);
  if (last >= storage.length) {
    throw new FormatError(
      `${file}: tensor "${name}": expected a view within its storage of ${storage.length} elements, got offset ${ref.offset}, size ${formatShape(ref.size)}, stride ${formatShape(ref.stride)}`,
    );
  }
  if (count > storage.length && count > MAX_EXPANDED_ELEMENTS) {
    throw new FormatError(`${file}: tensor "${name}": expected at most ${MAX_EXPANDED_ELEMENTS} elements from a storage of ${storage.length}, got ${count}`);
  }
  budget?.take(ref.size, `${file}: tensor "${name}"`);
  const data = isContiguous(ref.size, ref.stride)
    ? storage.slice(ref.offset, ref.offset + count)
    : gatherStrided(storage, ref.size, ref.stride, ref.offset);
  return new Tensor(data, ref.size);
}
