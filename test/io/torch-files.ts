// Builds small torch.save zip archives by hand for the io tests: a pickle written opcode by opcode,
// so that a test can give a tensor any size, stride or nesting a hostile file could.
import { zipSync } from 'fflate';

export const OP = {
  MARK: 0x28,
  STOP: 0x2e,
  BININT: 0x4a,
  NONE: 0x4e,
  BINPERSID: 0x51,
  REDUCE: 0x52,
  EMPTY_LIST: 0x5d,
  APPEND: 0x61,
  GLOBAL: 0x63,
  BINGET: 0x68,
  BINPUT: 0x71,
  SETITEM: 0x73,
  TUPLE: 0x74,
  EMPTY_TUPLE: 0x29,
  EMPTY_DICT: 0x7d,
  PROTO: 0x80,
  TUPLE3: 0x87,
  NEWFALSE: 0x89,
  LONG1: 0x8a,
  SHORT_BINUNICODE: 0x8c,
} as const;

/** Pickle bytes, appended to piece by piece. */
export class Pickle {
  private readonly bytes: number[] = [OP.PROTO, 2];

  op(...codes: number[]): this {
    this.bytes.push(...codes);
    return this;
  }

  str(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.op(OP.SHORT_BINUNICODE, b.length, ...b);
  }

  int(n: number): this {
    if (n >= 0 && n < 2 ** 31) return this.op(OP.BININT, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
    const b: number[] = [];
    let v = BigInt(n);
    for (let k = 0; k < 8; k++, v >>= 8n) b.push(Number(v & 0xffn));
    return this.op(OP.LONG1, 8, ...b);
  }

  global(module: string, name: string): this {
    return this.op(OP.GLOBAL, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }

  tuple(items: readonly number[]): this {
    this.op(OP.MARK);
    for (const n of items) this.int(n);
    return this.op(OP.TUPLE);
  }

  /** `_rebuild_tensor_v2(storage KEY of `numel` elements, 0, size, stride, False, OrderedDict())`. */
  tensor(size: readonly number[], stride: readonly number[], numel: number, { key = '0', type = 'FloatStorage' } = {}): this {
    this.global('torch._utils', '_rebuild_tensor_v2').op(OP.MARK);
    this.op(OP.MARK).str('storage').global('torch', type).str(key).str('cpu').int(numel).op(OP.TUPLE, OP.BINPERSID);
    this.int(0).tuple(size).tuple(stride).op(OP.NEWFALSE);
    this.global('collections', 'OrderedDict').op(OP.EMPTY_TUPLE, OP.REDUCE);
    return this.op(OP.TUPLE, OP.REDUCE);
  }

  done(): Uint8Array {
    return Uint8Array.from([...this.bytes, OP.STOP]);
  }
}

/** A torch.save zip archive: `archive/data.pkl` and one `archive/data/KEY` member per storage. */
export function torchZip(pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const members: Record<string, Uint8Array> = { 'archive/data.pkl': pickle };
  for (const [key, data] of Object.entries(storages)) members[`archive/data/${key}`] = data;
  members['archive/version'] = new TextEncoder().encode('3\n');
  return zipSync(members, { level: 0 });
}

export const f32 = (values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);
