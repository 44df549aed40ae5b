// Benchmark (npm run bench; not part of npm test): the engine and its peers, measured in the same
// run, on the performance issue's workloads W1-W4 (bench/workloads.js) for every kind, on 1 and 2
// threads, forward and forward+backward where the contender has it (bench/contenders.js):
//   - the engine, once per named option set (ENGINE_MODES; sets the built library does not offer
//     are skipped with a note);
//   - onnxruntime-node and onnxruntime-web (its WASM backend, in Node) on the ONNX model the
//     project's own convert wrote from the same state_dict;
//   - @tensorflow/tfjs-layers on @tensorflow/tfjs-backend-wasm, the same weights in Keras's layout;
//   - PyTorch (/usr/bin/python3 with torch) once per BLAS build found, chosen per process with
//     LD_LIBRARY_PATH: Debian's default (reference) BLAS, and OpenBLAS when libopenblas0-pthread is
//     installed.
// The peers are bench/package.json's dependencies, installed here when missing (npm ci --prefix
// bench, from bench/package-lock.json), never by the root npm install or .ci/run.
// Every row runs in a child process of its own (bench/child.js, bench/torch_bench.py), which
// first checks the row against the engine's outputs (or gradients) on the same input and times it
// only if every tensor agrees within TOLERANCE; the child's peak RSS is the row's. Medians and
// min-max over the repeats; each row's time over the engine's, measured in the same run.
// Also measured: Node's scalar ceiling (12 independent multiply-add chains, at the start, middle
// and end), a naive triple-loop RNN (bench/naive-rnn.js), and the seed example as a whole process
// against the Python one-liner doing the same forward pass.
// Usage: npm run bench [-- --json] [-- --quick] [-- --workloads W1,W2] [-- --kinds rnn,lstm]
//   [-- --peers engine,onnxruntime-node] [-- --threads 1] [-- --backward W2|none] [-- --repeats N]
//   [-- --no-torch] [-- --no-install]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as lib from '../dist/index.js';
import { encodeOnnx } from '../dist/io/onnx-write.js';
import { convertModel } from '../dist/setup/convert.js';
import { Random } from '../dist/tensor/random.js';
import { CONTENDERS, ENGINE_MODES, REFERENCE_MODES, engineModeRefusal } from './contenders.js';
import { naiveRnn, naiveWeights } from './naive-rnn.js';
import { flopsOf, moduleOptions, WORKLOADS } from './workloads.js';

const BENCH = fileURLToPath(new URL('.', import.meta.url));
const CHILD = join(BENCH, 'child.js');
const TORCH = join(BENCH, 'torch_bench.py');
const PYTHON = '/usr/bin/python3';
/** Largest absolute difference from the engine's outputs (or gradients) a row may have and be timed. */
const TOLERANCE = 1e-4;
/** Untimed runs of a short row (V8 and the peers' JITs optimise after many calls). */
const WARMUP_SECONDS = 0.3;
/** A row's timed runs stop at the workload's repeats, or earlier (not below MIN_REPEATS) past this. */
const ROW_BUDGET_SECONDS = 30;
const MIN_REPEATS = 2;
const ROW_TIMEOUT_MS = 20 * 60 * 1000;
const PASSES = ['forward', 'forward+backward'];
const started = process.hrtime.bigint();

