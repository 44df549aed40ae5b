/**
 * The likely causes of shape problems, each a detector: given a problem PyTorch would raise and
 * the shapes around it, it names the cause and the fix, or passes. The first detector that fires
 * wins, so the specific ones come before the general ones, and every problem code ends in a
 * fallback that always fires. A new cause is one more entry in DETECTORS.
 */
import { InternalError } from '../errors.js';
import { numDirections, realHiddenSize, type RecurrentConfig } from '../modules/layer/config.js';
import type { InputGeometry, ShapeInput, ShapeProblem, ShapeProblemCode } from '../modules/layer/prepare.js';
import type { CellKind } from '../modules/kinds/index.js';
import { formatShape } from '../tensor/tensor.js';

/** A module another one is wired to (with --spec): the one whose out it reads, or whose h_n is its h_0. */
export interface Neighbour {
  name: string;
  kind: CellKind;
  config: RecurrentConfig;
  /** The neighbour's out shape (feeder) or h_n / c_n shape (h_0 source). */
  shape: readonly number[];
}

export interface CauseContext {
  kind: CellKind;
  config: RecurrentConfig;
  input: ShapeInput;
  geometry: InputGeometry | null;
  problem: ShapeProblem;
  /** With --spec: the module whose out is this module's x. */
  feeder?: Neighbour | undefined;
  /** With --spec: the module whose h_n (and c_n) is this module's h_0 (and c_0). */
  stateSource?: Neighbour | undefined;
}

export interface Cause {
  id: string;
  cause: string;
  fix: string;
}

interface Detector {
  id: string;
  codes: readonly ShapeProblemCode[];
  detect(ctx: CauseContext): Omit<Cause, 'id'> | null;
}

/** x's batch dimension: 0 with batch_first, else 1. */
const batchDim = (config: RecurrentConfig): number => (config.batchFirst ? 0 : 1);
const stack = (config: RecurrentConfig): number => config.numLayers * numDirections(config);
const stackText = (config: RecurrentConfig): string => `num_layers*num_directions = ${config.numLayers}*${numDirections(config)} = ${stack(config)}`;
/** The features of a state: h has proj_size when projecting, c always hidden_size. */
const stateFeatures = (name: string, config: RecurrentConfig): number => (name === 'c_0' ? config.hiddenSize : realHiddenSize(config));
const featureName = (name: string, config: RecurrentConfig): string => (name === 'c_0' || !config.projSize ? 'hidden_size' : 'proj_size');
/** The constructor call for a state of the right shape, batch taken from x. */
const zerosFor = (name: string, config: RecurrentConfig): string => `${name.replace('_', '')} = torch.zeros(${stack(config)}, x.size(${batchDim(config)}), ${stateFeatures(name, config)})`;
const py = (b: boolean): string => (b ? 'True' : 'False');

/** [layers, batch, features] of got and expected agree except in the dimensions listed. */
function differsOnly(p: ShapeProblem, ...dims: number[]): boolean {
  const e = p.expected;
  if (!e || p.got.length !== 3) return false;
  return [0, 1, 2].every((i) => (dims.includes(i) ? p.got[i] !== e[i] : p.got[i] === e[i]));
}

const STATES = ['state-size'] as const;

