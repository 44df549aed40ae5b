// Fuzzing the readers: random bytes, and the good fixtures with bytes flipped, cut, spliced or
// overwritten with extreme lengths, must only ever give a result or throw one of the project's
// errors (RnnInspectError) - never a TypeError, RangeError or an allocation failure, and quickly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RnnInspectError } from '../../src/errors.js';
import { detectFormat, formats } from '../../src/io/index.js';
import { bytesOf, generated, memberName, rezip, seed } from '../helpers/io.js';

const RUNS = 1000;
/** A single read of these small files takes milliseconds; anything slow is a bug. */
const SLOW_MS = 2000;

type Read = (bytes: Uint8Array, file: string) => unknown;

/** The format's reader of one tensor or of named tensors (which it must have). */
function readerOf(name: string, kind: 'readTensor' | 'readTensors'): Read {
  const format = formats.find((f) => f.name === name);
  assert.ok(format, `a ${name} format`);
  const read = kind === 'readTensor' ? format.readTensor?.bind(format) : format.readTensors?.bind(format);
  assert.ok(read, `the ${name} format has ${kind}`);
  return read;
}

type Mutation = (b: Uint8Array) => Uint8Array;

/** A mutation of some bytes: what fast-check generates, applied to a copy. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips): Mutation => (b) => {
    const out = b.slice();
    for (const [at, v] of flips) if (out.length) out[at % out.length] = v;
    return out;
  }),
  fc.nat().map((n): Mutation => (b) => b.slice(0, b.length ? n % b.length : 0)),
  fc.tuple(fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 64 })).map(([a, c, insert]): Mutation => (b) => {
    const i = b.length ? a % b.length : 0;
    const j = b.length ? Math.max(i, c % b.length) : 0;
    const out = new Uint8Array(i + insert.length + b.length - j);
    out.set(b.subarray(0, i));
    out.set(insert, i);
    out.set(b.subarray(j), i + insert.length);
    return out;
  }),
  // Lengths and counts live in 2-, 4- and 8-byte fields: write extreme values into one.
  fc
    .tuple(fc.nat(), fc.constantFrom(2, 4, 8), fc.constantFrom(0n, 1n, 0x7fn, 0xffffn, 0x7fffffffn, 0xffffffffn, 0xffffffffffffffffn, 1n << 62n))
    .map(([at, width, value]): Mutation => (b) => {
      const out = b.slice();
      if (out.length < width) return out;
      const p = at % (out.length - width + 1);
      for (let k = 0; k < width; k++) out[p + k] = Number((value >> BigInt(8 * k)) & 0xffn);
      return out;
    }),
);

function expectOnlyProjectErrors(read: (bytes: Uint8Array) => unknown, bytes: Uint8Array): void {
  const started = performance.now();
  try {
    read(bytes);
  } catch (err) {
    if (!(err instanceof RnnInspectError)) {
      const what = err instanceof Error ? err.constructor.name : typeof err;
      throw new Error(`a ${what} escaped: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }
  const ms = performance.now() - started;
  assert.ok(ms < SLOW_MS, `a read took ${ms.toFixed(0)} ms`);
}

function fuzz(read: (bytes: Uint8Array) => unknown, seeds: Uint8Array[]): void {
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 2048 }).map((b) => () => b), fc.tuple(fc.constantFrom(...seeds), mutation).map(([s, m]) => () => m(s))), (make) => {
      expectOnlyProjectErrors(read, make());
    }),
    { numRuns: RUNS },
  );
}

const npy = [bytesOf(generated('f64.npy')), bytesOf(generated('fortran.npy')), bytesOf(generated('v3.npy')), bytesOf(generated('be_f4.npy'))];

test('fuzz npy', () => {
  const read = readerOf('npy', 'readTensor');
  fuzz((b) => read(b, 'fuzz.npy'), npy);
});

test('fuzz npz', () => {
  const read = readerOf('npz', 'readTensors');
  fuzz((b) => read(b, 'fuzz.npz'), [bytesOf(generated('savez.npz')), bytesOf(generated('savez_compressed.npz'))]);
});

test('fuzz safetensors', () => {
  const read = readerOf('safetensors', 'readTensors');
  fuzz((b) => read(b, 'fuzz.safetensors'), [bytesOf(generated('mixed.safetensors'))]);
});

test('fuzz pt (zip and legacy)', () => {
  const seeds = [bytesOf(generated('lstm_proj.pt')), bytesOf(generated('views.pt')), bytesOf(generated('legacy.pt')), bytesOf(generated('checkpoint.pt'))];
  const read = readerOf('pt', 'readTensors');
  fuzz((b) => read(b, 'fuzz.pt'), seeds);
});

test('fuzz the torch pickle itself (mutated data.pkl, re-zipped)', () => {
  const good = bytesOf(generated('views.pt'));
  const read = readerOf('pt', 'readTensors');
  let pkl: Uint8Array = new Uint8Array(0);
  const template = rezip(good, (m) => {
    pkl = m[memberName(m, 'data.pkl')];
  });
  assert.ok(template.length > 0);
  assert.ok(pkl.length > 0, 'views.pt has a data.pkl');
  fc.assert(
    fc.property(mutation, (m) => {
      const bytes = rezip(good, (members) => {
        members[memberName(members, 'data.pkl')] = m(pkl);
      });
      expectOnlyProjectErrors((b) => read(b, 'fuzz.pt'), bytes);
    }),
    { numRuns: RUNS },
  );
});

test('fuzz csv', () => {
  const text = new TextEncoder().encode('t0,t1,t2\n0.5,-1,2e-3\n 3 , 4 ,5\n6,7,8\n');
  const read = readerOf('csv', 'readTensor');
  fuzz((b) => read(b, 'fuzz.csv'), [text, bytesOf(seed('x_unbatched.csv')).subarray(0, 3000)]);
});

test('fuzz json', () => {
  const text = new TextEncoder().encode('{"a": [[1, 2], [3, 4]], "b": [0.5]}');
  const read = readerOf('json', 'readTensors');
  fuzz((b) => read(b, 'fuzz.json'), [text]);
});

test('fuzz format detection, then the chosen reader', () => {
  const seeds = [bytesOf(generated('savez.npz')), bytesOf(generated('legacy.pt')), bytesOf(generated('mixed.safetensors')), bytesOf(generated('f64.npy'))];
  fuzz((b) => {
    const f = detectFormat('fuzz', b);
    if (f?.readTensors) f.readTensors(b, 'fuzz');
    else f?.readTensor?.(b, 'fuzz');
  }, seeds);
});
