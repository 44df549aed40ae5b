/**
 * Recognises PyTorch recurrent modules (nn.RNN, nn.GRU, nn.LSTM) in a state_dict from the names
 * and shapes of their parameters, as PyTorch names them:
 *
 *   <prefix>weight_ih_l{k}[_reverse]  (gates*hidden, input_size)   layer 0; (gates*hidden, dirs*out) above
 *   <prefix>weight_hh_l{k}[_reverse]  (gates*hidden, out)          out = proj_size or hidden_size
 *   <prefix>bias_ih_l{k}[_reverse]    (gates*hidden,)              present only with bias=True
 *   <prefix>bias_hh_l{k}[_reverse]    (gates*hidden,)
 *   <prefix>weight_hr_l{k}[_reverse]  (proj_size, hidden_size)     LSTM with proj_size > 0 only
 *
 * gates is each kind's gate count (src/modules/kinds: 1 for RNN, 3 for GRU, 4 for LSTM). Kinds with
 * the same gate count and parameters cannot be told apart by their weights: the first in the list
 * is taken and `candidates` names them all, for the caller to choose (`--type`). The prefix is the module's path in its parent
 * (`''`, `rnn1.`, `model.lstm.`). The RNN nonlinearity (tanh or relu) leaves no trace in the
 * weights; the caller must say it.
 *
 * A group whose shapes do not fit one module (a missing layer, a layer of another size) is not
 * guessed at: it is left out of `modules`, its keys go to `unrecognised`, and `rejected` says why.
 */

import { RnnInspectError } from '../errors.js';
import type { GateFunction } from '../kernels/activations.js';
import { kinds, kindsWithGates, type KindName } from './kinds/index.js';
import { resolveConfig } from './layer/config.js';
import { parameterSpecs } from './layer/parameters.js';

export interface InferredModule {
  prefix: string;
  /** The first kind these weights fit; `candidateKinds` lists every one. */
  type: KindName;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  bias: boolean;
  projSize: number;
  /** This module's keys, in file order. */
  keys: string[];
  /** What the file itself declares (an ONNX node's kind and activations), when it does. */
  nonlinearity?: 'tanh' | 'relu';
  /** The σ gates' function when the file declares another (Keras's recurrent_activation). */
  recurrentActivation?: GateFunction;
  declaredBy?: string;
  /** The file takes x batch-first (an ONNX graph that transposes its x before the node). */
  batchFirst?: boolean;
}

/** A module's kind as a model file states it (src/io's DeclaredModule): it picks among kinds that look alike. */
export interface Declaration {
  prefix: string;
  type: string;
  nonlinearity: 'tanh' | 'relu';
  recurrentActivation?: GateFunction | undefined;
  source: string;
  batchFirst?: boolean;
}

export interface RejectedGroup {
  prefix: string;
  /** Why, in the group's own terms (a cell's parameters without their `_l0`). */
  reason: string;
  keys: string[];
  /** The kind weight_ih's rows imply (gates × hidden_size), when they imply one. */
  kind: KindName | null;
}

/** Options of `inferModules`. */
export interface InferOptions {
  /** Prefixes (with their dot) holding a cell's weights renamed as layer 0 (cellsAsLayers): reasons name the cell and its own keys. */
  cells?: readonly string[];
}

export interface InferredModules {
  /** Recognised modules, in the order their first key appears in the file. */
  modules: InferredModule[];
  /** Every key that belongs to no recognised module (Linear layers, rejected groups), in file order. */
  unrecognised: string[];
  /** Groups that looked recurrent but whose shapes do not fit together, and why. */
  rejected: RejectedGroup[];
}

type Shaped = { readonly shape: readonly number[] };

const PARAMETER_NAMES = [...new Set(kinds.flatMap((k) => k.parameters.map((p) => p.name)))];
const PARAM = new RegExp(`^(|.*\\.)(${PARAMETER_NAMES.join('|')})_l(\\d+)(_reverse)?$`);
const GATE_COUNTS = [...new Set(kinds.map((k) => k.gates.length))].sort((a, b) => a - b);