export const DETECTORS: readonly Detector[] = [
  // ---- x ----
  {
    id: 'x-rank',
    codes: ['x-rank'],
    detect: ({ problem, config }) => {
      const r = problem.got.length;
      const want = config.batchFirst ? '(batch, seq_len, input_size)' : '(seq_len, batch, input_size)';
      return {
        cause: `x has ${r} dimension${r === 1 ? '' : 's'}: a recurrent module reads ${want}, or (seq_len, input_size) for one unbatched sequence`,
        fix:
          r < 2
            ? `give x its missing dimensions: one feature per step is x.unsqueeze(-1) (seq_len, 1); then add the batch dimension with x.unsqueeze(${batchDim(config)})`
            : `remove the extra dimensions: flatten what belongs together (x.flatten(2) merges trailing feature dimensions) or squeeze a dimension of size 1 (x.squeeze(k)), to get ${want}`,
      };
    },
  },
  {
    id: 'input-size-from-feeder',
    codes: ['input-size'],
    detect: ({ feeder, config, problem }) => {
      if (!feeder) return null;
      const D = numDirections(feeder.config);
      const what = feeder.config.projSize ? 'proj_size' : 'hidden_size';
      const got = problem.got[problem.got.length - 1]!;
      return {
        cause: `x is ${feeder.name}'s out, which carries num_directions*${what} = ${D}*${realHiddenSize(feeder.config)} = ${got} features${D === 2 ? ` (${feeder.name} is bidirectional: forward and reverse halves side by side)` : ''}, but this module was built with input_size=${config.inputSize}`,
        fix:
          `build this module with input_size=${got} (${D === 2 ? `2*${what} of the bidirectional ${feeder.name}` : `${feeder.name}'s ${what}`})` +
          (config.inputSize % D === 0 ? `, or give ${feeder.name} ${what}=${config.inputSize / D}${D === 2 ? ` per direction (2*${config.inputSize / D} = ${config.inputSize})` : ''}` : ''),
      };
    },
  },
  {
    id: 'x-transposed',
    codes: ['input-size'],
    detect: ({ problem, config }) => {
      const x = problem.got;
      const p = x.slice(0, -1).indexOf(config.inputSize);
      if (p < 0) return null;
      const conv = config.batchFirst && x.length === 3 && p === 1 ? ' (the layout of a Conv1d output, (batch, channels, length))' : '';
      return {
        cause: `x's features are in dimension ${p}, not the last: x ${formatShape(x)} has input_size=${config.inputSize} at dimension ${p}${conv}`,
        fix: `move the features last: x = x.transpose(${p}, ${x.length - 1}), which gives ${formatShape(swap(x, p, x.length - 1))}`,
      };
    },
  },
  {
    id: 'input-size-bidirectional',
    codes: ['input-size'],
    detect: ({ problem, config }) => {
      const got = problem.got[problem.got.length - 1]!;
      if (got !== 2 * config.inputSize) return null;
      return {
        cause: `x has 2*input_size = ${got} features: it is most likely the out of a bidirectional module, which carries num_directions*hidden_size = 2*${config.inputSize} (forward and reverse halves side by side)`,
        fix: `build this module with input_size=${got} (2*hidden of the bidirectional module before it), or combine the two directions first: out[..., :${config.inputSize}] + out[..., ${config.inputSize}:]`,
      };
    },
  },
  {
    id: 'input-size',
    codes: ['input-size'],
    detect: ({ problem, config, kind }) => {
      const got = problem.got[problem.got.length - 1]!;
      return {
        cause: `x carries ${got} features per step but the module was built with input_size=${config.inputSize}: usually the embedding size (nn.Embedding(num_embeddings, embedding_dim=${got})) or the size of the layer before differs from input_size`,
        fix: `make them agree: build the module with input_size=${got} (nn.${kind.name}(${got}, hidden_size)), or have the layer before produce ${config.inputSize} features (nn.Embedding(vocab_size, ${config.inputSize}))`,
      };
    },
  },
  // ---- h_0 / c_0: which tensors ----
  {
    id: 'no-cell-state',
    codes: ['cell-state-unexpected'],
    detect: ({ kind }) => ({
      cause: `${kind.name} has no cell state: only LSTM keeps c beside h, so ${kind.name} takes h_0 alone`,
      fix: `pass h_0 alone: ${kind.name.toLowerCase()}(x, h0), not (h0, c0); out, h_n = ${kind.name.toLowerCase()}(x, h0)`,
    }),
  },
  {
    id: 'lstm-pair',
    codes: ['state-pair'],
    detect: ({ problem }) => ({
      cause: `an LSTM takes its state as the pair (h_0, c_0); ${problem.tensor === 'c_0' ? 'h_0 was given alone, so PyTorch indexes it as if it were the pair' : 'c_0 was given without h_0'}`,
      fix: 'pass both as a tuple: out, (h_n, c_n) = lstm(x, (h0, c0)), or neither (both default to zeros)',
    }),
  },
  // ---- h_0 / c_0: rank ----
  {
    id: 'unbatched-x-3d-state',
    codes: ['state-rank'],
    detect: ({ problem, geometry, config }) => {
      if (!geometry || geometry.batched || problem.got.length !== 3) return null;
      const b = problem.got[1]!;
      return {
        cause: `x is 2-D (seq_len, input_size), so PyTorch reads it as ONE unbatched sequence and wants a 2-D ${problem.tensor} (num_layers*num_directions, features); ${problem.tensor} is 3-D, with a batch dimension of ${b}`,
        fix:
          b === 1
            ? `either give x its batch dimension, x = x.unsqueeze(${batchDim(config)}) (a batch of 1), or drop ${problem.tensor}'s: ${problem.tensor.replace('_', '')} = ${problem.tensor.replace('_', '')}.squeeze(1)`
            : `give x its batch dimension: x = x.unsqueeze(${batchDim(config)}) is a batch of 1, but ${problem.tensor} is built for a batch of ${b}: build x as ${config.batchFirst ? '(batch, seq_len, input_size)' : '(seq_len, batch, input_size)'} with all ${b} sequences`,
      };
    },
  },
  {
    id: 'batched-x-2d-state',
    codes: ['state-rank'],
    detect: ({ problem, geometry, config, kind }) => {
      if (!geometry?.batched || problem.got.length !== 2) return null;
      const name = problem.tensor;
      const H = stateFeatures(name, config);
      const [a, f] = problem.got as [number, number];
      if (a === geometry.batch && f === H) {
        return {
          cause: `${name} ${formatShape(problem.got)} is (batch, ${featureName(name, config)}): a cell's state (what nn.${kind.name}Cell keeps), without the num_layers*num_directions dimension a stacked module needs`,
          fix: `add the layer dimension: ${name.replace('_', '')}.unsqueeze(0) for one layer; for ${stack(config)} slices (${stackText(config)}), ${zerosFor(name, config)}`,
        };
      }
      return {
        cause: `${name} is 2-D, which fits only an unbatched x; x is batched (3-D), so ${name} needs its batch dimension: (num_layers*num_directions, batch, ${featureName(name, config)})`,
        fix: a === stack(config) && f === H ? `add the batch dimension: ${name.replace('_', '')}.unsqueeze(1).repeat(1, x.size(${batchDim(config)}), 1)` : `build it with the batch: ${zerosFor(name, config)}`,
      };
    },
  },
  {
    id: 'state-rank',
    codes: ['state-rank'],
    detect: ({ problem, geometry, config }) => ({
      cause: `${problem.tensor} has ${problem.got.length} dimensions; for a ${geometry?.batched ? 'batched 3-D' : 'unbatched 2-D'} x it must have ${geometry?.batched ? 3 : 2}`,
      fix: geometry?.batched ? `build it as (num_layers*num_directions, batch, features): ${zerosFor(problem.tensor, config)}` : `build it as (num_layers*num_directions, features) = (${stack(config)}, ${stateFeatures(problem.tensor, config)})`,
    }),
  },
  // ---- h_0 / c_0: sizes ----
  {
    id: 'state-from-module',
    codes: STATES,
    detect: ({ problem, stateSource, config }) => {
      if (!stateSource || !problem.expected) return null;
      const s = stateSource.config;
      const src = stateSource.name;
      const reasons: string[] = [];
      if (problem.got[0] !== problem.expected[0]) reasons.push(`${src} has ${stackText(s)} slices, this module ${stackText(config)}`);
      if (problem.got[1] !== problem.expected[1]) reasons.push(`${src} ran on a batch of ${problem.got[1]}, this module's x has ${problem.expected[1]}`);
      if (problem.got[2] !== problem.expected[2]) reasons.push(`${src}'s ${problem.tensor === 'c_0' ? 'c_n has hidden_size' : 'h_n has'} ${problem.got[2]} features, this module wants ${problem.expected[2]}`);
      return {
        cause: `${problem.tensor} is ${src}'s ${problem.tensor === 'c_0' ? 'c_n' : 'h_n'} ${formatShape(problem.got)}: ${reasons.join('; ')}`,
        fix: `give both modules the same num_layers, bidirectional and hidden_size (and the same batch), or map the state between them (e.g. a Linear on h_n, or h_n reshaped to ${formatShape(problem.expected)})`,
      };
    },
  },
  {
    id: 'h0-batch-first',
    codes: STATES,
    detect: ({ problem, geometry, config }) => {
      const e = problem.expected;
      if (!geometry?.batched || !config.batchFirst || !e) return null;
      if (problem.got[0] !== e[1] || problem.got[1] !== e[0] || problem.got[2] !== e[2]) return null;
      const n = problem.tensor.replace('_', '');
      return {
        cause: `${problem.tensor} was built in batch-first order (batch, num_layers*num_directions, features) = ${formatShape(problem.got)}; batch_first=True applies to x and out only, never to ${problem.tensor} or ${problem.tensor === 'c_0' ? 'c_n' : 'h_n'}`,
        fix: `${n} = ${n}.transpose(0, 1).contiguous(), which gives ${formatShape(e)}; or build it as ${zerosFor(problem.tensor, config)}`,
      };
    },
  },
  {
    id: 'x-batch-first-order',
    codes: STATES,
    detect: ({ problem, geometry, config, input, kind }) => {
      if (!geometry?.batched || config.batchFirst || input.x[0] === input.x[1] || problem.got[1] !== input.x[0] || !differsOnly(problem, 1)) return null;
      const [a, b, f] = input.x as [number, number, number];
      return {
        cause: `x ${formatShape(input.x)} looks like (batch, seq_len, input_size), but the module has batch_first=False, so PyTorch reads it as seq_len=${a}, batch=${b}; ${problem.tensor} was built for the batch of ${a}`,
        fix: `build the module with batch_first=True (nn.${kind.name}(${f}, ..., batch_first=True)), or pass x time-major: x.transpose(0, 1) gives ${formatShape([b, a, f])}`,
      };
    },
  },
  {
    id: 'smaller-last-batch',
    codes: STATES,
    detect: ({ problem, geometry, config }) => {
      if (!geometry?.batched || !differsOnly(problem, 1) || problem.got[1]! <= problem.expected![1]!) return null;
      return {
        cause: `a smaller last batch: ${problem.tensor} was built for a fixed batch size of ${problem.got[1]}, but this x has a batch of ${geometry.batch} (x's dimension ${batchDim(config)}); the last batch of an epoch is smaller when the dataset size is not a multiple of batch_size (a state carried over from the previous batch does the same)`,
        fix: `build ${problem.tensor} from x's batch dimension, not a constant: ${zerosFor(problem.tensor, config)}; or drop the short batch with DataLoader(..., drop_last=True)`,
      };
    },
  },
  {
    id: 'batch-mismatch',
    codes: STATES,
    detect: ({ problem, geometry, config }) => {
      if (!geometry?.batched || !differsOnly(problem, 1)) return null;
      return {
        cause: `${problem.tensor} has a batch of ${problem.got[1]}, x has ${geometry.batch} (x's dimension ${batchDim(config)}${config.batchFirst ? ', batch_first=True' : ''}): the state was built for another batch`,
        fix: `build ${problem.tensor} from x's batch dimension: ${zerosFor(problem.tensor, config)}`,
      };
    },
  },
  {
    id: 'bidirectional-forgotten',
    codes: STATES,
    detect: ({ problem, config }) => {
      if (!config.bidirectional || !differsOnly(problem, 0) || problem.got[0]! * 2 !== problem.expected![0]) return null;
      return {
        cause: `the module is bidirectional, so ${problem.tensor} holds one slice per layer AND direction: ${stackText(config)}; ${problem.tensor} has ${problem.got[0]}, as if num_directions were 1`,
        fix: `count the directions: ${zerosFor(problem.tensor, config)}, i.e. num_layers * (2 if bidirectional else 1)`,
      };
    },
  },
  {
    id: 'bidirectional-extra',
    codes: STATES,
    detect: ({ problem, config }) => {
      if (config.bidirectional || !differsOnly(problem, 0) || problem.got[0] !== problem.expected![0]! * 2) return null;
      return {
        cause: `${problem.tensor} has ${problem.got[0]} slices, twice ${stackText(config)}: it was built for a bidirectional module, and this one is not`,
        fix: `build it with num_directions = 1: ${zerosFor(problem.tensor, config)}; or construct the module with bidirectional=True if that was meant`,
      };
    },
  },
  {
    id: 'num-layers',
    codes: STATES,
    detect: ({ problem, config }) => {
      if (!differsOnly(problem, 0)) return null;
      return {
        cause: `${problem.tensor} holds one slice per layer and direction: ${stackText(config)}; it has ${problem.got[0]}`,
        fix: `build it from the module's own numbers: ${zerosFor(problem.tensor, config)} (num_layers=${config.numLayers}, bidirectional=${py(config.bidirectional)})`,
      };
    },
  },
  {
    id: 'proj-size-in-h0',
    codes: STATES,
    detect: ({ problem, config, kind }) => {
      if (!kind.hasCellState || !config.projSize || problem.tensor !== 'h_0' || !differsOnly(problem, 2) || problem.got[2] !== config.hiddenSize) return null;
      return {
        cause: `with proj_size=${config.projSize}, h (h_0, h_n, out) has proj_size features, while c keeps hidden_size=${config.hiddenSize}; h_0 was built with hidden_size`,
        fix: `${zerosFor('h_0', config)} (proj_size), and c0 = torch.zeros(${stack(config)}, x.size(${batchDim(config)}), ${config.hiddenSize}) (hidden_size)`,
      };
    },
  },
  {
    id: 'proj-size-in-c0',
    codes: STATES,
    detect: ({ problem, config, kind }) => {
      if (!kind.hasCellState || !config.projSize || problem.tensor !== 'c_0' || !differsOnly(problem, 2) || problem.got[2] !== config.projSize) return null;
      return {
        cause: `with proj_size=${config.projSize}, only h is projected: c (c_0, c_n) keeps hidden_size=${config.hiddenSize}; c_0 was built with proj_size`,
        fix: `${zerosFor('c_0', config)} (hidden_size), while h0 = torch.zeros(${stack(config)}, x.size(${batchDim(config)}), ${config.projSize}) (proj_size)`,
      };
    },
  },
  {
    id: 'state-features',
    codes: STATES,
    detect: ({ problem, config }) => {
      if (!differsOnly(problem, 2)) return null;
      const what = featureName(problem.tensor, config);
      return {
        cause: `${problem.tensor}'s last dimension is ${what} = ${stateFeatures(problem.tensor, config)}; it has ${problem.got[2]}, the size of another module or layer`,
        fix: `build it with the module's ${what}: ${zerosFor(problem.tensor, config)}`,
      };
    },
  },
  {
    id: 'state-shape',
    codes: STATES,
    detect: ({ problem, config }) => ({
      cause: `${problem.tensor} ${formatShape(problem.got)} differs from ${formatShape(problem.expected ?? [])} in several dimensions: it was built for another configuration (${stackText(config)}, batch, ${featureName(problem.tensor, config)})`,
      fix: `build it from the module and x: ${zerosFor(problem.tensor, config)}`,
    }),
  },
  // ---- lengths ----
  {
    id: 'lengths-unbatched',
    codes: ['lengths-unbatched'],
    detect: ({ config }) => ({
      cause: 'lengths describe a batch of padded sequences, but x is 2-D (one unbatched sequence): there is nothing to pack',
      fix: `drop the lengths for a single sequence (truncate it to its length instead), or give x its batch dimension: x.unsqueeze(${batchDim(config)}) with lengths of one element`,
    }),
  },
  {
    id: 'lengths-x-batch-first-order',
    codes: ['lengths-count'],
    detect: ({ problem, config, input }) => {
      const n = problem.got.length;
      const other = input.x[config.batchFirst ? 1 : 0];
      if (input.x.length !== 3 || n !== other || input.x[0] === input.x[1]) return null;
      return config.batchFirst
        ? {
            cause: `there are ${n} lengths, the size of x's dimension 1: x looks time-major (seq_len, batch, input_size), but batch_first=True reads dimension 0 as the batch`,
            fix: 'pass x batch-first, x.transpose(0, 1), or build the module and pack_padded_sequence with batch_first=False',
          }
        : {
            cause: `there are ${n} lengths, the size of x's dimension 0: x looks like (batch, seq_len, input_size), but without batch_first PyTorch reads dimension 1 as the batch`,
            fix: 'use batch_first=True in both the module and pack_padded_sequence(x, lengths, batch_first=True), or pass x time-major: x.transpose(0, 1)',
          };
    },
  },
  {
    id: 'lengths-count',
    codes: ['lengths-count'],
    detect: ({ problem, geometry, config }) => ({
      cause: `there must be one length per sequence in the batch: x has a batch of ${geometry?.batch} (dimension ${batchDim(config)}), and ${problem.got.length} lengths were given`,
      fix: 'take the lengths from the same batch as x (the collate function that pads x should return its lengths too)',
    }),
  },
  {
    id: 'lengths-zero',
    codes: ['lengths-range'],
    detect: ({ problem }) => {
      if (!problem.got.some((n) => n < 1)) return null;
      return {
        cause: 'a sequence of length 0 (or less): pack_padded_sequence needs at least one step per sequence',
        fix: 'drop empty sequences from the batch before padding (or give them one padding step and ignore their output)',
      };
    },
  },
  {
    id: 'lengths-too-long',
    codes: ['lengths-range'],
    detect: ({ problem, geometry, config }) => {
      const T = geometry?.seqLen ?? 0;
      const longest = Math.max(...problem.got);
      return {
        cause: `lengths longer than seq_len: the longest is ${longest}, but x has seq_len=${T} steps (dimension ${config.batchFirst ? 1 : 0}); the lengths were counted before x was truncated, or on other data. pack_padded_sequence does not check this bound: x is sliced short, and the RNN fails when it runs out of packed rows`,
        fix: `compute the lengths from the padded batch itself, clip them, lengths.clamp(max=${T}), or pad x to the longest sequence (pad_sequence pads to max(lengths) = ${longest})`,
      };
    },
  },
  {
    id: 'lengths-unsorted',
    codes: ['lengths-unsorted'],
    detect: ({ problem, config }) => {
      const i = problem.got.findIndex((n, k) => k > 0 && n > problem.got[k - 1]!);
      return {
        cause: `enforce_sorted=True (pack_padded_sequence's default) needs lengths in decreasing order; lengths[${i - 1}]=${problem.got[i - 1]} < lengths[${i}]=${problem.got[i]}`,
        fix: `pass enforce_sorted=False (PyTorch sorts, and restores the order of h_n), or sort the batch longest first: lengths, idx = lengths.sort(descending=True); x = x[${config.batchFirst ? 'idx' : ':, idx'}]`,
      };
    },
  },
];

function swap(shape: readonly number[], i: number, j: number): number[] {
  const s = [...shape];
  [s[i], s[j]] = [s[j]!, s[i]!];
  return s;
}

/** The most likely cause of a problem: the first detector for its code that fires. */
export function likelyCause(ctx: CauseContext): Cause {
  for (const d of DETECTORS) {
    if (!d.codes.includes(ctx.problem.code)) continue;
    const found = d.detect(ctx);
    if (found) return { id: d.id, ...found };
  }
  throw new InternalError(`no cause detector for ${ctx.problem.code}`);
}
