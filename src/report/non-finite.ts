/**
 * Infinity and NaN in a run: where h first held one, said in words, and how two values are
 * compared when either may be one. A run that overflows (an unbounded ReLU, huge weights or
 * inputs) still completes; the report says where it went non-finite instead of hiding it.
 *
 * Shape: trace h (seqLen, batch, realHidden) per layer and direction, time-major |
 *        statistics (numLayers * D, seqLen, STAT_FIELDS), entries in h_n's order
 */
import type { ForwardResult } from '../modules/layer/result.js';
import { nonFiniteAt, statsAt } from '../modules/layer/trace-stats.js';
import type { NonFinite } from '../schema/run.js';
import { warning, type Warning } from '../warnings.js';

/**
 * |a - b| where either may be non-finite: equal values (equal infinities among them) differ by 0,
 * a NaN facing a number by Infinity (it is a difference, and the largest), and two NaNs by NaN:
 * no difference can be measured, which the caller counts as not comparable.
 */
export function valueDiff(a: number, b: number): number {
  if (a === b) return 0;
  const d = Math.abs(a - b);
  if (!Number.isNaN(d)) return d;
  return Number.isNaN(a) && Number.isNaN(b) ? NaN : Infinity;
}

/** The largest valueDiff over pairs, the index of the first pair reaching it, and how many pairs are NaN on both sides. */
export interface Agreement {
  maxAbsDiff: number;
  at: number;
  notComparable: number;
}

/** Folds one pair (index i) into an agreement. */
export function addPair(agreement: Agreement, i: number, a: number, b: number): void {
  const d = valueDiff(a, b);
  if (Number.isNaN(d)) agreement.notComparable++;
  else if (d > agreement.maxAbsDiff) {
    agreement.maxAbsDiff = d;
    agreement.at = i;
  }
}

export function agreement(): Agreement {
  return { maxAbsDiff: 0, at: 0, notComparable: 0 };
}

/**
 * Where h first held Infinity or NaN, in the order the automatic path computes: layer by layer,
 * the forward direction before the reverse, each in its own time order (the reverse from its last
 * step), and within a step the lowest batch element. Null when every value was finite. From the
 * running statistics when the pass kept no trace, else from the trace itself.
 */
export function firstNonFinite(result: ForwardResult, numDirections: number): NonFinite | null {
  const { seqLen: T, batch: B, layers, stats } = result.trace;
  const entries = layers.length || stats?.entries || 0;
  for (let e = 0; e < entries; e++) {
    const direction = e % numDirections === 0 ? 'forward' : 'reverse';
    const layer = Math.floor(e / numDirections);
    for (let s = 0; s < T; s++) {
      const t = direction === 'forward' ? s : T - 1 - s;
      if (layers.length) {
        const h = layers[e]!.h.data;
        const width = h.length / (T * B);
        for (let i = t * B * width; i < (t + 1) * B * width; i++) {
          if (!Number.isFinite(h[i]!)) return { layer, direction, t, batch: Math.floor((i - t * B * width) / width), value: h[i]! };
        }
      } else if (stats) {
        const bad = nonFiniteAt(stats.data, statsAt(stats, e, t));
        if (bad) return { layer, direction, t, ...bad };
      }
    }
  }
  return null;
}

/** The warning a report carries for it, in words; `pass` names the pass it happened in (compare's `automatic pass: `). */
export function nonFiniteWarning(nf: NonFinite, batched: boolean, numDirections: number, pass = ''): Warning {
  const where = `layer ${nf.layer}${numDirections === 2 ? ` (${nf.direction})` : ''}`;
  const element = batched ? `, batch element ${nf.batch}` : '';
  return warning(
    'non-finite-value',
    `${pass}non-finite value: h of ${where} first held ${nf.value} at t=${nf.t}${element}; ` +
      'what is computed from it (later steps, the layers above, out and h_n) may be Infinity or NaN too ' +
      '(float32 holds at most 3.4e38: an unbounded ReLU, large weights or large inputs overflow it)',
  );
}
