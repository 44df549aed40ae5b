// Forward+backward against forward alone (run by hand after npm run build; not part of npm test):
//   node bench/backward.js [--workloads W1,W2,W3] [--kinds rnn,lstm] [--forward-only] [--kernel js|wasm] [--exact] [--repeats N]
// One thread. Both passes keep the full trace, as the backward pass needs it; each workload's two
// timings alternate in the same process (median of the repeats), so a busy machine slows both.
// The loss is `sum`, which sends a gradient into every step of the top layer.
import { GRU, LSTM, RNN, Tensor } from '../dist/index.js';

const args = process.argv.slice(2);
const pick = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1].split(',') : null);
const only = pick('--workloads');
const kinds = pick('--kinds') ?? ['rnn', 'lstm'];
const forwardOnly = args.includes('--forward-only');
const kernel = { ...(pick('--kernel') ? { kernel: pick('--kernel')[0] } : {}), exact: args.includes('--exact') };
// Timed runs per workload (default: each workload's own below).
const repeats = pick('--repeats') ? Number(pick('--repeats')[0]) : null;

const WORKLOADS = [
  { id: 'W1', batch: 3, seqLen: 10, inputSize: 100, hiddenSize: 20, numLayers: 4, repeats: 40 },
  { id: 'W2', batch: 32, seqLen: 100, inputSize: 128, hiddenSize: 128, numLayers: 2, repeats: 5 },
  { id: 'W3', batch: 64, seqLen: 256, inputSize: 256, hiddenSize: 256, numLayers: 4, repeats: 1 },
].filter((w) => !only || only.includes(w.id));
const KINDS = { rnn: RNN, gru: GRU, lstm: LSTM };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

for (const w of WORKLOADS) {
  for (const kind of kinds) {
    const module = new KINDS[kind]({ inputSize: w.inputSize, hiddenSize: w.hiddenSize, numLayers: w.numLayers, seed: 1 }).eval();
    const x = new Tensor(new Float32Array(w.seqLen * w.batch * w.inputSize).map((_, i) => Math.sin(i)), [w.seqLen, w.batch, w.inputSize]);
    const forward = () => module.forward(x, { threads: 1, ...kernel });
    const backward = () => module.backward(x, { loss: 'sum', ...kernel });
    // Warm-up: the JIT, and the first allocation of the large buffers.
    forward();
    if (!forwardOnly) backward();
    const f = [];
    const fb = [];
    for (let r = 0; r < (repeats ?? w.repeats); r++) {
      f.push(time(forward));
      if (!forwardOnly) fb.push(time(backward));
    }
    const tf = median(f);
    if (forwardOnly) console.log(`${w.id} ${kind}: forward ${(tf * 1e3).toFixed(1)} ms`);
    else {
      const tfb = median(fb);
      console.log(`${w.id} ${kind}: forward ${(tf * 1e3).toFixed(1)} ms, forward+backward ${(tfb * 1e3).toFixed(1)} ms, ratio ${(tfb / tf).toFixed(2)}`);
    }
  }
}
