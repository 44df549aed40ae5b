// Every kind of bad file is refused with a FormatError whose message names the file. The broken
// files are made here from the good fixtures (bytes mutated, members swapped) or written by hand.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTensorFile, readTensorsFile, writeTensorsFile } from '../../src/io/index.js';
import { unpickle } from '../../src/io/pickle.js';
import { FormatError } from '../../src/errors.js';
import {
  assertRefused,
  bytesOf,
  f32Bytes,
  generated,
  memberName,
  replaceAscii,
  rezip,
  safetensorsBytes,
  seed,
  tempDir,
  tempFile,
} from '../helpers/io.js';

/** An .npy file with a hand-written header, padded as numpy pads it. */
function npyBytes(header: string, data: Uint8Array = new Uint8Array(0), major = 1): Uint8Array {
  const preamble = major === 1 ? 10 : 12;
  let text = header;
  text += ' '.repeat((64 - ((preamble + text.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.alloc(preamble);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(head);
  if (major === 1) head.writeUInt16LE(text.length, 8);
  else head.writeUInt32LE(text.length, 8);
  return new Uint8Array(Buffer.concat([head, Buffer.from(text, 'latin1'), Buffer.from(data)]));
}

const f4Header = (shape: string): string => `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;

// --- any file -------------------------------------------------------------------------------

test('a missing file', (t) => {
  const file = join(tempDir(t), 'nope.npz');
  assertRefused(() => readTensorsFile(file), 'nope.npz', /no such file/);
});

test('an empty file, whatever its extension', (t) => {
  for (const name of ['empty.npy', 'empty.npz', 'empty.pt', 'empty.safetensors', 'empty.csv']) {
    const file = tempFile(t, name, new Uint8Array(0));
    assertRefused(() => readTensorFile(file), name, /empty file/);
  }
});

test('a directory', (t) => {
  const dir = tempDir(t);
  assertRefused(() => readTensorsFile(dir), dir, /directory/);
});

test('an unknown extension with unrecognisable contents', (t) => {
  const file = tempFile(t, 'weights.xyz', new Uint8Array([1, 2, 3, 4, 5]));
  assertRefused(() => readTensorsFile(file), 'weights.xyz', /unknown extension/);
});

// --- npy ------------------------------------------------------------------------------------

test('npy: wrong magic', (t) => {
  const bytes = bytesOf(seed('x.npy'));
  bytes[0] = 0x00;
  assertRefused(() => readTensorFile(tempFile(t, 'bad.npy', bytes)), 'bad.npy', /\\x93NUMPY/);
});

test('npy: unsupported version', (t) => {
  const bytes = bytesOf(seed('x.npy'));
  bytes[6] = 4;
  assertRefused(() => readTensorFile(tempFile(t, 'v4.npy', bytes)), 'v4.npy', /version 1\.0, 2\.0 or 3\.0, got 4\.0/);
  bytes[6] = 1;
  bytes[7] = 1;
  assertRefused(() => readTensorFile(tempFile(t, 'v11.npy', bytes)), 'v11.npy', /got 1\.1/);
});

test('npy: header length past the end of the file', (t) => {
  const bytes = bytesOf(seed('h_0.npy'));
  new DataView(bytes.buffer).setUint16(8, 0xffff, true);
  assertRefused(() => readTensorFile(tempFile(t, 'long.npy', bytes)), 'long.npy', /header of 65535 bytes/);
  const v2 = npyBytes(f4Header('(1,)'), f32Bytes([1]), 2);
  new DataView(v2.buffer).setUint32(8, 0xfffffff0, true);
  assertRefused(() => readTensorFile(tempFile(t, 'long2.npy', v2)), 'long2.npy', /header of 4294967280 bytes/);
});

test('npy: truncated data', (t) => {
  const bytes = bytesOf(seed('x.npy'));
  assertRefused(() => readTensorFile(tempFile(t, 'short.npy', bytes.subarray(0, bytes.length - 3))), 'short.npy', /expected 12000 bytes of data.*got 11997/);
});

test('npy: a shape far larger than the file is refused before allocating', (t) => {
  const file = tempFile(t, 'huge.npy', npyBytes(f4Header('(4294967296, 4294967296)'), f32Bytes([1])));
  assertRefused(() => readTensorFile(file), 'huge.npy', /truncated/);
});

test('npy: object arrays are refused and never unpickled', () => {
  assertRefused(() => readTensorFile(generated('object.npy')), 'object.npy', /pickled object arrays are refused and never unpickled/);
});

test('npy: structured and unsupported dtypes are named', (t) => {
  assertRefused(() => readTensorFile(generated('structured.npy')), 'structured.npy', /structured dtype \[\('a', '<f4'\)/);
  assertRefused(() => readTensorFile(generated('complex.npy')), 'complex.npy', /'<c8' \(complex\)/);
  const cases = { 'str.npy': '<U3', 'date.npy': '<M8[ns]', 'f12.npy': '<f12' };
  for (const [name, descr] of Object.entries(cases)) {
    const file = tempFile(t, name, npyBytes(`{'descr': '${descr}', 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(16)));
    assertRefused(() => readTensorFile(file), name, new RegExp(`got '${descr.replace(/[[\]]/g, '\\$&')}'`));
  }
});

