/**
 * The checks PyTorch makes at forward time, with its wording, and the normalisation every path
 * shares: x to time-major (seqLen, batch, inputSize), unbatched input to a batch of one, absent
 * states to zeros, lengths checked as pack_padded_sequence checks them.
 */
import { ShapeError } from '../errors.js';
import { formatList, formatShape, sameShape, Tensor, type Shape } from '../tensor/tensor.js';
import { numDirections, realHiddenSize, type RecurrentConfig } from './config.js';
import type { CellKind } from './kinds/index.js';

export interface ForwardState {
  /** (numLayers * numDirections, batch, realHidden), or 2-D for unbatched input; zeros when absent. */
  h0?: Tensor;
  /** LSTM only: (numLayers * numDirections, batch, hiddenSize); zeros when absent. */
  c0?: Tensor;
  /** Valid steps of each batch element (pack_padded_sequence's lengths), each in 1..seqLen. */
  lengths?: readonly number[];
  /** Lengths must be non-increasing, as pack_padded_sequence(enforce_sorted=True) requires. */
  enforceSorted?: boolean;
}

export interface PreparedInput {
  /** (seqLen, batch, inputSize), time-major. */
  x: Float32Array;
  seqLen: number;
  batch: number;
  batched: boolean;
  /** (numLayers * numDirections, batch, realHidden). */
  h0: Float32Array;
  /** (numLayers * numDirections, batch, hiddenSize), or null for kinds without a cell state. */
  c0: Float32Array | null;
  lengths: Int32Array | null;
}

/** The likely cause of a hidden-state shape mismatch, where it can be told. */
function hiddenHint(name: string, got: Shape, expected: Shape, config: RecurrentConfig, batchFirst: boolean): string {
  const [layers, batch, hidden] = expected as [number, number, number];
  if (got.length !== 3) return '';
  const D = numDirections(config);
  if (batchFirst && got[0] === batch && got[1] === layers && got[2] === hidden) {
    return `; batch_first does not apply to ${name}: it stays (num_layers*num_directions, batch, hidden)`;
  }
  if (got[0] !== layers) {
    return `; ${name} holds one slice per layer and direction: num_layers*num_directions = ${config.numLayers}*${D} = ${layers}`;
  }
  if (got[1] !== batch) {
    const smaller = got[1]! > batch ? ' (is the last batch smaller than the others?)' : '';
    return `; ${name}'s batch must equal x's batch, ${batch}${smaller}`;
  }
  if (got[2] !== hidden) {
    const what = name === 'c_0' ? 'hidden_size' : config.projSize > 0 ? 'proj_size' : 'hidden_size';
    return `; ${name}'s last dimension is ${what} = ${hidden}`;
  }
  return '';
}

function checkState(
  name: 'h_0' | 'c_0',
  t: Tensor | undefined,
  expected: Shape,
  batched: boolean,
  message: string,
  config: RecurrentConfig,
): Float32Array {
  if (!t) return new Float32Array(expected.reduce((a, b) => a * b, 1));
  // Unbatched states are 2-D; the rank was checked before this.
  const got = batched ? t.shape : [t.shape[0]!, 1, t.shape[1]!];
  if (!sameShape(got, expected)) {
    // Unbatched states are checked after PyTorch's unsqueeze(1), so both shapes show a batch of 1.
    const hint = hiddenHint(name, got, expected, config, config.batchFirst && batched);
    throw new ShapeError(`${name}: ${message} ${formatShape(expected)}, got ${formatList(got)}${hint}`);
  }
  return t.data;
}

function checkLengths(lengths: readonly number[], seqLen: number, batch: number, enforceSorted: boolean): Int32Array {
  if (lengths.length !== batch) {
    throw new ShapeError(`lengths: Expected \`len(lengths)\` to be equal to batch_size, but got ${lengths.length} (batch_size=${batch})`);
  }
  lengths.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 1 || n > seqLen) {
      throw new ShapeError(`lengths[${b}]: expected an integer in 1..${seqLen} (seq_len), got ${n}`);
    }
  });
  if (enforceSorted) {
    for (let b = 1; b < batch; b++) {
      if (lengths[b]! > lengths[b - 1]!) {
        throw new ShapeError(
          `lengths: \`lengths\` array must be sorted in decreasing order when \`enforce_sorted\` is True. You can pass \`enforce_sorted=False\` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability. (got ${lengths.join(', ')})`,
        );
      }
    }
  }
  return Int32Array.from(lengths);
}