// ---- options ----
const args = process.argv.slice(2);
function usage(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}
const KNOWN = ['--json', '--quick', '--no-torch', '--no-install', '--workloads', '--kinds', '--peers', '--threads', '--backward', '--repeats'];
for (const a of args) if (a.startsWith('--') && !KNOWN.includes(a)) usage(`expected one of ${KNOWN.join(', ')}, got ${a}`);
function list(flag, allowed, shown = allowed) {
  const i = args.indexOf(flag);
  if (i < 0) return null;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) usage(`${flag}: expected a comma-separated list of ${shown.join(', ')}, got nothing`);
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item)) usage(`${flag}: expected some of ${shown.join(', ')}, got "${item}"`);
  return items;
}
const asJson = args.includes('--json');
const quick = args.includes('--quick');
const workloads = WORKLOADS.filter((w) => (list('--workloads', WORKLOADS.map((x) => x.id)) ?? (quick ? ['W1', 'W2', 'W4'] : WORKLOADS.map((x) => x.id))).includes(w.id));
const kinds = lib.kinds.filter((k) => (list('--kinds', lib.kindNames) ?? lib.kindNames).includes(k.type));
const threadCounts = (list('--threads', ['1', '2']) ?? ['1', '2']).map(Number);
const backwardIds = list('--backward', [...WORKLOADS.map((x) => x.id), 'none']) ?? (quick ? ['W2'] : ['W1', 'W2', 'W4']);
const repeatsFlag = args.includes('--repeats') ? Number(args[args.indexOf('--repeats') + 1]) : null;
if (repeatsFlag !== null && !(Number.isInteger(repeatsFlag) && repeatsFlag > 0)) usage(`--repeats: expected a positive integer, got ${args[args.indexOf('--repeats') + 1]}`);
// Contender names have spaces (engine wasm exact); --peers also takes them with hyphens.
const dashed = (name) => name.replace(/ /g, '-');
let selected = (list('--peers', [...CONTENDERS.map((c) => c.name), ...CONTENDERS.map((c) => dashed(c.name))], CONTENDERS.map((c) => dashed(c.name))) ?? CONTENDERS.map((c) => c.name)).map((n) => CONTENDERS.find((c) => c.name === n || dashed(c.name) === n).name);
if (args.includes('--no-torch')) selected = selected.filter((n) => CONTENDERS.find((c) => c.name === n).runtime !== 'python');
const baseline = ENGINE_MODES.find((m) => m.baseline);
// Every ratio is taken against the baseline engine row: it always runs.
if (!selected.includes(baseline.name)) selected = [baseline.name, ...selected];
const contenders = CONTENDERS.filter((c) => selected.includes(c.name));

