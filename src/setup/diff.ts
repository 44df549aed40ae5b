/**
 * `diff A B`: two model files (any weights format, ONNX included) run on one input, layer by layer
 * and step by step. When they disagree, the known conversion mistakes are tested against the
 * data: each is undone on B's parameters, and the one that makes B agree with A is the cause.
 *
 *   gate-order       B's gate blocks are in another order (ONNX's LSTM i,o,f,c read as i,f,g,o)
 *   bias-merged      B holds b_ih + b_hh in one bias and zeros in the other (exact for RNN and
 *                    LSTM, wrong for GRU's n gate, whose b_hn sits inside r ⊙ (...))
 *   gru-reset        one is PyTorch's GRU (reset after W_hn h), the other GRUResetBefore
 *   transposed       a square weight of B is the transpose of A's
 *   direction-order  B's forward and reverse parameters are swapped
 *   batch-layout     one file takes x batch-first (an ONNX graph transposing its x), the other
 *                    time-first: the same array is (seq_len, batch) to one, (batch, seq_len) to the other
 *   activation       the two run the RNN with different nonlinearities (an ONNX Relu node, a state_dict run as tanh),
 *                    or their σ gates compute different functions (a TF.js or Keras file's hard_sigmoid, a state_dict's σ)
 *
 * Each file reads the one input array in its own layout, as a user feeding both would. When the
 * layouts differ, B's out and trace are compared with A's position by position (B's time and batch
 * axes swapped back), and h_n and c_n, whose shapes then differ, are not compared.
 */
import { extname } from 'node:path';
import { UsageError } from '../errors.js';
import { encodeTfjs, isTfjsTarget, readTensorFile, readTensorsFile, tfjsRefusal, tfjsShardPath, writeFileAtomic, writerFor, type AtomicWriteOptions, type TensorFile } from '../io/index.js';
import { encodeOnnx, onnxRefusal } from '../io/onnx-write.js';
import { gateFunctionNames, gateFunctions, nonlinearities, type Nonlinearity } from '../kernels/activations.js';
import { kindOf, kinds, type CellKind, type KindName } from '../modules/kinds/index.js';
import { hasSigmoidGates, resolveConfig, type RecurrentConfig } from '../modules/layer/config.js';
import { parameterSuffix } from '../modules/layer/parameters.js';
import type { LayerTrace } from '../modules/layer/result.js';
import { Recurrent } from '../modules/recurrent.js';
import type { DiffCauseId, DiffReport } from '../schema/diff.js';
import { Random } from '../tensor/random.js';
import { formatShape, Tensor } from '../tensor/tensor.js';
import { pickModule } from './run.js';

export interface DiffOptions {
  a: string;
  b: string;
  input?: string | undefined;
  seed: number;
  tolerance: number;
  fix?: string | undefined;
  maxMemory: number;
  fixWriteOptions?: AtomicWriteOptions;
  /** For a TF.js --fix target: how its weight shard is written. */
  fixShardWriteOptions?: AtomicWriteOptions;
  /** The producer a written TF.js file names. */
  version: string;
}

interface Side {
  file: string;
  kind: CellKind<KindName>;
  config: RecurrentConfig;
  params: Map<string, Tensor>;
  prefix: string;
  /** The file takes x as (batch, seq_len, features). */
  batchFirst: boolean;
  /** Where the nonlinearity comes from, for messages. */
  nonlinearitySource: string;
  /** Where the σ gates' function comes from, for messages. */
  gateSource: string;
  /** The file states its module (an ONNX node), not just its weights. */
  declared: boolean;
}

function side(file: string, maxMemory: number): Side {
  const contents: TensorFile = readTensorsFile(file, { maxBytes: maxMemory });
  const m = pickModule(file, contents, undefined);
  if (!m) throw new UsageError(`${file}: expected a recurrent module, got none`);
  const kind = kindOf(m.type);
  const config = resolveConfig(kind, { inputSize: m.inputSize, hiddenSize: m.hiddenSize, numLayers: m.numLayers, bidirectional: m.bidirectional, bias: m.bias, projSize: m.projSize, ...(m.nonlinearity ? { nonlinearity: m.nonlinearity } : {}), ...(m.recurrentActivation ? { recurrentActivation: m.recurrentActivation } : {}) });
  const params = new Map<string, Tensor>();
  for (const key of m.keys) params.set(key.slice(m.prefix.length), contents.tensors.get(key)!.tensor);
  const nonlinearitySource = m.declaredBy && m.nonlinearity ? m.declaredBy : 'a state_dict does not record it: tanh assumed';
  const gateSource = m.declaredBy ? `as ${file} says` : "a state_dict's torch.nn gates compute σ";
  return { file, kind, config, params, prefix: m.prefix, batchFirst: m.batchFirst ?? false, nonlinearitySource, gateSource, declared: m.declaredBy !== undefined };
}

