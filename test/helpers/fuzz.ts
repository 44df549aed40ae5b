/**
 * Generators and checks shared by the fuzz tests (test/io/fuzz-readers.test.ts,
 * test/e2e/fuzz-cli.test.ts) and `npm run fuzz` (scripts/fuzz.ts).
 *
 * The promise they check: every read gives a value or throws an RnnInspectError with exit code 2;
 * every run exits 0 (1 only for a failed check: --expect, compare, doctor's misfits), or exits 2
 * with exactly one `error:` line on stderr, never an internal error, a stack trace or a hang.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { unzipSync, zipSync } from 'fflate';
import { RnnInspectError } from '../../src/errors.js';
import { detectFormat } from '../../src/io/index.js';
import { decodeOnnxModel, onnxModelType, type OnnxModel, type OnnxNode } from '../../src/io/onnx.js';
import { MAX_DOCUMENT_DEPTH, parseJson } from '../../src/io/json.js';
import { kindOf, kinds } from '../../src/modules/kinds/index.js';
import { Pipeline } from '../../src/modules/pipeline.js';
import { pipelineSpecSchema, type PipelineSpec } from '../../src/schema/pipeline.js';
import { parseWith } from '../../src/schema/zod-error.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const GENERATED = join(FIXTURES, 'files', 'generated');
export const SEED = join(FIXTURES, 'files', 'seed');
export const GOLDEN = join(FIXTURES, 'golden');
export const ONNX = join(FIXTURES, 'onnx');
const TFJS = fileURLToPath(new URL('../fixtures/tfjs/', import.meta.url));
const KERAS = fileURLToPath(new URL('../fixtures/keras/', import.meta.url));
/** The Keras fixtures the Keras readers are seeded with: every kind, a Bidirectional and a stack. */
const KERAS_SEEDS = ['lstm', 'gru', 'gru_reset_before', 'bilstm', 'lstm_stack2', 'simple_rnn_relu'];
/** A TF.js model.json's shard, as the reader asks for it: the lstm fixture's, so mutations of that model.json reach the weights. */
const TFJS_SHARD = readFileSync(join(TFJS, 'lstm', 'weights.bin'));

const bytes = (file: string): Uint8Array => new Uint8Array(readFileSync(file));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const generatedWith = (ext: string): string[] =>
  readdirSync(GENERATED)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => join(GENERATED, f));

// ---------------------------------------------------------------------------------------------
// Seeds: the real fixtures, and small documents built from the golden cases.

function golden(name: string): { inputs: Record<string, unknown>; state_dict: Record<string, unknown> } {
  return JSON.parse(readFileSync(join(GOLDEN, name), 'utf8'));
}

/** Pipeline specs that `pipeline --spec` accepts: the seeds for spec mutations. */
export const SPEC_SEEDS: readonly string[] = [
  JSON.stringify({ modules: [{ name: 'rnn1', type: 'lstm', input_size: 8, hidden_size: 6 }, { name: 'rnn2', type: 'gru', input_size: 6, hidden_size: 4 }] }),
  JSON.stringify({ modules: [{ name: 'enc', type: 'gru', input_size: 5, hidden_size: 7, num_layers: 2, bidirectional: true }, { name: 'dec', type: 'rnn', input_size: 14, hidden_size: 3, h_0_from: 'enc' }] }),
  JSON.stringify({ modules: [{ name: 'm', type: 'rnn', input_size: 4, hidden_size: 4, batch_first: true, nonlinearity: 'relu' }] }),
];

export interface ReaderTarget {
  /** Short name, used in reports and as the file name of a failing input. */
  name: string;
  /** The extension a failing input is saved with, so the CLI picks the same reader. */
  ext: string;
  /** What the CLI does with such a file: a state_dict (inspect) or a single input (--input). */
  role: 'tensors' | 'tensor' | 'spec';
  seeds: Uint8Array[];
}

function rezipped(file: string, edit: (members: Record<string, Uint8Array>) => void): Uint8Array {
  const members = unzipSync(bytes(file));
  edit(members);
  return zipSync(members, { level: 0 });
}

