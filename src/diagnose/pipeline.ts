/**
 * The doctor on a composed model (--spec): each module is diagnosed in the order it runs, its x
 * being the named input's shape or the out its feeder would produce, its h_0 (and c_0) the h_n
 * (and c_n) of the module named by h_0_from; so a module built for the wrong input_size (a
 * bidirectional feeder's 2*hidden) is found before anything runs.
 */
import type { Pipeline } from '../modules/pipeline.js';
import type { Shape } from '../tensor/tensor.js';
import type { Neighbour } from './causes.js';
import { diagnoseModule, type DiagnoseOptions, type ModuleDiagnosis } from './doctor.js';

export interface PipelineShapes {
  /** Named input tensors' shapes (x, and any other input a module reads). */
  inputs: ReadonlyMap<string, Shape>;
  /** h_0 / c_0 given for a module, by module name. */
  h0: ReadonlyMap<string, Shape>;
  c0: ReadonlyMap<string, Shape>;
}

export interface PipelineDiagnosis {
  /** In the order the modules run. */
  modules: ModuleDiagnosis[];
  notes: string[];
}

export function diagnosePipeline(pipeline: Pipeline, shapes: PipelineShapes): PipelineDiagnosis {
  const done = new Map<string, ModuleDiagnosis>();
  const notes: string[] = [];
  const neighbour = (name: string, tensor: string): Neighbour | null => {
    const shape = done.get(name)?.shapes.get(tensor);
    if (!shape) return null;
    const stage = pipeline.stage(name);
    if (stage.type !== 'recurrent') return null;
    return { name, kind: stage.module.kind, config: stage.module.config, shape };
  };
  for (const name of pipeline.order) {
    const stage = pipeline.stage(name);
    if (stage.type !== 'recurrent') {
      notes.push(`${name}: not checked, as doctor checks recurrent modules (this is ${stage.type === 'embedding' ? 'an Embedding' : 'a Linear'})`);
      continue;
    }
    const { kind, config } = stage.module;
    const options: DiagnoseOptions = { name, reads: stage.reads };
    let x: Shape | undefined;
    if (stage.readsModule) {
      const feeder = neighbour(stage.reads, 'out');
      if (!feeder) {
        notes.push(`${name}: not checked, as ${stage.reads}'s out has no known shape (its x has neither 2 nor 3 dimensions)`);
        continue;
      }
      options.feeder = feeder;
      x = feeder.shape;
      if (feeder.config.batchFirst !== config.batchFirst && x.length === 3) {
        notes.push(
          `${name}: reads ${stage.reads}'s out with batch_first=${config.batchFirst ? 'True' : 'False'}, while ${stage.reads} writes it with batch_first=${feeder.config.batchFirst ? 'True' : 'False'}: PyTorch raises nothing, but batch and time are swapped`,
        );
      }
    } else {
      x = shapes.inputs.get(stage.reads);
    }
    let h0 = shapes.h0.get(name);
    let c0 = shapes.c0.get(name);
    if (stage.h0From) {
      options.h0From = stage.h0From;
      const source = neighbour(stage.h0From, 'h_n');
      if (!source) {
        notes.push(`${name}: h_0 not checked, as ${stage.h0From}'s h_n has no known shape`);
      } else {
        options.stateSource = source;
        h0 = source.shape;
        c0 = kind.hasCellState ? done.get(stage.h0From)!.shapes.get('c_n') : undefined;
      }
    }
    done.set(name, diagnoseModule(kind, config, { x: x!, h0, c0 }, options));
  }
  return { modules: pipeline.order.filter((n) => done.has(n)).map((n) => done.get(n)!), notes };
}
