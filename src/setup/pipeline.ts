/**
 * A composed model from a checkpoint alone: the recurrent modules it holds, in file order, named
 * by their key prefixes, as a pipeline spec, and the state_dict renamed to those names.
 */
import { UsageError } from '../errors.js';
import { readBytes } from '../io/index.js';
import { MAX_DOCUMENT_DEPTH, parseJson } from '../io/json.js';
import { inferModules, type Declaration } from '../modules/infer-config.js';
import { MAX_PIPELINE_MODULES, type PipelineSpec } from '../schema/pipeline.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * A spec from the modules a checkpoint holds, in file order, named by their key prefixes, and the
 * state_dict renamed to those names. Keys of no recurrent module (a Linear head) are not part of it.
 */
export function specFromWeights(file: string, tensors: ReadonlyMap<string, Tensor>, declared: readonly Declaration[] = []): { spec: PipelineSpec; weights: Map<string, Tensor> } {
  const { modules } = inferModules(tensors, declared);
  if (!modules.length) throw new UsageError(`--weights ${file}: expected recurrent modules to build a pipeline from, got none; give a --spec`);
  if (modules.length > MAX_PIPELINE_MODULES) throw new UsageError(`--weights ${file}: expected at most ${MAX_PIPELINE_MODULES} recurrent modules for a pipeline, got ${modules.length}`);
  const named = modules.map((m, i) => ({ m, name: m.prefix.replace(/\.$/, '') || `module${i}` }));
  const weights = new Map<string, Tensor>();
  for (const { m, name } of named) for (const key of m.keys) weights.set(`${name}.${key.slice(m.prefix.length)}`, tensors.get(key)!);
  const spec: PipelineSpec = {
    modules: named.map(({ m, name }) => ({
      name,
      type: m.type,
      input_size: m.inputSize,
      hidden_size: m.hiddenSize,
      num_layers: m.numLayers,
      bias: m.bias,
      bidirectional: m.bidirectional,
      proj_size: m.projSize,
      ...(m.nonlinearity ? { nonlinearity: m.nonlinearity } : {}),
    })),
  };
  return { spec, weights };
}

/** zod loads only here, when a spec is read: it costs start-up that the other commands need not pay. */
export async function readSpec(file: string): Promise<PipelineSpec> {
  const label = file === '-' ? 'standard input' : file;
  const [{ pipelineSpecSchema }, { parseWith }] = await Promise.all([import('../schema/pipeline.js'), import('../schema/zod-error.js')]);
  const depth = { max: MAX_DOCUMENT_DEPTH, what: 'a pipeline spec', why: '{"modules": [{...}]} needs 3' };
  return parseWith(pipelineSpecSchema, parseJson(readBytes(file), label, depth), label);
}