/** The data.pkl of a torch zip, so the pickle itself can be mutated and zipped again. */
function pickleOf(file: string): Uint8Array {
  const members = unzipSync(bytes(file));
  const name = Object.keys(members).find((n) => n.endsWith('data.pkl'))!;
  return members[name]!;
}

/**
 * ONNX files every reader must refuse with one line (issue: bad input), built from torch.onnx.export's
 * files: protobuf cut short, a graph without recurrent nodes, and recurrent nodes with attributes
 * PyTorch's modules have no counterpart for (clip, non-default activations, a layout ONNX does not define).
 */
export function badOnnx(): Record<string, Uint8Array> {
  const type = onnxModelType();
  const encode = (model: OnnxModel): Uint8Array => type.encode(type.fromObject(model)).finish();
  const edited = (name: string, edit: (node: OnnxNode) => void): Uint8Array => {
    const model = decodeOnnxModel(bytes(join(ONNX, `${name}.onnx`)), name);
    const ops = kinds.flatMap((k) => (k.onnx ? [k.onnx.op] : []));
    edit(model.graph!.node!.find((n) => ops.includes(n.opType ?? ''))!);
    return encode(model);
  };
  const whole = bytes(join(ONNX, 'lstm_bi2.onnx'));
  return {
    'cut.onnx': whole.subarray(0, whole.length - 7),
    'no-recurrent.onnx': encode({ irVersion: 7, opsetImport: [{ domain: '', version: 14 }], graph: { node: [{ opType: 'Relu', input: ['x'], output: ['y'] }, { opType: 'Gemm', input: ['y', 'w'], output: ['z'] }] } }),
    'clip.onnx': edited('lstm_bi2', (node) => node.attribute!.push({ name: 'clip', type: 1, f: 3 })),
    'activations.onnx': edited('lstm_bi2', (node) => node.attribute!.push({ name: 'activations', type: 8, strings: ['HardSigmoid', 'Tanh', 'Tanh', 'HardSigmoid', 'Tanh', 'Tanh'].map((a) => text(a)) })),
    'layout2.onnx': edited('gru_lengths', (node) => node.attribute!.push({ name: 'layout', type: 2, i: 2 })),
  };
}

/** One file per reader, seeded with the fixtures it must read. */
export function readerTargets(): ReaderTarget[] {
  const tiny = golden('rnn_tiny.json');
  const lstm = golden('lstm_two_layer.json');
  const json = (v: unknown): Uint8Array => text(JSON.stringify(v));
  return [
    { name: 'npy', ext: '.npy', role: 'tensor', seeds: [...generatedWith('.npy').map(bytes), bytes(join(SEED, 'x.npy')), bytes(join(SEED, 'h_0.npy'))] },
    { name: 'npz', ext: '.npz', role: 'tensors', seeds: [...generatedWith('.npz').map(bytes), bytes(join(SEED, 'weights.npz'))] },
    { name: 'safetensors', ext: '.safetensors', role: 'tensors', seeds: [...generatedWith('.safetensors').map(bytes), bytes(join(SEED, 'weights.safetensors'))] },
    {
      name: 'pt-zip',
      ext: '.pt',
      role: 'tensors',
      seeds: [...generatedWith('.pt').filter((f) => !f.endsWith('legacy.pt')).map(bytes), bytes(join(SEED, 'weights.pt'))],
    },
    { name: 'pt-legacy', ext: '.pt', role: 'tensors', seeds: [bytes(join(GENERATED, 'legacy.pt'))] },
    {
      name: 'onnx',
      ext: '.onnx',
      role: 'tensors',
      seeds: [
        ...readdirSync(ONNX).filter((f) => f.endsWith('.onnx')).sort().map((f) => bytes(join(ONNX, f))),
        // Below opset 9 the weights are Slice, Concat and Unsqueeze of the initializers.
        bytes(join(ONNX, 'opsets', 'lstm_bi2.opset7.onnx')),
        ...Object.values(badOnnx()),
      ],
    },
    { name: 'tfjs', ext: '.json', role: 'tensors', seeds: ['lstm', 'lstm', 'bilstm', 'gru', 'lstm_stack2'].map((c) => bytes(join(TFJS, c, 'model.json'))) },
    { name: 'keras', ext: '.keras', role: 'tensors', seeds: KERAS_SEEDS.map((c) => bytes(join(KERAS, c, 'model.keras'))) },
    { name: 'h5', ext: '.h5', role: 'tensors', seeds: KERAS_SEEDS.map((c) => bytes(join(KERAS, c, 'model.h5'))) },
    { name: 'json-tensor', ext: '.json', role: 'tensor', seeds: Object.values({ ...tiny.inputs, ...lstm.inputs }).map(json) },
    { name: 'json-state-dict', ext: '.json', role: 'tensors', seeds: [json(tiny.state_dict), json(lstm.state_dict)] },
    {
      name: 'csv',
      ext: '.csv',
      role: 'tensor',
      seeds: [bytes(join(SEED, 'x_unbatched.csv')).subarray(0, 4000), text('t0,t1,t2\n0.5,-1,2e-3\n 3 , 4 ,5\n6,7,8\n'), text('1,2\n3,4\n')],
    },
    { name: 'spec', ext: '.json', role: 'spec', seeds: SPEC_SEEDS.map(text) },
  ];
}

