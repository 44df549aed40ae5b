// @tensorflow/tfjs-layers on @tensorflow/tfjs-backend-wasm: the equivalent Keras model (stacked
// SimpleRNN / LSTM / GRU layers, returnSequences) with the engine's weights in Keras's layout:
//   kernel (in, G*H) = W_ih^T and recurrentKernel (H, G*H) = W_hh^T, columns in Keras's gate
//   order; bias (G*H) = b_ih + b_hh. Keras's LSTM gates i, f, c, o are PyTorch's i, f, g, o;
//   its GRU's z, r, h are PyTorch's rows r, z, n reordered.
// tfjs-layers' GRU is reset_after=false only (the reset gate multiplies h before the recurrent
// product: ONNX's linear_before_reset=0), so it stands against the engine's GRUResetBefore, not
// its (PyTorch's) GRU. recurrentActivation is set to sigmoid (tfjs defaults to hardSigmoid).
// Input batch-first (batch, seq_len, input_size); out is transposed back only for the check.

/** For each engine kind tfjs can express: its layer and its gates in Keras's order, by role. */
export const TFJS_LAYERS = {
  RNN: { layer: 'simpleRNN', roles: ['hidden'] },
  LSTM: { layer: 'lstm', roles: ['input', 'forget', 'cell-candidate', 'output'] },
  GRUResetBefore: { layer: 'gru', roles: ['update', 'reset', 'state-candidate'] },
};

/** Why tfjs cannot stand for this kind, or null. */
export function tfjsRefusal(kind) {
  if (TFJS_LAYERS[kind.name]) return null;
  const resetBefore = Object.keys(TFJS_LAYERS).find((name) => TFJS_LAYERS[name].layer === 'gru');
  if (kind.onnx?.attributes.linear_before_reset === 1) return `tfjs-layers' GRU is reset_after=false only (resetAfter: true throws): it computes ${resetBefore}, timed in that kind's rows`;
  return `tfjs-layers has no layer for ${kind.name}`;
}

/** Keras's (in, G*H) from PyTorch's (G*H, in), gate blocks in Keras's order. */
function kerasKernel(w, inFeatures, H, order) {
  const G = order.length;
  const k = new Float32Array(inFeatures * G * H);
  for (let kg = 0; kg < G; kg++) {
    const pg = order[kg];
    for (let j = 0; j < H; j++) for (let i = 0; i < inFeatures; i++) k[i * G * H + kg * H + j] = w[(pg * H + j) * inFeatures + i];
  }
  return k;
}

/** The inverse of kerasKernel: PyTorch's (G*H, in) from Keras's (in, G*H). */
function torchWeight(k, inFeatures, H, order) {
  const G = order.length;
  const w = new Float32Array(inFeatures * G * H);
  for (let kg = 0; kg < G; kg++) {
    const pg = order[kg];
    for (let j = 0; j < H; j++) for (let i = 0; i < inFeatures; i++) w[(pg * H + j) * inFeatures + i] = k[i * G * H + kg * H + j];
  }
  return w;
}

function permuteBias(b, H, order) {
  const out = new Float32Array(b.length);
  for (let kg = 0; kg < order.length; kg++) out.set(b.subarray(order[kg] * H, (order[kg] + 1) * H), kg * H);
  return out;
}

function unpermuteBias(b, H, order) {
  const out = new Float32Array(b.length);
  for (let kg = 0; kg < order.length; kg++) out.set(b.subarray(kg * H, (kg + 1) * H), order[kg] * H);
  return out;
}

/** (a, b, f) -> (b, a, f) */
function swap01(data, a, b, f) {
  const out = new Float32Array(data.length);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out.set(data.subarray((i * b + j) * f, (i * b + j + 1) * f), (j * a + i) * f);
  return out;
}

export async function load(job) {
  const tf = await import('@tensorflow/tfjs-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const lib = await import('../../dist/index.js');
  const { threads, workload: w } = job;
  wasm.setThreadsCount(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  const running = wasm.getThreadsCount();
  const info = { version: tf.version_core, backend: tf.getBackend(), threads_count: running, simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT') };
  if (running !== threads) {
    return { skipped: `asked for ${threads} threads, tfjs-backend-wasm runs ${running} (getThreadsCount()): it turns threads off under Node (WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE)`, info };
  }
  const kind = lib.kindOf(job.kind);
  const spec = TFJS_LAYERS[kind.name];
  const order = spec.roles.map((role) => kind.gates.findIndex((g) => g.role === role));
  const H = w.hidden_size;
  const params = new Map([...lib.readTensorsFile(job.files.weights).tensors].map(([k, v]) => [k, v.tensor.data]));
  const model = tfl.sequential();
  for (let l = 0; l < w.num_layers; l++) {
    model.add(
      tfl.layers[spec.layer]({
        units: H,
        returnSequences: true,
        kernelInitializer: 'zeros',
        recurrentInitializer: 'zeros',
        ...(spec.layer === 'simpleRNN' ? {} : { recurrentActivation: 'sigmoid' }),
        ...(l === 0 ? { inputShape: [w.seq_len, w.input_size] } : {}),
      }),
    );
  }
  for (let l = 0; l < w.num_layers; l++) {
    const inFeatures = l === 0 ? w.input_size : H;
    const G = order.length;
    const bias = params.get(`bias_ih_l${l}`).map((v, i) => v + params.get(`bias_hh_l${l}`)[i]);
    model.layers[l].setWeights([
      tf.tensor2d(kerasKernel(params.get(`weight_ih_l${l}`), inFeatures, H, order), [inFeatures, G * H]),
      tf.tensor2d(kerasKernel(params.get(`weight_hh_l${l}`), H, H, order), [H, G * H]),
      tf.tensor1d(permuteBias(bias, H, order)),
    ]);
  }
  const x = lib.readTensorsFile(job.files.inputs).tensors.get('x').tensor;
  const xb = tf.tensor3d(swap01(x.data, w.seq_len, w.batch, w.input_size), [w.batch, w.seq_len, w.input_size]);
  if (job.pass === 'forward') {
    return {
      info,
      run: () => {
        const y = tf.tidy(() => model.apply(xb));
        const data = y.dataSync();
        y.dispose();
        return data;
      },
      outputs: (out) => ({ out: swap01(out, w.batch, w.seq_len, H) }),
    };
  }
  // forward+backward: the loss is sum(out), as the engine's `sum`; gradients of x and every weight.
  const xv = tf.variable(xb);
  const weights = model.trainableWeights.map((v) => v.read());
  return {
    info,
    run: () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(model.apply(xv)), [xv, ...weights]);
      const data = Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync()]));
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      return data;
    },
    outputs: (g) => {
      const out = { 'grad.x': swap01(g[xv.name], w.batch, w.seq_len, w.input_size) };
      for (let l = 0; l < w.num_layers; l++) {
        const inFeatures = l === 0 ? w.input_size : H;
        const [kernel, recurrent, bias] = [0, 1, 2].map((i) => g[weights[3 * l + i].name]);
        out[`grad.weight_ih_l${l}`] = torchWeight(kernel, inFeatures, H, order);
        out[`grad.weight_hh_l${l}`] = torchWeight(recurrent, H, H, order);
        // b_ih and b_hh enter as one sum: each gets the whole bias gradient.
        out[`grad.bias_ih_l${l}`] = unpermuteBias(bias, H, order);
        out[`grad.bias_hh_l${l}`] = unpermuteBias(bias, H, order);
      }
      return out;
    },
  };
}
