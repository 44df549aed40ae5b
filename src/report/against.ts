/**
 * compare --against: the module's own run set beside the tensors a user's code saved (out, h_n,
 * and c_n for LSTM), on the same weights and input. Per tensor, and per layer and direction, the
 * largest difference and where, and the first time step that differs; when they differ, the known
 * mistakes of hand-written loops are each run on purpose and tested against the user's tensors, and
 * the one that reproduces them is named with its fix.
 *
 * Tolerance: 1e-5 × max(1, the tensor's largest |value|), PyTorch parity's rule (a loop in
 * PyTorch's float32 kernels differs from ours by rounding), unless given.
 */
import { UsageError } from '../errors.js';
import type { ForwardResult } from '../modules/layer/result.js';
import type { Recurrent, ForwardOptions } from '../modules/recurrent.js';
import { loopMistakes, type LoopMistake } from '../modules/run/manual.js';
import type { AgainstCause, AgainstReport, AgainstTensor } from '../schema/compare.js';
import { unravel } from '../tensor/stats.js';
import { formatShape, Tensor } from '../tensor/tensor.js';

export const AGAINST_RELATIVE_TOLERANCE = 1e-5;

type Name = 'out' | 'h_n' | 'c_n';

/** What a cause's hypothesis would have produced: the module's results with one mistake made. */
interface Hypothesis {
  id: AgainstCause['id'];
  produce(): Partial<Record<Name, Tensor>> | null;
  message: string;
  fix: string;
}

const CAUSE_TEXT: Record<LoopMistake, { message: string; fix: string }> = {
  'layers-read-x': {
    message: "every layer read x[t]: layer l >= 1 must read the layer below's new h_t, not the input",
    fix: 'in the loop, feed each layer the output of the one below: inp = x[t]; for l in range(num_layers): h[l] = cell[l](inp, h[l]); inp = h[l]',
  },
  'reverse-not-reversed': {
    message: 'the reverse direction ran forward in time: it must read x[T-1] first and still write its h_t at out[t]',
    fix: 'step the reverse cells over reversed(range(T)) and put each h_t at out[t] (the second half of its features)',
  },
};

function results(r: ForwardResult): Record<Name, Tensor | null> {
  return { out: r.out, h_n: r.hN, c_n: r.cN };
}

function toleranceOf(t: Tensor, absolute: number | undefined): number {
  if (absolute !== undefined) return absolute;
  let m = 0;
  for (const v of t.data) if (Math.abs(v) > m && Number.isFinite(v)) m = Math.abs(v);
  return AGAINST_RELATIVE_TOLERANCE * Math.max(1, m);
}

/** Whether `theirs` equals `ours` within tolerance (same shape, every element). */
function agrees(ours: Tensor, theirs: Tensor, tolerance: number): boolean {
  if (formatShape(ours.shape) !== formatShape(theirs.shape)) return false;
  for (let i = 0; i < ours.size; i++) if (!(Math.abs(ours.data[i]! - theirs.data[i]!) <= tolerance)) return false;
  return true;
}

/** ours with its first two dimensions swapped (batch-first vs time-first). */
function swap01(t: Tensor): Tensor | null {
  if (t.rank !== 3) return null;
  const [A, B, F] = t.shape as [number, number, number];
  const data = new Float32Array(t.size);
  for (let a = 0; a < A; a++) for (let b = 0; b < B; b++) data.set(t.data.subarray((a * B + b) * F, (a * B + b + 1) * F), (b * A + a) * F);
  return new Tensor(data, [B, A, F]);
}

export interface AgainstInput {
  module: Recurrent;
  x: Tensor;
  forward: ForwardOptions;
  file: string;
  theirs: ReadonlyMap<string, Tensor>;
  tolerance?: number | undefined;
}

export function compareAgainst({ module, x, forward, file, theirs, tolerance }: AgainstInput): AgainstReport {
  const names: Name[] = module.kind.hasCellState ? ['out', 'h_n', 'c_n'] : ['out', 'h_n'];
  const missing = names.filter((n) => !theirs.has(n));
  if (missing.length) {
    throw new UsageError(`--against ${file}: expected tensors named ${names.join(', ')} (as np.savez(f, ${names.map((n) => `${n}=...`).join(', ')}) writes them), got ${theirs.size ? [...theirs.keys()].join(', ') : 'none'}; missing ${missing.join(', ')}`);
  }
  if (module.training && module.config.dropout > 0) throw new UsageError('--against: expected eval mode (dropout masks are random in the user\'s code), got --train with --dropout');
  const own = results(module.forward(x, forward));
  const D = module.numDirections;
  const tensors: AgainstTensor[] = names.map((name) => describe(name, own[name]!, theirs.get(name)!, tolerance, module, D));
  const ok = tensors.every((t) => t.ok);
  const ignored = [...theirs.keys()].filter((k) => !(names as string[]).includes(k));
  return {
    file,
    ok,
    tolerance_rule: tolerance !== undefined ? `absolute ${tolerance}` : `${AGAINST_RELATIVE_TOLERANCE} × max(1, the tensor's largest |value|)`,
    tensors,
    ignored,
    cause: ok ? null : findCause(module, x, forward, names, theirs, tolerance, own),
  };
}