/** A torch zip whose data.pkl is replaced: the pickle machine fuzzed inside a valid archive. */
export function withPickle(pkl: Uint8Array): Uint8Array {
  return rezipped(join(GENERATED, 'views.pt'), (m) => {
    m[Object.keys(m).find((n) => n.endsWith('data.pkl'))!] = pkl;
  });
}
export const PICKLE_SEEDS: readonly Uint8Array[] = [pickleOf(join(GENERATED, 'views.pt')), pickleOf(join(GENERATED, 'checkpoint.pt')), pickleOf(join(SEED, 'weights.pt'))];

/** An .npz whose first member (an .npy) is replaced: the .npy reader fuzzed inside a valid archive. */
export function withNpyMember(npy: Uint8Array): Uint8Array {
  return rezipped(join(GENERATED, 'savez.npz'), (m) => {
    m[Object.keys(m)[0]!] = npy;
  });
}

/** The lstm fixture's .keras archive with `h5` as its model.weights.h5: the weights reader behind a valid zip and config. */
export function withKerasWeights(h5: Uint8Array): Uint8Array {
  return rezipped(join(KERAS, 'lstm', 'model.keras'), (m) => {
    m['model.weights.h5'] = h5;
  });
}

/** The lstm fixture's model.weights.h5: the seed for withKerasWeights. */
export function kerasWeightSeeds(): Uint8Array[] {
  return [unzipSync(bytes(join(KERAS, 'lstm', 'model.keras')))['model.weights.h5']!];
}

// ---------------------------------------------------------------------------------------------
// Mutations of bytes.

export type Mutation = (b: Uint8Array) => Uint8Array;

const EXTREMES = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 53n, 1n << 62n, 0xffffffffffffffffn];
const HUGE_NUMBERS = ['0', '-1', '99999999999', '4294967296', '9007199254740993', '1e309', '-1e309', '1e-400', 'NaN', 'Infinity', '-0', '1.5', '2147483648'];

function splice(b: Uint8Array, at: number, cut: number, insert: Uint8Array): Uint8Array {
  const i = b.length ? at % (b.length + 1) : 0;
  const j = Math.min(b.length, i + cut);
  const out = new Uint8Array(i + insert.length + b.length - j);
  out.set(b.subarray(0, i));
  out.set(insert, i);
  out.set(b.subarray(j), i + insert.length);
  return out;
}

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const fromLatin1 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

/** Replaces the k-th run of digits (a shape, a length, an offset in a text header) with `value`. */
function replaceNumber(b: Uint8Array, k: number, value: string): Uint8Array {
  const s = latin1(b);
  const runs = [...s.matchAll(/\d+/g)];
  if (!runs.length) return b;
  const m = runs[k % runs.length]!;
  return fromLatin1(s.slice(0, m.index) + value + s.slice(m.index! + m[0].length));
}

