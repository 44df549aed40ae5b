// The engine as a contender: the built library (dist/), one of the named option sets of
// ENGINE_MODES passed through to Recurrent.forward. keepTrace: false, as the CLI's summary runs.
import * as lib from '../../dist/index.js';
import { forwardFlops, PARALLEL_MIN_FLOPS, threadsFor } from '../../dist/modules/run/pool.js';
import { ENGINE_MODES, engineModeRefusal } from '../contenders.js';
import { moduleOptions } from '../workloads.js';

export async function load(job) {
  const mode = ENGINE_MODES.find((m) => m.name === job.contender);
  const refusal = engineModeRefusal(lib, mode.options);
  if (refusal) return { skipped: refusal };
  const kind = lib.kindOf(job.kind);
  const module = new lib.Recurrent(kind, { ...moduleOptions(job.workload), seed: 0 }).eval();
  module.loadStateDict(new Map([...lib.readTensorsFile(job.files.weights).tensors].map(([k, v]) => [k, v.tensor])));
  const x = lib.readTensorsFile(job.files.inputs).tensors.get('x').tensor;
  const { threads } = job;
  // Start the worker pool first, so that a 2-thread row runs on a warm pool (as a long-lived
  // process would) and the warm threshold applies.
  if (threads > 1) new lib.RNN({ inputSize: 4, hiddenSize: 4 }).forward(lib.Tensor.zeros([2, 4, 4]), { threads, parallelMinFlops: 0 });
  const info = {
    options: mode.options,
    threads_used: threadsFor(threads, forwardFlops(module.kind, module.config, job.workload.seq_len, job.workload.batch), job.workload.batch, PARALLEL_MIN_FLOPS),
  };
  if (job.pass === 'forward') {
    return {
      info,
      run: () => module.forward(x, { ...mode.options, threads, keepTrace: false }),
      outputs: (r) => ({ out: r.out.data, h_n: r.hN.data, ...(r.cN ? { c_n: r.cN.data } : {}) }),
    };
  }
  return {
    info: { ...info, threads_used: 1 },
    run: () => module.backward(x, { loss: 'sum' }),
    outputs: (r) => ({ 'grad.x': r.grads.x.data, ...Object.fromEntries([...r.grads.params].map(([k, v]) => [`grad.${k}`, v.data])) }),
  };
}
