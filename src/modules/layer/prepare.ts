/**
 * The checks PyTorch makes at forward time, with its wording, and the normalisation every path
 * shares: x to time-major (seqLen, batch, inputSize), unbatched input to a batch of one, absent
 * states to zeros, lengths checked as pack_padded_sequence checks them.
 */
import { ShapeError } from '../../errors.js';
import { formatList, formatShape, sameShape, Tensor, type Shape } from '../../tensor/tensor.js';
import { geometryOf, numDirections, realHiddenSize, type Geometry, type RecurrentConfig } from './config.js';
import type { CellKind } from '../kinds/index.js';

export interface ForwardState {
  /** (numLayers * numDirections, batch, realHidden), or 2-D for unbatched input; zeros when absent. */
  h0?: Tensor | undefined;
  /** LSTM only: (numLayers * numDirections, batch, hiddenSize); zeros when absent. */
  c0?: Tensor | undefined;
  /** Valid steps of each batch element (pack_padded_sequence's lengths), each in 1..seqLen. */
  lengths?: readonly number[] | undefined;
  /** Lengths must be non-increasing, as pack_padded_sequence(enforce_sorted=True) requires. */
  enforceSorted?: boolean | undefined;
}

export interface PreparedInput {
  /** (seqLen, batch, inputSize), time-major. */
  x: Float32Array;
  seqLen: number;
  batch: number;
  batched: boolean;
  /** Every size the executors use, computed once here. */
  geometry: Geometry;
  /** (numLayers * numDirections, batch, realHidden). */
  h0: Float32Array;
  /** (numLayers * numDirections, batch, hiddenSize), or null for kinds without a cell state. */
  c0: Float32Array | null;
  lengths: Int32Array | null;
}

/** The likely cause of a hidden-state shape mismatch, where it can be told. */
function hiddenHint(name: string, got: Shape, expected: Shape, config: RecurrentConfig, batchFirst: boolean, seqLen: number | null): string {
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
    // Built for x's other dimension: x is likely in the other layout.
    if (got[1] === seqLen) {
      return `; ${name}'s batch must equal x's batch, ${batch}; ${got[1]} is the size of x's dimension ${config.batchFirst ? 1 : 0} (seq_len here): x looks ${config.batchFirst ? 'time-first (seq_len, batch, features), but the module has batch_first=True' : 'batch-first (batch, seq_len, features), but the module has batch_first=False'}`;
    }
    const smaller = got[1]! > batch ? ' (is the last batch smaller than the others?)' : '';
    return `; ${name}'s batch must equal x's batch, ${batch}${smaller}`;
  }
  if (got[2] !== hidden) {
    const what = name === 'c_0' ? 'hidden_size' : config.projSize > 0 ? 'proj_size' : 'hidden_size';
    return `; ${name}'s last dimension is ${what} = ${hidden}`;
  }
  return '';
}

/** The tensors the forward-time checks look at. */
export type CheckedTensor = 'x' | 'h_0' | 'c_0' | 'lengths';

/** What went wrong, as a category the doctor's cause detectors can switch on. */
export type ShapeProblemCode =
  | 'x-rank'
  | 'cell-state-unexpected'
  | 'state-pair'
  | 'state-rank'
  | 'input-size'
  | 'state-size'
  | 'lengths-unbatched'
  | 'lengths-count'
  | 'lengths-range'
  | 'lengths-unsorted';

export interface ShapeProblem {
  code: ShapeProblemCode;
  tensor: CheckedTensor;
  /** The engine's ShapeError message: `h_0: Expected hidden size (4, 3, 20), got [2, 3, 20]; <hint>`. */
  message: string;
  /** PyTorch's own message for the same inputs, or null where PyTorch has no check of its own. */
  pytorch: string | null;
  /** The expected shape (for unbatched states, after PyTorch's unsqueeze(1)), or null where no shape is at fault. */
  expected: Shape | null;
  /** The given shape (for an unbatched state, after unsqueeze(1)); for lengths, the lengths themselves. */
  got: readonly number[];
}

/** The shapes (not the data) of one forward call. */
export interface ShapeInput {
  x: Shape;
  h0?: Shape | undefined;
  c0?: Shape | undefined;
  lengths?: readonly number[] | undefined;
  enforceSorted?: boolean | undefined;
}

/** How x is read: time steps, batch, and whether it has a batch dimension at all. */
export interface InputGeometry {
  seqLen: number;
  batch: number;
  batched: boolean;
}

export interface ShapeCheck {
  /** Every problem, in the order the forward pass meets them: the first is the one it raises. */
  problems: ShapeProblem[];
  /** Null when x's rank leaves batch and seq_len unknown. */
  geometry: InputGeometry | null;
}

const PACK_UNSORTED =
  '`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement if you do not need ONNX exportability.';