test('npy: the header is a literal, never evaluated', (t) => {
  const file = tempFile(t, 'eval.npy', npyBytes(`{'descr': __import__('os').system('true'), 'fortran_order': False, 'shape': (1,), }`, f32Bytes([1])));
  assertRefused(() => readTensorFile(file), 'eval.npy', /expected a Python literal/);
});

test('npy: header keys, fortran_order and shape are checked like numpy does', (t) => {
  const cases: Record<string, [string, RegExp]> = {
    'keys.npy': [`{'descr': '<f4', 'shape': (1,), }`, /header keys/],
    'extra.npy': [`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}`, /header keys/],
    'fortran.npy': [`{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }`, /fortran_order True or False, got 0/],
    'shape.npy': [`{'descr': '<f4', 'fortran_order': False, 'shape': [1], }`, /shape tuple/],
    'negative.npy': [`{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }`, /shape tuple/],
    'list.npy': [`[1, 2]`, /expected a dict/],
    'unclosed.npy': [`{'descr': '<f4', 'fortran_order': False, 'shape': (1,`, /expected/],
    'deep.npy': ['('.repeat(100) + ')'.repeat(100), /nesting/],
  };
  for (const [name, [header, pattern]] of Object.entries(cases)) {
    assertRefused(() => readTensorFile(tempFile(t, name, npyBytes(header, f32Bytes([1])))), name, pattern);
  }
});

test('npy: a version 3.0 header must be utf-8', (t) => {
  const bytes = npyBytes(f4Header('(1,)'), f32Bytes([1]), 3);
  bytes[15] = 0xff;
  assertRefused(() => readTensorFile(tempFile(t, 'latin.npy', bytes)), 'latin.npy', /utf-8/);
});

test('npy: writing more than one tensor suggests .npz', (t) => {
  const { tensor } = readTensorFile(seed('h_0.npy'));
  const file = join(tempDir(t), 'two.npy');
  assertRefused(() => writeTensorsFile(file, new Map([['a', tensor], ['b', tensor]])), 'two.npy', /holds one array.*\.npz/);
});

// --- npz and zips ---------------------------------------------------------------------------

test('npz: a corrupt zip', (t) => {
  const bytes = bytesOf(seed('weights.npz'));
  const eocd = Buffer.from(bytes).lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  bytes.fill(0x41, eocd, eocd + 4);
  assertRefused(() => readTensorsFile(tempFile(t, 'corrupt.npz', bytes)), 'corrupt.npz', /expected a zip archive \(\.npz\), got corrupt data/);
  const half = bytesOf(seed('weights.npz')).subarray(0, 9000);
  assertRefused(() => readTensorsFile(tempFile(t, 'half.npz', half)), 'half.npz', /zip archive/);
});

test('npz: a member declaring an absurd uncompressed size is refused before inflating', (t) => {
  const bytes = bytesOf(generated('savez_compressed.npz'));
  const central = Buffer.from(bytes).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  new DataView(bytes.buffer).setUint32(central + 24, 0xfffffff0, true);
  assertRefused(() => readTensorsFile(tempFile(t, 'bomb.npz', bytes)), 'bomb.npz', /member sizes that fit/);
});

