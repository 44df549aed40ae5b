/**
 * What each tensor of a run is: its shape, its dimensions by name, and its meaning in one line.
 * The words are the lessons people most often need: out is the top layer at every step, h_n is
 * every layer at the last step, and batch_first never reaches h_0 / h_n.
 */
import type { RecurrentConfig } from '../modules/layer/config.js';
import type { CellKind } from '../modules/kinds/index.js';

export type TensorName = 'x' | 'h_0' | 'c_0' | 'out' | 'h_n' | 'c_n';

export interface TensorDescription {
  name: TensorName;
  shape: number[];
  dims: { name: string; size: number }[];
  meaning: string;
}

export interface RunGeometry {
  seqLen: number;
  batch: number;
  batched: boolean;
  /** Whether h_0 / c_0 came from the caller (else zeros). */
  h0Given: boolean;
  c0Given: boolean;
  lengths: readonly number[] | null;
}

export function describeTensors(kind: CellKind, config: RecurrentConfig, g: RunGeometry): TensorDescription[] {
  const D = config.bidirectional ? 2 : 1;
  const Hr = config.projSize || config.hiddenSize;
  const hName = config.projSize ? 'proj_size' : 'hidden_size';
  const seq = { name: 'seq_len', size: g.seqLen };
  const batch = { name: 'batch', size: g.batch };
  const stack = { name: D === 2 ? 'num_layers*num_directions' : 'num_layers', size: config.numLayers * D };
  const feat = (name: string, size: number): { name: string; size: number } => ({ name, size });
  const outFeat = D === 2 ? feat(`num_directions*${hName}`, D * Hr) : feat(hName, Hr);
  const timeDims = (last: { name: string; size: number }): { name: string; size: number }[] =>
    !g.batched ? [seq, last] : config.batchFirst ? [batch, seq, last] : [seq, batch, last];
  const stateDims = (last: { name: string; size: number }): { name: string; size: number }[] =>
    g.batched ? [stack, batch, last] : [stack, last];
  const unbatched = g.batched ? '' : ' (unbatched: no batch dimension)';
  const noBatchFirst = config.batchFirst ? '; batch_first does not apply to it' : '';
  const L = config.numLayers;
  const dirWord = D === 2 ? ' and direction' : '';
  const last = D === 2 ? 'the last step (forward) / the first step (reverse)' : 'the last step';
  const lengthsNote = g.lengths ? ", each sequence's own last valid step" : '';
  const out: TensorDescription[] = [
    {
      name: 'x',
      shape: [],
      dims: timeDims(feat('input_size', config.inputSize)),
      meaning: `the input sequence${unbatched}; its shape does not depend on num_layers`,
    },
    {
      name: 'h_0',
      shape: [],
      dims: stateDims(feat(hName, Hr)),
      meaning: `initial hidden state, one slice per layer${dirWord} (${g.h0Given ? 'given' : 'zeros: none given'})${noBatchFirst}`,
    },
  ];
  if (kind.hasCellState) {
    out.push({
      name: 'c_0',
      shape: [],
      dims: stateDims(feat('hidden_size', config.hiddenSize)),
      meaning: `initial cell state, one slice per layer${dirWord} (${g.c0Given ? 'given' : 'zeros: none given'})${noBatchFirst}`,
    });
  }
  out.push(
    {
      name: 'out',
      shape: [],
      dims: timeDims(outFeat),
      meaning: `the TOP layer's h at every step (layer ${L - 1}, the last of ${L})${D === 2 ? ', forward and reverse halves side by side' : ''}${g.lengths ? '; zero past each length' : ''}`,
    },
    {
      name: 'h_n',
      shape: [],
      dims: stateDims(feat(hName, Hr)),
      meaning: `EVERY layer's h at ${last}${lengthsNote}${noBatchFirst}`,
    },
  );
  if (kind.hasCellState) {
    out.push({
      name: 'c_n',
      shape: [],
      dims: stateDims(feat('hidden_size', config.hiddenSize)),
      meaning: `every layer's cell state c at ${last}${lengthsNote}; c keeps hidden_size even with proj_size`,
    });
  }
  for (const d of out) d.shape = d.dims.map((x) => x.size);
  return out;
}