/** A run as compared: out, h_n, c_n and each layer's trace, time-major; null where not compared. */
interface Compared {
  out: Tensor;
  hN: Tensor | null;
  cN: Tensor | null;
  layers: LayerTrace[];
}

/** (N0, N1, ...) → (N1, N0, ...). */
function swap01(t: Tensor): Tensor {
  const [n0, n1, ...rest] = t.shape as [number, number, ...number[]];
  const inner = rest.reduce((a, b) => a * b, 1);
  const data = new Float32Array(t.data.length);
  for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) data.set(t.data.subarray((i * n1 + j) * inner, (i * n1 + j + 1) * inner), (j * n0 + i) * inner);
  return new Tensor(data, [n1, n0, ...rest]);
}

/**
 * Runs a module time-major on x as a file of that layout reads the array (a batch-first file's
 * time-major input is x with its first two axes swapped); with `positional`, the results' time
 * and batch axes are swapped back, so they line up with a run of the other layout position by position.
 */
function run(kind: CellKind<KindName>, config: RecurrentConfig, params: ReadonlyMap<string, Tensor>, x: Tensor, batchFirst: boolean, positional: boolean): Compared {
  const module = new Recurrent(kind, { ...config, batchFirst: false, seed: 0 }).eval();
  module.loadStateDict(params);
  const r = module.forward(batchFirst ? swap01(x) : x, { keepTrace: true });
  if (!positional) return { out: r.out, hN: r.hN, cN: r.cN, layers: r.trace.layers };
  return { out: swap01(r.out), hN: null, cN: null, layers: r.trace.layers.map((l) => ({ ...l, h: swap01(l.h), c: l.c ? swap01(l.c) : null })) };
}

function maxDiff(a: Tensor | null, b: Tensor | null): number {
  if (!a || !b) return 0;
  let m = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    m = Number.isNaN(d) ? Infinity : Math.max(m, d);
  }
  return m;
}

function agree(a: Compared, b: Compared, tolerance: number): boolean {
  return Math.max(maxDiff(a.out, b.out), maxDiff(a.hN, b.hN), maxDiff(a.cN, b.cN)) <= tolerance;
}

/** The first layer, direction, step (in the order that direction runs) and tensor where the traces differ. */
function firstMismatch(a: Compared, b: Compared, tolerance: number): DiffReport['first_mismatch'] {
  for (let i = 0; i < a.layers.length; i++) {
    const la = a.layers[i]!;
    const lb = b.layers[i]!;
    const [T, B, F] = la.h.shape as [number, number, number];
    for (let s = 0; s < T; s++) {
      const t = la.direction === 'forward' ? s : T - 1 - s;
      for (const [tensor, ta, tb] of [['h', la.h, lb.h], ['c', la.c, lb.c]] as const) {
        if (!ta || !tb) continue;
        const width = tensor === 'h' ? F : ta.shape[2]!;
        for (let j = t * B * width; j < (t + 1) * B * width; j++) {
          const d = Math.abs(ta.data[j]! - tb.data[j]!);
          if (!(d <= tolerance)) return { layer: la.layer, direction: la.direction, t, tensor };
        }
      }
    }
  }
  return null;
}

type Params = Map<string, Tensor>;
interface Candidate {
  id: DiffCauseId;
  message: string;
  fix: string;
  /** B's parameters (and kind) with the mistake undone; null when it cannot be undone. */
  fixed: { kind: CellKind<KindName>; params: Params } | null;
  /** What runs to test the cause: B as A would read it were the mistake undone (B's own config and layout unless given). */
  test: { kind: CellKind<KindName>; params: Params; config?: RecurrentConfig; batchFirst?: boolean };
}

function eachLayer(config: RecurrentConfig, fn: (suffix: string, l: number, d: number) => void): void {
  const D = config.bidirectional ? 2 : 1;
  for (let l = 0; l < config.numLayers; l++) for (let d = 0; d < D; d++) fn(parameterSuffix(l, d), l, d);
}

