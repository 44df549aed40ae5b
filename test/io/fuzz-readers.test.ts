// Fuzzing every reader in-process: random bytes and the real fixtures with bytes flipped, cut,
// spliced, repeated, length fields overwritten with extreme values, numbers in text headers made
// huge, keys duplicated and values nested deeply. Each read must give a value or throw an
// RnnInspectError with exit code 2 and a one-line message, within SLOW_READ_MS.
// `npm run fuzz` runs the same generators at a larger count.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RnnInspectError } from '../../src/errors.js';
import {
  checkRead,
  fuzzInput,
  kerasWeightSeeds,
  mutation,
  PICKLE_SEEDS,
  readAs,
  readerTargets,
  readSpecBytes,
  withKerasWeights,
  withNpyMember,
  withPickle,
  type Outcome,
} from '../helpers/fuzz.js';

const RUNS = 300;

function fuzz(read: (b: Uint8Array) => unknown, seeds: readonly Uint8Array[], runs = RUNS): { refused: number; read: number } {
  const tally = { refused: 0, read: 0 };
  fc.assert(
    fc.property(fuzzInput(seeds), ({ name, bytes }) => {
      const r: Outcome = checkRead(() => read(bytes));
      assert.ok(r.ok, `${name} (${bytes.length} bytes): ${r.ok ? '' : r.why}`);
      if (r.refused) tally.refused++;
      else tally.read++;
    }),
    { numRuns: runs },
  );
  return tally;
}

for (const target of readerTargets()) {
  test(`fuzz ${target.name}: a value or one project error (${target.seeds.length} seeds)`, () => {
    const read = target.role === 'spec' ? readSpecBytes : (b: Uint8Array) => readAs(target.ext, target.role as 'tensor' | 'tensors', b);
    // The seeds themselves are read (or, for the odd fixture, refused) without a failure.
    for (const s of target.seeds) {
      const r = checkRead(() => read(s));
      assert.ok(r.ok, `a seed of ${target.name}: ${r.ok ? '' : r.why}`);
    }
    const tally = fuzz(read, target.seeds);
    // Mutations reach the readers' checks, not only one early refusal: some inputs still read.
    assert.ok(tally.refused > 0, `${target.name}: no mutation was refused`);
  });
}

test('fuzz the torch pickle inside a valid zip (mutated data.pkl)', () => {
  fuzz((pkl) => readAs('.pt', 'tensors', withPickle(pkl)), PICKLE_SEEDS, 300);
});

test('fuzz an .npy member inside a valid .npz', () => {
  const npy = readerTargets().find((t) => t.name === 'npy')!.seeds;
  fuzz((b) => readAs('.npz', 'tensors', withNpyMember(b)), npy, 300);
});

test('fuzz format detection: any bytes under any extension', () => {
  const seeds = readerTargets().flatMap((t) => t.seeds.slice(0, 2));
  fc.assert(
    fc.property(fuzzInput(seeds), fc.constantFrom('.npy', '.npz', '.pt', '.pth', '.bin', '.safetensors', '.json', '.csv', ''), fc.boolean(), ({ name, bytes }, ext, many) => {
      const r = checkRead(() => readAs(ext, many ? 'tensors' : 'tensor', bytes));
      assert.ok(r.ok, `${name} as ${ext || 'no extension'}: ${r.ok ? '' : r.why}`);
    }),
    { numRuns: RUNS },
  );
});

test('the checks catch what they must: a TypeError and a slow read are failures, a FormatError is not', () => {
  assert.equal(checkRead(() => (null as unknown as object).valueOf()).ok, false);
  assert.equal(checkRead(() => { throw new RnnInspectError('x', 1); }).ok, false);
  assert.equal(checkRead(() => { throw new RnnInspectError(''); }).ok, false);
  assert.deepEqual({ ...checkRead(() => { throw new RnnInspectError('fuzz.npy: expected X, got Y'); }), ms: 0 }, { ok: true, refused: true, ms: 0 });
  const spin = () => { const end = performance.now() + 60; while (performance.now() < end); };
  assert.equal(checkRead(spin, 50).ok, false);
});

test('the mutations change their input (most of the time) and never throw themselves', () => {
  const seed = readerTargets()[0]!.seeds[0]!;
  let changed = 0;
  fc.assert(
    fc.property(mutation, (m) => {
      const out = m.apply(seed);
      assert.ok(out instanceof Uint8Array);
      if (Buffer.compare(Buffer.from(out), Buffer.from(seed)) !== 0) changed++;
    }),
    { numRuns: 300 },
  );
  assert.ok(changed > 200, `only ${changed} of 300 mutations changed the seed`);
});

test('fuzz model.weights.h5 inside a valid .keras archive (mutated HDF5)', () => {
  fuzz((h5) => readAs('.keras', 'tensors', withKerasWeights(h5)), kerasWeightSeeds(), 300);
});
