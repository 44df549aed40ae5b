// Where two threads start to pay: for growing problems, the forward pass timed with 1 and with 2
// threads (pool forced on with parallelMinFlops: 0, warm), alternating in the same process, median
// of several runs. Prints FLOPs, both times and the speed-up; the smallest size from which two
// threads win steadily is src/modules/run/pool.ts's PARALLEL_MIN_FLOPS. Run: node bench/crossover.js
import { LSTM, RNN, Tensor } from '../dist/index.js';
import { forwardFlops } from '../dist/modules/run/pool.js';

const sizes = [
  [2, 10, 16, 16, 1],
  [4, 10, 32, 32, 1],
  [8, 20, 32, 32, 1],
  [8, 20, 64, 64, 2],
  [16, 20, 64, 64, 2],
  [16, 50, 128, 128, 2],
  [32, 50, 128, 128, 2],
  [64, 50, 256, 256, 2],
];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log('| kind | B, T, I, H, L | MFLOP | 1 thread ms | 2 threads ms | speed-up |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const Cls of [RNN, LSTM]) {
  for (const [B, T, I, H, L] of sizes) {
    const m = new Cls({ inputSize: I, hiddenSize: H, numLayers: L, seed: 1 }).eval();
    const x = Tensor.zeros([T, B, I]);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i);
    const flops = forwardFlops(m.kind, m.config, T, B);
    const reps = Math.max(5, Math.min(200, Math.round(2e8 / flops)));
    const t = { 1: [], 2: [] };
    for (const th of [1, 2]) m.forward(x, { threads: th, parallelMinFlops: 0, keepTrace: false });
    for (let r = 0; r < reps; r++) {
      for (const th of [1, 2]) {
        const t0 = process.hrtime.bigint();
        m.forward(x, { threads: th, parallelMinFlops: 0, keepTrace: false });
        t[th].push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    const [a, b] = [median(t[1]), median(t[2])];
    console.log(`| ${m.kind.name} | ${B}, ${T}, ${I}, ${H}, ${L} | ${(flops / 1e6).toFixed(2)} | ${a.toFixed(3)} | ${b.toFixed(3)} | ${(a / b).toFixed(2)} |`);
  }
}