/** Every ordering of `items` but the identity. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** Gate blocks moved: the block for gate g is taken from B's block at order.indexOf(g). */
function regate(kind: CellKind, config: RecurrentConfig, params: Params, order: readonly string[]): Params {
  const H = config.hiddenSize;
  const out = new Map(params);
  eachLayer(config, (s) => {
    for (const name of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) {
      const t = params.get(`${name}${s}`);
      if (!t) continue;
      const cols = t.rank === 2 ? t.shape[1]! : 1;
      const data = new Float32Array(t.data.length);
      kind.gates.forEach((gate, g) => {
        const from = order.indexOf(gate.name);
        data.set(t.data.subarray(from * H * cols, (from + 1) * H * cols), g * H * cols);
      });
      out.set(`${name}${s}`, new Tensor(data, t.shape));
    }
  });
  return out;
}

function transposed(t: Tensor): Tensor {
  const [r, c] = t.shape as [number, number];
  const data = new Float32Array(t.data.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) data[j * r + i] = t.data[i * c + j]!;
  return new Tensor(data, [c, r]);
}

function layoutOf(s: Side): string {
  if (s.batchFirst) return 'batch-first, as (batch, seq_len, features) (its graph transposes x before its first recurrent node)';
  return `time-first, as (seq_len, batch, features) (${s.declared ? 'its graph reads x as it is' : 'a state_dict does not say: time-first assumed'})`;
}