/** Repeats the k-th `"key": value` pair of a JSON object right after itself (a duplicate key). */
function duplicateKey(b: Uint8Array, k: number): Uint8Array {
  const s = latin1(b);
  const keys = [...s.matchAll(/"([^"\\]{1,40})"\s*:\s*("[^"]*"|-?[\d.eE+-]+|true|false|null)/g)];
  if (!keys.length) return b;
  const m = keys[k % keys.length]!;
  const end = m.index! + m[0].length;
  return fromLatin1(s.slice(0, end) + ',' + m[0] + s.slice(end));
}

/** Wraps the document, or a value inside it, in `depth` levels of [ ] or {"k": }. */
function nest(b: Uint8Array, at: number, depth: number, object: boolean): Uint8Array {
  const open = object ? '{"k":' : '[';
  const close = object ? '}' : ']';
  const s = latin1(b);
  const starts = [0, ...[...s.matchAll(/[[{:,]/g)].map((m) => m.index! + 1)];
  const i = starts[at % starts.length]!;
  const rest = s.slice(i);
  const value = /^\s*(-?[\d.eE+-]+|"[^"]*"|true|false|null)/.exec(rest)?.[0] ?? '';
  return fromLatin1(s.slice(0, i) + open.repeat(depth) + value + close.repeat(depth) + rest.slice(value.length));
}

/** What fast-check generates: a named mutation (the name goes into a failure's report). */
export const mutation: fc.Arbitrary<{ name: string; apply: Mutation }> = fc.oneof(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((flips) => ({
    name: `set bytes ${flips.map(([a, v]) => `${a}=${v}`).join(',')}`,
    apply: (b: Uint8Array) => {
      const out = b.slice();
      for (const [at, v] of flips) if (out.length) out[at % out.length] = v;
      return out;
    },
  })),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([at, bit]) => ({
    name: `flip bit ${bit} of byte ${at}`,
    apply: (b: Uint8Array) => {
      const out = b.slice();
      if (out.length) out[at % out.length] = (out[at % out.length] ?? 0) ^ (1 << bit);
      return out;
    },
  })),
  fc.nat().map((n) => ({ name: `truncate at ${n}`, apply: (b: Uint8Array) => b.slice(0, b.length ? n % b.length : 0) })),
  fc.tuple(fc.nat(), fc.nat({ max: 64 }), fc.uint8Array({ maxLength: 64 })).map(([at, cut, insert]) => ({
    name: `splice at ${at}, cut ${cut}, insert ${insert.length} bytes`,
    apply: (b: Uint8Array) => splice(b, at, cut, insert),
  })),
  fc.tuple(fc.nat(), fc.nat({ max: 4096 })).map(([at, n]) => ({
    name: `repeat ${n} bytes at ${at}`,
    apply: (b: Uint8Array) => {
      const i = b.length ? at % b.length : 0;
      return splice(b, i, 0, b.subarray(i, i + n));
    },
  })),
  // Lengths and counts live in 2-, 4- and 8-byte fields, little- or big-endian.
  fc.tuple(fc.nat(), fc.constantFrom(2, 4, 8), fc.constantFrom(...EXTREMES), fc.boolean()).map(([at, width, value, big]) => ({
    name: `write ${value} as ${width} bytes ${big ? 'BE' : 'LE'} at ${at}`,
    apply: (b: Uint8Array) => {
      const out = b.slice();
      if (out.length < width) return out;
      const p = at % (out.length - width + 1);
      for (let k = 0; k < width; k++) out[p + (big ? width - 1 - k : k)] = Number((value >> BigInt(8 * k)) & 0xffn);
      return out;
    },
  })),
  // Text headers and documents (.npy header, safetensors header, JSON, CSV, specs).
  fc.tuple(fc.nat(), fc.constantFrom(...HUGE_NUMBERS)).map(([k, v]) => ({ name: `number #${k} -> ${v}`, apply: (b: Uint8Array) => replaceNumber(b, k, v) })),
  fc.nat().map((k) => ({ name: `duplicate key #${k}`, apply: (b: Uint8Array) => duplicateKey(b, k) })),
  fc.tuple(fc.nat(), fc.constantFrom(2, 7, 33, 100, 5000, 200_000), fc.boolean()).map(([at, depth, object]) => ({
    name: `nest ${depth} ${object ? 'objects' : 'lists'} at #${at}`,
    apply: (b: Uint8Array) => nest(b, at, depth, object),
  })),
);

/** Random bytes, or a mutated seed; `name` says which. */
export function fuzzInput(seeds: readonly Uint8Array[]): fc.Arbitrary<{ name: string; bytes: Uint8Array }> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 1024 }).map((b) => ({ name: 'random bytes', bytes: b })) },
    {
      weight: 8,
      arbitrary: fc
        .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }))
        .map(([s, ms]) => ({ name: `seed ${s}: ${ms.map((m) => m.name).join('; ')}`, bytes: ms.reduce((b, m) => m.apply(b), seeds[s]!) })),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// The readers, called as readTensorFile / readTensorsFile call them (format by extension, else by
