/**
 * `explain` as a library call: runs the module and returns the facts `rnn-inspect explain --format
 * json` prints (narrate() words them in a language's catalogue).
 */
import type { ForwardState, Recurrent } from '../modules/recurrent.js';
import type { ExplainReport } from '../schema/explain.js';
import type { Tensor } from '../tensor/tensor.js';
import { version as packageVersion } from '../version.js';
import { explainRun } from './facts.js';

export { narrate } from './narrate.js';
export { catalogues, languages, type Lang, type Messages } from './messages/index.js';

export interface ExplainOptions extends ForwardState {
  /** The time step to follow (negative counts from the end); default the last. */
  step?: number;
  /** One layer to follow (negative counts from the top); default all. */
  layer?: number;
  version?: string;
}

export function explain(module: Recurrent, x: Tensor, options: ExplainOptions = {}): ExplainReport {
  const { step, layer, version, ...state } = options;
  const input = module.prepare(x, state);
  const geometry = {
    seqLen: input.seqLen,
    batch: input.batch,
    batched: input.batched,
    h0Given: !!state.h0,
    c0Given: !!state.c0,
    lengths: state.lengths ?? null,
  };
  return explainRun(module, x, state, geometry, { version: version ?? packageVersion(), ...(step === undefined ? {} : { step }), ...(layer === undefined ? {} : { layer }) }).facts;
}