function candidates(a: Side, b: Side): Candidate[] {
  const { kind, config, params } = b;
  const list: Candidate[] = [];
  if (a.batchFirst !== b.batchFirst) {
    list.push({
      id: 'batch-layout',
      message: `B reads x ${layoutOf(b)}, A ${layoutOf(a)}: given one array, the two read its first two axes the other way round`,
      fix: b.batchFirst
        ? "swap x's first two axes before B (or export B from a module with batch_first=False); --fix writes B reading x time-first"
        : "swap x's first two axes before B, or run A with --batch-first (B's file cannot say batch-first)",
      fixed: b.batchFirst ? { kind, params } : null,
      test: { kind, params, batchFirst: a.batchFirst },
    });
  }
  const names = kind.gates.map((g) => g.name);
  for (const order of permutations(names)) {
    if (order.join() === names.join()) continue;
    const onnx = kind.onnx && order.join() === kind.onnx.gateOrder.join() ? ' (ONNX\'s order)' : '';
    const p = regate(kind, config, params, order);
    list.push({
      id: 'gate-order',
      message: `B's ${kind.name} gates are in ${order.join(',')} order${onnx}, read as ${names.join(',')}`,
      fix: `move B's gate blocks of weight_ih, weight_hh, bias_ih and bias_hh from ${order.join(',')} into ${names.join(',')} (rows of hidden_size each)`,
      fixed: { kind, params: p },
      test: { kind, params: p },
    });
  }
  if (config.bias && a.config.bias) {
    // B's biases merged into one: undone with A's split, which only A can tell.
    let merged = true;
    eachLayer(config, (s) => {
      const [bi, bh, ai, ah] = [params.get(`bias_ih${s}`)!, params.get(`bias_hh${s}`)!, a.params.get(`bias_ih${s}`), a.params.get(`bias_hh${s}`)];
      if (!ai || !ah) return void (merged = false);
      const zeroOne = bh.data.every((v) => v === 0) || bi.data.every((v) => v === 0);
      const sums = bi.data.every((v, i) => Math.abs(v + bh.data[i]! - ai.data[i]! - ah.data[i]!) <= 1e-6 * Math.max(1, Math.abs(v)));
      if (!zeroOne || !sums) merged = false;
    });
    if (merged) {
      const exact = !kind.gatedRecurrentTerm;
      list.push({
        id: 'bias-merged',
        message: `B's two biases were merged into one (b_ih + b_hh, the other zero)${exact ? '' : `: exact for ${kind.name}'s r and z gates, wrong for n, whose b_hn sits inside r ⊙ (W_hn h + b_hn)`}`,
        fix: exact ? 'none needed: for this kind the merged bias computes the same' : `the merged biases cannot be split again (b_in + b_hn is all B keeps); re-export B with bias_ih and bias_hh separate`,
        fixed: null,
        test: { kind, params: new Map([...params].map(([k, v]) => [k, k.startsWith('bias') ? a.params.get(k)! : v])) },
      });
    }
  }
  const other = kinds.filter((k) => k !== kind && k.gates.length === kind.gates.length && k.parameters === kind.parameters && k.story === kind.story);
  for (const k of other) {
    list.push({
      id: 'gru-reset',
      message: `B runs as ${kind.name} (${kind.equations.at(-1)}) but its weights are a ${k.name}'s (${k.equations.at(-1)})`,
      fix: k.onnx && kind.onnx ? `run B as ${k.name}: in ONNX, ${Object.entries(k.onnx.attributes).map(([n, v]) => `${n}=${v}`).join(', ')}` : `run B as ${k.name} (--type ${k.type})`,
      fixed: { kind: k, params },
      test: { kind: k, params },
    });
  }
  if (kind.hasNonlinearity) {
    for (const n of Object.keys(nonlinearities) as Nonlinearity[]) {
      if (n === config.nonlinearity) continue;
      const onnx = kind.onnx?.activations.includes('nonlinearity') ? ` (in ONNX, activations=["${n[0]!.toUpperCase()}${n.slice(1)}"])` : '';
      list.push({
        id: 'activation',
        message: `B's ${kind.name} runs with ${config.nonlinearity} (${b.nonlinearitySource}), A's with ${a.config.nonlinearity} (${a.nonlinearitySource}): the same weights, another nonlinearity`,
        fix: `run both with one nonlinearity: write B with ${n}${onnx}, or, if ${config.nonlinearity} is right, run A's weights with --nonlinearity ${config.nonlinearity}`,
        fixed: { kind, params },
        test: { kind, params, config: { ...config, nonlinearity: n } },
      });
    }
  }
  if (hasSigmoidGates(kind)) {
    const gate = (g: RecurrentConfig['recurrentActivation']): string => `${g === 'sigmoid' ? 'σ' : g} = ${gateFunctions[g].formula}`;
    for (const g of gateFunctionNames) {
      if (g === config.recurrentActivation) continue;
      const writes = g === 'sigmoid' ? 'any format --fix writes records' : g === 'hard_sigmoid' ? 'a TF.js model.json records (--fix OUT.model.json)' : 'none of the formats --fix writes records';
      list.push({
        id: 'activation',
        message: `B's ${kind.name} gates compute ${gate(config.recurrentActivation)} (${b.gateSource}), A's ${gate(a.config.recurrentActivation)} (${a.gateSource}): the same weights, another gate function`,
        fix: `run both with one gate function: B's weights with gates computing ${gate(g)}, which ${writes}`,
        fixed: { kind, params },
        test: { kind, params, config: { ...config, recurrentActivation: g } },
      });
    }
  }
  const square = [...params].filter(([, t]) => t.rank === 2 && t.shape[0] === t.shape[1]);
  if (square.length) {
    const p = new Map(params);
    for (const [k, t] of square) p.set(k, transposed(t));
    list.push({
      id: 'transposed',
      message: `B's ${square.map(([k]) => k).join(', ')} ${square.length > 1 ? 'are' : 'is'} transposed (stored as W^T, read as W)`,
      fix: `transpose ${square.map(([k]) => k).join(', ')}`,
      fixed: { kind, params: p },
      test: { kind, params: p },
    });
  }
  if (config.bidirectional) {
    const p = new Map(params);
    for (let l = 0; l < config.numLayers; l++) {
      for (const [k, t] of params) {
        if (k.endsWith(`_l${l}`)) p.set(`${k}_reverse`, t);
        else if (k.endsWith(`_l${l}_reverse`)) p.set(k.slice(0, -'_reverse'.length), t);
      }
    }
    list.push({
      id: 'direction-order',
      message: "B's forward and reverse parameters are swapped (each layer's _reverse keys hold the forward direction)",
      fix: 'swap the _l{k} and _l{k}_reverse parameters of every layer',
      fixed: { kind, params: p },
      test: { kind, params: p },
    });
  }
  return list;
}

function sameSizes(a: RecurrentConfig, b: RecurrentConfig): string | null {
  const keys = ['inputSize', 'hiddenSize', 'numLayers', 'bidirectional', 'projSize'] as const;
  const bad = keys.filter((k) => a[k] !== b[k]);
  return bad.length ? bad.map((k) => `${k} ${String(a[k])} vs ${String(b[k])}`).join(', ') : null;
}

