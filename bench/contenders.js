// Who npm run bench times, in one place: the engine's modes and the peers. Each contender runs
// every row in a child process of its own (bench/child.js, or bench/torch_bench.py), one per
// workload, kind, thread count and pass, so that the child's peak RSS is that row's alone.
import { existsSync } from 'node:fs';
import { tfjsRefusal } from './peers/tfjs.js';

/**
 * The engine's modes: named option sets passed through to Recurrent.forward. `engine` (the
 * library's defaults) is the row every peer's ratio is taken against. A mode whose options the
 * built library does not offer is skipped with a note (engineModeRefusal), so a library that
 * gains the option enables its rows without a change here.
 */
export const ENGINE_MODES = [
  { name: 'engine', options: {}, baseline: true },
  { name: 'engine js', options: { kernel: 'js' } },
  { name: 'engine wasm', options: { kernel: 'wasm' } },
  { name: 'engine wasm exact', options: { kernel: 'wasm', exact: true } },
];

/** The engine mode whose outputs every row is checked against: the first the library offers. */
export const REFERENCE_MODES = ['engine js', 'engine'];

/** Why the built library cannot run these options, or null: it lists its kernels in `kernelNames`. */
export function engineModeRefusal(lib, options) {
  if (options.kernel === undefined && options.exact === undefined) return null;
  const names = lib.kernelNames;
  if (!Array.isArray(names)) return 'the library has no kernel choice yet (it exports no kernelNames)';
  if (options.kernel !== undefined && !names.includes(options.kernel)) return `kernel ${options.kernel} is not one of the library's kernelNames (${names.join(', ')})`;
  return null;
}

/** Debian's multiarch library folder, where both BLAS builds live. */
const LIBDIR = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu'].find((d) => existsSync(d)) ?? '/usr/lib';

/**
 * PyTorch per BLAS: Debian's torch links libblas.so.3 (BLAS_INFO=generic), found through the
 * alternatives link, so LD_LIBRARY_PATH pointing at one build's folder chooses it for that process
 * alone. The child reports the BLAS it mapped (/proc/self/maps), and a row whose BLAS is not from
 * `blasDir` is refused. OPENBLAS_NUM_THREADS matches the row's threads (OpenBLAS otherwise starts
 * one thread per core on top of torch's own).
 */
const TORCH_BLAS = [
  { name: 'pytorch', blas: "Debian's default BLAS (libblas3, the reference BLAS)", blasDir: `${LIBDIR}/blas`, needs: 'libblas3' },
  { name: 'pytorch openblas', blas: 'OpenBLAS (libopenblas0-pthread)', blasDir: `${LIBDIR}/openblas-pthread`, needs: 'libopenblas0-pthread' },
];

const noBackward = (why) => ({ pass }) => (pass === 'forward+backward' ? why : null);

/**
 * Every contender: `runtime` node (bench/child.js loads `peer`) or python (bench/torch_bench.py);
 * `refusal({ kind, pass, threads, lib })` says why a row cannot be run (lib: the built
 * library), before any process starts. Rows a child finds it cannot
 * run (a thread count a runtime ignores, an option the library lacks) come back skipped with the
 * child's reason.
 */
export const CONTENDERS = [
  ...ENGINE_MODES.map((mode) => ({
    name: mode.name,
    runtime: 'node',
    peer: './peers/engine.js',
    engine: true,
    refusal: ({ kind, pass, threads, lib }) => {
      const missing = engineModeRefusal(lib, mode.options);
      if (missing) return missing;
      if (pass !== 'forward+backward') return null;
      if (!kind.backward) return `${kind.name} runs forward only in the engine`;
      if (threads > 1) return 'the engine\'s backward pass runs on one thread';
      if (!mode.baseline) return 'the backward pass takes no kernel option';
      return null;
    },
  })),
  {
    name: 'onnxruntime-node',
    runtime: 'node',
    peer: './peers/onnxruntime.js',
    package: 'onnxruntime-node',
    refusal: (row) => (row.kind.onnx ? noBackward('onnxruntime-node runs inference only')(row) : `${row.kind.name} has no ONNX form`),
  },
  {
    name: 'onnxruntime-web',
    runtime: 'node',
    peer: './peers/onnxruntime.js',
    package: 'onnxruntime-web',
    refusal: (row) => (row.kind.onnx ? noBackward('onnxruntime-web runs inference only')(row) : `${row.kind.name} has no ONNX form`),
  },
  {
    name: 'tfjs-wasm',
    runtime: 'node',
    peer: './peers/tfjs.js',
    package: '@tensorflow/tfjs-backend-wasm',
    refusal: ({ kind, pass }) => {
      const refusal = tfjsRefusal(kind);
      if (refusal) return refusal;
      if (pass === 'forward+backward' && !kind.backward) return `${kind.name} has no engine backward pass to check tfjs's gradients against`;
      return null;
    },
  },
  ...TORCH_BLAS.map((b) => ({
    name: b.name,
    runtime: 'python',
    blas: b.blas,
    blasDir: b.blasDir,
    env: (threads) => ({ LD_LIBRARY_PATH: [b.blasDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'), OPENBLAS_NUM_THREADS: String(threads) }),
    available: () => (existsSync(`${b.blasDir}/libblas.so.3`) ? null : `${b.blasDir}/libblas.so.3 is missing (apt-get install ${b.needs})`),
    // Which kinds torch.nn has comes from torch itself (torch_bench.py --probe): see run.js.
    refusal: () => null,
  })),
];