const PACK_NON_POSITIVE = "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0";
const packCount = (n: number, batch: number): string => `Expected \`len(lengths)\` to be equal to batch_size, but got ${n} (batch_size=${batch})`;

/** What PyTorch says when an LSTM gets one tensor where it wants the pair (h_0, c_0): it indexes hx[0], hx[1]. */
function lonePairMessage(lone: Shape, batched: boolean): string {
  if (lone.length === 0 || lone[0]! < 2) return `index 1 is out of bounds for dimension 0 with size ${lone[0] ?? 0}`;
  const r = lone.length - 1;
  return `For ${batched ? 'batched 3-D' : 'unbatched 2-D'} input, hx and cx should also be ${batched ? 3 : 2}-D but got (${r}-D, ${r}-D) tensors`;
}

/**
 * With lengths and enforce_sorted=False, PyTorch reorders the states' batch by the sorted lengths
 * (index_select on dimension 1) before checking their size: a batch that is the only thing wrong
 * then passes silently when larger (its first rows are used) or fails inside index_select when
 * smaller. The engine still refuses it; PyTorch's own message is then none, or that index error.
 */
function reorderedState(p: ShapeProblem, lengths: readonly number[]): ShapeProblem {
  const [layers, batch, hidden] = p.expected as [number, number, number];
  const [gl, gb, gh] = p.got as [number, number, number];
  if (gl !== layers || gh !== hidden || gb === batch) return p;
  // index_select takes the batch rows in sorted order (longest first) and stops at the first row
  // h_0 does not have.
  const order = lengths.map((n, i) => [n, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const id = order.find(([, i]) => i >= gb)?.[1] ?? gb;
  const pytorch = gb > batch ? null : `INDICES element is out of DATA bounds, id=${id} axis_dim=${gb}`;
  const what = gb > batch ? `silently uses ${batch} of its ${gb} rows` : 'fails in index_select';
  return { ...p, pytorch, message: `${p.message}; PyTorch does not check this with enforce_sorted=False: it reorders ${p.tensor}'s batch by the sorted lengths and ${what}` };
}

function stateProblem(name: 'h_0' | 'c_0', shape: Shape, expected: Shape, batched: boolean, label: string, config: RecurrentConfig, seqLen: number): ShapeProblem | null {
  // Unbatched states are 2-D; the rank was checked before this.
  const got = batched ? shape : [shape[0]!, 1, shape[1]!];
  if (sameShape(got, expected)) return null;
  // Unbatched states are checked after PyTorch's unsqueeze(1), so both shapes show a batch of 1.
  const hint = hiddenHint(name, got, expected, config, config.batchFirst && batched, batched ? seqLen : null);
  const pytorch = `${label} ${formatShape(expected)}, got ${formatList(got)}`;
  return { code: 'state-size', tensor: name, message: `${name}: ${pytorch}${hint}`, pytorch, expected, got };
}

/**
 * The lengths' problems, split by when PyTorch meets them: pack_padded_sequence checks the count
 * (only with enforce_sorted=True: without it, it index_selects the listed sequences), that every
 * length is positive, and the order, before the module runs; a length beyond seq_len passes
 * packing (x is sliced short) and fails inside the module's kernel, after its shape checks.
 */
function lengthsProblems(lengths: readonly number[], seqLen: number, batch: number, enforceSorted: boolean, batchFirst: boolean): { pack: ShapeProblem[]; run: ShapeProblem[] } {
  const problem = (code: ShapeProblemCode, message: string, pytorch: string | null): ShapeProblem => ({ code, tensor: 'lengths', message, pytorch, expected: null, got: lengths });
  if (lengths.length !== batch) {
    // One length per sequence, and as many as x's seq_len dimension, or the longest as long as x's
    // batch dimension (and beyond seq_len): x is likely in the other layout.
    const longest = Math.max(...lengths);
    const signs = [
      lengths.length === seqLen ? `there are ${lengths.length} lengths, the size of x's dimension ${batchFirst ? 1 : 0} (seq_len here)` : '',
      longest === batch && longest > seqLen ? `the longest length, ${longest}, is the size of x's dimension ${batchFirst ? 0 : 1} (the batch here)` : '',
    ].filter(Boolean);
    const layout = signs.length
      ? `; ${signs.join(', and ')}: x looks ${batchFirst ? 'time-first (seq_len, batch, features), but the module has batch_first=True' : 'batch-first (batch, seq_len, features), but the module has batch_first=False'}`
      : '';
    if (enforceSorted || lengths.length < batch) {
      // Without enforce_sorted, fewer lengths silently drop the sequences not listed.
      return { pack: [problem('lengths-count', `lengths: ${packCount(lengths.length, batch)}${layout}`, enforceSorted ? packCount(lengths.length, batch) : null)], run: [] };
    }
    // More lengths than sequences: index_select takes x's batch rows in sorted order (longest first,
    // ties in order) and fails at the first row x does not have.
    const order = lengths.map((n, i) => [n, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    const id = order.find(([, i]) => i >= batch)?.[1] ?? batch;
    const pytorch = `INDICES element is out of DATA bounds, id=${id} axis_dim=${batch}`;
    const message = `lengths: ${pytorch} (pack_padded_sequence(enforce_sorted=False) reorders x's batch by the sorted lengths); expected ${batch} lengths, one per batch element, got ${lengths.length}${layout}`;
    return { pack: [problem('lengths-count', message, pytorch)], run: [] };
  }
  const pack: ShapeProblem[] = [];
  const run: ShapeProblem[] = [];
  const b = lengths.findIndex((n) => !Number.isInteger(n) || n < 1 || n > seqLen);
  if (b >= 0) {
    // PyTorch's words first, then which length and what it should be.
    const ours = `lengths[${b}]: expected an integer in 1..${seqLen} (seq_len), got ${lengths[b]}`;
    // PyTorch converts lengths to int64, truncating: 0.5 becomes 0 (its error), 2.5 becomes 2 (no error).
    if (lengths.some((n) => Math.trunc(n) < 1)) pack.push(problem('lengths-range', `lengths: ${PACK_NON_POSITIVE}; ${ours}`, PACK_NON_POSITIVE));
    else if (!Number.isInteger(lengths[b]!)) pack.push(problem('lengths-range', ours, null));
    else {
      // The packed data has sum(min(length, seq_len)) rows; the kernel's step seq_len asks for more.
      const rows = lengths.reduce((sum, n) => sum + Math.min(n, seqLen), 0);
      const beyond = lengths.filter((n) => n > seqLen).length;
      const pytorch = `start (${rows}) + length (${beyond}) exceeds dimension size (${rows}).`;
      run.push(problem('lengths-range', `lengths: ${pytorch} ${ours}`, pytorch));
    }
  }
  if (enforceSorted && lengths.some((n, i) => i > 0 && n > lengths[i - 1]!)) {
    pack.push(problem('lengths-unsorted', `lengths: ${PACK_UNSORTED} (got ${lengths.join(', ')})`, PACK_UNSORTED));
  }
  return { pack, run };
}

/**
 * PyTorch's forward-time shape checks on shapes alone, every problem listed (one per tensor, two
 * for lengths that are both out of range and unsorted). The engine raises the first; the doctor
 * explains them all. An LSTM given only one of (h_0, c_0) is not checked further.
 */
export function checkForwardShapes(kind: CellKind, config: RecurrentConfig, input: ShapeInput): ShapeCheck {
  const { x, h0, c0 } = input;
  const problems: ShapeProblem[] = [];
  if (x.length !== 2 && x.length !== 3) {
    const pytorch = `${kind.name}: Expected input to be 2D or 3D, got ${x.length}D ${kind.wording.rankSuffix}`;
    return { problems: [{ code: 'x-rank', tensor: 'x', message: `x: ${pytorch}`, pytorch, expected: null, got: x }], geometry: null };
  }
  const batched = x.length === 3;
  const seqLen = batched && config.batchFirst ? x[1]! : x[0]!;
  const batch = !batched ? 1 : config.batchFirst ? x[0]! : x[1]!;
  const geometry: InputGeometry = { seqLen, batch, batched };
  // pack_padded_sequence runs before the module: its problems come first.
  const { lengths } = input;
  const enforceSorted = input.enforceSorted ?? false;
  const lengthsCheck = lengths && batched ? lengthsProblems(lengths, seqLen, batch, enforceSorted, config.batchFirst) : { pack: [], run: [] };
  if (lengths && !batched) {
    // pack_padded_sequence reads a 2-D x's dimension 1 (0 with batch_first) as the batch.
    const packBatch = config.batchFirst ? x[0]! : x[1]!;
    problems.push({
      code: 'lengths-unbatched',
      tensor: 'lengths',
      message: `lengths: expected a batched 3-D input to go with lengths, got an unbatched 2-D input`,
      pytorch: enforceSorted && lengths.length !== packBatch ? packCount(lengths.length, packBatch) : null,
      expected: null,
      got: lengths,
    });
  }
  problems.push(...lengthsCheck.pack);
  const wantRank = batched ? 3 : 2;
  const dims = batched ? 'batched 3-D' : 'unbatched 2-D';
  // Which states go on to the size checks: given, of the right rank, and (LSTM) in a complete pair.
  let checkH = !!h0;
  let checkC = !!c0 && kind.hasCellState;
  if (c0 && !kind.hasCellState) {
    problems.push({
      code: 'cell-state-unexpected',
      tensor: 'c_0',
      message: `c_0: expected no cell state for ${kind.name} (only LSTM has c), got a tensor ${formatList(c0)}`,
      pytorch: "'tuple' object has no attribute 'dim'",
      expected: null,
      got: c0,
    });
  }
  if (kind.hasCellState && (h0 || c0)) {
    if (!h0 || !c0) {
      const [missing, lone] = h0 ? (['c_0', h0] as const) : (['h_0', c0!] as const);
      // The zeros PyTorch would start from: c keeps hidden_size, h has proj_size features when projecting.
      const features = missing === 'c_0' ? config.hiddenSize : realHiddenSize(config);
      const zeros = `torch.zeros(${[config.numLayers * numDirections(config), ...(batched ? [batch] : []), features].join(', ')})`;
      problems.push({
        code: 'state-pair',
        tensor: missing,
        message: `${missing}: expected both h_0 and c_0 for ${kind.name} (PyTorch takes the pair (h_0, c_0)), got only ${missing === 'c_0' ? 'h_0' : 'c_0'}; pass zeros for the one you lack, ${missing} = ${zeros} (a file of zeros of that shape), or neither for zeros in both`,
        pytorch: h0 ? lonePairMessage(lone, batched) : null,
        expected: null,
        got: [],
      });
      checkH = checkC = false;
    } else if (h0.length !== wantRank || c0.length !== wantRank) {
      // PyTorch names the pair (hx, cx) in one message; the engine's error is labelled h_0 either way.
      const pytorch = `For ${dims} input, hx and cx should also be ${wantRank}-D but got (${h0.length}-D, ${c0.length}-D) tensors`;
      for (const [name, shape] of [['h_0', h0], ['c_0', c0]] as const) {
        if (shape.length !== wantRank) problems.push({ code: 'state-rank', tensor: name, message: `h_0: ${pytorch}`, pytorch, expected: null, got: shape });
      }
      checkH = h0.length === wantRank;
      checkC = c0.length === wantRank;
    }
  } else if (h0 && h0.length !== wantRank) {
    const pytorch = `For ${dims} input, hx should also be ${wantRank}-D but got ${h0.length}-D tensor`;
    problems.push({ code: 'state-rank', tensor: 'h_0', message: `h_0: ${pytorch}`, pytorch, expected: null, got: h0 });
    checkH = false;
  }
  const inputSize = x[x.length - 1]!;
  if (inputSize !== config.inputSize) {
    let hint = '';
    if (batched && x[config.batchFirst ? 1 : 0] === config.inputSize) hint = '; is the input transposed?';
    const pytorch = `input.size(-1) must be equal to input_size. Expected ${config.inputSize}, got ${inputSize}`;
    problems.push({ code: 'input-size', tensor: 'x', message: `x: ${pytorch}${hint}`, pytorch, expected: [...x.slice(0, -1), config.inputSize], got: x });
  }
  const layers = config.numLayers * numDirections(config);
  const lstm = kind.hasCellState;
  const hProblem = checkH && stateProblem('h_0', h0!, [layers, batch, realHiddenSize(config)], batched, lstm ? 'Expected hidden[0] size' : 'Expected hidden size', config, seqLen);
  const cProblem = checkC && stateProblem('c_0', c0!, [layers, batch, config.hiddenSize], batched, 'Expected hidden[1] size', config, seqLen);
  for (const p of [hProblem, cProblem]) if (p) problems.push(lengths && batched && !enforceSorted ? reorderedState(p, lengths) : p);
  problems.push(...lengthsCheck.run);
  return { problems, geometry };
}

export function prepareInput(kind: CellKind, config: RecurrentConfig, x: Tensor, state: ForwardState = {}): PreparedInput {
  const { h0, c0 } = state;
  const { problems, geometry } = checkForwardShapes(kind, config, {
    x: x.shape,
    h0: h0?.shape,
    c0: c0?.shape,
    lengths: state.lengths,
    enforceSorted: state.enforceSorted,
  });
  if (problems.length || !geometry) throw new ShapeError(problems[0]!.message);
  const { seqLen, batch, batched } = geometry;
  const data = batched && config.batchFirst ? transpose01(x.data, batch, seqLen, config.inputSize) : x.data;
  const layers = config.numLayers * numDirections(config);
  const zeros = (n: number): Float32Array => new Float32Array(layers * batch * n);
  return {
    x: data,
    seqLen,
    batch,
    batched,
    geometry: geometryOf(kind, config, seqLen, batch),
    h0: h0 ? h0.data : zeros(realHiddenSize(config)),
    c0: kind.hasCellState ? (c0 ? c0.data : zeros(config.hiddenSize)) : null,
    lengths: state.lengths ? Int32Array.from(state.lengths) : null,
  };
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
