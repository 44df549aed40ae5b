/**
 * The whole model a state_dict holds, as a chain: its recurrent modules (infer-config.ts) and the
 * Embedding and Linear layers around them, in file order, each reading the one before it where a
 * model's forward would, and the misfits between neighbours that PyTorch would only raise at run
 * time (or, for a head reading the wrong features, never).
 *
 * A prefix holding a 2-D `weight` and a 1-D `bias` is a Linear; a 2-D `weight` alone whose name
 * holds "emb" is an Embedding (else a Linear without bias). Names are the key prefixes.
 */
import type { PipelineSpec } from '../schema/pipeline.js';
import type { Tensor } from '../tensor/tensor.js';
import { inferModules, type Declaration } from './infer-config.js';
import { kindOf } from './kinds/index.js';

export type ChainModule = PipelineSpec['modules'][number];

export interface ChainEntry {
  /** The key prefix without its dot ("fc", "model.lstm"), or moduleN / layerN at the top level. */
  name: string;
  /** The key prefix as the file has it, with its dot ("fc.", "" at the top level). */
  prefix: string;
  /** Its keys, in file order. */
  keys: string[];
  /** What it is, as a pipeline spec module, reading its neighbour as inferred. */
  spec: ChainModule;
}

export interface InferredChain {
  entries: ChainEntry[];
  /** What a state_dict cannot tell and was assumed. */
  notes: string[];
  /** Keys of no module recognised, in file order. */
  unusedKeys: string[];
}

export type ChainProblemCode = 'embedding_dim_mismatch' | 'input_size_mismatch' | 'in_features_mismatch' | 'h_0_mismatch';

export interface ChainProblem {
  code: ChainProblemCode;
  /** The two modules that do not fit: the reader's source first. */
  modules: [string, string];
  message: string;
  fix: string;
}

interface Found extends ChainEntry {
  at: number;
  /** What the file itself says of a recurrent module (an ONNX node), for the notes. */
  declared?: { by: string; batchFirst: boolean };
}

function layersOf(tensors: ReadonlyMap<string, Tensor>, taken: ReadonlySet<string>, order: readonly string[]): Found[] {
  const groups = new Map<string, string[]>();
  for (const key of order) {
    if (taken.has(key)) continue;
    const dot = key.lastIndexOf('.');
    const prefix = dot < 0 ? '' : key.slice(0, dot + 1);
    groups.set(prefix, [...(groups.get(prefix) ?? []), key]);
  }
  const found: Found[] = [];
  for (const [prefix, keys] of groups) {
    const names = keys.map((k) => k.slice(prefix.length)).sort().join(',');
    const weight = tensors.get(`${prefix}weight`);
    if (!weight || weight.rank !== 2 || (names !== 'weight' && names !== 'bias,weight')) continue;
    const bias = tensors.get(`${prefix}bias`);
    if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) continue;
    const name = prefix.replace(/\.$/, '') || `layer${found.length}`;
    const [rows, cols] = [weight.shape[0]!, weight.shape[1]!];
    const spec: ChainModule = bias
      ? { name, type: 'linear', in_features: cols, out_features: rows, bias: true }
      : /emb/i.test(prefix)
        ? { name, type: 'embedding', num_embeddings: rows, embedding_dim: cols }
        : { name, type: 'linear', in_features: cols, out_features: rows, bias: false };
    found.push({ name, prefix, at: order.indexOf(keys[0]!), keys, spec });
  }
  return found;
}

const isLayer = (m: ChainModule): m is Extract<ChainModule, { type: 'embedding' | 'linear' }> => m.type === 'embedding' || m.type === 'linear';

/** Features a module writes per step. */
export function featuresOf(m: ChainModule): number {
  if (m.type === 'embedding') return m.embedding_dim;
  if (m.type === 'linear') return m.out_features;
  return (m.bidirectional ? 2 : 1) * (m.proj_size || m.hidden_size);
}

