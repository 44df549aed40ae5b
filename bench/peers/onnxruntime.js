// onnxruntime-node (its CPU execution provider) and onnxruntime-web (its WASM backend, run in
// Node) on the ONNX model the project's `convert` wrote. Threads: intraOpNumThreads (node),
// ort.env.wasm.numThreads before the first session (web; its threads are worker_threads in Node).
// Graph inputs as convert writes them: x (seq_len, batch, input_size), sequence_lens (batch,)
// int32, initial_h and, for LSTM, initial_c, here all steps and zero states.
import { kindOf } from '../../dist/index.js';

export async function load(job) {
  const ort = await import(job.package);
  const web = job.package === 'onnxruntime-web';
  const { threads, workload: w } = job;
  const options = { graphOptimizationLevel: 'all' };
  if (web) {
    ort.env.wasm.numThreads = threads;
    options.executionProviders = ['wasm'];
  } else {
    options.intraOpNumThreads = threads;
    options.interOpNumThreads = 1;
    options.executionProviders = ['cpu'];
  }
  const session = await ort.InferenceSession.create(job.files.onnx, options);
  const { readTensorsFile } = await import('../../dist/index.js');
  const x = readTensorsFile(job.files.inputs).tensors.get('x').tensor;
  const state = [w.num_layers, w.batch, w.hidden_size];
  const zeros = () => new ort.Tensor('float32', new Float32Array(state.reduce((a, b) => a * b)), state);
  const feeds = {
    x: new ort.Tensor('float32', x.data, x.shape),
    sequence_lens: new ort.Tensor('int32', new Int32Array(w.batch).fill(w.seq_len), [w.batch]),
    initial_h: zeros(),
  };
  if (kindOf(job.kind).hasCellState) feeds.initial_c = zeros();
  return {
    info: { version: ort.env.versions?.[web ? 'web' : 'node'] ?? null, ...(web ? { wasm_num_threads: ort.env.wasm.numThreads } : { intra_op_num_threads: threads }) },
    run: () => session.run(feeds),
    outputs: (r) => ({ out: r.out.data, h_n: r.h_n.data, ...(r.c_n ? { c_n: r.c_n.data } : {}) }),
  };
}
