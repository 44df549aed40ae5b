/**
 * A composed model from a checkpoint alone: the modules it holds (recurrent, Embedding, Linear), in
 * file order, named by their key prefixes, as a pipeline spec, and the state_dict renamed to those names.
 */
import { UsageError } from '../errors.js';
import { readBytes } from '../io/index.js';
import { MAX_DOCUMENT_DEPTH, parseJson } from '../io/json.js';
import { inferModules } from '../modules/infer-config.js';
import { MAX_PIPELINE_MODULES, type PipelineSpec } from '../schema/pipeline.js';
import type { Tensor } from '../tensor/tensor.js';

type SpecModule = PipelineSpec['modules'][number];

interface Found {
  name: string;
  /** Where its first key is in the file. */
  at: number;
  keys: string[];
  module: SpecModule;
}

/** Embedding and Linear layers: a prefix whose keys are `weight` (2-D), with `bias` (1-D) for a Linear. */
function layersOf(tensors: ReadonlyMap<string, Tensor>, taken: ReadonlySet<string>, order: readonly string[]): Found[] {
  const groups = new Map<string, string[]>();
  for (const key of order) {
    if (taken.has(key)) continue;
    const dot = key.lastIndexOf('.');
    const prefix = dot < 0 ? '' : key.slice(0, dot);
    groups.set(prefix, [...(groups.get(prefix) ?? []), key]);
  }
  const found: Found[] = [];
  for (const [prefix, keys] of groups) {
    const leaf = (k: string): string => k.slice(prefix ? prefix.length + 1 : 0);
    const names = keys.map(leaf).sort().join(',');
    const weight = tensors.get(prefix ? `${prefix}.weight` : 'weight');
    if (!weight || weight.rank !== 2 || (names !== 'weight' && names !== 'bias,weight')) continue;
    const bias = tensors.get(prefix ? `${prefix}.bias` : 'bias');
    if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) continue;
    const name = prefix || `layer${found.length}`;
    const [rows, cols] = [weight.shape[0]!, weight.shape[1]!];
    const module: SpecModule = bias
      ? { name, type: 'linear', in_features: cols, out_features: rows, bias: true }
      : /emb/i.test(prefix)
        ? { name, type: 'embedding', num_embeddings: rows, embedding_dim: cols }
        : { name, type: 'linear', in_features: cols, out_features: rows, bias: false };
    found.push({ name, at: order.indexOf(keys[0]!), keys, module });
  }
  return found;
}

/** Features a module writes per step. */
function featuresOf(m: SpecModule): number {
  if (m.type === 'embedding') return m.embedding_dim;
  if (m.type === 'linear') return m.out_features;
  return (m.bidirectional ? 2 : 1) * (m.proj_size || m.hidden_size);
}

function readsFeatures(m: SpecModule): number | null {
  return m.type === 'embedding' ? null : m.type === 'linear' ? m.in_features : m.input_size;
}

/**
 * A spec from the modules a checkpoint holds, in file order, named by their key prefixes: the
 * recurrent modules, and the Embedding and Linear layers around them, chained where their sizes
 * fit; the state_dict renamed to those names. What a state_dict cannot tell is assumed and said in
 * `notes` (batch_first, nonlinearity, dropout, which encoder hands its h_n to a decoder, how a
 * head reads the recurrent module). Keys of no module recognised are `unusedKeys`, for the caller to list.
 */