export function inferChain(tensors: ReadonlyMap<string, Tensor>, declared: readonly Declaration[] = []): InferredChain {
  const { modules } = inferModules(tensors, declared);
  const order = [...tensors.keys()];
  const recurrent: Found[] = modules.map((m, i) => {
    const name = m.prefix.replace(/\.$/, '') || `module${i}`;
    const said = m.declaredBy !== undefined && m.nonlinearity !== undefined && kindOf(m.type).hasNonlinearity ? { nonlinearity: m.nonlinearity } : {};
    const spec: ChainModule = { name, type: m.type, input_size: m.inputSize, hidden_size: m.hiddenSize, num_layers: m.numLayers, bias: m.bias, bidirectional: m.bidirectional, proj_size: m.projSize, ...said };
    return { name, prefix: m.prefix, at: order.indexOf(m.keys[0]!), keys: m.keys, spec, ...(m.declaredBy !== undefined ? { declared: { by: m.declaredBy, batchFirst: m.batchFirst ?? false } } : {}) };
  });
  const taken = new Set(modules.flatMap((m) => m.keys));
  const found = [...recurrent, ...layersOf(tensors, taken, order)].sort((a, b) => a.at - b.at);
  const notes: string[] = [];
  const specs: ChainModule[] = [];
  let chains = 0;
  for (const f of found) {
    const m = { ...f.spec };
    const previous = specs[specs.length - 1];
    if (m.type === 'embedding') {
      // An embedding starts a chain: the first reads x, a later one an input of its own.
      if (specs.length) m.input = `${m.name}_ids`;
      notes.push(`${m.name}: an Embedding (a 2-D weight and "emb" in its name) reading integer token ids from ${m.input ?? 'x'}`);
      chains++;
    } else if (previous && (m.type === 'linear' ? m.in_features : m.input_size) !== featuresOf(previous)) {
      notes.push(`${m.name}: taken to read ${previous.name}, which it follows in the file, though their sizes differ`);
    }
    if (!isLayer(m)) {
      m.batch_first = f.declared?.batchFirst ?? false;
      if (f.declared) notes.push(`${m.name}: batch_first=${m.batch_first ? 'True' : 'False'}${kindOf(m.type).hasNonlinearity ? ` and nonlinearity ${m.nonlinearity ?? 'tanh'}` : ''}, as ${f.declared.by} says`);
      else {
        notes.push(`${m.name}: batch_first=False assumed (a state_dict does not store it): x is (seq_len, batch, features); set "batch_first": true if your data is (batch, seq_len)`);
        if (kindOf(m.type).hasNonlinearity) notes.push(`${m.name}: nonlinearity tanh assumed (a state_dict does not store it)`);
      }
      // A recurrent module starting a later chain: the decoder of an encoder of its kind whose out nothing reads.
      const readers = (e: ChainModule): boolean => specs.some((r, i) => r.input === undefined && specs[i - 1] === e && r.type !== 'embedding');
      const encoder = chains > 1 ? specs.find((e) => !isLayer(e) && e.type === m.type && !readers(e) && !specs.some((d) => !isLayer(d) && d.h_0_from === e.name)) : undefined;
      if (encoder) {
        m.h_0_from = encoder.name;
        notes.push(`${m.name}: h_0 is ${encoder.name}'s h_n (assumed: nothing reads ${encoder.name}'s out), the encoder-decoder hand-off`);
      }
    }
    if (m.type === 'linear' && previous && !isLayer(previous)) {
      m.select = previous.h_0_from ? 'all' : 'last';
      notes.push(
        m.select === 'all'
          ? `${m.name}: select all assumed: applied to ${previous.name}'s out at every step (a decoder's output projection)`
          : `${m.name}: select last assumed: reads ${previous.name}'s out at each sequence's last valid step (select h_n for torch.cat([h_n[-2], h_n[-1]], 1), all for every step)`,
      );
    }
    specs.push(m);
  }
  if (specs.some((m) => !isLayer(m))) notes.push('dropout 0 assumed (eval mode; a state_dict does not store it)');
  const used = new Set(found.flatMap((f) => f.keys));
  return { entries: found.map((f, i) => ({ name: f.name, prefix: f.prefix, keys: f.keys, spec: specs[i]! })), notes, unusedKeys: order.filter((k) => !used.has(k)) };
}