interface Group {
  prefix: string;
  keys: string[];
  /** `weight_ih_l0`, `bias_hh_l1_reverse`, ... to shape. */
  params: Map<string, readonly number[]>;
}

function shapeText(shape: readonly number[] | undefined): string {
  return shape ? `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})` : 'missing';
}

/** "an LSTM", "a GRU": the article as the name is read aloud (letters named with a vowel sound first). */
export function withArticle(name: string): string {
  return `${/^[AEFHILMNORSX]/.test(name) ? 'an' : 'a'} ${name}`;
}

/** The kind weight_ih_l0's rows imply over hidden_size (weight_hr_l0's or weight_hh_l0's columns), or null. */
function rowsKind(p: ReadonlyMap<string, readonly number[]>): KindName | null {
  const ih0 = p.get('weight_ih_l0');
  const cols = p.get('weight_hr_l0') ?? p.get('weight_hh_l0');
  if (ih0?.length !== 2 || cols?.length !== 2 || !(cols[1]! > 0)) return null;
  const gates = ih0[0]! / cols[1]!;
  return (Number.isInteger(gates) ? kindsWithGates(gates)[0]?.type : undefined) ?? null;
}

/** The module a group describes, or the reason it does not describe one (for a cell, in the cell's own terms). */
function inferGroup(group: Group, cell: boolean): InferredModule | string {
  const p = group.params;
  // A cell's keys are renamed as layer 0 (weight_ih -> weight_ih_l0): its reasons name them as the file does.
  const key = (name: string): string => (cell ? name.replace(/_l0$/, '') : name);
  const layers = new Set<number>();
  let bidirectional = false;
  for (const name of p.keys()) {
    const m = /_l(\d+)(_reverse)?$/.exec(name)!;
    layers.add(Number(m[1]));
    if (m[2]) bidirectional = true;
  }
  const numLayers = Math.max(...layers) + 1;
  // Checked before listing the expected parameters, so a stray `_l999999999` costs nothing.
  if (layers.size !== numLayers) {
    let k = 0;
    while (layers.has(k)) k++;
    return `layer ${k} is missing (the highest is l${numLayers - 1})`;
  }
  const hh0 = p.get('weight_hh_l0');
  const ih0 = p.get('weight_ih_l0');
  if (!hh0 || !ih0) return `${key('weight_ih_l0')} and ${key('weight_hh_l0')} are needed to tell the ${cell ? 'cell' : 'module'}`;
  if (ih0.length !== 2 || hh0.length !== 2) return `${key('weight_ih_l0')} ${shapeText(ih0)} and ${key('weight_hh_l0')} ${shapeText(hh0)} should be 2-D`;

  const hr0 = p.get('weight_hr_l0');
  const projSize = hr0 ? hr0[0]! : 0;
  const hiddenSize = hr0 ? hr0[1]! : hh0[1]!;
  if (hiddenSize <= 0) return `hidden_size would be ${hiddenSize}`;
  const gates = ih0[0]! / hiddenSize;
  const fitting = Number.isInteger(gates) ? kindsWithGates(gates) : [];
  const first = fitting[0];
  if (!first) {
    return `${key('weight_ih_l0')} has ${ih0[0]} rows, not ${GATE_COUNTS.join(', ').replace(/, (\d+)$/, ' or $1')} times hidden_size ${hiddenSize} (${key(hr0 ? 'weight_hr_l0' : 'weight_hh_l0')} columns)`;
  }
  const candidates = fitting.filter((k) => !hr0 || k.supportsProjection);
  const kind = candidates[0];
  if (!kind) return `${key('weight_hr_l0')} (a projection) belongs to ${withArticle(kinds.filter((k) => k.supportsProjection).map((k) => k.name).join(' or '))}, but the rows say ${first.name}`;
  const type = kind.type;
  const inputSize = ih0[1]!;
  const bias = p.has('bias_ih_l0');

  // Every parameter every layer and direction needs, with the shape PyTorch would give it.
  let specs;
  try {
    const config = resolveConfig(kind, { inputSize, hiddenSize, numLayers, bidirectional, bias, projSize });
    specs = parameterSpecs(kind, config);
  } catch (err) {
    if (err instanceof RnnInspectError) return err.message;
    throw err;
  }
  const expected = new Map(specs.map((spec) => [spec.name, spec.shape]));
  const whole = cell ? withArticle(kind.cellName) : `a ${numLayers}-layer ${bidirectional ? 'bidirectional ' : ''}${kind.name}`;
  const described = `${withArticle(cell ? kind.cellName : kind.name)} with input_size ${inputSize}, hidden_size ${hiddenSize}${projSize ? `, proj_size ${projSize}` : ''}`;
  for (const [name, shape] of expected) {
    const got = p.get(name);
    if (!got) return `${key(name)} is missing for ${whole}`;
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) return `${key(name)} is ${shapeText(got)}, expected ${shapeText(shape)} for ${described}`;
  }
  for (const name of p.keys()) {
    if (expected.has(name)) continue;
    if (name.startsWith('bias') && !bias) return `${key(name)} is present but ${key('bias_ih_l0')} is not`;
    if (name.startsWith('weight_hr') && !projSize) return `${key(name)} is present but ${key('weight_hr_l0')} is not`;
    return `${key(name)} is not a parameter of ${whole}`;
  }
  return { prefix: group.prefix, type, inputSize, hiddenSize, numLayers, bidirectional, bias, projSize, keys: group.keys };
}

