/**
 * Data that fits the module's shapes but looks like another layout: PyTorch runs it without an
 * error, on the wrong numbers. From the shapes alone (doctor) or with x's values too (run).
 *
 * Shape: x (seq_len, batch, features), or (batch, seq_len, features) with batch_first |
 *        h_0, c_0 (num_layers * num_directions, batch, features) whatever batch_first says
 */
import type { RecurrentConfig } from '../modules/layer/config.js';
import { formatShape, type Shape } from '../tensor/tensor.js';
import { warning, type Warning } from '../warnings.js';

export interface LayoutInput {
  x: Shape;
  h0?: Shape | undefined;
  c0?: Shape | undefined;
  lengths?: readonly number[] | null | undefined;
  /** x's values (run): the zeros past each length tell which layout padded it. */
  xData?: Float32Array | undefined;
}

type LayoutConfig = Pick<RecurrentConfig, 'numLayers' | 'bidirectional' | 'batchFirst'>;

/**
 * A state (L·D, B, H) with B = L·D: an h_0 built as (batch, layers, hidden) has the same shape, so
 * PyTorch takes it silently (a batch of 1 reads the same either way).
 */
function stateWarning(name: string, state: Shape, config: LayoutConfig, batch: number): Warning | null {
  const slices = config.numLayers * (config.bidirectional ? 2 : 1);
  if (state.length !== 3 || batch < 2 || batch !== slices || state[0] !== slices || state[1] !== batch) return null;
  return warning(
    'h0-batch-equals-layers',
    `${name} ${formatShape(state)}: batch = ${batch} = num_layers * num_directions, so an ${name} built as (batch, num_layers * num_directions, hidden) has this shape too and PyTorch takes it without a word; dimension 0 must be the layer (and direction), dimension 1 the batch${config.batchFirst ? ' (batch_first does not apply to it)' : ''}: ${name}.transpose(0, 1).contiguous() if it was built batch first`,
  );
}

/** Whether every feature of x at (dimension 0 = i, dimension 1 = j) with j ≥ lengths[i] (or i ≥ lengths[j]) is 0. */
function paddedZeros(data: Float32Array, n: number, features: number, lengths: readonly number[], batchAtDim0: boolean): { padded: number; zero: boolean } {
  let padded = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const [b, t] = batchAtDim0 ? [i, j] : [j, i];
      if (t < lengths[b]!) continue;
      padded++;
      const at = (i * n + j) * features;
      for (let f = 0; f < features; f++) if (data[at + f] !== 0) return { padded, zero: false };
    }
  }
  return { padded, zero: true };
}

/**
 * With lengths and as many sequences as steps (the only case where a swapped layout passes every
 * check: otherwise the count of lengths differs from the batch), x's zero padding tells the
 * layout: zeros everywhere past each length in the other layout, and data in this one's.
 */
function paddingWarning(input: LayoutInput, config: LayoutConfig): Warning | null {
  const { x, lengths, xData } = input;
  if (!xData || !lengths || x.length !== 3 || x[0] !== x[1] || lengths.length !== x[0]) return null;
  const n = x[0]!;
  if (lengths.some((l) => !Number.isInteger(l) || l < 1 || l > n) || lengths.every((l) => l === n)) return null;
  const features = x[2]!;
  const read = paddedZeros(xData, n, features, lengths, config.batchFirst);
  const other = paddedZeros(xData, n, features, lengths, !config.batchFirst);
  if (read.zero || !other.zero || other.padded === 0) return null;
  const [asRead, asOther] = config.batchFirst ? ['batch-first (batch, seq_len, features)', 'time-first (seq_len, batch, features)'] : ['time-first (seq_len, batch, features)', 'batch-first (batch, seq_len, features)'];
  return warning(
    'lengths-padding-other-layout',
    `x ${formatShape(x)} is read ${asRead}, but its zeros past each length (lengths ${lengths.join(',')}) sit where ${asOther} data pads them, and it holds data where this layout pads: ${config.batchFirst ? 'drop --batch-first (batch_first=False)' : 'pass --batch-first (batch_first=True in the module and in pack_padded_sequence)'}, or transpose x`,
  );
}

/** Every layout warning that applies to these shapes (and values, when given). */
export function layoutWarnings(config: LayoutConfig, input: LayoutInput): Warning[] {
  const { x } = input;
  if (x.length !== 3) return [];
  const batch = x[config.batchFirst ? 0 : 1]!;
  const found: (Warning | null)[] = [];
  if (input.h0) found.push(stateWarning('h_0', input.h0, config, batch));
  else if (input.c0) found.push(stateWarning('c_0', input.c0, config, batch));
  found.push(paddingWarning(input, config));
  return found.filter((w): w is Warning => w !== null);
}