/** PyTorch's constructor call of a spec module with one argument changed: `nn.LSTM(10, 16, ...)`. */
function call(m: ChainModule, change: Partial<Record<string, number>>): string {
  if (m.type === 'embedding') return `nn.Embedding(${change.num_embeddings ?? m.num_embeddings}, ${change.embedding_dim ?? m.embedding_dim})`;
  if (m.type === 'linear') return `nn.Linear(${change.in_features ?? m.in_features}, ${change.out_features ?? m.out_features})`;
  const extra = [m.num_layers && m.num_layers > 1 ? `num_layers=${m.num_layers}` : '', m.bidirectional ? 'bidirectional=True' : ''].filter(Boolean);
  return `nn.${m.type.toUpperCase()}(${[change.input_size ?? m.input_size, change.hidden_size ?? m.hidden_size, ...extra].join(', ')})`;
}

/** Every pair of neighbours in the chain that cannot connect, with both numbers and the likely fix. */
export function chainProblems(specs: readonly ChainModule[]): ChainProblem[] {
  const problems: ChainProblem[] = [];
  const byName = new Map(specs.map((m) => [m.name, m]));
  specs.forEach((m, i) => {
    const sourceName = m.input ?? (i === 0 ? undefined : specs[i - 1]!.name);
    const src = sourceName === undefined ? undefined : byName.get(sourceName);
    if (src && m.type !== 'embedding') {
      const writes = featuresOf(src);
      if (m.type === 'linear' && m.in_features !== writes) {
        const why = isLayer(src) ? `${src.type === 'embedding' ? 'embedding_dim' : 'out_features'} ${writes}` : `${src.bidirectional ? 2 : 1} direction(s) × ${src.proj_size || src.hidden_size} = ${writes} features`;
        problems.push({
          code: 'in_features_mismatch',
          modules: [src.name, m.name],
          message: `${m.name} reads ${m.in_features} features (in_features), but ${src.name} writes ${why}`,
          fix: !isLayer(src) && src.bidirectional && m.in_features * 2 === writes
            ? `${call(m, { in_features: writes })}: a bidirectional module's out and torch.cat([h_n[-2], h_n[-1]], 1) carry both directions`
            : call(m, { in_features: writes }),
        });
      } else if (m.type !== 'linear' && m.input_size !== writes) {
        const code = src.type === 'embedding' ? 'embedding_dim_mismatch' : 'input_size_mismatch';
        const what = src.type === 'embedding' ? 'embedding_dim' : isLayer(src) ? 'out_features' : 'out features';
        problems.push({
          code,
          modules: [src.name, m.name],
          message: `${src.name} writes ${writes} features (${what}), but ${m.name} expects input_size ${m.input_size}`,
          fix: src.type === 'embedding' ? `${call(src, { embedding_dim: m.input_size })}, or ${call(m, { input_size: writes })}` : call(m, { input_size: writes }),
        });
      }
    }
    const from = !isLayer(m) && m.h_0_from ? byName.get(m.h_0_from) : undefined;
    if (from && !isLayer(from) && !isLayer(m)) {
      const slices = (r: typeof m): number => (r.num_layers ?? 1) * (r.bidirectional ? 2 : 1);
      const [hs, hd] = [from.proj_size || from.hidden_size, m.proj_size || m.hidden_size];
      if (slices(from) !== slices(m) || hs !== hd) {
        problems.push({
          code: 'h_0_mismatch',
          modules: [from.name, m.name],
          message: `${m.name}'s h_0 needs ${slices(m)} slices of ${hd} features (num_layers × num_directions = ${slices(m)}), but ${from.name}'s h_n has ${slices(from)} of ${hs}`,
          fix: `give ${m.name} ${from.name}'s num_layers, bidirectional and hidden_size (${call(m, { hidden_size: from.hidden_size })} with num_layers=${from.num_layers ?? 1}), or map h_n with a Linear`,
        });
      }
    }
  });
  return problems;
}
