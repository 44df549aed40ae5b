// Benchmark (npm run bench; not part of npm test). The engine's forward pass on the issue's
// workloads W1-W4 for RNN, GRU and LSTM with 1 and 2 threads, against, measured in the same run:
//   - Node's scalar ceiling: a loop of 12 independent multiply-add chains (the most one core does
//     in plain JavaScript without SIMD), timed at the start, middle and end, median used;
//   - a naive triple-loop RNN (bench/naive-rnn.js), on the same sizes (fewer steps when large: its
//     rate does not depend on the step count);
//   - PyTorch (torch.nn.RNN/GRU/LSTM, set_num_threads 1 and 2) when /usr/bin/python3 imports torch;
//   - the seed example's whole command against the Python one-liner doing the same forward pass.
// Machines here are shared and noisy: compare the ratios, not the absolute times.
// Then forward+backward (W2 and W3, every kind, one thread, loss `sum`: a gradient into every step
// of out) against the forward pass alone, alternating in the same loop, and against PyTorch's
// forward + out.sum().backward() on one thread.
// FLOPs (matrix multiplies only): layer 0 is 2*T*B*(I*H + H*H), each further layer 2*T*B*(2*H*H),
// times 3 for GRU and 4 for LSTM. The engine runs with keepTrace: false, as the CLI's summary does.
// Usage: npm run bench [-- --json] [-- --workloads W1,W2] [-- --no-torch]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Recurrent, RNN, Tensor, kinds } from '../dist/index.js';
import { forwardFlops, PARALLEL_MIN_FLOPS, threadsFor } from '../dist/modules/run/pool.js';
import { naiveRnn, naiveWeights } from './naive-rnn.js';

const args = process.argv.slice(2);
const asJson = args.includes('--json');
const noTorch = args.includes('--no-torch');
const only = args.includes('--workloads') ? args[args.indexOf('--workloads') + 1].split(',') : null;

// repeats: timed runs (median); fewer for the big ones. W3 LSTM alone is about 69 GFLOP.
const WORKLOADS = [
  { id: 'W1', batch: 3, seq_len: 10, input_size: 100, hidden_size: 20, num_layers: 4, repeats: 50 },
  { id: 'W2', batch: 32, seq_len: 100, input_size: 128, hidden_size: 128, num_layers: 2, repeats: 5 },
  { id: 'W3', batch: 64, seq_len: 256, input_size: 256, hidden_size: 256, num_layers: 4, repeats: 1 },
  { id: 'W4', batch: 1, seq_len: 1000, input_size: 64, hidden_size: 512, num_layers: 1, repeats: 3 },
].filter((w) => !only || only.includes(w.id));
// Every kind the engine has (its list in src/modules/kinds); torch_bench.py maps each to torch.nn's class.
const KINDS = Object.fromEntries(kinds.map((kind) => [kind.type, (options) => new Recurrent(kind, options)]));
const THREADS = [1, 2];
const GATES = Object.fromEntries(kinds.map((kind) => [kind.type, kind.gates.length]));

const log = (s) => {
  if (!asJson) process.stderr.write(s + '\n');
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Median seconds of `repeats` runs after `warmup` untimed ones (JIT, caches, the pool), and for
 * small workloads after at least 0.3 s of untimed runs (V8 optimises a function after many calls).
 */
function seconds(fn, repeats, warmup = 1) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < warmup || (warmup > 0 && Number(process.hrtime.bigint() - start) < 3e8); i++) fn();
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(times);
}

function flopsOf(w, kind) {
  const { seq_len: T, batch: B, input_size: I, hidden_size: H, num_layers: L } = w;
  return GATES[kind] * (2 * T * B * (I * H + H * H) + (L - 1) * 2 * T * B * 2 * H * H);
}

/** GFLOP/s of 12 independent multiply-add chains: the scalar ceiling of one core. */
function scalarCeiling() {
  const n = 4e7;
  let a0 = 1, a1 = 1, a2 = 1, a3 = 1, a4 = 1, a5 = 1, a6 = 1, a7 = 1, a8 = 1, a9 = 1, a10 = 1, a11 = 1;
  const m = 0.9999999;
  const c = 1e-7;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c; a4 = a4 * m + c; a5 = a5 * m + c;
    a6 = a6 * m + c; a7 = a7 * m + c; a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 === 0) console.log('');
  return (24 * n) / s / 1e9;
}

function randomX(shape) {
  const x = Tensor.zeros(shape);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.37);
  return x;
}

/** GFLOP/s of the naive loop on the workload's sizes, on at most ~0.3 GFLOP of steps. */
function naiveRate(w) {
  const { batch: B, input_size: I, hidden_size: H, num_layers: L } = w;
  const perStep = flopsOf({ ...w, seq_len: 1 }, 'rnn');
  const T = Math.max(1, Math.min(w.seq_len, Math.floor(3e8 / perStep)));
  const x = Float64Array.from({ length: T * B * I }, (_, i) => Math.sin(i * 0.37));
  const weights = naiveWeights(I, H, L);
  const s = seconds(() => naiveRnn(x, T, B, I, H, L, weights), 3);
  return (perStep * T) / s / 1e9;
}