/** Every kind a recognised module's weights fit alike (same gate count, projection allowed if used), its own first. */
export function candidateKinds(m: Pick<InferredModule, 'type' | 'projSize'>): KindName[] {
  const gates = kinds.find((k) => k.type === m.type)!.gates.length;
  return kindsWithGates(gates)
    .filter((k) => !m.projSize || k.supportsProjection)
    .map((k) => k.type);
}

function shapeOf(v: Shaped | { readonly tensor: Shaped }): readonly number[] {
  return 'tensor' in v ? v.tensor.shape : v.shape;
}

/**
 * Finds the recurrent modules among named tensors. Accepts what the readers return (a Map of
 * tensors or of stored tensors) or a list of `{name, shape}`.
 */
export function inferModules(
  tensors: ReadonlyMap<string, Shaped | { readonly tensor: Shaped }> | Iterable<{ readonly name: string; readonly shape: readonly number[] }>,
  declared: readonly Declaration[] = [],
  options: InferOptions = {},
): InferredModules {
  const entries: [string, readonly number[]][] = [];
  if (tensors instanceof Map) {
    for (const [name, v] of tensors as ReadonlyMap<string, Shaped | { readonly tensor: Shaped }>) entries.push([name, shapeOf(v)]);
  } else {
    for (const { name, shape } of tensors as Iterable<{ name: string; shape: readonly number[] }>) entries.push([name, shape]);
  }

  const groups = new Map<string, Group>();
  for (const [name, shape] of entries) {
    const m = PARAM.exec(name);
    if (!m) continue;
    const prefix = m[1]!;
    let group = groups.get(prefix);
    if (!group) {
      group = { prefix, keys: [], params: new Map() };
      groups.set(prefix, group);
    }
    group.keys.push(name);
    group.params.set(name.slice(prefix.length), shape);
  }

  const modules: InferredModule[] = [];
  const rejected: RejectedGroup[] = [];
  for (const group of groups.values()) {
    const result = inferGroup(group, options.cells?.includes(group.prefix) ?? false);
    if (typeof result === 'string') {
      rejected.push({ prefix: group.prefix, reason: result, keys: group.keys, kind: rowsKind(group.params) });
      continue;
    }
    const said = declared.find((d) => d.prefix === group.prefix);
    if (said && (candidateKinds(result) as string[]).includes(said.type)) {
      result.type = said.type as KindName;
      result.nonlinearity = said.nonlinearity;
      if (said.recurrentActivation) result.recurrentActivation = said.recurrentActivation;
      result.declaredBy = said.source;
      if (said.batchFirst) result.batchFirst = true;
    }
    modules.push(result);
  }
  const accepted = new Set(modules.flatMap((m) => m.keys));
  const unrecognised = entries.map(([name]) => name).filter((name) => !accepted.has(name));
  return { modules, unrecognised, rejected };
}