const log = (s) => {
  if (!asJson) process.stderr.write(s + '\n');
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function seconds(fn, repeats) {
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(times);
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

/** GFLOP/s of the naive loop on the workload's sizes, on at most ~0.3 GFLOP of steps. */
function naiveRate(w) {
  const { batch: B, input_size: I, hidden_size: H, num_layers: L } = w;
  const perStep = flopsOf({ ...w, seq_len: 1 }, lib.kindOf('rnn'));
  const T = Math.max(1, Math.min(w.seq_len, Math.floor(3e8 / perStep)));
  const x = Float64Array.from({ length: T * B * I }, (_, i) => Math.sin(i * 0.37));
  const weights = naiveWeights(I, H, L);
  naiveRnn(x, T, B, I, H, L, weights);
  return (perStep * T) / seconds(() => naiveRnn(x, T, B, I, H, L, weights), 3) / 1e9;
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

const lastLine = (s) => (s ?? '').trim().split('\n').filter(Boolean).pop() ?? '';

// ---- the peers' packages: bench/package.json, installed here when missing ----
const installedVersion = (pkg) => {
  const file = join(BENCH, 'node_modules', pkg, 'package.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : null;
};
const unavailable = new Map(); // contender name -> why it cannot run at all
const versions = {};
const wanted = contenders.filter((c) => c.package);
if (wanted.some((c) => !installedVersion(c.package))) {
  if (args.includes('--no-install')) {
    for (const c of wanted) if (!installedVersion(c.package)) unavailable.set(c.name, `${c.package} is not installed (--no-install)`);
  } else {
    log('installing the peers: npm ci --prefix bench ...');
    const npm = process.env.npm_execpath ? [process.execPath, [process.env.npm_execpath]] : ['npm', []];
    const r = spawnSync(npm[0], [...npm[1], 'ci', '--prefix', BENCH, '--no-audit', '--no-fund'], { encoding: 'utf8', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' }, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const c of wanted) if (!installedVersion(c.package)) unavailable.set(c.name, `${c.package} could not be installed (npm ci --prefix bench: ${lastLine(r.stderr) || r.error?.message || `exit ${r.status}`})`);
  }
}
for (const c of wanted) if (installedVersion(c.package)) versions[c.name] = { package: c.package, version: installedVersion(c.package) };

// ---- PyTorch, per BLAS: is it there, and did LD_LIBRARY_PATH choose the BLAS it should ----
const torchClasses = new Map(); // contender name -> torch.nn classes it has among the kinds' names
for (const c of contenders.filter((x) => x.runtime === 'python')) {
  const missing = c.available();
  if (missing) {
    unavailable.set(c.name, missing);
    continue;
  }
  const r = spawnSync(PYTHON, [TORCH, '--probe', ...lib.kinds.map((k) => k.name)], { encoding: 'utf8', env: { ...process.env, ...c.env(1) } });
  if (r.error || r.status !== 0) {
    unavailable.set(c.name, `${PYTHON} could not run torch (${lastLine(r.stderr) || r.error?.message})`);
    continue;
  }
  const probe = JSON.parse(lastLine(r.stdout));
  if (!probe.blas.some((path) => path.startsWith(`${c.blasDir}/`))) {
    unavailable.set(c.name, `LD_LIBRARY_PATH=${c.blasDir} did not take effect: torch mapped ${probe.blas.join(', ') || 'no BLAS'}`);
    continue;
  }
  torchClasses.set(c.name, probe.classes);
  versions[c.name] = { package: 'torch', version: probe.version, blas_info: probe.blas_info, blas: probe.blas, blas_chosen: c.blas };
}

// ---- the plan ----
const referenceMode = REFERENCE_MODES.map((n) => ENGINE_MODES.find((m) => m.name === n)).find((m) => !engineModeRefusal(lib, m.options));
const rows = [];
for (const w of workloads) {
  for (const kind of kinds) {
    for (const threads of threadCounts) {
      for (const pass of PASSES) {
        if (pass === 'forward+backward' && !backwardIds.includes(w.id)) continue;
        for (const c of contenders) {
          const row = { workload: w.id, kind: kind.type, threads, pass, contender: c.name };
          const classes = torchClasses.get(c.name);
          const reason = unavailable.get(c.name) ?? (classes && !classes.includes(kind.name) ? `torch.nn has no ${kind.name}` : null) ?? c.refusal({ kind, pass, threads, lib });
          rows.push(reason ? { ...row, status: 'skipped', reason } : row);
        }
      }
    }
  }
}
const toRun = rows.filter((r) => !r.status);

// ---- the models, inputs and reference outputs, in a temporary folder ----
const dir = mkdtempSync(join(tmpdir(), 'rnn-inspect-bench-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
process.on('SIGINT', () => process.exit(130));
const files = new Map();
const onnxBy = {};
// Start the worker pool, so that the 2-thread reference passes run on two threads.
new lib.RNN({ inputSize: 4, hiddenSize: 4 }).forward(lib.Tensor.zeros([2, 4, 4]), { threads: 2, parallelMinFlops: 0 });
for (const w of workloads) {
  for (const kind of kinds) {
    const mine = toRun.filter((r) => r.workload === w.id && r.kind === kind.type);
    if (!mine.length) continue;
    log(`${w.id} ${kind.type}: weights, ONNX, reference outputs ...`);
    const base = join(dir, `${w.id}-${kind.type}`);
    const f = { weights: `${base}.weights.npz`, inputs: `${base}.inputs.npz`, forward: `${base}.reference.npz`, backward: `${base}.gradients.npz`, onnx: `${base}.onnx` };
    const module = new lib.Recurrent(kind, { ...moduleOptions(w), seed: 1 }).eval();
    lib.writeTensorsFile(f.weights, module.stateDict());
    const x = lib.Tensor.zeros([w.seq_len, w.batch, w.input_size]);
    new Random(7).fillNormal(x.data);
    lib.writeTensorsFile(f.inputs, new Map([['x', x]]));
    const r = module.forward(x, { ...referenceMode.options, threads: 2, keepTrace: false });
    lib.writeTensorsFile(f.forward, new Map([['out', r.out], ['h_n', r.hN], ...(r.cN ? [['c_n', r.cN]] : [])]));
    if (mine.some((row) => row.pass === 'forward+backward')) {
      const g = module.backward(x, { loss: 'sum' });
      lib.writeTensorsFile(f.backward, new Map([['grad.x', g.grads.x], ...[...g.grads.params].map(([k, v]) => [`grad.${k}`, v])]));
    }
    if (kind.onnx && mine.some((row) => CONTENDERS.find((c) => c.name === row.contender).package?.startsWith('onnxruntime'))) {
      // convert reads a state_dict's kind from its keys: a kind that shares another's keys
      // (GRUResetBefore, GRU's) comes out as that one, so its model is written by convert's encoder.
      const report = convertModel({ input: f.weights, output: f.onnx, seed: 0, maxMemory: 4e9, version: 'bench' });
      if (report.type === kind.type) onnxBy[kind.type] = `convert (check max diff ${report.check.max_diff})`;
      else {
        writeFileSync(f.onnx, encodeOnnx(kind, module.config, module.stateDict()));
        onnxBy[kind.type] = `convert's encoder (encodeOnnx): a state_dict reads as ${report.type}`;
      }
    }
    files.set(`${w.id} ${kind.type}`, f);
  }
}

// ---- run: the contenders of one workload, kind, thread count and pass one after another ----
function runRow(row) {
  const c = CONTENDERS.find((x) => x.name === row.contender);
  const w = workloads.find((x) => x.id === row.workload);
  const kind = lib.kindOf(row.kind);
  const f = files.get(`${w.id} ${kind.type}`);
  const job = {
    contender: c.name,
    package: c.package ?? null,
    kind: kind.type,
    kind_name: kind.name,
    workload: w,
    threads: row.threads,
    pass: row.pass,
    files: { weights: f.weights, inputs: f.inputs, onnx: f.onnx, reference: row.pass === 'forward' ? f.forward : f.backward },
    repeats: repeatsFlag ?? (quick ? w.quick : w.repeats),
    minRepeats: repeatsFlag ?? Math.min(MIN_REPEATS, quick ? w.quick : w.repeats),
    budgetSeconds: ROW_BUDGET_SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    tolerance: TOLERANCE,
  };
  const [cmd, argv] = c.runtime === 'python' ? [PYTHON, [TORCH]] : [process.execPath, [CHILD]];
  const r = spawnSync(cmd, argv, { input: JSON.stringify(job), encoding: 'utf8', env: { ...process.env, ...(c.env?.(row.threads) ?? {}) }, maxBuffer: 1 << 26, timeout: ROW_TIMEOUT_MS });
  if (r.error || r.status !== 0) return { status: 'error', reason: lastLine(r.stderr) || r.error?.message || `exit ${r.status}` };
  try {
    return JSON.parse(lastLine(r.stdout));
  } catch {
    return { status: 'error', reason: `no result: ${lastLine(r.stdout) || lastLine(r.stderr)}` };
  }
}

const ceilings = [scalarCeiling()];
log(`scalar ceiling: ${ceilings[0].toFixed(2)} GFLOP/s`);
const naive = {};
const load = { start: loadavg() };
let done = 0;
for (const w of workloads) {
  naive[w.id] = naiveRate(w);
  log(`${w.id}: naive triple loop ${naive[w.id].toFixed(2)} GFLOP/s`);
  for (const row of toRun.filter((r) => r.workload === w.id)) {
    Object.assign(row, runRow(row));
    done++;
    const what = row.status === 'ok' ? `${median(row.samples_ms).toFixed(row.samples_ms[0] < 10 ? 3 : 1)} ms (check ${row.check.max_abs_diff.toExponential(1)}, scaled ${row.check.scaled_diff.toExponential(1)})` : `${row.status}: ${row.reason ?? JSON.stringify(row.check?.tensors)}`;
    log(`[${done}/${toRun.length}] ${row.workload} ${row.kind} ${row.threads} thread${row.threads > 1 ? 's' : ''} ${row.pass} ${row.contender}: ${what}`);
  }
  if (w.id === 'W3' || w === workloads[Math.floor(workloads.length / 2)]) ceilings.push(scalarCeiling());
}
ceilings.push(scalarCeiling());
load.end = loadavg();
const ceiling = median(ceilings);

// ---- derived columns ----
for (const row of rows) {
  if (row.status !== 'ok') continue;
  const s = row.samples_ms;
  row.median_ms = median(s);
  row.min_ms = Math.min(...s);
  row.max_ms = Math.max(...s);
  row.peak_rss_mb = row.max_rss_kb / 1024;
  if (row.pass === 'forward') row.gflops = flopsOf(workloads.find((w) => w.id === row.workload), lib.kindOf(row.kind)) / (row.median_ms / 1e3) / 1e9;
}
for (const row of rows) {
  if (row.status !== 'ok') continue;
  // The engine's backward pass has one thread: 2-thread peers are set against it.
  const base = rows.find((r) => r.contender === baseline.name && r.workload === row.workload && r.kind === row.kind && r.pass === row.pass && r.threads === (row.pass === 'forward' ? row.threads : 1) && r.status === 'ok');
  row.vs_engine = base ? row.median_ms / base.median_ms : null;
  if (row.pass === 'forward+backward') {
    const fwd = rows.find((r) => r.contender === row.contender && r.workload === row.workload && r.kind === row.kind && r.pass === 'forward' && r.threads === row.threads && r.status === 'ok');
    row.of_forward = fwd ? row.median_ms / fwd.median_ms : null;
  }
}

// ---- the seed example, whole process ----
log('seed example, whole process ...');
const bin = fileURLToPath(new URL('../bin/rnn-inspect.js', import.meta.url));
const seedNode = wholeProcess(process.execPath, [bin, '--layers', '4', '--hidden', '20', '--batch-first'], 10);
const py =
  'import torch; torch.manual_seed(0); m = torch.nn.RNN(100, 20, num_layers=4, batch_first=True); ' +
  'x = torch.randn(3, 10, 100); out, h = m(x); print(out.shape, h.shape)';
const withTorch = contenders.some((c) => c.runtime === 'python' && !unavailable.has(c.name));
const seedTorch = withTorch ? wholeProcess(PYTHON, ['-c', py], 5) : null;

const keep = (row) => {
  const { samples_ms, max_rss_kb, ...rest } = row;
  return { ...rest, ...(samples_ms ? { samples_ms } : {}) };
};
const report = {
  node: process.version,
  cpu: cpus()[0]?.model ?? null,
  cores: cpus().length,
  load_average: load,
  tolerance: TOLERANCE,
  reference: `${referenceMode.name} (options ${JSON.stringify(referenceMode.options)}), 2 threads`,
  engine_modes: ENGINE_MODES.map((m) => ({ ...m, refusal: engineModeRefusal(lib, m.options) })),
  peers: versions,
  unavailable: Object.fromEntries(unavailable),
  onnx_written_by: onnxBy,
  scalar_ceiling_gflops: ceiling,
  scalar_ceiling_samples: ceilings,
  naive_gflops: naive,
  forward: rows.filter((r) => r.pass === 'forward').map(keep),
  forward_backward: rows.filter((r) => r.pass === 'forward+backward').map(keep),
  seed_example: { node_ms: seedNode === null ? null : seedNode * 1e3, python_torch_ms: seedTorch === null ? null : seedTorch * 1e3 },
  seconds: Number(process.hrtime.bigint() - started) / 1e9,
};

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const f = (v, d = 2) => (v === null || v === undefined ? '—' : v.toFixed(d));
  const ms = (v) => (v === null || v === undefined ? '—' : v.toFixed(v < 10 ? 3 : 1));
  const e = (v) => (v === null ? '—' : v.toExponential(1));
  const checkText = (r) => {
    const { max_abs_diff: abs, scaled_diff: scaled, tensors } = r.check;
    const text = abs === scaled ? e(abs) : `${e(abs)} (scaled ${e(scaled)})`;
    if (r.status === 'ok') return text;
    const broken = Object.entries(tensors).filter(([, d]) => typeof d !== 'number').map(([k, d]) => `${k}: ${d}`);
    return `✗ ${text}${broken.length ? `; ${broken.join(', ')}` : ''}`;
  };
  const threadsText = (r) => (r.info?.threads_used !== undefined && r.info.threads_used !== r.threads ? `${r.threads} (${r.info.threads_used} used)` : String(r.threads));
  const line = (cells) => console.log(`| ${cells.join(' | ')} |`);
  console.log(`node ${process.version}; ${report.cpu}, ${report.cores} cores; load average ${load.start.map((x) => x.toFixed(1)).join(' ')} at the start, ${load.end.map((x) => x.toFixed(1)).join(' ')} at the end; scalar ceiling ${ceiling.toFixed(2)} GFLOP/s (median of ${ceilings.length})`);
  console.log(`peers: ${Object.entries(versions).map(([name, v]) => `${name} ${v.version}${v.blas ? ` (${v.blas.find((p) => /blas/.test(p))})` : ''}`).join('; ') || 'none'}`);
  for (const [name, why] of unavailable) console.log(`not run: ${name}: ${why}`);
  console.log(`every row checked against ${report.reference} on the same input before it is timed (tolerance ${TOLERANCE}); ONNX models: ${Object.entries(onnxBy).map(([k, v]) => `${k} ${v}`).join('; ') || 'none'}`);
  console.log('');
  const shown = (pass) => rows.filter((r) => r.pass === pass && (r.status === 'ok' || r.status === 'mismatch'));
  if (shown('forward').length) {
    line(['workload', 'kind', 'threads', 'contender', 'check', 'median ms', 'min–max ms', 'GFLOP/s', 'vs engine', 'peak RSS MB', 'CPU/wall', 'OS threads']);
    line(['---', '---', '---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']);
    for (const r of shown('forward')) {
      if (r.status !== 'ok') line([r.workload, r.kind, threadsText(r), r.contender, checkText(r), 'not timed', '', '', '', '', '', '']);
      else line([r.workload, r.kind, threadsText(r), r.contender, checkText(r), ms(r.median_ms), `${ms(r.min_ms)}–${ms(r.max_ms)}`, f(r.gflops), f(r.vs_engine), f(r.peak_rss_mb, 0), f(r.cpu_per_wall), String(r.os_threads ?? '—')]);
    }
    console.log('');
  }
  if (shown('forward+backward').length) {
    line(['workload', 'kind', 'threads', 'contender', 'check', 'forward+backward median ms', 'min–max ms', 'vs engine', '× its forward', 'peak RSS MB', 'CPU/wall']);
    line(['---', '---', '---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']);
    for (const r of shown('forward+backward')) {
      if (r.status !== 'ok') line([r.workload, r.kind, String(r.threads), r.contender, checkText(r), 'not timed', '', '', '', '', '']);
      else line([r.workload, r.kind, String(r.threads), r.contender, checkText(r), ms(r.median_ms), `${ms(r.min_ms)}–${ms(r.max_ms)}`, f(r.vs_engine), f(r.of_forward), f(r.peak_rss_mb, 0), f(r.cpu_per_wall)]);
    }
    console.log('');
  }
  // The same rows side by side: one line per workload, kind and thread count, one column per contender.
  for (const pass of PASSES) {
    const timed = rows.filter((r) => r.pass === pass && (r.status === 'ok' || r.status === 'mismatch'));
    const names = contenders.map((c) => c.name).filter((n) => timed.some((r) => r.contender === n));
    if (names.length < 2) continue;
    console.log(`${pass}, median ms (vs engine):`);
    line(['workload', 'kind', 'threads', ...names]);
    line(['---', '---', '---', ...names.map(() => '---:')]);
    const groups = [...new Set(timed.map((r) => `${r.workload} ${r.kind} ${r.threads}`))];
    for (const g of groups) {
      const [workload, kind, threads] = g.split(' ');
      const cells = names.map((n) => {
        const r = timed.find((x) => x.contender === n && x.workload === workload && x.kind === kind && String(x.threads) === threads);
        if (!r) return '—';
        if (r.status !== 'ok') return '✗';
        return r.contender === baseline.name ? ms(r.median_ms) : `${ms(r.median_ms)} (${f(r.vs_engine)})`;
      });
      line([workload, kind, threads, ...cells]);
    }
    console.log('');
  }
  const reasons = new Map();
  for (const r of rows.filter((x) => x.status === 'skipped' || x.status === 'error')) {
    const key = `${r.contender}: ${r.status === 'error' ? 'error: ' : ''}${r.reason}`;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
  }
  if (reasons.size) {
    console.log('rows not run:');
    for (const [why, n] of reasons) console.log(`  ${why} (${n} row${n > 1 ? 's' : ''})`);
  }
  console.log(
    'check: the largest absolute difference from the reference over out, h_n (c_n), or the gradients of x and every parameter (tfjs: out only, forward); ' +
      `scaled: each tensor's divided by its largest |value| where that passes 1 (gradients summed over every step and batch row); ✗: scaled above ${TOLERANCE}, not timed. vs engine: the row's median time over the engine's (same workload, kind and threads; forward+backward: the engine's one thread), below 1 the row is faster. ` +
      '× its forward: forward+backward over the same contender\'s forward pass. CPU/wall: the process\'s CPU time over wall time while timed. Peak RSS, OS threads: the row\'s own process (its threads at the end: worker threads show).',
  );
  console.log(`naive triple loop, GFLOP/s: ${Object.entries(naive).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`);
  console.log(
    `seed example (--layers 4 --hidden 20 --batch-first), whole process, median: rnn-inspect ${f(report.seed_example.node_ms, 0)} ms; ` +
      (seedTorch === null ? 'python3 + torch skipped' : `python3 -c "import torch; ..." ${f(report.seed_example.python_torch_ms, 0)} ms`),
  );
  console.log(`${report.seconds.toFixed(0)} s in all`);
}