/** The workloads whose backward pass is timed. */
const BACKWARD = WORKLOADS.filter((w) => w.id === 'W2' || w.id === 'W3');

function torchTimes(threads, backward = false) {
  if (noTorch) return { skipped: '--no-torch' };
  const configs = [];
  for (const w of backward ? BACKWARD : WORKLOADS) {
    for (const type of Object.keys(KINDS)) {
      configs.push({ name: `${w.id} ${type}`, type, input_size: w.input_size, hidden_size: w.hidden_size, num_layers: w.num_layers, bidirectional: false, batch: w.batch, seq_len: w.seq_len, repeats: w.repeats, warmup: w.repeats > 1, backward });
    }
  }
  const script = fileURLToPath(new URL('./torch_bench.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, String(threads)], { input: JSON.stringify(configs), encoding: 'utf8' });
  if (r.error || r.status !== 0) return { skipped: `/usr/bin/python3 could not run torch (${(r.error?.message ?? r.stderr ?? '').trim().split('\n').pop()})` };
  return JSON.parse(r.stdout);
}

function wholeProcess(cmd, argv, repeats) {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, argv, { encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (r.status !== 0) return null;
  }
  return median(times);
}

// Start the worker pool once, so that every 2-thread row runs with a warm pool (a one-shot CLI
// run pays the start instead, and uses the pool only from PARALLEL_COLD_MIN_FLOPS on).
new RNN({ inputSize: 4, hiddenSize: 4 }).forward(randomX([2, 4, 4]), { threads: 2, parallelMinFlops: 0 });
// And let V8 optimise the engine before the first timed row (otherwise that row alone runs slow).
for (const make of Object.values(KINDS)) {
  const m = make({ inputSize: 100, hiddenSize: 20, numLayers: 4 }).eval();
  const x = randomX([10, 3, 100]);
  seconds(() => m.forward(x, { threads: 1, keepTrace: false }), 1, 1);
}

const ceilings = [scalarCeiling()];
log(`scalar ceiling: ${ceilings[0].toFixed(2)} GFLOP/s`);
const results = [];
const naive = {};
for (const w of WORKLOADS) {
  naive[w.id] = naiveRate(w);
  log(`${w.id}: naive triple loop ${naive[w.id].toFixed(2)} GFLOP/s`);
  for (const [type, make] of Object.entries(KINDS)) {
    const m = make({ inputSize: w.input_size, hiddenSize: w.hidden_size, numLayers: w.num_layers, seed: 1 }).eval();
    const x = randomX([w.seq_len, w.batch, w.input_size]);
    const flops = flopsOf(w, type);
    for (const threads of THREADS) {
      const s = seconds(() => m.forward(x, { threads, keepTrace: false }), w.repeats, w.repeats > 1 ? Math.min(10, w.repeats) : 0);
      const used = threadsFor(threads, forwardFlops(m.kind, m.config, w.seq_len, w.batch), w.batch, PARALLEL_MIN_FLOPS);
      results.push({ workload: w.id, type, threads, threads_used: used, ms: s * 1e3, gflops: flops / s / 1e9, flops });
      log(`${w.id} ${type} threads ${threads} (${used} used): ${(s * 1e3).toFixed(1)} ms, ${(flops / s / 1e9).toFixed(2)} GFLOP/s`);
    }
  }
  if (w.id === 'W3' || w === WORKLOADS[Math.floor(WORKLOADS.length / 2)]) ceilings.push(scalarCeiling());
}
ceilings.push(scalarCeiling());
const ceiling = median(ceilings);
log(`scalar ceiling: ${ceilings.map((c) => c.toFixed(2)).join(', ')} GFLOP/s, median ${ceiling.toFixed(2)}`);

// Forward+backward against forward alone, one thread, the two alternating (median of the repeats).
const backwardRows = [];
for (const w of BACKWARD) {
  for (const [type, make] of Object.entries(KINDS)) {
    const m = make({ inputSize: w.input_size, hiddenSize: w.hidden_size, numLayers: w.num_layers, seed: 1 }).eval();
    const x = randomX([w.seq_len, w.batch, w.input_size]);
    const forward = () => m.forward(x, { threads: 1, keepTrace: false });
    const backward = () => m.backward(x, { loss: 'sum' });
    if (w.repeats > 1) {
      forward();
      backward();
    }
    const f = [];
    const fb = [];
    for (let i = 0; i < w.repeats; i++) {
      f.push(seconds(forward, 1, 0));
      fb.push(seconds(backward, 1, 0));
    }
    const row = { workload: w.id, type, forward_ms: median(f) * 1e3, forward_backward_ms: median(fb) * 1e3 };
    row.ratio = row.forward_backward_ms / row.forward_ms;
    backwardRows.push(row);
    log(`${w.id} ${type} forward+backward: ${row.forward_backward_ms.toFixed(1)} ms, ${row.ratio.toFixed(2)} × the forward pass (${row.forward_ms.toFixed(1)} ms)`);
  }
}

const torch = { 1: torchTimes(1), 2: torchTimes(2) };
const torchBackward = BACKWARD.length ? torchTimes(1, true) : { skipped: 'no W2 or W3' };
for (const r of backwardRows) {
  const pt = torchBackward.results?.find((x) => x.name === `${r.workload} ${r.type}`)?.seconds;
  r.torch_forward_backward_ms = pt ? pt * 1e3 : null;
  r.vs_torch = pt ? (pt * 1e3) / r.forward_backward_ms : null;
}
for (const r of results) {
  const t = torch[r.threads];
  const pt = t.results?.find((x) => x.name === `${r.workload} ${r.type}`)?.seconds;
  r.of_ceiling = r.gflops / ceiling;
  r.vs_naive = r.gflops / naive[r.workload];
  r.torch_ms = pt ? pt * 1e3 : null;
  r.vs_torch = pt ? (pt * 1e3) / r.ms : null;
}

log('seed example, whole process ...');
const bin = fileURLToPath(new URL('../bin/rnn-inspect.js', import.meta.url));
const seedNode = wholeProcess(process.execPath, [bin, '--layers', '4', '--hidden', '20', '--batch-first'], 10);
const py =
  'import torch; torch.manual_seed(0); m = torch.nn.RNN(100, 20, num_layers=4, batch_first=True); ' +
  'x = torch.randn(3, 10, 100); out, h = m(x); print(out.shape, h.shape)';
const seedTorch = noTorch ? null : wholeProcess('/usr/bin/python3', ['-c', py], 5);
const seed = { node_ms: seedNode === null ? null : seedNode * 1e3, python_torch_ms: seedTorch === null ? null : seedTorch * 1e3 };

const report = {
  node: process.version,
  torch: torch[1].torch ? { version: torch[1].torch, skipped: null } : { version: null, skipped: torch[1].skipped },
  scalar_ceiling_gflops: ceiling,
  scalar_ceiling_samples: ceilings,
  naive_gflops: naive,
  results,
  backward: backwardRows,
  seed_example: seed,
};

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const f = (v, d = 2) => (v === null || v === undefined ? '—' : v.toFixed(d));
  console.log(`node ${process.version}; scalar ceiling ${ceiling.toFixed(2)} GFLOP/s (median of ${ceilings.length}); ` + (report.torch.version ? `PyTorch ${report.torch.version}` : `PyTorch skipped: ${report.torch.skipped}`));
  console.log('| workload | kind | threads (used) | median ms | GFLOP/s | of ceiling | × naive | PyTorch ms | × PyTorch |');
  console.log('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) {
    console.log(`| ${r.workload} | ${r.type} | ${r.threads} (${r.threads_used}) | ${f(r.ms, r.ms < 10 ? 3 : 1)} | ${f(r.gflops)} | ${f(r.of_ceiling)} | ${f(r.vs_naive)} | ${f(r.torch_ms, r.torch_ms !== null && r.torch_ms < 10 ? 3 : 1)} | ${f(r.vs_torch)} |`);
  }
  if (backwardRows.length) {
    console.log('');
    console.log('| workload | kind | forward ms (1 thread) | forward+backward ms | ratio | PyTorch forward+backward ms (1 thread) | × PyTorch |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of backwardRows) {
      console.log(`| ${r.workload} | ${r.type} | ${f(r.forward_ms, 1)} | ${f(r.forward_backward_ms, 1)} | ${f(r.ratio)} | ${f(r.torch_forward_backward_ms, 1)} | ${f(r.vs_torch)} |`);
    }
    console.log('ratio: forward+backward over the forward pass alone, measured in the same loop; × PyTorch: how many times faster (higher is better).');
  }
  console.log(`naive triple loop, GFLOP/s: ${Object.entries(naive).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  console.log(
    `seed example (--layers 4 --hidden 20 --batch-first), whole process, median: rnn-inspect ${f(seed.node_ms, 0)} ms; ` +
      (seed.python_torch_ms === null ? 'python3 + torch skipped' : `python3 -c "import torch; ..." ${f(seed.python_torch_ms, 0)} ms (python / rnn-inspect: ${f(seed.python_torch_ms / seed.node_ms)})`),
  );
  console.log('× naive, × PyTorch: how many times faster the engine is (higher is better); of ceiling: GFLOP/s over the scalar ceiling.');
}
