/**
 * The mistakes PyTorch raises no error for: code that runs and reads the wrong numbers. For one
 * module and the shapes it is given, each pitfall that applies, with the expression that is right
 * for this configuration (its sizes written in).
 */
import type { RecurrentConfig } from '../modules/layer/config.js';
import type { CellKind } from '../modules/kinds/index.js';
import { pitfallCodes, type DoctorPitfall } from '../schema/doctor.js';

export interface PitfallGeometry {
  batch: number;
  seqLen: number;
  batched: boolean;
}

type Code = DoctorPitfall['code'];

interface Context {
  kind: CellKind;
  config: RecurrentConfig;
  geometry: PitfallGeometry;
  lengths: readonly number[] | null;
  L: number;
  D: number;
  H: number;
  Hr: number;
}

/** out at each sequence's last valid step, in PyTorch. */
function lastValid(config: RecurrentConfig, geometry: PitfallGeometry): string {
  const rows = `torch.arange(${geometry.batch})`;
  return config.batchFirst ? `out[${rows}, lengths - 1]` : `out[lengths - 1, ${rows}]`;
}

/** One entry per pitfall: when it applies, and what to write instead. */
const PITFALLS: Record<Code, (c: Context) => { message: string; expression: string } | null> = {
  'padded-last-step': ({ config, geometry, lengths, D, Hr }) => {
    if (!lengths || lengths.every((n) => n === geometry.seqLen)) return null;
    const short = lengths.filter((n) => n < geometry.seqLen).length;
    const last = config.batchFirst ? 'out[:, -1]' : 'out[-1]';
    const right = lastValid(config, geometry);
    return {
      message: `${last} is padding (zeros) for the ${short} sequence(s) shorter than seq_len=${geometry.seqLen}: each sequence's last valid step is at lengths - 1`,
      expression: D === 1 ? `${right}, or h_n[-1] (h_n is taken at each sequence's last valid step)` : `${right}[:, :${Hr}] for the forward half (the reverse half's final is at t=0); or h_n, which holds both directions' finals (see bidirectional-final)`,
    };
  },
  'bidirectional-final': ({ config, geometry, lengths, D, Hr }) => {
    if (D !== 2) return null;
    // With lengths, the forward direction ends at each sequence's own last valid step.
    const end = lengths ? `${lastValid(config, geometry)}[:, :${Hr}]` : config.batchFirst ? `out[:, -1, :${Hr}]` : `out[-1, :, :${Hr}]`;
    const start = config.batchFirst ? `out[:, 0, ${Hr}:]` : `out[0, :, ${Hr}:]`;
    return {
      message: `h_n[-1] is the top layer's reverse direction alone (it read the sequence from the end back to t=0); the final features are both directions, H=${Hr} each`,
      expression: `torch.cat([h_n[-2], h_n[-1]], dim=1), or from out: torch.cat([${end}, ${start}], dim=1) (not out's last step: its reverse half is the first token's)`,
    };
  },
  'h_n-view': ({ config, geometry, L, D, Hr }) => {
    if (L * D === 1) return null;
    const B = geometry.batched ? `${geometry.batch}, ` : '';
    return {
      message: `h_n's first dimension is num_layers * num_directions = ${L}*${D}, layer by layer (slice k = layer k // ${D}, direction k % ${D})`,
      expression: `h_n.view(num_layers, num_directions, ${B ? 'batch, ' : ''}features) = h_n.view(${L}, ${D}, ${B}${Hr}), then [layer, direction]; not h_n.view(num_directions, num_layers, ...)${D === 2 ? `; the top layer's two directions are h_n.view(${L}, ${D}, ${B}${Hr})[-1]` : ''}`,
    };
  },
  'states-not-batch-first': ({ config, geometry, L, D, Hr }) => {
    if (!config.batchFirst || !geometry.batched) return null;
    const same = geometry.batch === L * D;
    return {
      message: `batch_first applies to x and out only: h_0 and h_n stay (num_layers * num_directions, batch, features)${same ? `; here batch = ${geometry.batch} = num_layers * num_directions, so an h_0 built as (batch, layers, hidden) has the right shape and PyTorch cannot tell` : ''}`,
      expression: `h_0 = torch.zeros(${L * D}, ${geometry.batch}, ${Hr})${same ? ' (and if your h_0 came as (batch, layers, hidden): h_0.transpose(0, 1).contiguous())' : ''}`,
    };
  },
  'proj-size-features': ({ config, geometry, L, D, H, Hr }) => {
    if (!config.projSize) return null;
    const B = geometry.batched ? `${geometry.batch}, ` : '';
    return {
      message: `with proj_size=${Hr}, h (h_0, h_n and out) has ${Hr} features but c (c_0, c_n) keeps hidden_size=${H}`,
      expression: `h_0 = torch.zeros(${L * D}, ${B}${Hr}); c_0 = torch.zeros(${L * D}, ${B}${H})`,
    };
  },
  'state-pair': ({ kind, geometry, L, D, H, Hr }) => {
    if (!kind.hasCellState) return null;
    const B = geometry.batched ? `${geometry.batch}, ` : '';
    return {
      message: `an ${kind.name}'s state is the pair (h_0, c_0): give both or neither (zeros for the one you do not have)`,
      expression: `out, (h_n, c_n) = lstm(x, (h_0, c_0)) with c_0 = torch.zeros(${L * D}, ${B}${H}) when you have no c_0 (h_0 likewise: ${Hr} features)`,
    };
  },
};


export function pitfalls(kind: CellKind, config: RecurrentConfig, geometry: PitfallGeometry | null, lengths: readonly number[] | null | undefined): DoctorPitfall[] {
  if (!geometry) return [];
  const D = config.bidirectional ? 2 : 1;
  const context: Context = { kind, config, geometry, lengths: lengths ?? null, L: config.numLayers, D, H: config.hiddenSize, Hr: config.projSize || config.hiddenSize };
  const found: DoctorPitfall[] = [];
  for (const code of pitfallCodes) {
    const p = PITFALLS[code](context);
    if (p) found.push({ code, ...p });
  }
  return found;
}