export function specFromWeights(file: string, tensors: ReadonlyMap<string, Tensor>): { spec: PipelineSpec; weights: Map<string, Tensor>; notes: string[]; unusedKeys: string[] } {
  const { modules } = inferModules(tensors);
  const order = [...tensors.keys()];
  const recurrent: Found[] = modules.map((m, i) => {
    const name = m.prefix.replace(/\.$/, '') || `module${i}`;
    const module: SpecModule = { name, type: m.type, input_size: m.inputSize, hidden_size: m.hiddenSize, num_layers: m.numLayers, bias: m.bias, bidirectional: m.bidirectional, proj_size: m.projSize };
    return { name, at: order.indexOf(m.keys[0]!), keys: m.keys, module };
  });
  if (!recurrent.length) throw new UsageError(`--weights ${file}: expected recurrent modules to build a pipeline from, got none; give a --spec`);
  const taken = new Set(modules.flatMap((m) => m.keys));
  const found = [...recurrent, ...layersOf(tensors, taken, order)].sort((a, b) => a.at - b.at);
  if (found.length > MAX_PIPELINE_MODULES) throw new UsageError(`--weights ${file}: expected at most ${MAX_PIPELINE_MODULES} modules for a pipeline, got ${found.length}`);
  const notes: string[] = [`the spec is inferred from ${file} (--print-spec writes it, to edit and pass back with --spec)`];
  const specs: SpecModule[] = [];
  let inputs = 0;
  const handedOver = new Set<string>();
  for (const f of found) {
    const m = { ...f.module };
    const previous = specs[specs.length - 1];
    const wants = readsFeatures(m);
    if (m.type === 'embedding') {
      // An embedding starts a chain: the first reads x, a later one an input of its own.
      if (specs.length) m.input = `${m.name}_ids`;
      notes.push(`${m.name}: an Embedding (a 2-D weight and "emb" in its name) reading integer token ids from ${m.input ?? 'x'}`);
      inputs++;
    } else if (previous && wants !== featuresOf(previous)) {
      notes.push(`${m.name}: reads ${previous.name}, as it follows it in the file, though ${previous.name} writes ${featuresOf(previous)} features and ${m.name} reads ${wants}`);
    }
    if (m.type !== 'embedding' && m.type !== 'linear') {
      m.batch_first = false;
      notes.push(`${m.name}: batch_first=False assumed (a state_dict does not store it): x is (seq_len, batch, features); set "batch_first": true if your data is (batch, seq_len)`);
      if (m.type === 'rnn') notes.push(`${m.name}: nonlinearity tanh assumed (a state_dict does not store it)`);
      // A module starting a new chain after an earlier one: the encoder-decoder hand-off, when h_n fits h_0.
      const encoder = inputs > 1 ? specs.find((e) => e.type !== 'embedding' && e.type !== 'linear' && !handedOver.has(e.name) && e.type === m.type && e.num_layers === m.num_layers && e.bidirectional === m.bidirectional && e.hidden_size === m.hidden_size && e.proj_size === m.proj_size && !specs.some((r) => r.input === undefined && specs[specs.indexOf(r) - 1] === e && r.type !== 'embedding')) : undefined;
      if (encoder) {
        m.h_0_from = encoder.name;
        handedOver.add(encoder.name);
        notes.push(`${m.name}: h_0 is ${encoder.name}'s h_n (assumed: ${encoder.name}'s out is read by no module and its h_n fits ${m.name}'s h_0), the encoder-decoder hand-off`);
      }
    }
    if (m.type === 'linear' && previous && previous.type !== 'embedding' && previous.type !== 'linear') {
      m.select = previous.h_0_from ? 'all' : 'last';
      notes.push(
        m.select === 'all'
          ? `${m.name}: select all assumed: applied to ${previous.name}'s out at every step (a decoder's output projection)`
          : `${m.name}: select last assumed: reads ${previous.name}'s out at each sequence's last valid step (select h_n for torch.cat([h_n[-2], h_n[-1]], 1), all for every step)`,
      );
    }
    specs.push(m);
  }
  notes.push('dropout 0 assumed (eval mode; a state_dict does not store it)');
  const weights = new Map<string, Tensor>();
  for (const f of found) {
    const prefix = f.keys[0]!.slice(0, f.keys[0]!.length - (f.keys[0]!.split('.').pop() ?? '').length);
    for (const key of f.keys) weights.set(`${f.name}.${key.slice(prefix.length)}`, tensors.get(key)!);
  }
  const used = new Set(found.flatMap((f) => f.keys));
  return { spec: { modules: specs }, weights, notes, unusedKeys: order.filter((k) => !used.has(k)) };
}

/** zod loads only here, when a spec is read: it costs start-up that the other commands need not pay. */
export async function readSpec(file: string): Promise<PipelineSpec> {
  const label = file === '-' ? 'standard input' : file;
  const [{ pipelineSpecSchema }, { parseWith }] = await Promise.all([import('../schema/pipeline.js'), import('../schema/zod-error.js')]);
  const depth = { max: MAX_DOCUMENT_DEPTH, what: 'a pipeline spec', why: '{"modules": [{...}]} needs 3' };
  return parseWith(pipelineSpecSchema, parseJson(readBytes(file), label, depth), label);
}