function writeFixed(file: string, kind: CellKind, config: RecurrentConfig, params: Params, prefix: string, o: DiffOptions): void {
  const options = o.fixWriteOptions ?? {};
  if (isTfjsTarget(file)) {
    const refusal = tfjsRefusal(kind, config);
    if (refusal) throw new UsageError(`--fix ${file}: expected a module TF.js can express, got ${refusal}`);
    const shard = tfjsShardPath(file);
    const written = encodeTfjs(kind, config, params, shard, `rnn-inspect ${o.version}`);
    // The shard first: a model.json is never left pointing at a shard that is not there.
    writeFileAtomic(shard, written.shard, o.fixShardWriteOptions ?? {});
    writeFileAtomic(file, written.json, options);
    return;
  }
  if (config.recurrentActivation !== 'sigmoid') {
    throw new UsageError(`--fix ${file}: expected a TF.js model.json, which records gates computing ${config.recurrentActivation}, got ${extname(file) || 'no extension'}: ${extname(file).toLowerCase() === '.onnx' ? "the ONNX writer's gates compute σ" : "a state_dict's torch.nn gates compute σ"}`);
  }
  if (extname(file).toLowerCase() === '.onnx') {
    const refusal = onnxRefusal(kind, config);
    if (refusal) throw new UsageError(`--fix ${file}: expected a module ONNX can express, got ${refusal}`);
    writeFileAtomic(file, encodeOnnx(kind, config, params, prefix), options);
    return;
  }
  const writer = writerFor(file);
  if (writer.holds !== 'many') throw new UsageError(`--fix ${file}: expected a format that holds named tensors, got ${writer.name}`);
  writeFileAtomic(file, writer.writeTensors!(new Map([...params].map(([k, v]) => [`${prefix}${k}`, v])), file), options);
}

export function diffModels(o: DiffOptions): DiffReport {
  const a = side(o.a, o.maxMemory);
  const b = side(o.b, o.maxMemory);
  const misfit = sameSizes(a.config, b.config);
  if (misfit) throw new UsageError(`diff: expected two modules of the same sizes, got ${misfit} (${o.a}, ${o.b})`);
  let x: Tensor;
  if (o.input) {
    x = readTensorFile(o.input, { maxBytes: o.maxMemory }).tensor;
    if (x.rank !== 3 || x.shape[2] !== a.config.inputSize) throw new UsageError(`--input: expected x of shape (seq_len, batch, ${a.config.inputSize}), got ${formatShape(x.shape)}`);
  } else {
    x = Tensor.zeros([7, 3, a.config.inputSize]);
    new Random(o.seed ^ 0x5eed).fillNormal(x.data);
  }
  const positional = a.batchFirst !== b.batchFirst;
  const ra = run(a.kind, a.config, a.params, x, a.batchFirst, false);
  const rb = run(b.kind, b.config, b.params, x, b.batchFirst, positional);
  const max = Math.max(maxDiff(ra.out, rb.out), maxDiff(ra.hN, rb.hN), maxDiff(ra.cN, rb.cN));
  if (max <= o.tolerance) {
    if (o.fix) throw new UsageError(`--fix ${o.fix}: expected two models that disagree, got agreement within ${o.tolerance} (nothing to fix)`);
    return { ok: true, max_diff: max, first_mismatch: null, cause: null };
  }
  const first = firstMismatch(ra, rb, o.tolerance);
  let cause: DiffReport['cause'] = null;
  let fixed: (Candidate['fixed'] & { config: RecurrentConfig }) | null = null;
  for (const c of candidates(a, b)) {
    const config = c.test.config ?? b.config;
    const batchFirst = c.test.batchFirst ?? b.batchFirst;
    if (agree(ra, run(c.test.kind, config, c.test.params, x, batchFirst, batchFirst !== a.batchFirst), o.tolerance)) {
      cause = { id: c.id, message: c.message, fix: c.fix };
      fixed = c.fixed ? { ...c.fixed, config } : null;
      break;
    }
  }
  if (o.fix) {
    if (!cause) throw new UsageError(`--fix ${o.fix}: expected a cause to fix, got none of the known mistakes reproducing the difference`);
    if (!fixed) throw new UsageError(`--fix ${o.fix}: ${cause.id} cannot be undone: ${cause.fix}`);
    if (cause.id === 'activation' && fixed.config.nonlinearity !== 'tanh' && extname(o.fix).toLowerCase() !== '.onnx' && !isTfjsTarget(o.fix)) {
      throw new UsageError(`--fix ${o.fix}: expected an .onnx file or a TF.js model.json, which record B's ${fixed.config.nonlinearity}, got ${extname(o.fix) || 'no extension'}: a state_dict's RNN runs as tanh`);
    }
    writeFixed(o.fix, fixed.kind, fixed.config, fixed.params, b.prefix, o);
  }
  return { ok: false, max_diff: max, first_mismatch: first, cause };
}
