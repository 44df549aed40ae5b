// Every fixture scripts/fixtures/make_io_fixtures.py wrote with numpy and torch reads back to the
// values in its .expected.json (float32-exact), or is refused with the reason it names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FormatError } from '../../src/errors.js';
import { readTensorFile, readTensorsFile } from '../../src/io/index.js';
import { inferModules } from '../../src/modules/infer-config.js';
import { assertRefused, assertTensorEquals, generatedFixtures } from '../helpers/io.js';

const fixtures = generatedFixtures();

test('the generated fixtures are present', () => {
  assert.ok(fixtures.length >= 30, `found ${fixtures.length}`);
});

for (const { name, file, expected } of fixtures) {
  if (expected.kind === 'tensor') {
    test(`${name}: reads as ${expected.dtype} ${JSON.stringify(expected.shape)}`, () => {
      const { tensor, dtype } = readTensorFile(file);
      assert.equal(dtype, expected.dtype);
      assertTensorEquals(tensor, expected.shape, expected.values, name);
    });
  } else if (expected.kind === 'tensors') {
    test(`${name}: reads ${expected.order.length} named tensors in file order`, () => {
      const { tensors, metadata } = readTensorsFile(file);
      assert.deepEqual([...tensors.keys()], expected.order);
      for (const [key, { tensor }] of tensors) {
        const want = expected.tensors[key];
        assertTensorEquals(tensor, want.shape, want.values, `${name}: ${key}`);
      }
      assert.deepEqual(metadata, expected.metadata);
    });
    if (expected.modules) {
      test(`${name}: inferModules finds ${expected.modules.map((m) => `${m.type}@'${m.prefix}'`).join(', ')}`, () => {
        const { modules, rejected } = inferModules(readTensorsFile(file).tensors);
        assert.deepEqual(modules, expected.modules);
        assert.deepEqual(rejected, []);
      });
    }
  } else {
    test(`${name}: refused (${expected.message})`, () => {
      const read = name.endsWith('.npy') ? readTensorFile : readTensorsFile;
      assertRefused(() => read(file), name, new RegExp(expected.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });
  }
}

/** The generated fixture of that name (which must exist). */
function fixture(name: string): string {
  const f = fixtures.find((g) => g.name === name);
  assert.ok(f, `fixture ${name}`);
  return f.file;
}

test('composed.pt: the Linear head is reported as unrecognised, the rest as three modules', () => {
  const { modules, unrecognised } = inferModules(readTensorsFile(fixture('composed.pt')).tensors);
  assert.deepEqual(modules.map((m) => m.prefix), ['encoder.', 'model.lstm.', 'rnn1.']);
  assert.deepEqual(unrecognised, ['head.weight', 'head.bias']);
});

test('a bare torch.save(tensor) is an input, not weights', () => {
  const file = fixture('tensor.pt');
  assert.throws(() => readTensorsFile(file), (err) => err instanceof FormatError && /single tensor/.test(err.message));
});
