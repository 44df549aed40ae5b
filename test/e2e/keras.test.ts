// The built CLI on Keras files Keras 3 saved (test/fixtures/keras/, scripts/fixtures/make_keras_fixtures.py):
// inspect says the producer and which hard_sigmoid it computes; run --weights gives Keras's outputs; the
// commands that take weights (diff, convert) take them; a damaged .h5 or an archive without its weights
// is one error line, exit 2.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { assertUserError, plain, runCli, runJson } from '../helpers/cli.js';
import { tempDir, tempFile } from '../helpers/files.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/keras/', import.meta.url));
const at = (name: string, file: string): string => join(FIXTURES, name, file);

describe('inspect on Keras files', () => {
  test('a .keras file: the producer, the module and the hard_sigmoid its gates compute (Keras 3: relu6(x + 3) / 6)', () => {
    const r = runCli(['inspect', at('lstm_hard_sigmoid', 'model.keras')]);
    assert.equal(r.code, 0, r.stderr);
    const text = plain(r.stdout + r.stderr).replace(/\s+/g, ' ');
    assert.match(text, /model\.keras keras, 4 tensors/);
    assert.match(text, /producer: Keras 3\.15\.1/);
    assert.match(text, /LSTM\(3, 4\)/);
    assert.match(text, /the σ gates compute relu6\(x \+ 3\) \/ 6, as Keras 3 computes hard_sigmoid/);
  });

  test('a .h5 file says Keras 2 computes clip(0.2x + 0.5, 0, 1) when its keras_version is 2.x', () => {
    const doc = runJson<{ format: string; metadata: Record<string, string>; modules: Record<string, unknown>[] }>(['inspect', at('keras2_lstm_hard_sigmoid', 'model.h5'), '--format', 'json']);
    assert.equal(doc.format, 'h5');
    assert.equal(doc.metadata['producer'], 'Keras 2.15.0');
    assert.match(doc.metadata['hard_sigmoid']!, /^clip\(0\.2x \+ 0\.5, 0, 1\)/);
    assert.equal(doc.modules[0]!['recurrent_activation'], 'hard_sigmoid');
    const text = plain(runCli(['inspect', at('keras2_lstm_hard_sigmoid', 'model.h5')]).stdout).replace(/\s+/g, ' ');
    assert.match(text, /the σ gates compute clip\(0\.2x \+ 0\.5, 0, 1\), as tfjs and Keras 2 compute hard_sigmoid/);
  });

  test('a sigmoid model still says which hard_sigmoid its producer computes, and lists what it does not run', () => {
    const doc = runJson<{ metadata: Record<string, string>; modules: Record<string, unknown>[] }>(['inspect', at('bigru_stack2', 'model.h5'), '--format', 'json']);
    assert.match(doc.metadata['hard_sigmoid']!, /^relu6\(x \+ 3\) \/ 6, as Keras 3\.15\.1 computes it/);
    assert.deepEqual([doc.modules[0]!['type'], doc.modules[0]!['num_layers'], doc.modules[0]!['bidirectional']], ['gru', 2, true]);
  });
});

describe('commands that take Keras weights', () => {
  test("run --weights m.keras --format json gives Keras's output, and the .h5 of the same model the same numbers", () => {
    const expected = JSON.parse(readFileSync(at('bilstm', 'expected.json'), 'utf8')) as { value: number[][][] };
    const outs = ['model.keras', 'model.h5'].map((f) => runJson<{ tensors: { out: number[][][] } }>(['run', '--weights', at('bilstm', f), '--input', at('bilstm', 'x.json'), '--batch-first', '--format', 'json', '--include-tensors']).tensors.out);
    const flat = expected.value.flat(2);
    const diff = outs[0]!.flat(2).reduce((m, v, i) => Math.max(m, Math.abs(v - flat[i]!)), 0);
    assert.ok(diff <= 1e-5, `max |engine - Keras| = ${diff}`);
    assert.deepEqual(outs[0], outs[1]);
  });

  test('diff of a .keras and the .h5 of the same model: they agree', () => {
    const r = runCli(['diff', at('bilstm', 'model.keras'), at('bilstm', 'model.h5')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(plain(r.stdout), /agree: max \|diff\| 0\.00e\+0/);
  });

  test('convert model.keras out.onnx checks the written file against the source', (t) => {
    const doc = runJson<{ from_format: string; to_format: string; check: { max_diff: number } }>(['convert', at('gru', 'model.keras'), join(tempDir(t), 'out.onnx'), '--format', 'json']);
    assert.deepEqual([doc.from_format, doc.to_format], ['keras', 'onnx']);
    assert.ok(doc.check.max_diff <= 1e-6, String(doc.check.max_diff));
  });
});

describe('damaged Keras files: exit 2 and one error line', () => {
  test('a truncated .h5', (t) => {
    const bytes = readFileSync(at('lstm', 'model.h5'));
    assertUserError(['inspect', tempFile(t, 'm.h5', bytes.subarray(0, 9000))], /m\.h5: expected \d+ bytes, as the HDF5 superblock says, got 9000 \(a truncated file\)/);
  });
  test('an .h5 that is not HDF5', (t) => {
    assertUserError(['run', '--weights', tempFile(t, 'm.h5', 'not hdf5 at all\n')], /m\.h5: expected an HDF5 file \(signature 89 48 44 46 0d 0a 1a 0a\), got bytes/);
  });
  test('a .keras archive without model.weights.h5', (t) => {
    const members = unzipSync(new Uint8Array(readFileSync(at('lstm', 'model.keras'))));
    delete members['model.weights.h5'];
    assertUserError(['inspect', tempFile(t, 'm.keras', zipSync(members))], /m\.keras: expected a Keras archive with config\.json and model\.weights\.h5, got no model\.weights\.h5/);
  });
  test('a .keras archive whose config.json is not JSON', (t) => {
    const members = unzipSync(new Uint8Array(readFileSync(at('lstm', 'model.keras'))));
    members['config.json'] = strToU8('{"class_name": "Sequential", ');
    assertUserError(['inspect', tempFile(t, 'm.keras', zipSync(members))], /m\.keras: config\.json: expected valid JSON, got a syntax error/);
  });
});