export function prepareInput(kind: CellKind, config: RecurrentConfig, x: Tensor, state: ForwardState = {}): PreparedInput {
  if (x.rank !== 2 && x.rank !== 3) {
    // PyTorch 2's wording: RNN says "tensor instead", LSTM and GRU just "instead".
    const tail = kind.name === 'RNN' ? 'tensor instead' : 'instead';
    throw new ShapeError(`x: ${kind.name}: Expected input to be 2D or 3D, got ${x.rank}D ${tail}`);
  }
  const batched = x.rank === 3;
  const { h0, c0 } = state;
  if (c0 && !kind.hasCellState) throw new ShapeError(`c_0: expected no cell state for ${kind.name} (only LSTM has c), got a tensor ${formatList(c0.shape)}`);
  const wantRank = batched ? 3 : 2;
  const dims = batched ? 'batched 3-D' : 'unbatched 2-D';
  if (kind.hasCellState && (h0 || c0)) {
    if (!h0 || !c0) throw new ShapeError(`${h0 ? 'c_0' : 'h_0'}: expected both h_0 and c_0 for LSTM (PyTorch takes the pair (h_0, c_0)), got only ${h0 ? 'h_0' : 'c_0'}`);
    if (h0.rank !== wantRank || c0.rank !== wantRank) {
      throw new ShapeError(`h_0: For ${dims} input, hx and cx should also be ${wantRank}-D but got (${h0.rank}-D, ${c0.rank}-D) tensors`);
    }
  } else if (h0 && h0.rank !== wantRank) {
    throw new ShapeError(`h_0: For ${dims} input, hx should also be ${wantRank}-D but got ${h0.rank}-D tensor`);
  }
  const inputSize = x.shape[x.rank - 1]!;
  if (inputSize !== config.inputSize) {
    let hint = '';
    if (batched && x.shape[config.batchFirst ? 1 : 0] === config.inputSize) hint = '; is the input transposed?';
    throw new ShapeError(`x: input.size(-1) must be equal to input_size. Expected ${config.inputSize}, got ${inputSize}${hint}`);
  }
  let seqLen: number;
  let batch: number;
  let data: Float32Array;
  if (!batched) {
    seqLen = x.shape[0]!;
    batch = 1;
    data = x.data;
  } else if (config.batchFirst) {
    batch = x.shape[0]!;
    seqLen = x.shape[1]!;
    data = transpose01(x.data, batch, seqLen, inputSize);
  } else {
    seqLen = x.shape[0]!;
    batch = x.shape[1]!;
    data = x.data;
  }
  const layers = config.numLayers * numDirections(config);
  const hExpected = [layers, batch, realHiddenSize(config)];
  const lstm = kind.hasCellState;
  const h = checkState('h_0', h0, hExpected, batched, lstm ? 'Expected hidden[0] size' : 'Expected hidden size', config);
  const c = lstm ? checkState('c_0', c0, [layers, batch, config.hiddenSize], batched, 'Expected hidden[1] size', config) : null;
  let lengths: Int32Array | null = null;
  if (state.lengths) {
    if (!batched) throw new ShapeError(`lengths: expected a batched 3-D input to go with lengths, got an unbatched 2-D input`);
    lengths = checkLengths(state.lengths, seqLen, batch, state.enforceSorted ?? false);
  }
  return { x: data, seqLen, batch, batched, h0: h, c0: c, lengths };
}

/** (a, b, rest) -> (b, a, rest): batch-first and time-major are this one transpose apart. */
export function transpose01(src: Float32Array, a: number, b: number, rest: number): Float32Array {
  const dst = new Float32Array(src.length);
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) {
      dst.set(src.subarray((i * b + j) * rest, (i * b + j + 1) * rest), (j * a + i) * rest);
    }
  }
  return dst;
}
