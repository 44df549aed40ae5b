// One row of npm run bench in a process of its own: reads the job (JSON on stdin) that run.js
// wrote, loads the contender's peer module, runs the row once and checks it against the
// reference outputs on the same input (largest absolute difference per tensor), then, if it
// agrees within the tolerance (see check), times it: untimed runs for at least job.warmupSeconds unless the check's run took longer, then
// job.repeats timed runs (fewer, down to job.minRepeats, when they would take past
// job.budgetSeconds). Prints one JSON line: status, check, samples_ms, cpu_per_wall (CPU time
// of the whole process over wall time while timed: about 1 on one thread, up to 2 on two) and the
// process's peak RSS.
import { readdirSync, readFileSync } from 'node:fs';
import { readTensorsFile } from '../dist/index.js';
import { CONTENDERS } from './contenders.js';

const job = JSON.parse(readFileSync(0, 'utf8'));

function emit(result) {
  // JSON has no Infinity: a check that found a missing or non-finite tensor says so in `tensors`.
  for (const key of ['max_abs_diff', 'scaled_diff']) if (result.check && !Number.isFinite(result.check[key])) result.check[key] = null;
  // OS threads of the process at the end (Linux): a runtime's worker threads show here.
  let osThreads = null;
  try {
    osThreads = readdirSync('/proc/self/task').length;
  } catch {}
  process.stdout.write(JSON.stringify({ ...result, max_rss_kb: process.resourceUsage().maxRSS, os_threads: osThreads }) + '\n');
  process.exit(0);
}

/**
 * Largest |a - b| per tensor the run gives (tfjs gives out alone); a tensor the reference lacks, or
 * of another length, fails the check. scaled_diff divides each tensor's by its largest |value|
 * where that passes 1: the same as the absolute difference for out and h_n (|h| < 1 with tanh), and
 * float32's rounding for gradients summed over every step and batch row (bias gradients in the
 * hundreds differ by 1e-3 between two correct float32 sums).
 */
function check(got, reference) {
  if (!Object.keys(got).length) return { max_abs_diff: Infinity, scaled_diff: Infinity, tensors: {} };
  const tensors = {};
  let max = 0;
  let scaled = 0;
  for (const [name, have] of Object.entries(got)) {
    const want = reference.get(name);
    if (!want) {
      tensors[name] = 'not in the reference';
      max = scaled = Infinity;
      continue;
    }
    if (have.length !== want.length) {
      tensors[name] = `length ${have.length}, expected ${want.length}`;
      max = scaled = Infinity;
      continue;
    }
    let d = 0;
    let size = 0;
    for (let i = 0; i < want.length; i++) {
      const e = Math.abs(have[i] - want[i]);
      if (!(e <= d)) d = Number.isNaN(e) ? Infinity : e;
      size = Math.max(size, Math.abs(want[i]));
    }
    tensors[name] = Number.isFinite(d) ? d : 'not finite';
    max = Math.max(max, d);
    scaled = Math.max(scaled, d / Math.max(1, size));
  }
  return { max_abs_diff: max, scaled_diff: scaled, tensors };
}

const contender = CONTENDERS.find((c) => c.name === job.contender);
let runner;
try {
  const peer = await import(contender.peer);
  runner = await peer.load(job);
} catch (err) {
  emit({ status: 'skipped', reason: `could not load: ${err.message.split('\n')[0]}` });
}
if (runner.skipped) emit({ status: 'skipped', reason: runner.skipped, info: runner.info ?? {} });

const reference = new Map([...readTensorsFile(job.files.reference).tensors].map(([k, v]) => [k, v.tensor.data]));
let result;
let first;
try {
  const t0 = process.hrtime.bigint();
  const out = await runner.run();
  first = Number(process.hrtime.bigint() - t0) / 1e9;
  result = check(runner.outputs(out), reference);
} catch (err) {
  emit({ status: 'skipped', reason: `failed: ${err.message.split('\n')[0]}`, info: runner.info });
}
if (!(result.scaled_diff <= job.tolerance)) emit({ status: 'mismatch', check: result, info: runner.info });

// The check's run was the first warm-up; short rows get more (V8 optimises after many calls).
const start = process.hrtime.bigint();
while (first < job.warmupSeconds && Number(process.hrtime.bigint() - start) / 1e9 < job.warmupSeconds) await runner.run();
// Fewer repeats (not below minRepeats) for a row whose check run says they would pass the budget.
const repeats = Math.max(job.minRepeats, Math.min(job.repeats, Math.floor(job.budgetSeconds / first)));
const samples = [];
const cpu0 = process.cpuUsage();
const wall0 = process.hrtime.bigint();
for (let i = 0; i < repeats; i++) {
  const t0 = process.hrtime.bigint();
  await runner.run();
  samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const cpu = process.cpuUsage(cpu0);
const wall = Number(process.hrtime.bigint() - wall0) / 1e3;
emit({ status: 'ok', check: result, samples_ms: samples, cpu_per_wall: (cpu.user + cpu.system) / wall, info: runner.info });
