/**
 * A restricted pickle reader: enough of the pickle virtual machine (protocols 0-5, the binary
 * opcodes) to read what `torch.save(state_dict)` writes, and nothing that can run code.
 *
 * Pickle is a little stack machine: opcodes push values, build tuples, lists and dicts, remember
 * them in a memo, and — the dangerous part — look up arbitrary importable names (GLOBAL) and call
 * them (REDUCE, NEWOBJ, BUILD). Here every name is resolved through the caller's allow-list; an
 * unknown name is refused when it is first mentioned, before anything could call it. "Calling" an
 * allowed name runs the caller's own TypeScript stand-in, never Python.
 *
 * Bounded: each opcode consumes input, lengths are checked against what is left, and the stack,
 * mark stack and memo have caps, so no input can make this loop forever or allocate beyond its size.
 */
import { FormatError } from '../errors.js';

/** A Python value as far as we model it. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | PyObject;

export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

export class PyDict {
  readonly map = new Map<PyValue, PyValue>();
  /** What BUILD set on it, e.g. a state_dict's `_metadata`; kept, never interpreted. */
  state: PyValue = null;
  constructor(readonly className = 'dict') {}
}

/** An allowed importable name. `call` is its TypeScript stand-in, absent for names only referred to. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly call?: (args: readonly PyValue[]) => PyValue,
  ) {}
  get qualname(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A value a stand-in built (a tensor, a storage): opaque to the machine. */
export class PyObject {
  constructor(
    readonly className: string,
    readonly value: unknown,
  ) {}
}

export interface UnpickleHooks {
  /** The stand-in for an allowed name; throws a FormatError (naming it) for any other. */
  findGlobal(module: string, name: string): PyGlobal;
  /** Resolves a persistent id (BINPERSID); torch uses it for storages. */
  persistentLoad?(pid: PyValue): PyValue;
}

export interface UnpickleLimits {
  maxStack?: number;
  maxMarks?: number;
  maxMemo?: number;
}

/** Where a pickle ends: the value and the offset after STOP (legacy .pt files hold several in a row). */
export interface Unpickled {
  value: PyValue;
  end: number;
}

/** The pickle opcodes by name (CPython's Lib/pickletools.py), as the machine switches on them. */
const OP = {
  MARK: 0x28,
  EMPTY_TUPLE: 0x29,
  STOP: 0x2e,
  POP: 0x30,
  POP_MARK: 0x31,
  DUP: 0x32,
  BINBYTES: 0x42,
  SHORT_BINBYTES: 0x43,
  FLOAT: 0x46,
  BINFLOAT: 0x47,
  INT: 0x49,
  BININT: 0x4a,
  BININT1: 0x4b,
  LONG: 0x4c,
  BININT2: 0x4d,
  NONE: 0x4e,
  PERSID: 0x50,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  STRING: 0x53,
  BINSTRING: 0x54,
  SHORT_BINSTRING: 0x55,
  UNICODE: 0x56,
  BINUNICODE: 0x58,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  BUILD: 0x62,
  GLOBAL: 0x63,
  DICT: 0x64,
  APPENDS: 0x65,
  GET: 0x67,
  BINGET: 0x68,
  INST: 0x69,
  LONG_BINGET: 0x6a,
  LIST: 0x6c,
  OBJ: 0x6f,
  PUT: 0x70,
  BINPUT: 0x71,
  LONG_BINPUT: 0x72,
  SETITEM: 0x73,
  TUPLE: 0x74,
  SETITEMS: 0x75,
  EMPTY_DICT: 0x7d,
  PROTO: 0x80,
  NEWOBJ: 0x81,
  EXT1: 0x82,
  EXT2: 0x83,
  EXT4: 0x84,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  TUPLE3: 0x87,
  NEWTRUE: 0x88,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  LONG4: 0x8b,
  SHORT_BINUNICODE: 0x8c,
  BINUNICODE8: 0x8d,
  BINBYTES8: 0x8e,
  EMPTY_SET: 0x8f,
  ADDITEMS: 0x90,
  FROZENSET: 0x91,
  NEWOBJ_EX: 0x92,
  STACK_GLOBAL: 0x93,
  MEMOIZE: 0x94,
  FRAME: 0x95,
  BYTEARRAY8: 0x96,
  NEXT_BUFFER: 0x97,
  READONLY_BUFFER: 0x98,
} as const;