test('npz: a stored member whose sizes disagree', (t) => {
  const bytes = bytesOf(generated('savez.npz'));
  const central = Buffer.from(bytes).indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  const view = new DataView(bytes.buffer);
  view.setUint32(central + 24, view.getUint32(central + 24, true) + 100, true);
  assertRefused(() => readTensorsFile(tempFile(t, 'sizes.npz', bytes)), 'sizes.npz', /member sizes/);
});

test('npz: a member that is not .npy, and a broken .npy member', (t) => {
  const extra = rezip(bytesOf(generated('savez.npz')), (m) => {
    m['notes.txt'] = new Uint8Array([104, 105]);
  });
  assertRefused(() => readTensorsFile(tempFile(t, 'extra.npz', extra)), 'extra.npz', /only \.npy members.*notes\.txt/);
  const broken = rezip(bytesOf(generated('savez.npz')), (m) => {
    m['bias.npy'] = m['bias.npy'].subarray(0, 100);
  });
  assertRefused(() => readTensorsFile(tempFile(t, 'broken.npz', broken)), 'broken.npz: bias.npy', /truncated/);
});

// --- safetensors ----------------------------------------------------------------------------

const st = (header: unknown, data: Uint8Array): Uint8Array => safetensorsBytes(header, data);
const entry = (shape: number[], offsets: number[], dtype = 'F32'): { dtype: string; shape: number[]; data_offsets: number[] } => ({ dtype, shape, data_offsets: offsets });

test('safetensors: header length past the end of the file', (t) => {
  const bytes = bytesOf(seed('weights.safetensors'));
  new DataView(bytes.buffer).setBigUint64(0, 1n << 63n, true);
  assertRefused(() => readTensorsFile(tempFile(t, 'long.safetensors', bytes)), 'long.safetensors', /header of 9223372036854775808 bytes/);
  const small = new Uint8Array(5);
  assertRefused(() => readTensorsFile(tempFile(t, 'tiny.safetensors', small)), 'tiny.safetensors', /8-byte/);
});

test('safetensors: a header that is not a JSON object', (t) => {
  const cases = {
    'garbage.safetensors': safetensorsBytes({}, new Uint8Array(0)).map((b, i) => (i === 9 ? 0x7e : b)),
    'array.safetensors': (() => {
      const b = Buffer.alloc(16, 0x20);
      b.writeBigUInt64LE(8n, 0);
      b.write('[1,2]', 8);
      return new Uint8Array(b);
    })(),
  };
  for (const [name, bytes] of Object.entries(cases)) {
    assertRefused(() => readTensorsFile(tempFile(t, name, bytes)), name, /JSON object/);
  }
});

test('safetensors: every tensor-entry and tiling violation', (t) => {
  const eight = f32Bytes([1, 2]);
  const twelve = f32Bytes([1, 2, 3]);
  const twenty = f32Bytes([1, 2, 3, 4, 5]);
  const cases: Record<string, [Uint8Array, RegExp]> = {
    'missing.safetensors': [st({ a: { dtype: 'F32', shape: [2] } }, eight), /"data_offsets" field/],
    'nodtype.safetensors': [st({ a: { shape: [2], data_offsets: [0, 8] } }, eight), /"dtype" field/],
    'notobject.safetensors': [st({ a: 5 }, eight), /expected \{dtype, shape, data_offsets\}/],
    'range.safetensors': [st({ a: entry([4], [0, 16]) }, eight), /within the 8-byte data buffer/],
    'reversed.safetensors': [st({ a: entry([0], [8, 0]) }, eight), /begin <= end/],
    'length.safetensors': [st({ a: entry([3], [0, 8]) }, eight), /expected 12 bytes for shape \(3,\) of F32/],
    'overlap.safetensors': [st({ a: entry([2], [0, 8]), b: entry([2], [4, 12]) }, twelve), /overlapping/],
    'hole.safetensors': [st({ a: entry([2], [0, 8]), b: entry([2], [12, 20]) }, twenty), /hole at bytes \[8, 12\)/],
    'leftover.safetensors': [st({ a: entry([2], [0, 8]) }, twelve), /4 unused bytes/],
    'dtype.safetensors': [st({ a: entry([1], [0, 8], 'C64') }, eight), /got "C64"/],
    'fp8.safetensors': [st({ a: entry([8], [0, 8], 'F8_E4M3') }, eight), /got "F8_E4M3"/],
    'shape.safetensors': [st({ a: entry([-2], [0, 8]) }, eight), /shape of non-negative integers/],
    'offsets.safetensors': [st({ a: entry([2], [0, 8, 9]) }, eight), /data_offsets \[begin, end\]/],
    'metadata.safetensors': [st({ __metadata__: { epoch: 3 }, a: entry([2], [0, 8]) }, eight), /__metadata__/],
  };
  for (const [name, [bytes, pattern]] of Object.entries(cases)) {
    assertRefused(() => readTensorsFile(tempFile(t, name, bytes)), name, pattern);
  }
});