// the bytes), on bytes in memory.

/** Reads `bytes` as a file named `fuzz<ext>` would be read for `role`. Throws what the reader throws. */
export function readAs(ext: string, role: 'tensor' | 'tensors', data: Uint8Array): unknown {
  const label = `fuzz${ext}`;
  const format = detectFormat(label, data);
  if (!format) return undefined;
  if (role === 'tensors') return format.readTensors ? format.readTensors(data, label, { sibling: () => new Uint8Array(TFJS_SHARD) }) : undefined;
  return format.readTensor ? format.readTensor(data, label) : undefined;
}

export type Outcome = { ok: true; refused: boolean; ms: number } | { ok: false; why: string; ms: number };

/** A read that took longer than this on a small file is a failure (a loop, a huge allocation). */
export const SLOW_READ_MS = 2000;

/** Runs one read: a value, or an RnnInspectError with exit code 2; anything else (or a slow read) is a failure. */
export function checkRead(read: () => unknown, slowMs = SLOW_READ_MS): Outcome {
  const started = performance.now();
  let refused = false;
  try {
    read();
  } catch (err) {
    const ms = performance.now() - started;
    if (!(err instanceof RnnInspectError)) {
      const e = err as Error;
      return { ok: false, why: `${e?.constructor?.name ?? typeof err} escaped: ${e?.message ?? String(err)}`, ms };
    }
    if (err.exitCode !== 2) return { ok: false, why: `${err.name} with exit code ${err.exitCode}: ${err.message}`, ms };
    // A message of several lines is allowed: the CLI folds it into its one `error:` line.
    if (err.message.trim() === '') return { ok: false, why: `${err.name} with an empty message`, ms };
    refused = true;
  }
  const ms = performance.now() - started;
  if (ms > slowMs) return { ok: false, why: `took ${ms.toFixed(0)} ms`, ms };
  return { ok: true, refused, ms };
}

// ---------------------------------------------------------------------------------------------
// The CLI: argument vectors, and what a run must end in.

export interface ArgvFiles {
  /** Readable inputs of every kind (fixtures), good and bad. */
  inputs: string[];
  /** Weights files (state_dicts). */
  weights: string[];
  /** Pipeline specs. */
  specs: string[];
  /** Paths for -o and --save: fresh names in a scratch folder, a directory, /dev/full, a missing folder. */
  outputs: string[];
}

/**
 * Files the argv generator draws from, written into `scratch` (a folder the runs may also write
 * into): a JSON x and state_dict, specs, an empty file, broken and too deeply nested JSON.
 */
