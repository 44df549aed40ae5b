/**
 * A composed model: several recurrent modules, each with its own weights and its own hidden
 * state, as the seed's MyModel (rnn1 = nn.RNN(100, 50) feeding rnn2 = nn.RNN(50, 20)) or an
 * encoder-decoder (the encoder's h_n is the decoder's h_0).
 *
 * A module reads `input` (a named input tensor, or another module's out); without it, the
 * previous module's out, and the first module reads `x`. `h_0_from` names a module whose h_n
 * (for LSTM, the (h_n, c_n) pair) becomes this module's h_0. Modules run in dependency order.
 */
import { ConfigError, ShapeError } from '../errors.js';
import type { ModuleSpec, PipelineSpec } from '../schema/pipeline.js';
import type { Tensor } from '../tensor/tensor.js';
import { numDirections, realHiddenSize, type RecurrentOptions } from './layer/config.js';
import { kindOf } from './kinds/index.js';
import { Recurrent, type StepObserver } from './recurrent.js';
import type { ForwardResult } from './layer/result.js';

export interface PipelineStage {
  name: string;
  spec: ModuleSpec;
  module: Recurrent;
  /** What it reads: an input tensor's name or a module's name. */
  reads: string;
  readsModule: boolean;
  h0From: string | null;
}

export interface StageRun {
  stage: PipelineStage;
  x: Tensor;
  h0: Tensor | undefined;
  c0: Tensor | undefined;
  result: ForwardResult;
}

export function optionsOf(spec: ModuleSpec, seed: number): RecurrentOptions {
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
    this.stages = spec.modules.map((m, i) => {
      let module: Recurrent;
      try {
        module = new Recurrent(kindOf(m.type), optionsOf(m, (seed + i) % 2 ** 32));
      } catch (err) {
        if (err instanceof ConfigError) throw new ConfigError(`${m.name}: ${err.message}`);
        throw err;
      }
      const reads = m.input ?? (i === 0 ? 'x' : spec.modules[i - 1]!.name);
      if (m.h_0_from !== undefined && !names.has(m.h_0_from)) {
        throw new ConfigError(`${m.name}.h_0_from: expected the name of a module (${[...names].join(', ')}), got "${m.h_0_from}"`);
      }
      if (m.h_0_from === m.name) throw new ConfigError(`${m.name}.h_0_from: expected another module, got the module itself`);
      if (m.input === m.name) throw new ConfigError(`${m.name}.input: expected an input tensor or another module, got the module itself`);
      return { name: m.name, spec: m, module, reads, readsModule: names.has(reads), h0From: m.h_0_from ?? null };
    });
    this.order = this.sortByDependencies();
    if (options.checkFit !== false) this.checkFit();
  }

  stage(name: string): PipelineStage {
    return this.stages.find((s) => s.name === name)!;
  }

  /** The named input tensors the pipeline reads, in module order. */
  inputNames(): string[] {
    return [...new Set(this.stages.filter((s) => !s.readsModule).map((s) => s.reads))];
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
      const m = s.module;
      if (s.readsModule) {
        const src = this.stage(s.reads).module;
        const D = numDirections(src.config);
        const features = outFeatures(src);
        if (m.config.inputSize !== features) {
          const what = src.config.projSize ? 'proj_size' : 'hidden_size';
          throw new ConfigError(
            `${s.name}.input_size: expected ${features} to read ${s.reads}'s out (num_directions*${what} = ${D}*${realHiddenSize(src.config)}), got ${m.config.inputSize}`,
          );
        }
      }
      if (s.h0From) {
        const src = this.stage(s.h0From).module;
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
    for (const s of this.stages) s.module.train(mode);
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

  /** Loads a composed state_dict strictly: a key for no module, or a module missing keys, is an error. */
  loadStateDict(stateDict: ReadonlyMap<string, Tensor>): this {
    const per = new Map(this.stages.map((s) => [s.name, new Map<string, Tensor>()]));
    const stray: string[] = [];
    // The longest name wins, so that "model.lstm.weight_ih_l0" is not taken for a module "model".
    const byLength = [...this.stages].sort((a, b) => b.name.length - a.name.length);
    for (const [key, t] of stateDict) {
      const stage = byLength.find((s) => key.startsWith(s.name + '.'));
      if (stage) per.get(stage.name)!.set(key.slice(stage.name.length + 1), t);
      else stray.push(key);
    }
    if (stray.length) {
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
    return this;
  }

  /**
   * Runs every module in dependency order on the named inputs. `observe` may give a module an
   * observer of its steps, with their gate activations (ForwardOptions.onStep and gates).
   */
  forward(inputs: ReadonlyMap<string, Tensor>, observe?: (stage: PipelineStage) => StepObserver | undefined): Map<string, StageRun> {
    const runs = new Map<string, StageRun>();
    for (const name of this.order) {
      const stage = this.stage(name);
      const x = stage.readsModule ? runs.get(stage.reads)!.result.out : inputs.get(stage.reads);
      if (!x) throw new ShapeError(`${name}.input: expected an input tensor named "${stage.reads}", got none (given: ${[...inputs.keys()].join(', ') || 'none'})`);
      const src = stage.h0From ? runs.get(stage.h0From)!.result : null;
      const h0 = src?.hN;
      const c0 = stage.module.kind.hasCellState ? (src?.cN ?? undefined) : undefined;
      let result: ForwardResult;
      try {
        const onStep = observe?.(stage);
        result = stage.module.forward(x, { ...(h0 ? { h0 } : {}), ...(c0 ? { c0 } : {}), ...(onStep ? { onStep, gates: true } : {}) });
      } catch (err) {
        if (err instanceof ShapeError) {
          const from = stage.h0From ? ` (h_0 is ${stage.h0From}'s h_n)` : '';
          throw new ShapeError(`${name}: ${err.message}${from}`);
        }
        throw err;
      }
      runs.set(name, { stage, x, h0, c0, result });
    }
    return runs;
  }
}
