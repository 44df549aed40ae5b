/**
 * Parameter names and shapes exactly as PyTorch's state_dict, in its order:
 * for each layer k, for each direction: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k},
 * weight_hr_l{k}, with the suffix `_reverse` on the second direction.
 *
 * Shape: weight_ih (gates * hidden, layer input) | weight_hh (gates * hidden, real hidden) |
 *        bias_* (gates * hidden) | weight_hr (proj, hidden)
 * where layer input is input_size for layer 0 and num_directions * real hidden above it.
 */
import { ShapeError } from '../../errors.js';
import { formatShape, sameShape, Tensor, type Shape } from '../../tensor/tensor.js';
import { Random } from '../../tensor/random.js';
import { numDirections, realHiddenSize, type RecurrentConfig } from './config.js';
import { kinds, type CellKind } from '../kinds/index.js';

export interface ParameterSpec {
  name: string;
  shape: Shape;
  layer: number;
  direction: number;
}

/** The weights of one layer and direction. */
export interface LayerWeights {
  weightIh: Float32Array;
  weightHh: Float32Array;
  biasIh: Float32Array | null;
  biasHh: Float32Array | null;
  weightHr: Float32Array | null;
  inFeatures: number;
}

export function parameterSuffix(layer: number, direction: number): string {
  return `_l${layer}${direction === 1 ? '_reverse' : ''}`;
}

/**
 * The parameters of one layer and direction, from the kind's templates: `suffix` is `_l{k}[_reverse]`
 * for a stacked module and empty for a cell.
 */
export function layerParameterSpecs(kind: CellKind, config: RecurrentConfig, layer: number, direction: number, suffix: string): ParameterSpec[] {
  const gateRows = kind.gates.length * config.hiddenSize;
  const Hr = realHiddenSize(config);
  const inFeatures = layer === 0 ? config.inputSize : Hr * numDirections(config);
  const present = { always: true, bias: config.bias, proj: config.projSize > 0 };
  const rows = { gates: gateRows, proj: config.projSize };
  const cols = { input: inFeatures, h: Hr, hidden: config.hiddenSize };
  return kind.parameters
    .filter((p) => present[p.when])
    .map((p) => ({ name: p.name + suffix, shape: p.cols === null ? [rows[p.rows]] : [rows[p.rows], cols[p.cols]], layer, direction }));
}

export function parameterSpecs(kind: CellKind, config: RecurrentConfig): ParameterSpec[] {
  const specs: ParameterSpec[] = [];
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (let direction = 0; direction < numDirections(config); direction++) {
      specs.push(...layerParameterSpecs(kind, config, layer, direction, parameterSuffix(layer, direction)));
    }
  }
  return specs;
}

/** One gate's rows of a gated parameter: PyTorch's name for it (W_ii, b_hz, ...), which rows, its shape and count. */
export interface GateBlock {
  name: string;
  /** The gate's letter (the kind's GateSpec.name). */
  gate: string;
  /** Rows [start, end) of the parameter. */
  rows: [number, number];
  shape: number[];
  count: number;
}

/**
 * Each parameter with gates × hidden_size rows (weight_ih, weight_hh, bias_ih, bias_hh), cut into
 * its gates' blocks in the kind's row order, named as PyTorch's docs name them: weight_ih_l{k} =
 * W_ii|W_if|W_ig|W_io for an LSTM (W_ir|W_iz|W_in for a GRU; one block, W_ih, for an RNN).
 */
export function gateBlocks(kind: CellKind, config: RecurrentConfig): { name: string; blocks: GateBlock[] }[] {
  const H = config.hiddenSize;
  const gated = new Set(kind.parameters.filter((p) => p.rows === 'gates').map((p) => p.name));
  return parameterSpecs(kind, config).flatMap((spec) => {
    const template = [...gated].find((name) => spec.name === name + parameterSuffix(spec.layer, spec.direction));
    if (template === undefined) return [];
    // weight_ih -> W_i., bias_hh -> b_h.: the parameter's letter and which input it multiplies.
    const stem = `${template.startsWith('bias') ? 'b' : 'W'}_${template.endsWith('ih') ? 'i' : 'h'}`;
    const shape = [H, ...spec.shape.slice(1)];
    const count = shape.reduce((a, b) => a * b, 1);
    return [{ name: spec.name, blocks: kind.gates.map((g, i): GateBlock => ({ name: `${stem}${g.name}`, gate: g.name, rows: [i * H, (i + 1) * H], shape, count })) }];
  });
}

