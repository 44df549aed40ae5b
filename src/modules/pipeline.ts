/**
 * A composed model: several recurrent modules, each with its own weights and its own hidden
 * state, as the seed's MyModel (rnn1 = nn.RNN(100, 50) feeding rnn2 = nn.RNN(50, 20)) or an
 * encoder-decoder (the encoder's h_n is the decoder's h_0), with the Embedding and Linear modules
 * around them (Embedding -> LSTM -> Linear, a classifier; a head's `select` says what it reads).
 *
 * A module reads `input` (a named input tensor, or another module's out); without it, the
 * previous module's out, and the first module reads `x`. `h_0_from` names a module whose h_n
 * (for LSTM, the (h_n, c_n) pair) becomes this module's h_0. Modules run in dependency order.
 */
import { ConfigError, ShapeError } from '../errors.js';
import type { KernelChoice } from '../kernels/kernel.js';
import type { EmbeddingSpec, LinearSpec, PipelineSpec, RecurrentSpec } from '../schema/pipeline.js';
import type { Tensor } from '../tensor/tensor.js';
import { Embedding, type TokenIds } from './embedding.js';
import { numDirections, realHiddenSize, type RecurrentOptions } from './layer/config.js';
import { kindOf } from './kinds/index.js';
import { Linear } from './linear.js';
import { Recurrent, type StepObserver } from './recurrent.js';
import type { ForwardResult } from './layer/result.js';
import { selectFeatures, type Select } from './select.js';

interface StageBase {
  name: string;
  /** What it reads: an input tensor's name or a module's name. */
  reads: string;
  readsModule: boolean;
  h0From: string | null;
}

export interface RecurrentStage extends StageBase {
  type: 'recurrent';
  spec: RecurrentSpec;
  module: Recurrent;
}

export interface EmbeddingStage extends StageBase {
  type: 'embedding';
  spec: EmbeddingSpec;
  module: Embedding;
}

export interface LinearStage extends StageBase {
  type: 'linear';
  spec: LinearSpec;
  module: Linear;
  /** What of a recurrent source it reads; null when the source is not recurrent. */
  select: Select | null;
}

export type PipelineStage = RecurrentStage | EmbeddingStage | LinearStage;

/** An input tensor: features (float32) or integer token ids for an Embedding. */
export type PipelineInput = Tensor | TokenIds;

export function isTokenIds(input: PipelineInput): input is TokenIds {
  return 'ids' in input;
}

interface RunBase {
  /** What the module read: token ids for an embedding, else a tensor. */
  x: PipelineInput;
  /** Valid steps per batch element, carried from the input the chain starts from (--lengths). */
  lengths: number[] | null;
}

export interface RecurrentRun extends RunBase {
  stage: RecurrentStage;
  x: Tensor;
  h0: Tensor | undefined;
  c0: Tensor | undefined;
  result: ForwardResult;
}

export interface LayerRun extends RunBase {
  stage: EmbeddingStage | LinearStage;
  out: Tensor;
}

export type StageRun = RecurrentRun | LayerRun;

/** A stage's out: a recurrent module's out, an embedding's or a linear's output. */
export function outOf(run: StageRun): Tensor {
  return 'result' in run ? run.result.out : run.out;
}

export function optionsOf(spec: RecurrentSpec, seed: number): RecurrentOptions {
  const o: RecurrentOptions = { inputSize: spec.input_size, hiddenSize: spec.hidden_size, seed };
  if (spec.num_layers !== undefined) o.numLayers = spec.num_layers;
  if (spec.nonlinearity !== undefined) o.nonlinearity = spec.nonlinearity;
  if (spec.bias !== undefined) o.bias = spec.bias;
  if (spec.batch_first !== undefined) o.batchFirst = spec.batch_first;
  if (spec.dropout !== undefined) o.dropout = spec.dropout;
  if (spec.bidirectional !== undefined) o.bidirectional = spec.bidirectional;
  if (spec.proj_size !== undefined) o.projSize = spec.proj_size;
  return o;
}

/** Features of a module's out per step: num_directions * (proj_size or hidden_size). */
export function outFeatures(m: Recurrent): number {
  return numDirections(m.config) * realHiddenSize(m.config);
}

