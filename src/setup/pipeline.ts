/**
 * A composed model from a checkpoint alone: the modules it holds (recurrent, Embedding, Linear), in
 * file order, named by their key prefixes, as a pipeline spec, and the state_dict renamed to those names.
 */
import { UsageError } from '../errors.js';
import { readBytes } from '../io/index.js';
import { MAX_DOCUMENT_DEPTH, parseJson } from '../io/json.js';
import { inferChain } from '../modules/infer-chain.js';
import type { Declaration } from '../modules/infer-config.js';
import { cellsAsLayers } from '../modules/layer/parameters.js';
import { MAX_PIPELINE_MODULES, type PipelineSpec } from '../schema/pipeline.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * A spec from the modules a checkpoint holds, in file order, named by their key prefixes: the
 * recurrent modules, and the Embedding and Linear layers around them (src/modules/infer-chain.ts);
 * the state_dict renamed to those names. What a state_dict cannot tell is assumed and said in
 * `notes`; keys of no module recognised are `unusedKeys`, for the caller to list.
 */
export function specFromWeights(file: string, tensors: ReadonlyMap<string, Tensor>, declared: readonly Declaration[] = []): { spec: PipelineSpec; weights: Map<string, Tensor>; notes: string[]; unusedKeys: string[] } {
  // A pipeline spec has no recurrent activation: σ gates that compute another would run wrong silently.
  const other = declared.find((d) => d.recurrentActivation && d.recurrentActivation !== 'sigmoid');
  if (other) throw new UsageError(`--weights ${file}: expected modules whose gates compute σ for a pipeline, got recurrent_activation ${other.recurrentActivation} (${other.source}); run it with \`rnn-inspect --weights ${file}\``);
  const cells = cellsAsLayers(tensors);
  if (cells) tensors = cells.tensors;
  const { entries, notes, unusedKeys } = inferChain(tensors, declared);
  for (const p of cells?.prefixes ?? []) notes.unshift(`${p.replace(/\.$/, '') || '(top level)'}: a cell's weights, run as the one-layer module that steps that cell over time`);
  if (!entries.some((e) => e.spec.type !== 'embedding' && e.spec.type !== 'linear')) {
    throw new UsageError(`--weights ${file}: expected recurrent modules to build a pipeline from, got none; give a --spec`);
  }
  if (entries.length > MAX_PIPELINE_MODULES) throw new UsageError(`--weights ${file}: expected at most ${MAX_PIPELINE_MODULES} modules for a pipeline, got ${entries.length}`);
  const weights = new Map<string, Tensor>();
  for (const e of entries) for (const key of e.keys) weights.set(`${e.name}.${key.slice(e.prefix.length)}`, tensors.get(key)!);
  const said = `the spec is inferred from ${file} (--print-spec writes it, to edit and pass back with --spec)`;
  return { spec: { modules: entries.map((e) => e.spec) }, weights, notes: [said, ...notes], unusedKeys };
}

/** zod loads only here, when a spec is read: it costs start-up that the other commands need not pay. */
export async function readSpec(file: string): Promise<PipelineSpec> {
  const label = file === '-' ? 'standard input' : file;
  const [{ pipelineSpecSchema }, { parseWith }] = await Promise.all([import('../schema/pipeline.js'), import('../schema/zod-error.js')]);
  const depth = { max: MAX_DOCUMENT_DEPTH, what: 'a pipeline spec', why: '{"modules": [{...}]} needs 3' };
  return parseWith(pipelineSpecSchema, parseJson(readBytes(file), label, depth), label);
}
