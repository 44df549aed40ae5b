/**
 * `inspectShapes` as a library call: the document `rnn-inspect run --format json` prints for a
 * module (what goes in and comes out, every dimension named, each tensor's meaning, h_n slice by
 * slice, the parameters and the per-step trace), from a forward pass on the given x or, as the CLI
 * does, on random x drawn from the seed.
 *
 *   inspectShapes({ type: 'rnn', inputSize: 100, hiddenSize: 20, numLayers: 4, batchFirst: true })
 *   // the same document as: rnn-inspect --layers 4 --hidden 20 --batch-first --format json
 */
import { kindOf, kinds } from '../modules/kinds/index.js';
import type { RecurrentOptions } from '../modules/layer/config.js';
import { Recurrent, type ForwardState } from '../modules/recurrent.js';
import type { RunReport } from '../schema/run.js';
import { randomInput } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { version as packageVersion } from '../version.js';
import { buildRunReport, type TraceLevel } from './run-report.js';

export interface InspectOptions extends ForwardState {
  /** x itself; without it, random x of (seq_len, batch, input_size) (batch-first, or 2-D unbatched) from the seed. */
  x?: Tensor;
  batch?: number;
  seqLen?: number;
  unbatched?: boolean;
  trace?: TraceLevel;
  includeTensors?: boolean;
  version?: string;
}

export function inspectShapes(module: Recurrent | (RecurrentOptions & { type?: string }), options: InspectOptions = {}): RunReport {
  const m = module instanceof Recurrent ? module : new Recurrent(module.type === undefined ? kinds[0] : kindOf(module.type), module).eval();
  const { x: given, batch = 3, seqLen = 10, unbatched = false, trace = 'summary', includeTensors = false, version, ...state } = options;
  const { inputSize, batchFirst, seed } = m.config;
  const shape = unbatched ? [seqLen, inputSize] : batchFirst ? [batch, seqLen, inputSize] : [seqLen, batch, inputSize];
  const x = given ?? new Tensor(randomInput(shape, seed), shape);
  const input = m.prepare(x, state);
  const result = m.forward(x, { ...state, keepTrace: trace === 'full' });
  return buildRunReport(m, result, {
    version: version ?? packageVersion(),
    trace,
    includeTensors,
    geometry: { seqLen: input.seqLen, batch: input.batch, batched: input.batched, h0Given: !!state.h0, c0Given: !!state.c0, lengths: state.lengths ?? null },
  });
}
