/**
 * The automatic path, as nn.RNN / nn.LSTM / nn.GRU run: layer by layer, each over the whole
 * sequence. The input projections of a layer are matrix products over many steps at once (all of
 * them for short sequences, chunks of GI_ROWS rows otherwise, which keeps gi small); then each
 * step adds h_{t-1} W_hh^T + b_hh and applies the kind's gates. The products run on the chosen
 * kernel (src/kernels/kernel.ts), each weight prepared once per layer and direction; the time loop
 * allocates nothing. In the fast mode a step is one call of the kernel: the recurrent product, the
 * gates and, for a kind with a `simdUpdate`, its state update, in float32 lanes; a kind with only
 * `update` runs it on the gates the call wrote.
 *
 * Shape: layer input (seqLen * batch, inFeatures) | gi (chunk * batch, gates * hidden) |
 *        gh (batch, gates * hidden) | layer output (seqLen, batch, D * realHidden)
 * With lengths, a batch element's steps at t >= length are skipped: its h (and c) stay as they
 * were and its output is zero, so the reverse direction starts at the element's own last step.
 * With keepTrace false, no layer's h (or c) is kept over time: the trace is running statistics
 * (src/modules/trace-stats.ts) instead.
 */
import { applyMask } from '../../kernels/dropout.js';
import { ACTIVATIONS, kernelFor, stepExport, type GateBlock, type GatedStepArgs, type Kernel } from '../../kernels/kernel.js';
import { Tensor } from '../../tensor/tensor.js';
import { recurrentActivationOf, type RecurrentConfig } from '../layer/config.js';
import type { PreparedInput } from '../layer/prepare.js';
import { stepRecurrent, type CellKind, type StepArgs, type UpdateArgs } from '../kinds/index.js';
import { layerWeights } from '../layer/parameters.js';
import type { Direction, LayerTrace, RawResult } from '../layer/result.js';
import { accumulateStep, emptyStats, statsAt, type TraceStats } from '../layer/trace-stats.js';

/** Rows (steps × batch) of the input projection computed in one product. */
const GI_ROWS = 512;

/** Steps of a layer whose input projection is computed in one product. */
export function projectionSteps(seqLen: number, batch: number): number {
  return Math.min(seqLen, Math.max(1, Math.ceil(GI_ROWS / batch)));
}

/**
 * Called after each step of each layer and direction, in the order the automatic path runs them:
 * h (batch, Hr) and c (batch, H) at t, zero for finished sequences; with `gates` asked for, each
 * gate's activation (batch, G) as the kind's step computed it (every row, finished or not).
 */
export type StepObserver = (layer: number, direction: Direction, t: number, h: Float32Array, c: Float32Array | null, gates: Float32Array | null) => void;

/** Called after each step with the steps done and the steps in all (layers × directions × seqLen). */
export type ProgressObserver = (done: number, total: number) => void;

export interface AutomaticOptions {
  /** Keep every layer's h (and c) at every step (the full trace); else keep running statistics. */
  keepTrace: boolean;
  onStep?: StepObserver | undefined;
  /** Hand each step's gate activations to onStep (the kind's step writes them into a buffer). */
  gates?: boolean | undefined;
  onProgress?: ProgressObserver | undefined;
  /** Where the statistics go when keepTrace is false (a shared buffer, for a slice of the batch). */
  statsData?: Float64Array | undefined;
  /** Written: what the backward pass needs besides the trace (src/modules/run/backward.ts). */
  save?: ForwardSaves | undefined;
  /** The products' kernel (default: kernelFor()'s choice). */
  kernel?: Kernel | undefined;
}

/**
 * What a forward pass keeps for the backward pass, per layer and direction (index layer * D +
 * direction), time-major over every step and batch row: the gate activations (seqLen, batch, G),
 * gh for kinds with a gated recurrent term (seqLen, batch, G), and h before the projection
 * (seqLen, batch, hidden) when projecting; null where not needed.
 */
export interface ForwardSaves {
  gates: Float32Array[];
  gh: (Float32Array | null)[];
  hFull: (Float32Array | null)[];
}

export function runAutomatic(
  kind: CellKind,
  config: RecurrentConfig,
  params: ReadonlyMap<string, Tensor>,
  input: PreparedInput,
  dropoutMasks: readonly (Float32Array | null)[],
  options: AutomaticOptions,
): RawResult {
  const kernel = options.kernel ?? kernelFor();
  const mark = kernel.mark();
  try {
    return layers(kernel, mark, config, kind, params, input, dropoutMasks, options);
  } finally {
    kernel.release(mark);
  }
}

/**
 * Each gate's columns of gi + gh and its activation, from the kind's gates (`nonlinearity`: the
 * module's; σ: the module's recurrent activation), or null when one is not a fused kernel's.
 */