export function argvFiles(scratch: string): ArgvFiles {
  const tiny = golden('rnn_tiny.json');
  writeFileSync(join(scratch, 'x.json'), JSON.stringify(Object.values(tiny.inputs)[0]));
  writeFileSync(join(scratch, 'sd.json'), JSON.stringify(tiny.state_dict));
  writeFileSync(join(scratch, 'empty.json'), '');
  writeFileSync(join(scratch, 'bad.json'), '{"modules": [{"name": "a", "type": "rnn", "input_size": 3,');
  writeFileSync(join(scratch, 'deep.json'), '['.repeat(100_000) + ']'.repeat(100_000));
  const specFiles = SPEC_SEEDS.map((s, i) => {
    const f = join(scratch, `spec${i}.json`);
    writeFileSync(f, s);
    return f;
  });
  const dupe = join(scratch, 'spec-dupe.json');
  writeFileSync(dupe, '{"modules": [{"name": "a", "type": "rnn", "input_size": 3, "hidden_size": 2, "hidden_size": 99999999999}]}');
  specFiles.push(dupe);
  const gen = (f: string) => join(GENERATED, f);
  const sd = (f: string) => join(SEED, f);
  const bad = [join(scratch, 'missing.json'), scratch, '/dev/null', join(scratch, 'empty.json'), join(scratch, 'bad.json'), join(scratch, 'deep.json')];
  const onnx = Object.entries(badOnnx()).map(([name, b]) => {
    writeFileSync(join(scratch, name), b);
    return join(scratch, name);
  });
  return {
    inputs: [sd('x.npy'), sd('h_0.npy'), sd('x_unbatched.csv'), gen('f64.npy'), gen('scalar.npy'), gen('empty.npy'), gen('complex.npy'), gen('tensor.pt'), gen('savez.npz'), join(scratch, 'x.json'), ...bad],
    weights: [sd('weights.npz'), sd('weights.pt'), sd('weights.safetensors'), gen('lstm_proj.pt'), gen('gru_bidirectional.pt'), gen('composed.pt'), gen('checkpoint.pt'), gen('legacy.pt'), gen('forbidden.pt'), gen('mixed.safetensors'), sd('x.npy'), join(scratch, 'sd.json'), join(ONNX, 'lstm_bi2.onnx'), join(ONNX, 'gru_batch_first.onnx'), ...onnx, ...bad],
    specs: [...specFiles, ...bad],
    outputs: ['out.json', 'out.npz', 'out.safetensors', 'out.npy', 'out.txt', 'out.pt', 'out.onnx', ''].map((f) => (f ? join(scratch, f) : f)).concat([scratch, '/dev/full', join(scratch, 'no', 'such', 'dir', 'o.json')]),
  };
}

const INT_VALUES = ['1', '2', '3', '4', '5', '0', '-1', '-3', '2147483648', '4294967296', '99999999999', '1e9', '1e400', '3.5', '0x10', ' 4', '4 ', '+2', '', 'abc', 'NaN', 'Infinity', '007', '１'];
const SIZE_VALUES = ['1K', '64K', '2G', '1M', '0', '-1', '1T', '999999P', '1e400', 'abc', '', '1.5G', '10', 'G'];
const PROB_VALUES = ['0', '0.5', '1', '1.5', '-0.1', 'nan', '', '1e-300'];
const FLOAT_VALUES = ['1e-6', '0', '-1', 'inf', 'nan', '1', '1e400', 'abc'];
const SHAPE_VALUES = ['3,10,20', '4,35,128', '2,3,20', '1', '', '3,,4', ',3', '3x4', '0,0', '-1,2', 'a=3,4', 'x=3,10,100', '99999999999,99999999999,99999999999', '1,1,1,1,1,1,1,1,1,1,1,1', '=', 'rnn1=2,3,6'];
const LIST_VALUES = ['3,2,1', '10,9,3', '1,2,3', '10', '', '0', '-1', '3,,1', 'a,b', '99999999999', '1,1,1,1,1,1,1,1'];
const EXPECT_VALUES = ['out=3,10,20', 'h_n=1,3,20', 'out=1', 'foo=1', '=', 'out=', 'out=1x2', 'c_n=1,3,20', 'out'];
const WORDS = ['run', 'compare', 'doctor', 'explain', 'grad', 'inspect', 'pipeline', 'schema', 'help', 'rnu', 'docter', 'x', '--', '-', '-z', '--nope', '--hidden=3', '--layers=0', '--type=lstm', '-o', '%s', '💥', 'é'];
const SCHEMA_DOCS = ['run', 'pipeline', 'inspect', 'doctor', 'compare', 'explain', 'grad', 'convert', 'diff', 'spec', 'nope', ''];

/**
 * A random argv (without `node bin`): a command word, then options drawn from every command's
 * options with good, edge and bad values, in any order, sometimes with stray words. `stdin`
 * allows `-` as a file (only when the caller feeds standard input).
 */