/** Features a stage writes per position, and how to say where they come from. */
function writes(stage: PipelineStage): { features: number; why: string } {
  switch (stage.type) {
    case 'embedding':
      return { features: stage.module.embeddingDim, why: 'embedding_dim' };
    case 'linear':
      return { features: stage.module.outFeatures, why: 'out_features' };
    case 'recurrent': {
      const c = stage.module.config;
      return { features: outFeatures(stage.module), why: `num_directions*${c.projSize ? 'proj_size' : 'hidden_size'} = ${numDirections(c)}*${realHiddenSize(c)}` };
    }
  }
}

function construct(m: PipelineSpec['modules'][number], seed: number): { type: PipelineStage['type']; module: Recurrent | Embedding | Linear } {
  try {
    switch (m.type) {
      case 'embedding':
        return { type: 'embedding', module: new Embedding({ numEmbeddings: m.num_embeddings, embeddingDim: m.embedding_dim, paddingIdx: m.padding_idx, seed }) };
      case 'linear':
        return { type: 'linear', module: new Linear({ inFeatures: m.in_features, outFeatures: m.out_features, bias: m.bias, seed }) };
      default:
        return { type: 'recurrent', module: new Recurrent(kindOf(m.type), optionsOf(m, seed)) };
    }
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`${m.name}: ${err.message}`);
    throw err;
  }
}

export class Pipeline {
  readonly stages: PipelineStage[];
  /** Module names in the order they run. */
  readonly order: string[];

  /**
   * Each module is seeded `seed + its index`, so separate modules get separate weights.
   * `checkFit: false` skips the check that modules chain (the doctor reports misfits itself).
   */
  constructor(spec: PipelineSpec, options: { seed?: number; checkFit?: boolean } = {}) {
    const seed = options.seed ?? 0;
    const names = new Set<string>();
    spec.modules.forEach((m, i) => {
      if (names.has(m.name)) throw new ConfigError(`modules[${i}].name: expected unique module names, got "${m.name}" twice`);
      names.add(m.name);
    });
    const types = new Map(spec.modules.map((m) => [m.name, m.type]));
    this.stages = spec.modules.map((m, i) => {
      const built = construct(m, (seed + i) % 2 ** 32);
      const reads = m.input ?? (i === 0 ? 'x' : spec.modules[i - 1]!.name);
      const h0From = m.type !== 'embedding' && m.type !== 'linear' ? m.h_0_from : undefined;
      if (h0From !== undefined && !names.has(h0From)) {
        throw new ConfigError(`${m.name}.h_0_from: expected the name of a module (${[...names].join(', ')}), got "${h0From}"`);
      }
      if (h0From === m.name) throw new ConfigError(`${m.name}.h_0_from: expected another module, got the module itself`);
      if (m.input === m.name) throw new ConfigError(`${m.name}.input: expected an input tensor or another module, got the module itself`);
      const readsModule = names.has(reads);
      const base = { name: m.name, reads, readsModule, h0From: h0From ?? null };
      if (m.type === 'embedding') {
        if (readsModule) {
          const how = m.input === undefined ? ` (without "input" it reads the module before it; give "input": "ids")` : '';
          throw new ConfigError(`${m.name}.input: expected an input of integer token ids for an embedding, got module ${reads}'s out${how}`);
        }
        return { ...base, type: 'embedding', spec: m, module: built.module as Embedding };
      }
      if (m.type === 'linear') {
        const sourceType = readsModule ? types.get(reads)! : null;
        const recurrentSource = sourceType !== null && sourceType !== 'embedding' && sourceType !== 'linear';
        if (m.select !== undefined && !recurrentSource) {
          const got = sourceType === null ? `the input tensor "${reads}"` : `${reads}, ${sourceType === 'embedding' ? 'an Embedding' : 'a Linear'}`;
          throw new ConfigError(`${m.name}.select: expected a recurrent module to select from (last, h_n or all of its results), got ${got}`);
        }
        return { ...base, type: 'linear', spec: m, module: built.module as Linear, select: recurrentSource ? (m.select ?? 'all') : null };
      }
      return { ...base, type: 'recurrent', spec: m, module: built.module as Recurrent };
    });
    this.order = this.sortByDependencies();
    if (options.checkFit !== false) this.checkFit();
  }

  stage(name: string): PipelineStage {
    return this.stages.find((s) => s.name === name)!;
  }

  /** The recurrent stages, in spec order. */
  recurrentStages(): RecurrentStage[] {
    return this.stages.filter((s): s is RecurrentStage => s.type === 'recurrent');
  }

  /** The named input tensors the pipeline reads, in module order. */
  inputNames(): string[] {
    return [...new Set(this.stages.filter((s) => !s.readsModule).map((s) => s.reads))];
  }