const OPCODE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(OP).map(([name, code]) => [code, name]));

function opcodeName(op: number): string {
  const hex = `0x${op.toString(16).padStart(2, '0')}`;
  const name = OPCODE_NAMES.get(op);
  return name ? `${name} (${hex})` : `${hex}${op >= 0x20 && op < 0x7f ? ` '${String.fromCharCode(op)}'` : ''}`;
}

/** A short description of a value for messages; never walks deep. */
export function describeValue(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 30 ? v.slice(0, 30) + '…' : v)}`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (v instanceof Uint8Array) return `bytes of length ${v.length}`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v instanceof PyTuple) return `a tuple of ${v.items.length}`;
  if (v instanceof PyDict) return `${article(v.className)} ${v.className} of ${v.map.size}`;
  if (v instanceof PyGlobal) return v.qualname;
  return `${article(v.className)} ${v.className}`;
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Runs the pickle starting at `start` up to its STOP. Every malformed input becomes a FormatError
 * naming `file`.
 */
export function unpickle(bytes: Uint8Array, file: string, hooks: UnpickleHooks, start = 0, limits: UnpickleLimits = {}): Unpickled {
  const maxStack = limits.maxStack ?? 1 << 20;
  const maxMarks = limits.maxMarks ?? 1 << 12;
  const maxMemo = limits.maxMemo ?? 1 << 20;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  // MARK starts a new segment, as CPython's metastack does; popping the mark restores the outer one.
  let stack: PyValue[] = [];
  const marks: PyValue[][] = [];
  const memo = new Map<number, PyValue>();
  let pos = start;
  let at = start;

  const fail = (expected: string, got: string): never => {
    throw new FormatError(`${file}: expected ${expected}, got ${got} (pickle byte ${at})`);
  };

  const need = (n: number | bigint): number => {
    if (typeof n === 'bigint') {
      if (n > BigInt(bytes.length - pos)) fail(`${n} more bytes`, `${bytes.length - pos} (truncated pickle)`);
      n = Number(n);
    }
    if (n < 0 || pos + n > bytes.length) fail(`${n} more bytes`, `${bytes.length - pos} (truncated pickle)`);
    const p = pos;
    pos += n;
    return p;
  };
  const u8 = (): number => bytes[need(1)]!;
  const u16 = (): number => view.getUint16(need(2), true);
  const i32 = (): number => view.getInt32(need(4), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const u64 = (): bigint => view.getBigUint64(need(8), true);
  const take = (n: number | bigint): Uint8Array => {
    const p = need(n);
    return bytes.subarray(p, pos);
  };
  const text = (n: number | bigint): string => {
    const raw = take(n);
    try {
      return utf8.decode(raw);
    } catch {
      return fail('utf-8 text', 'invalid utf-8');
    }
  };
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) fail('a newline-terminated argument', 'the end of the pickle');
    const s = latin1.decode(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };

  const push = (v: PyValue): void => {
    if (stack.length >= maxStack) fail(`a pickle stack of at most ${maxStack} items`, 'more');
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) fail('a value on the pickle stack', 'an empty stack');
    return stack.pop()!;
  };
  const top = (): PyValue => {
    if (stack.length === 0) fail('a value on the pickle stack', 'an empty stack');
    return stack[stack.length - 1]!;
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    const outer = marks.pop();
    if (outer === undefined) fail('a MARK before this opcode', 'none');
    stack = outer!;
    return items;
  };
  const memoize = (key: number, v: PyValue): void => {
    if (!memo.has(key) && memo.size >= maxMemo) fail(`a memo of at most ${maxMemo} entries`, 'more');
    memo.set(key, v);
  };
  const recall = (key: number): PyValue => {
    if (!memo.has(key)) fail(`memo entry ${key} to exist`, 'a missing entry');
    return memo.get(key)!;
  };
  const long = (b: Uint8Array): number | bigint => {
    // Little-endian two's complement of any length.
    let n = 0n;
    for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
    if (b.length > 0 && b[b.length - 1]! & 0x80) n -= 1n << BigInt(b.length * 8);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  };
  const setItems = (dict: PyValue, items: PyValue[]): void => {
    if (!(dict instanceof PyDict)) fail('a dict to set items on', describeValue(dict));
    if (items.length % 2) fail('key-value pairs', 'an odd number of items');
    for (let i = 0; i < items.length; i += 2) (dict as PyDict).map.set(items[i]!, items[i + 1]!);
  };
  const appendItems = (list: PyValue, items: PyValue[]): void => {
    if (!Array.isArray(list)) fail('a list to append to', describeValue(list));
    const target = list as PyValue[];
    if (target.length + items.length > maxStack) fail(`lists of at most ${maxStack} items`, 'more');
    for (const item of items) target.push(item);
  };
  const call = (callable: PyValue, args: PyValue, opcode: string): PyValue => {
    if (!(callable instanceof PyGlobal) || !callable.call) fail(`a callable for ${opcode}`, describeValue(callable));
    if (!(args instanceof PyTuple)) fail(`an argument tuple for ${opcode}`, describeValue(args));
    return (callable as PyGlobal).call!((args as PyTuple).items);
  };
  const global = (module: string, name: string): PyGlobal => hooks.findGlobal(module, name);

  for (;;) {
    at = pos;
    if (pos >= bytes.length) fail('a STOP opcode', 'the end of the data (truncated pickle)');
    const op = u8();
    switch (op) {
      case OP.PROTO: {
        const proto = u8();
        if (proto > 5) fail('pickle protocol 0 to 5', `protocol ${proto}`);
        break;
      }
      case OP.FRAME: // a length hint for buffered reading; the data follows inline.
        u64();
        break;
      case OP.STOP:
        return { value: pop(), end: pos };
      case OP.MARK:
        if (marks.length >= maxMarks) fail(`at most ${maxMarks} nested marks`, 'more');
        marks.push(stack);
        stack = [];
        break;
      case OP.POP: // as in CPython, popping an empty segment drops its mark.
        if (stack.length > 0) stack.pop();
        else popMark();
        break;
      case OP.POP_MARK:
        popMark();
        break;
      case OP.DUP:
        push(top());
        break;
      case OP.NONE:
        push(null);
        break;
      case OP.NEWTRUE:
        push(true);
        break;
      case OP.NEWFALSE:
        push(false);
        break;
      case OP.BININT:
        push(i32());
        break;
      case OP.BININT1:
        push(u8());
        break;
      case OP.BININT2:
        push(u16());
        break;
      case OP.LONG1:
        push(long(take(u8())));
        break;
      case OP.LONG4: {
        // Building a BigInt byte by byte is quadratic; a state_dict never holds a huge integer.
        const n = i32();
        if (n < 0 || n > 64) fail('a LONG4 of 0 to 64 bytes', `${n} bytes`);
        push(long(take(n)));
        break;
      }
      case OP.INT: {
        // INT (protocol 0): also how protocol 0 spells True and False.
        const s = line();
        if (s === '01') push(true);
        else if (s === '00') push(false);
        else {
          const n = /^[+-]?\d{1,15}$/.test(s) ? Number(s) : NaN;
          if (!Number.isSafeInteger(n)) fail('a decimal integer', JSON.stringify(s.slice(0, 20)));
          push(n);
        }
        break;
      }
      case OP.BINFLOAT:
        push(view.getFloat64(need(8), false)); // BINFLOAT is big-endian.
        break;
      case OP.FLOAT: {
        const s = line();
        const n = Number(s);
        if (!/^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf|nan)$/i.test(s)) fail('a decimal float', JSON.stringify(s.slice(0, 20)));
        push(n);
        break;
      }
      case OP.BINUNICODE:
        push(text(u32()));
        break;
      case OP.SHORT_BINUNICODE:
        push(text(u8()));
        break;
      case OP.BINUNICODE8:
        push(text(u64()));
        break;
      case OP.BINSTRING: {
        const n = i32();
        if (n < 0) fail('a BINSTRING length >= 0', String(n));
        push(latin1.decode(take(n)));
        break;
      }
      case OP.SHORT_BINSTRING:
        push(latin1.decode(take(u8())));
        break;
      case OP.BINBYTES:
        push(take(u32()).slice());
        break;
      case OP.SHORT_BINBYTES:
        push(take(u8()).slice());
        break;
      case OP.BINBYTES8:
      case OP.BYTEARRAY8:
        push(take(u64()).slice());
        break;
      case OP.EMPTY_TUPLE:
        push(new PyTuple([]));
        break;
      case OP.TUPLE:
        push(new PyTuple(popMark()));
        break;
      case OP.TUPLE1: {
        const a = pop();
        push(new PyTuple([a]));
        break;
      }
      case OP.TUPLE2: {
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b]));
        break;
      }
      case OP.TUPLE3: {
        const c = pop();
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b, c]));
        break;
      }
      case OP.EMPTY_LIST:
        push([]);
        break;
      case OP.LIST:
        push(popMark());
        break;
      case OP.APPEND: {
        const item = pop();
        appendItems(top(), [item]);
        break;
      }
      case OP.APPENDS: {
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case OP.EMPTY_DICT:
        push(new PyDict());
        break;
      case OP.DICT: {
        const items = popMark();
        const d = new PyDict();
        setItems(d, items);
        push(d);
        break;
      }
      case OP.SETITEM: {
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case OP.SETITEMS: {
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case OP.EMPTY_SET: // modelled as a list; a state_dict never relies on set semantics.
        push([]);
        break;
      case OP.ADDITEMS: {
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case OP.FROZENSET:
        push(popMark());
        break;
      case OP.BINPUT:
        memoize(u8(), top());
        break;
      case OP.LONG_BINPUT:
        memoize(u32(), top());
        break;
      case OP.PUT: {
        const s = line();
        if (!/^\d{1,9}$/.test(s)) fail('a memo index', JSON.stringify(s.slice(0, 20)));
        memoize(Number(s), top());
        break;
      }
      case OP.MEMOIZE:
        memoize(memo.size, top());
        break;
      case OP.BINGET:
        push(recall(u8()));
        break;
      case OP.LONG_BINGET:
        push(recall(u32()));
        break;
      case OP.GET: {
        const s = line();
        if (!/^\d{1,9}$/.test(s)) fail('a memo index', JSON.stringify(s.slice(0, 20)));
        push(recall(Number(s)));
        break;
      }
      case OP.GLOBAL: {
        const module = line();
        const name = line();
        push(global(module, name));
        break;
      }
      case OP.STACK_GLOBAL: {
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL strings', `${describeValue(module)}, ${describeValue(name)}`);
        push(global(module as string, name as string));
        break;
      }
      case OP.REDUCE: {
        const args = pop();
        const callable = pop();
        push(call(callable, args, 'REDUCE'));
        break;
      }
      case OP.NEWOBJ: {
        const args = pop();
        const cls = pop();
        push(call(cls, args, 'NEWOBJ'));
        break;
      }
      case OP.BUILD: {
        const state = pop();
        const obj = top();
        // Only a dict's attributes (torch's state_dict._metadata) may be set; they are kept, not applied.
        if (!(obj instanceof PyDict)) fail('BUILD on a dict', `BUILD on ${describeValue(obj)}`);
        (obj as PyDict).state = state;
        break;
      }
      case OP.BINPERSID: {
        const pid = pop();
        if (!hooks.persistentLoad) fail('no persistent ids', 'BINPERSID');
        push(hooks.persistentLoad!(pid));
        break;
      }
      default:
        // INST, OBJ, EXT*, NEWOBJ_EX, PERSID, buffers, protocol-0 strings: never in a state_dict.
        fail('a pickle opcode a state_dict uses', `opcode ${opcodeName(op)}`);
    }
  }
}