export function parameterCount(specs: readonly ParameterSpec[]): number {
  return specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/** PyTorch's reset_parameters: every parameter uniform in ±1/sqrt(hidden_size), in state_dict order. */
export function initParameters(specs: readonly ParameterSpec[], hiddenSize: number, random: Random): Map<string, Tensor> {
  const stdv = 1 / Math.sqrt(hiddenSize);
  const params = new Map<string, Tensor>();
  for (const spec of specs) {
    const t = Tensor.zeros(spec.shape);
    random.fillUniform(t.data, -stdv, stdv);
    params.set(spec.name, t);
  }
  return params;
}

/**
 * Checks a state_dict against the specs as `load_state_dict(strict=True)` does, and returns the
 * parameters in spec order. Every problem is named: missing keys, unexpected keys, misshapen keys.
 */
export function checkStateDict(
  moduleName: string,
  specs: readonly Pick<ParameterSpec, 'name' | 'shape'>[],
  stateDict: ReadonlyMap<string, Tensor>,
): Map<string, Tensor> {
  const problems: string[] = [];
  const missing = specs.filter((s) => !stateDict.has(s.name)).map((s) => s.name);
  const known = new Set(specs.map((s) => s.name));
  const unexpected = [...stateDict.keys()].filter((k) => !known.has(k));
  if (missing.length) problems.push(`missing key(s) ${missing.map((k) => `"${k}"`).join(', ')}`);
  if (unexpected.length) problems.push(`unexpected key(s) ${unexpected.map((k) => `"${k}"`).join(', ')}`);
  for (const spec of specs) {
    const t = stateDict.get(spec.name);
    if (t && !sameShape(t.shape, spec.shape)) {
      problems.push(`size mismatch for ${spec.name}: expected shape ${formatShape(spec.shape)}, got ${formatShape(t.shape)}`);
    }
  }
  if (problems.length) {
    throw new ShapeError(`Error(s) in loading state_dict for ${moduleName}: ${problems.join('; ')}`);
  }
  return new Map(specs.map((s) => [s.name, stateDict.get(s.name)!.clone()]));
}

export function layerWeights(params: ReadonlyMap<string, Tensor>, layer: number, direction: number): LayerWeights {
  return weightsWithSuffix(params, parameterSuffix(layer, direction));
}

/** The weights named `weight_ih{suffix}`, ...: a layer's (`_l0`) or a cell's (no suffix). */
export function weightsWithSuffix(params: ReadonlyMap<string, Tensor>, suffix: string): LayerWeights {
  const weightIh = params.get('weight_ih' + suffix)!;
  return {
    weightIh: weightIh.data,
    weightHh: params.get('weight_hh' + suffix)!.data,
    biasIh: params.get('bias_ih' + suffix)?.data ?? null,
    biasHh: params.get('bias_hh' + suffix)?.data ?? null,
    weightHr: params.get('weight_hr' + suffix)?.data ?? null,
    inFeatures: weightIh.shape[1]!,
  };
}

/**
 * A cell's state_dict (RNNCell, LSTMCell, GRUCell: weight_ih, weight_hh, bias_ih, bias_hh) renamed
 * as layer 0 of a one-layer module, which steps the same cell over time; null when it is not one.
 */
export function cellAsLayer<T>(stateDict: ReadonlyMap<string, T>): Map<string, T> | null {
  const renamed = cellsAsLayers(stateDict);
  return renamed && renamed.prefixes.length === 1 && renamed.prefixes[0] === '' && renamed.tensors.size === stateDict.size ? renamed.tensors : null;
}

/**
 * Every cell's weights in a state_dict, under any prefix (`encoder.cell.weight_ih`), renamed as
 * layer 0 of a one-layer module (`encoder.cell.weight_ih_l0`); other keys are kept as they are, in
 * order. `prefixes` are the cells' prefixes (with their dot); null when there is no cell.
 */
export function cellsAsLayers<T>(stateDict: ReadonlyMap<string, T>): { tensors: Map<string, T>; prefixes: string[] } | null {
  const names = new Set<string>(kinds.flatMap((k) => k.parameters.map((p) => p.name)));
  const split = (key: string): [string, string] => {
    const dot = key.lastIndexOf('.');
    return [key.slice(0, dot + 1), key.slice(dot + 1)];
  };
  const groups = new Map<string, string[]>();
  for (const key of stateDict.keys()) {
    const [prefix, leaf] = split(key);
    groups.set(prefix, [...(groups.get(prefix) ?? []), leaf]);
  }
  const prefixes = [...groups].filter(([, leaves]) => leaves.includes('weight_ih') && leaves.every((l) => names.has(l))).map(([p]) => p);
  if (!prefixes.length) return null;
  const cells = new Set(prefixes);
  const tensors = new Map([...stateDict].map(([k, t]) => [cells.has(split(k)[0]) ? `${k}_l0` : k, t]));
  return { tensors, prefixes };
}