function gateBlocks(kind: CellKind, config: RecurrentConfig, H: number): GateBlock[] | null {
  const blocks: GateBlock[] = [];
  for (const [i, g] of kind.gates.entries()) {
    const name = g.name === kind.rawInUpdate ? 'raw' : g.activation === 'nonlinearity' ? config.nonlinearity : g.activation === 'sigmoid' ? config.recurrentActivation : g.activation;
    const activation = ACTIVATIONS.find((a) => a === name);
    if (activation === undefined) return null;
    blocks.push({ start: i * H, end: (i + 1) * H, activation });
  }
  return blocks;
}

/** runAutomatic's passes, each layer's weights prepared on `kernel` above `mark`. */
function layers(
  kernel: Kernel,
  mark: number,
  config: RecurrentConfig,
  kind: CellKind,
  params: ReadonlyMap<string, Tensor>,
  input: PreparedInput,
  dropoutMasks: readonly (Float32Array | null)[],
  options: AutomaticOptions,
): RawResult {
  const { lengths } = input;
  const { seqLen: T, batch: B, D, H, Hr, G, L } = input.geometry;
  const { keepTrace, onStep, onProgress, save } = options;
  const hN = new Float32Array(L * D * B * Hr);
  const cN = kind.hasCellState ? new Float32Array(L * D * B * H) : null;
  const gh = new Float32Array(B * G);
  // The fast kernel activates the gates with the recurrent product when the kind can update its
  // state from them (and runs the update too, with its simdUpdate); the other kernels (and kinds)
  // run the kind's own float64 step.
  const blocks = kernel.prepareGated && (kind.update || kind.hIsGate) ? gateBlocks(kind, config, H) : null;
  const gateValues = (onStep && options.gates) || save || blocks ? new Float32Array(B * G) : null;
  const stepGates = onStep && options.gates ? gateValues : null;
  // The gates the step must hand on when the fused product also updates the state.
  const gatesWanted = stepGates !== null || save !== undefined;
  const hFull = blocks && kind.hIsGate ? gateValues! : new Float32Array(B * H);
  const cNew = kind.hasCellState ? new Float32Array(B * H) : null;
  const hProj = config.projSize > 0 ? new Float32Array(B * Hr) : hFull;
  // Without a full trace, one step's h and c, for the observer.
  const hStep = keepTrace ? null : new Float32Array(B * Hr);
  const cStep = keepTrace || !kind.hasCellState ? null : new Float32Array(B * H);
  const stats: TraceStats | null = keepTrace ? null : emptyStats(L * D, T, Hr, options.statsData);
  const traces: LayerTrace[] = [];
  const total = L * D * T;
  // Steps whose input projection is computed at once: rows enough for the kernel to run at full
  // speed, few enough that gi stays small (W3's LSTM: 1 MB instead of 67 MB for the whole layer).
  const chunk = projectionSteps(T, B);
  let done = 0;
  // Two layer outputs in turn (a layer reads the one below's), and one for a dropped-out copy.
  const outs = [new Float32Array(T * B * D * Hr), L > 1 ? new Float32Array(T * B * D * Hr) : null];
  let dropped: Float32Array | null = null;
  let layerIn = input.x;
  let out = outs[0]!;
  let gi = new Float32Array(0);

  for (let l = 0; l < L; l++) {
    out = outs[l % 2]!;
    if (l > 1) out.fill(0);
    for (let d = 0; d < D; d++) {
      const w = layerWeights(params, l, d);
      const inF = w.inFeatures;
      kernel.release(mark);
      const projectInput = kernel.prepare(w.weightIh, G, inF, w.biasIh);
      const update = kind.simdUpdate ? { name: stepExport('update', kind.type), step: kind.simdUpdate, hidden: H, option: config.nonlinearity === 'relu' ? 1 : 0 } : null;
      const recurGated = blocks ? kernel.prepareGated!(w.weightHh, G, Hr, w.biasHh, blocks, update) : null;
      const recur = recurGated ? null : kernel.prepare(w.weightHh, G, Hr, w.biasHh);
      const project = w.weightHr ? kernel.prepare(w.weightHr, Hr, H, null) : null;
      if (gi.length !== chunk * B * G) gi = new Float32Array(chunk * B * G);
      let chunkStart = 0;
      const idx = l * D + d;
      const direction: Direction = d === 0 ? 'forward' : 'reverse';
      const h = input.h0.slice(idx * B * Hr, (idx + 1) * B * Hr);
      const c = input.c0 ? input.c0.slice(idx * B * H, (idx + 1) * B * H) : null;
      const hTrace = keepTrace ? new Float32Array(T * B * Hr) : hStep!;
      const cTrace = c ? (keepTrace ? new Float32Array(T * B * H) : cStep) : null;
      // The fused product's buffers, the kind's update's; when the product runs the update itself,
      // it copies out the gates and gh only where they are wanted.
      const recurrent = stepRecurrent(kind, w, H, Hr, kernel.prepare);
      const updateArgs: UpdateArgs | null = recurGated ? { batch: B, hiddenSize: H, gates: gateValues!, gi, giOffset: 0, gh, hPrev: h, cPrev: c, hOut: hFull, cOut: cNew, recurrent } : null;
      const fusedArgs: GatedStepArgs | null = updateArgs && recurGated?.updates ? { ...updateArgs, gates: gatesWanted ? gateValues : null, gh: save?.gh[idx] ? gh : null } : updateArgs;
      const args: StepArgs = { batch: B, hiddenSize: H, gi, giOffset: 0, gh, hPrev: h, cPrev: c, hOut: hFull, cOut: cNew, gates: gateValues, nonlinearity: config.nonlinearity, recurrentActivation: recurrentActivationOf(config), recurrent };
      for (let s = 0; s < T; s++) {
        const t = d === 0 ? s : T - 1 - s;
        if (s % chunk === 0) {
          // x_t W_ih^T + b_ih for the next `chunk` steps in time order, as one product.
          const steps = Math.min(chunk, T - s);
          chunkStart = d === 0 ? s : T - s - steps;
          projectInput(layerIn, chunkStart * B * inF, steps * B, gi, 0);
        }
        args.giOffset = (t - chunkStart) * B * G;
        if (recurGated && updateArgs && fusedArgs) {
          fusedArgs.giOffset = updateArgs.giOffset = args.giOffset;
          recurGated.run(fusedArgs);
          if (!recurGated.updates) kind.update?.(updateArgs);
        } else {
          recur!(h, 0, B, gh, 0);
          kind.step(args);
        }
        if (save) {
          save.gates[idx]!.set(gateValues!, t * B * G);
          save.gh[idx]?.set(gh, t * B * G);
          save.hFull[idx]?.set(hFull, t * B * H);
        }
        if (project) project(hFull, 0, B, hProj, 0);
        const hAt = keepTrace ? t * B * Hr : 0;
        const cAt = keepTrace ? t * B * H : 0;
        if (lengths === null) {
          // Every element active: whole-batch copies (memcpy) instead of the per-element loop.
          h.set(hProj);
          hTrace.set(hProj, hAt);
          if (D === 1) out.set(hProj, t * B * Hr);
          else for (let b = 0; b < B; b++) out.set(hProj.subarray(b * Hr, (b + 1) * Hr), ((t * B + b) * D + d) * Hr);
          if (c && cNew && cTrace) {
            c.set(cNew);
            cTrace.set(cNew, cAt);
          }
        } else for (let b = 0; b < B; b++) {
          if (lengths !== null && t >= lengths[b]!) {
            if (!keepTrace) {
              hTrace.fill(0, b * Hr, (b + 1) * Hr);
              cTrace?.fill(0, b * H, (b + 1) * H);
            }
            continue;
          }
          const from = b * Hr;
          const outAt = ((t * B + b) * D + d) * Hr;
          for (let j = 0; j < Hr; j++) {
            const v = hProj[from + j]!;
            h[from + j] = v;
            hTrace[hAt + from + j] = v;
            out[outAt + j] = v;
          }
          if (c && cNew && cTrace) {
            for (let j = b * H; j < (b + 1) * H; j++) {
              c[j] = cNew[j]!;
              cTrace[cAt + j] = cNew[j]!;
            }
          }
        }
        if (stats) accumulateStep(stats.data, statsAt(stats, idx, t), hTrace, 0, B, Hr, t, lengths);
        if (onStep) onStep(l, direction, t, hTrace.subarray(hAt, hAt + B * Hr), cTrace ? cTrace.subarray(cAt, cAt + B * H) : null, stepGates);
        if (onProgress) onProgress(++done, total);
      }
      hN.set(h, idx * B * Hr);
      if (cN && c) cN.set(c, idx * B * H);
      if (keepTrace) {
        traces.push({ layer: l, direction, h: new Tensor(hTrace, [T, B, Hr]), c: cTrace ? new Tensor(cTrace, [T, B, H]) : null });
      }
    }
    const mask = dropoutMasks[l];
    if (mask && l < L - 1) {
      dropped ??= new Float32Array(out.length);
      dropped.set(out);
      applyMask(dropped, mask);
      layerIn = dropped;
    } else {
      layerIn = out;
    }
  }
  return { out, hN, cN, layers: traces, stats };
}