function describe(name: Name, ours: Tensor, theirs: Tensor, absolute: number | undefined, module: Recurrent, D: number): AgainstTensor {
  const tolerance = toleranceOf(ours, absolute);
  const base = { name, shape: [...ours.shape], their_shape: [...theirs.shape], tolerance };
  if (formatShape(ours.shape) !== formatShape(theirs.shape)) {
    return { ...base, max_abs_diff: null, where: null, ours: null, theirs: null, first_t: null, slices: [], ok: false };
  }
  let worst = -1;
  let at = 0;
  for (let i = 0; i < ours.size; i++) {
    const d = Math.abs(ours.data[i]! - theirs.data[i]!);
    const diff = Number.isNaN(d) ? Infinity : d;
    if (diff > worst) [worst, at] = [diff, i];
  }
  const { batchFirst } = module.config;
  const batched = ours.rank === 3;
  const slices: AgainstTensor['slices'] = [];
  let firstT: number | null = null;
  const F = ours.shape.at(-1)!;
  if (name === 'out') {
    // out's features: the top layer's forward half, then its reverse half.
    const timeDim = batched && batchFirst ? 1 : 0;
    const Hr = F / D;
    for (let d = 0; d < D; d++) {
      let max = 0;
      let first: number | null = null;
      for (let i = 0; i < ours.size; i++) {
        const f = i % F;
        if (f < d * Hr || f >= (d + 1) * Hr) continue;
        const diff = Math.abs(ours.data[i]! - theirs.data[i]!);
        const bad = !(diff <= tolerance);
        if (diff > max || Number.isNaN(diff)) max = Number.isNaN(diff) ? Infinity : diff;
        if (bad) {
          const t = unravel(i, ours.shape)[timeDim]!;
          if (first === null || t < first) first = t;
        }
      }
      slices.push({ layer: module.config.numLayers - 1, direction: d === 0 ? 'forward' : 'reverse', max_abs_diff: max, first_t: first, ok: first === null });
      if (first !== null && (firstT === null || first < firstT)) firstT = first;
    }
  } else {
    const per = ours.size / ours.shape[0]!;
    for (let k = 0; k < ours.shape[0]!; k++) {
      let max = 0;
      for (let i = k * per; i < (k + 1) * per; i++) {
        const diff = Math.abs(ours.data[i]! - theirs.data[i]!);
        max = Math.max(max, Number.isNaN(diff) ? Infinity : diff);
      }
      slices.push({ layer: Math.floor(k / D), direction: k % D === 0 ? 'forward' : 'reverse', max_abs_diff: max, first_t: null, ok: max <= tolerance });
    }
  }
  return { ...base, max_abs_diff: worst, where: unravel(at, ours.shape), ours: ours.data[at]!, theirs: theirs.data[at]!, first_t: firstT, slices, ok: worst <= tolerance };
}

function findCause(module: Recurrent, x: Tensor, forward: ForwardOptions, names: Name[], theirs: ReadonlyMap<string, Tensor>, absolute: number | undefined, own: Record<Name, Tensor | null>): AgainstCause | null {
  const { config } = module;
  const D = module.numDirections;
  const Hr = own.h_n!.shape.at(-1)!;
  const hypotheses: Hypothesis[] = [];
  const possible: Record<LoopMistake, boolean> = {
    // Only a loop whose upper layers accept x's width can feed them x.
    'layers-read-x': config.numLayers > 1 && config.inputSize === D * Hr,
    'reverse-not-reversed': D === 2,
  };
  for (const mistake of loopMistakes) {
    if (!possible[mistake]) continue;
    hypotheses.push({ id: mistake, ...CAUSE_TEXT[mistake], produce: () => results(module.forwardMistaken(x, mistake, forward)) as Partial<Record<Name, Tensor>> });
  }
  if (forward.lengths) {
    hypotheses.push({
      id: 'padded-steps',
      message: "the padding was run as data: h_n (and the reverse direction's steps) came from the padded end of the batch, not each sequence's last valid step",
      fix: 'pack the batch (pack_padded_sequence(x, lengths, enforce_sorted=False)) or take out[torch.arange(B), lengths - 1] and stop each sequence at its length',
      produce: () => {
        const { lengths: _l, ...rest } = forward;
        return results(module.forward(x, rest)) as Partial<Record<Name, Tensor>>;
      },
    });
  }
  hypotheses.push({
    id: 'batch-layout',
    message: `out is the module's out with its first two dimensions swapped: ${config.batchFirst ? 'time-first (seq_len, batch, features) where the module is batch_first' : 'batch-first (batch, seq_len, features) where the module is time-first'}`,
    fix: config.batchFirst ? 'stack the steps on dim 1 (torch.stack(outs, 1)) or out.transpose(0, 1)' : 'stack the steps on dim 0 (torch.stack(outs, 0)) or out.transpose(0, 1); or build the module with batch_first=True',
    produce: () => {
      const swapped = swap01(own.out!);
      return swapped ? { out: swapped } : null;
    },
  });
  for (const h of hypotheses) {
    const made = h.produce();
    if (!made) continue;
    // The hypothesis must explain every tensor it makes, and at least one of them must differ from ours.
    const checked = names.filter((n) => made[n]);
    const explains = checked.every((n) => agrees(made[n]!, theirs.get(n)!, toleranceOf(made[n]!, absolute)));
    const rest = names.filter((n) => !made[n]).every((n) => agrees(own[n]!, theirs.get(n)!, toleranceOf(own[n]!, absolute)));
    if (explains && rest) return { id: h.id, message: h.message, fix: h.fix };
  }
  return null;
}