  /** The input a stage's chain of sources starts from. */
  sourceInput(name: string): string {
    let stage = this.stage(name);
    for (let hops = 0; stage.readsModule && hops < this.stages.length; hops++) stage = this.stage(stage.reads);
    return stage.reads;
  }

  private sortByDependencies(): string[] {
    const deps = new Map(this.stages.map((s) => [s.name, [...(s.readsModule ? [s.reads] : []), ...(s.h0From ? [s.h0From] : [])]]));
    const order: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, path: string[]): void => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') {
        const cycle = [...path.slice(path.indexOf(name)), name];
        throw new ConfigError(`modules: expected no cycle between modules, got ${cycle.join(' -> ')} (via input / h_0_from)`);
      }
      state.set(name, 'visiting');
      for (const d of deps.get(name)!) visit(d, [...path, name]);
      state.set(name, 'done');
      order.push(name);
    };
    for (const s of this.stages) visit(s.name, []);
    return order;
  }

  /** Before anything runs: every module reads as many features as its source writes, and hand-offs fit. */
  private checkFit(): void {
    for (const s of this.stages) {
      if (s.readsModule && s.type !== 'embedding') {
        const src = this.stage(s.reads);
        const { features, why } = writes(src);
        const [arg, reads] = s.type === 'linear' ? ['in_features', s.module.inFeatures] : ['input_size', s.module.config.inputSize];
        if (reads !== features) {
          const what = src.type === 'recurrent' && s.type === 'linear' ? (s.select === 'all' ? "'s out" : ` (select ${s.select})`) : "'s out";
          throw new ConfigError(`${s.name}.${arg}: expected ${features} to read ${s.reads}${what} (${why}), got ${reads}`);
        }
      }
      if (s.h0From && s.type === 'recurrent') {
        const source = this.stage(s.h0From);
        if (source.type !== 'recurrent') throw new ConfigError(`${s.name}.h_0_from: expected a recurrent module whose h_n to take, got ${s.h0From}, ${source.type === 'embedding' ? 'an Embedding' : 'a Linear'}`);
        const m = s.module;
        const src = source.module;
        const layers = (r: Recurrent): number => r.config.numLayers * numDirections(r.config);
        if (layers(src) !== layers(m)) {
          throw new ConfigError(
            `${s.name}.h_0_from: expected ${s.h0From}'s h_n to have ${layers(m)} slices (${s.name}'s num_layers*num_directions = ${m.config.numLayers}*${numDirections(m.config)}), got ${layers(src)} (${src.config.numLayers}*${numDirections(src.config)})`,
          );
        }
        if (realHiddenSize(src.config) !== realHiddenSize(m.config)) {
          throw new ConfigError(
            `${s.name}.h_0_from: expected ${s.h0From}'s h_n to carry ${realHiddenSize(m.config)} features (${s.name}'s hidden size), got ${realHiddenSize(src.config)}`,
          );
        }
        if (m.kind.hasCellState && !src.kind.hasCellState) {
          throw new ConfigError(`${s.name}.h_0_from: expected an LSTM to hand over (h_n, c_n) to ${s.name} (${m.kind.name}), got ${s.h0From} (${src.kind.name}, which has no c)`);
        }
        if (m.kind.hasCellState && src.config.hiddenSize !== m.config.hiddenSize) {
          throw new ConfigError(`${s.name}.h_0_from: expected ${s.h0From}'s c_n to carry ${m.config.hiddenSize} features, got ${src.config.hiddenSize}`);
        }
      }
    }
  }

  train(mode = true): this {
    for (const s of this.recurrentStages()) s.module.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  parameterCount(): number {
    return this.stages.reduce((n, s) => n + s.module.parameterCount(), 0);
  }

  /** The composed state_dict, keys prefixed by module name as PyTorch writes it (`rnn1.weight_ih_l0`). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const s of this.stages) for (const [k, t] of s.module.stateDict()) out.set(`${s.name}.${k}`, t);
    return out;
  }

  /**
   * Loads a composed state_dict. A module missing keys is an error; so is a key for no module,
   * unless `strict` is false: then such keys are returned (a checkpoint's modules the spec leaves out).
   */
  loadStateDict(stateDict: ReadonlyMap<string, Tensor>, options: { strict?: boolean } = {}): string[] {
    const per = new Map(this.stages.map((s) => [s.name, new Map<string, Tensor>()]));
    const stray: string[] = [];
    // The longest name wins, so that "model.lstm.weight_ih_l0" is not taken for a module "model".
    const byLength = [...this.stages].sort((a, b) => b.name.length - a.name.length);
    for (const [key, t] of stateDict) {
      const stage = byLength.find((s) => key.startsWith(s.name + '.'));
      if (stage) per.get(stage.name)!.set(key.slice(stage.name.length + 1), t);
      else stray.push(key);
    }
    if (stray.length && options.strict !== false) {
      throw new ShapeError(`state_dict: expected keys prefixed by a module name (${this.stages.map((s) => s.name + '.').join(', ')}), got ${stray.map((k) => `"${k}"`).join(', ')} for no module`);
    }
    for (const s of this.stages) {
      try {
        s.module.loadStateDict(per.get(s.name)!);
      } catch (err) {
        if (err instanceof ShapeError) throw new ShapeError(`${s.name} (keys "${s.name}.*"): ${err.message}`);
        throw err;
      }
    }
    return stray;
  }

  /**
   * Runs every module in dependency order on the named inputs. `lengths` gives valid steps per
   * batch element for an input (pack_padded_sequence's lengths): every recurrent module whose chain
   * of sources starts from that input runs packed, and a `select last` head reads each sequence's
   * own last valid step. `observe` may give a recurrent module an observer of its steps, with their
   * gate activations (ForwardOptions.onStep and gates). `kernel`: the recurrent modules' products
   * (src/kernels/kernel.ts; default by each pass's size).
   */
  forward(
    inputs: ReadonlyMap<string, PipelineInput>,
    lengths: ReadonlyMap<string, readonly number[]> = new Map(),
    observe?: (stage: RecurrentStage) => StepObserver | undefined,
    kernel: KernelChoice = {},
  ): Map<string, StageRun> {
    const runs = new Map<string, StageRun>();
    for (const name of this.order) {
      const stage = this.stage(name);
      const source = stage.readsModule ? runs.get(stage.reads)! : null;
      const x = source ? outOf(source) : inputs.get(stage.reads);
      if (!x) throw new ShapeError(`${name}.input: expected an input tensor named "${stage.reads}", got none (given: ${[...inputs.keys()].join(', ') || 'none'})`);
      const given = source ? source.lengths : (lengths.get(stage.reads) ?? null);
      const runLengths = given ? [...given] : null;
      try {
        runs.set(name, this.runStage(stage, x, runLengths, source, runs, observe, kernel));
      } catch (err) {
        if (err instanceof ShapeError) {
          const from = stage.h0From ? ` (h_0 is ${stage.h0From}'s h_n)` : '';
          throw new ShapeError(`${name}: ${err.message}${from}`);
        }
        throw err;
      }
    }
    return runs;
  }

  private runStage(
    stage: PipelineStage,
    x: PipelineInput,
    lengths: number[] | null,
    source: StageRun | null,
    runs: ReadonlyMap<string, StageRun>,
    observe: ((stage: RecurrentStage) => StepObserver | undefined) | undefined,
    kernel: KernelChoice,
  ): StageRun {
    if (stage.type === 'embedding') {
      if (!isTokenIds(x)) throw new ShapeError(`expected integer token ids (an int64 or int32 array), got a float32 tensor`);
      return { stage, x, lengths, out: stage.module.forward(x) };
    }
    if (isTokenIds(x)) {
      throw new ShapeError(`expected features (float32), got integer token ids of shape (${x.shape.join(', ')}): an embedding reads token ids`);
    }
    if (stage.type === 'linear') {
      const read = source && 'result' in source && stage.select ? selectFeatures(source.result, source.stage.module.config, stage.select, lengths) : x;
      return { stage, x: read, lengths: stage.select === 'all' ? lengths : null, out: stage.module.forward(read) };
    }
    const state = stage.h0From ? (runs.get(stage.h0From) as RecurrentRun).result : null;
    const h0 = state?.hN;
    const c0 = stage.module.kind.hasCellState ? (state?.cN ?? undefined) : undefined;
    const onStep = observe?.(stage);
    const result = stage.module.forward(x, { ...kernel, ...(h0 ? { h0 } : {}), ...(c0 ? { c0 } : {}), ...(lengths ? { lengths } : {}), ...(onStep ? { onStep, gates: true } : {}) });
    return { stage, x, h0, c0, lengths, result };
  }
}
