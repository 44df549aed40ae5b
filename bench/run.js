// Benchmark: the engine's forward pass against PyTorch (CPU, 1 thread) and the mathjs float64
// reference, measured in the same run on the same machine, reported as ratios (machines here are
// shared and noisy, so absolute times mean little). PyTorch is optional: without python3-torch its
// column is skipped. Run: npm run bench
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GRU, LSTM, RNN, Tensor } from '../dist/index.js';
import { referenceForward } from '../dist/reference/mathjs-forward.js';

const configs = [
  { name: 'seed example RNN 100->20 x4', type: 'rnn', input_size: 100, hidden_size: 20, num_layers: 4, bidirectional: false, batch: 3, seq_len: 10, repeats: 200 },
  { name: 'LSTM 64->128 x2, batch 16, 50 steps', type: 'lstm', input_size: 64, hidden_size: 128, num_layers: 2, bidirectional: false, batch: 16, seq_len: 50, repeats: 10 },
  { name: 'GRU 32->64 bidirectional, batch 8, 100 steps', type: 'gru', input_size: 32, hidden_size: 64, num_layers: 1, bidirectional: true, batch: 8, seq_len: 100, repeats: 10 },
];
const classes = { rnn: RNN, lstm: LSTM, gru: GRU };

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn, repeats) {
  fn();
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(times);
}

function engineAndReference(c) {
  const m = new classes[c.type]({ inputSize: c.input_size, hiddenSize: c.hidden_size, numLayers: c.num_layers, bidirectional: c.bidirectional, seed: 1 }).eval();
  const x = Tensor.zeros([c.seq_len, c.batch, c.input_size]);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i);
  const engine = time(() => m.forward(x), c.repeats);
  const manual = time(() => m.forwardManual(x), Math.max(3, Math.floor(c.repeats / 4)));
  const sd = m.stateDict();
  const reference = time(() => referenceForward(c, sd, { x }), 1);
  return { engine, manual, reference };
}

function torchTimes() {
  const script = fileURLToPath(new URL('./torch_bench.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, '1'], { input: JSON.stringify(configs), encoding: 'utf8' });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout);
}

const torch = torchTimes();
const fmt = (s) => (s < 1e-3 ? `${(s * 1e6).toFixed(0)} µs` : `${(s * 1e3).toFixed(2)} ms`);
console.log(`node ${process.version}; PyTorch ${torch ? `${torch.torch}, ${torch.threads} thread` : 'not available (apt-get install python3-torch)'}`);
console.log('| configuration | engine | manual loop | mathjs reference | PyTorch | engine / PyTorch | reference / engine |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const c of configs) {
  const t = engineAndReference(c);
  const pt = torch?.results.find((r) => r.name === c.name)?.seconds;
  console.log(`| ${c.name} | ${fmt(t.engine)} | ${fmt(t.manual)} | ${fmt(t.reference)} | ${pt ? fmt(pt) : '—'} | ${pt ? (t.engine / pt).toFixed(2) + '×' : '—'} | ${(t.reference / t.engine).toFixed(0)}× |`);
}