// --- pt ---------------------------------------------------------------------------------------

const seedPt = () => bytesOf(seed('weights.pt'));
const editPickle = (edit: (pkl: Uint8Array) => Uint8Array): Uint8Array => rezip(seedPt(), (m) => {
  const name = memberName(m, 'data.pkl');
  m[name] = edit(m[name]);
});

test('pt: a pickle with an unknown opcode', (t) => {
  const bytes = editPickle((pkl) => {
    const copy = pkl.slice();
    copy[2] = 0xff; // the first opcode after PROTO 2
    return copy;
  });
  assertRefused(() => readTensorsFile(tempFile(t, 'opcode.pt', bytes)), 'opcode.pt', /opcode 0xff/);
  const inst = editPickle((pkl) => {
    const copy = pkl.slice();
    copy[2] = 0x69; // INST: protocol 0's way to call a class
    return copy;
  });
  assertRefused(() => readTensorsFile(tempFile(t, 'inst.pt', inst)), 'inst.pt', /opcode INST \(0x69\)/);
});

test('pt: a pickle calling builtins.eval is refused by name, before any call', (t) => {
  // PROTO 2, GLOBAL builtins eval, SHORT_BINUNICODE '1+1', TUPLE1, REDUCE, STOP
  const evil = new Uint8Array([0x80, 0x02, ...Buffer.from('cbuiltins\neval\n'), 0x8c, 3, ...Buffer.from('1+1'), 0x85, 0x52, 0x2e]);
  const bytes = editPickle(() => evil);
  assertRefused(() => readTensorsFile(tempFile(t, 'model.pt', bytes)), 'model.pt', /expected only the globals a state_dict uses, got builtins\.eval/);
  // The same through STACK_GLOBAL (protocol 4).
  const stack = new Uint8Array([0x80, 0x04, 0x8c, 2, ...Buffer.from('os'), 0x8c, 6, ...Buffer.from('system'), 0x93, 0x2e]);
  assertRefused(() => readTensorsFile(tempFile(t, 'os.pt', editPickle(() => stack))), 'os.pt', /got os\.system/);
  assertRefused(() => readTensorsFile(generated('forbidden.pt')), 'forbidden.pt', /got __builtin__\.eval/);
  assertRefused(() => readTensorsFile(generated('function.pt')), 'function.pt', /got torch\.nn\.functional\.relu/);
});

test('pt: torch.storage._load_from_bytes is not on the allow-list', (t) => {
  const bytes = editPickle((pkl) => replaceAscii(pkl, 'torch._utils\n_rebuild_tensor_v2', 'torch.storage\n_load_from_bytes'));
  assertRefused(() => readTensorsFile(tempFile(t, 'bytes.pt', bytes)), 'bytes.pt', /torch\.storage\._load_from_bytes/);
});

test('pt: a TorchScript archive gets a hint', (t) => {
  const bytes = rezip(bytesOf(generated('function.pt')), (m) => {
    m['function/constants.pkl'] = new Uint8Array([0x80, 0x02, 0x29, 0x2e]);
  });
  assertRefused(() => readTensorsFile(tempFile(t, 'script.pt', bytes)), 'script.pt', /TorchScript/);
});