export function argvArbitrary(files: ArgvFiles, { stdin = false } = {}): fc.Arbitrary<string[]> {
  const pick = (xs: readonly string[]) => fc.constantFrom(...xs);
  const file = (xs: string[]) => (stdin ? fc.oneof({ weight: 9, arbitrary: pick(xs) }, { weight: 1, arbitrary: fc.constant('-') }) : pick(xs));
  const valued = (flag: string, value: fc.Arbitrary<string>) => fc.tuple(fc.constant(flag), value).map(([f, v]) => [f, v]);
  const flag = (f: string) => fc.constant<string[]>([f]);
  const option: fc.Arbitrary<string[]> = fc.oneof(
    valued('--type', pick(['rnn', 'lstm', 'gru', 'LSTM', 'transformer', ''])),
    fc.tuple(pick(['--batch', '--seq-len', '--input-size', '--hidden', '--hidden-size', '--layers', '--num-layers', '--proj-size', '--threads', '--step', '--layer', '--seed']), pick(INT_VALUES)),
    fc.tuple(pick(['--batch', '--seq-len', '--input-size', '--hidden', '--layers']), pick(['1', '2', '3', '8'])),
    valued('--nonlinearity', pick(['tanh', 'relu', 'sigmoid'])),
    valued('--dropout', pick(PROB_VALUES)),
    valued('--tolerance', pick(FLOAT_VALUES)),
    valued('--max-memory', pick(SIZE_VALUES)),
    valued('--format', pick(['table', 'json', 'ndjson', 'text', 'yaml'])),
    valued('--trace', pick(['none', 'summary', 'full', 'all'])),
    valued('--lang', pick(['en', 'zh', 'fr'])),
    valued('--loss', pick(['last', 'sum', 'hn', 'mse', 'nll', ''])),
    valued('--target', file(files.inputs)),
    valued('--expect', pick(EXPECT_VALUES)),
    fc.tuple(pick(['--x-shape', '--h0-shape', '--c0-shape']), pick(SHAPE_VALUES)),
    valued('--lengths', pick(LIST_VALUES)),
    fc.tuple(pick(['--input', '--h0', '--c0']), file(files.inputs)),
    valued('--weights', file(files.weights)),
    valued('--module', pick(['rnn', 'rnn1', 'encoder', 'lstm', 'nope', ''])),
    valued('--spec', file(files.specs)),
    valued('--fix', pick(files.outputs)),
    fc.tuple(pick(['-o', '--output', '--save']), pick(files.outputs)),
    fc.tuple(pick(['-o', '--output', '--save']), pick(files.outputs)).map(([f, v]) => [`${f}=${v}`]),
    pick(['--batch-first', '--bidirectional', '--no-bias', '--train', '--unbatched', '--enforce-sorted', '--include-tensors', '--connectivity', '--reference', '--no-color', '--help', '-h', '-V', '--version']).map((f) => [f]),
    pick(WORDS).map((w) => [w]),
    flag('--bidirectional'),
  );
  const command = fc.oneof(
    { weight: 3, arbitrary: fc.constant<string[]>([]) },
    { weight: 8, arbitrary: pick(['run', 'compare', 'doctor', 'explain', 'pipeline', 'grad']).map((c) => [c]) },
    { weight: 2, arbitrary: fc.tuple(fc.constant('inspect'), file([...files.weights, ...files.inputs])).map(([c, f]) => [c, f]) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('schema'), pick(SCHEMA_DOCS)).map(([c, d]) => (d ? [c, d] : [c])) },
    // Two model files (ONNX among them, good and bad), and a model file into any output.
    { weight: 2, arbitrary: fc.tuple(fc.constant('diff'), file(files.weights), file(files.weights)).map((w) => [...w]) },
    { weight: 1, arbitrary: fc.tuple(fc.constant('convert'), file(files.weights), pick(files.outputs)).map((w) => [...w]) },
    { weight: 1, arbitrary: pick(['help', 'rnu', 'inspec', '--', 'x']).map((c) => [c]) },
  );
  return fc.tuple(command, fc.array(option, { maxLength: 7 })).map(([c, opts]) => [...c, ...opts.flat()]);
}