test('pt: truncated pickle, storage and missing members', (t) => {
  const cut = editPickle((pkl) => pkl.subarray(0, 600));
  assertRefused(() => readTensorsFile(tempFile(t, 'cut.pt', cut)), 'cut.pt', /truncated pickle/);
  const short = rezip(seedPt(), (m) => {
    const name = memberName(m, 'data/0');
    m[name] = m[name].subarray(0, 100);
  });
  assertRefused(() => readTensorsFile(tempFile(t, 'short.pt', short)), 'short.pt', /expected 2000 elements \(8000 bytes\) in storage 0, got 100 bytes/);
  const missing = rezip(seedPt(), (m) => {
    delete m[memberName(m, 'data/3')];
  });
  assertRefused(() => readTensorsFile(tempFile(t, 'missing.pt', missing)), 'missing.pt', /data\/3/);
  const nopkl = rezip(seedPt(), (m) => {
    delete m[memberName(m, 'data.pkl')];
  });
  assertRefused(() => readTensorsFile(tempFile(t, 'nopkl.pt', nopkl)), 'nopkl.pt', /data\.pkl/);
  const legacy = bytesOf(generated('legacy.pt'));
  assertRefused(() => readTensorsFile(tempFile(t, 'legacy.pt', legacy.subarray(0, legacy.length - 10))), 'legacy.pt', /truncated/);
});

test('pt: a wider storage type than the bytes hold, and an unsupported one', (t) => {
  const wide = editPickle((pkl) => replaceAscii(pkl, 'torch\nFloatStorage', 'torch\nDoubleStorage'));
  assertRefused(() => readTensorsFile(tempFile(t, 'wide.pt', wide)), 'wide.pt', /expected 2000 elements \(16000 bytes\) in storage 0/);
  const complex = editPickle((pkl) => replaceAscii(pkl, 'torch\nFloatStorage', 'torch\nComplexFloatStorage'));
  assertRefused(() => readTensorsFile(tempFile(t, 'complex.pt', complex)), 'complex.pt', /got torch\.ComplexFloatStorage/);
});

test('pt: a view past the end of its storage', (t) => {
  // weight_ih_l0 is rebuilt with storage_offset BININT1 0; make it 250 (K 0 -> M 250 0 would shift bytes, so use K 250).
  const bytes = editPickle((pkl) => {
    const copy = pkl.slice();
    const at = Buffer.from(copy).indexOf(Buffer.from([0x51, 0x4b, 0x00])); // BINPERSID, BININT1 0
    copy[at + 2] = 250;
    return copy;
  });
  assertRefused(() => readTensorsFile(tempFile(t, 'view.pt', bytes)), 'view.pt', /within its storage of 2000 elements, got offset 250/);
});

test('pt: not a torch file at all', (t) => {
  assertRefused(() => readTensorsFile(tempFile(t, 'text.pt', Buffer.from('hello, world'))), 'text.pt', /torch\.save file/);
});

test('pickle: nesting, memo and stack are bounded', () => {
  const hooks = { findGlobal: () => assert.fail('no globals here') };
  const marks = new Uint8Array([0x80, 0x02, ...new Array(5000).fill(0x28), 0x2e]);
  assert.throws(() => unpickle(marks, 'marks.pkl', hooks), (e) => e instanceof FormatError && /nested marks/.test(e.message) && e.message.includes('marks.pkl'));
  const memo = new Uint8Array([0x80, 0x02, 0x4e, 0x71, 0, 0x71, 1, 0x71, 2, 0x2e]);
  assert.throws(() => unpickle(memo, 'memo.pkl', hooks, 0, { maxMemo: 2 }), /memo of at most 2/);
  const stack = new Uint8Array([0x80, 0x02, 0x4e, 0x4e, 0x4e, 0x2e]);
  assert.throws(() => unpickle(stack, 'stack.pkl', hooks, 0, { maxStack: 2 }), /stack of at most 2/);
  const huge = new Uint8Array([0x80, 0x04, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x2e]);
  assert.throws(() => unpickle(huge, 'huge.pkl', hooks), /truncated pickle/);
  const getMissing = new Uint8Array([0x80, 0x02, 0x68, 7, 0x2e]);
  assert.throws(() => unpickle(getMissing, 'get.pkl', hooks), /memo entry 7/);
  const emptyStop = new Uint8Array([0x80, 0x02, 0x2e]);
  assert.throws(() => unpickle(emptyStop, 'stop.pkl', hooks), /empty stack/);
  const proto = new Uint8Array([0x80, 0x09, 0x2e]);
  assert.throws(() => unpickle(proto, 'proto.pkl', hooks), /protocol 9/);
});