/** The exit-1 cases the CLI documents: a failed --expect, compare's differences, doctor's misfits, diff's disagreement. */
export function mayExitOne(argv: readonly string[]): boolean {
  return argv.some((a) => a === '--expect' || a.startsWith('--expect=') || a === 'compare' || a === 'doctor' || a === 'diff');
}

export interface RunResult {
  code: number | null;
  signal?: string | null;
  stderr: string;
  ms: number;
  timedOut?: boolean;
}

/** Why a run broke the promise, or null when it kept it. */
export function cliFailure(argv: readonly string[], r: RunResult): string | null {
  if (r.timedOut) return `no exit within ${r.ms.toFixed(0)} ms`;
  if (r.code === null) return `killed by ${r.signal ?? 'a signal'}`;
  if (/internal error/.test(r.stderr)) return `an internal error: ${r.stderr.trim()}`;
  if (/^\s+at /m.test(r.stderr)) return `a stack trace on stderr: ${r.stderr.trim().slice(0, 400)}`;
  if (r.code === 0) return null;
  if (r.code === 1 && mayExitOne(argv)) return null;
  if (r.code !== 2) return `exit ${r.code}; stderr: ${r.stderr.trim().slice(0, 400)}`;
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  if (lines.length !== 1) return `exit 2 with ${lines.length} stderr lines: ${JSON.stringify(r.stderr.slice(0, 400))}`;
  if (!lines[0]!.startsWith('error: ')) return `exit 2, but stderr does not start with "error: ": ${lines[0]}`;
  return null;
}

/** argv as a shell command line, each word quoted when it needs to be. */
export function shellLine(argv: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['rnn-inspect', ...argv.map(quote)].join(' ');
}

// ---------------------------------------------------------------------------------------------
// The pipeline spec: the steps of `pipeline --spec FILE` up to its modules, on bytes in memory.

/**
 * Weights above this many values are not built in-process: `new Pipeline` allocates them (the CLI
 * refuses such a spec from its estimate first, which the spawned runs check).
 */
export const SPEC_BUILD_MAX_VALUES = 5e6;

/** Parameter values the spec's modules would allocate (an upper bound: proj_size ignored). */
export function specValues(spec: PipelineSpec): number {
  let n = 0;
  for (const m of spec.modules) {
    if (m.type === 'embedding') {
      n += m.num_embeddings * m.embedding_dim;
      continue;
    }
    if (m.type === 'linear') {
      n += m.out_features * (m.in_features + 1);
      continue;
    }
    const gates = kindOf(m.type).gates.length;
    const D = m.bidirectional ? 2 : 1;
    const L = m.num_layers ?? 1;
    n += L * D * gates * m.hidden_size * (Math.max(m.input_size, D * m.hidden_size) + m.hidden_size + 2);
  }
  return n;
}

/** Parses, validates and builds the spec; 'oversized' when its weights were too large to build here. */
export function readSpecBytes(data: Uint8Array): 'built' | 'oversized' {
  const label = 'fuzz-spec.json';
  const spec = parseWith(pipelineSpecSchema, parseJson(data, label, { max: MAX_DOCUMENT_DEPTH, what: 'a pipeline spec', why: '{"modules": [{...}]} needs 3' }), label);
  if (specValues(spec) > SPEC_BUILD_MAX_VALUES) return 'oversized';
  const p = new Pipeline(spec, { seed: 0 });
  p.inputNames();
  return 'built';
}

// ---------------------------------------------------------------------------------------------
// Spawning the built CLI.

export const BIN = fileURLToPath(new URL('../../bin/rnn-inspect.js', import.meta.url));

/** Runs the built CLI with `args`, killing it after `timeoutMs`; stdin gets `input` (else it is empty). */
export function spawnCli(args: readonly string[], { cwd, input = '', timeoutMs = 20_000 }: { cwd: string; input?: string; timeoutMs?: number }): Promise<RunResult & { stdoutBytes: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let stdoutBytes = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdoutBytes += d.length));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, ms: performance.now() - started, timedOut, stdoutBytes });
    });
  });
}

/** Runs `jobs` with at most `limit` at a time, in order of their results' indices. */
export async function pooled<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}
