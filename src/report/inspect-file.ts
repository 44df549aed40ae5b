/**
 * What a weights file holds: every tensor (name, dtype, shape), every module recognised in it
 * (recurrent, Embedding, Linear) with the configuration its shapes imply, and the neighbours that
 * cannot connect (the `inspect` document).
 */
import { readTensorsFile } from '../io/index.js';
import { hasSigmoidGates, moduleRepr, recurrentActivationNote, resolveConfig } from '../modules/layer/config.js';
import { Embedding } from '../modules/embedding.js';
import { chainProblems, inferChain } from '../modules/infer-chain.js';
import { candidateKinds, inferModules } from '../modules/infer-config.js';
import { cellsAsLayers, gateBlocks } from '../modules/layer/parameters.js';
import { DTYPE_NAMES } from '../io/dtypes.js';
import { kindOf, kinds } from '../modules/kinds/index.js';
import { countParameters } from '../modules/memory.js';
import type { InspectReport } from '../schema/inspect.js';
import { version as packageVersion } from '../version.js';

export function inspectFile(file: string, { version = packageVersion() }: { version?: string } = {}): InspectReport {
  const contents = readTensorsFile(file);
  const stored = new Map([...contents.tensors].map(([k, v]) => [k, v.tensor]));
  // A cell's weights (weight_ih, ...), under any prefix, are shown as the one-layer module that steps it.
  const cells = cellsAsLayers(stored);
  const tensors = cells?.tensors ?? stored;
  const original = new Map([...tensors.keys()].map((k, i) => [k, [...stored.keys()][i]!]));
  const { modules, unrecognised, rejected } = inferModules(tensors, contents.modules, { cells: cells?.prefixes ?? [] });
  const chain = inferChain(tensors, contents.modules);
  const unused = new Set(chain.unusedKeys.map((k) => original.get(k)!));
  const notes: string[] = [];
  for (const m of modules.filter((m) => m.declaredBy)) {
    notes.push(`${m.prefix || '(top level)'}: ${kindOf(m.type).name}${kindOf(m.type).hasNonlinearity ? ` with nonlinearity ${m.nonlinearity ?? 'tanh'}` : ''} from ${m.declaredBy}`);
    if (m.recurrentActivation) notes.push(`${m.prefix || '(top level)'}: ${recurrentActivationNote(m.recurrentActivation, 'declared by the file')}`);
  }
  for (const m of modules.filter((m) => m.batchFirst)) notes.push(`${m.prefix || '(top level)'}: takes x as (batch, seq_len, features), as its file says: \`rnn-inspect --weights\` runs it so without --batch-first`);
  for (const kind of kinds.filter((k) => k.hasNonlinearity && modules.some((m) => m.type === k.type && !m.declaredBy))) {
    notes.push(`nonlinearity cannot be seen in weights: ${kind.name} modules are shown with tanh; pass --nonlinearity relu if the model used relu`);
  }
  for (const m of modules.filter((m) => !m.declaredBy && candidateKinds(m).length > 1)) {
    const names = candidateKinds(m).map((t) => kindOf(t).name);
    notes.push(`${m.prefix || '(top level)'}: the weights fit ${names.join(', ')} alike (same gates and parameters); shown as ${names[0]}, pass --type to choose`);
  }
  for (const p of (cells?.prefixes ?? []).filter((p) => modules.some((m) => m.prefix === p))) {
    notes.push(`${p.replace(/\.$/, '') || '(top level)'}: a cell's weights (weight_ih, weight_hh, ...), shown as the one-layer module that steps that cell over time; \`rnn-inspect --weights\` runs it so`);
  }
  if (modules.length === 0) notes.push('no recurrent module recognised (keys named weight_ih_l0, weight_hh_l0, ... as PyTorch writes them)');
  return {
    command: 'inspect',
    version,
    file,
    format: contents.format,
    tensors: [...contents.tensors].map(([name, t]) => ({ name, dtype: t.elementType ? DTYPE_NAMES[t.elementType] : t.dtype, stored_dtype: t.dtype, shape: [...t.tensor.shape] })),
    metadata: contents.metadata ?? null,
    modules: chain.entries.map((e): InspectReport['modules'][number] => {
      const s = e.spec;
      if (s.type === 'embedding') {
        const module = new Embedding({ numEmbeddings: s.num_embeddings, embeddingDim: s.embedding_dim }).toString();
        return { name: e.name, prefix: e.prefix, type: 'embedding', module, num_embeddings: s.num_embeddings, embedding_dim: s.embedding_dim, padding_idx: null, parameter_count: s.num_embeddings * s.embedding_dim, keys: e.keys.map((k) => original.get(k)!) };
      }
      if (s.type === 'linear') {
        const bias = s.bias !== false;
        const module = `Linear(in_features=${s.in_features}, out_features=${s.out_features}, bias=${bias ? 'True' : 'False'})`;
        return { name: e.name, prefix: e.prefix, type: 'linear', module, in_features: s.in_features, out_features: s.out_features, bias, parameter_count: s.out_features * (s.in_features + (bias ? 1 : 0)), keys: e.keys.map((k) => original.get(k)!) };
      }
      const m = modules.find((r) => r.prefix === e.prefix)!;
      const kind = kindOf(m.type);
      const config = resolveConfig(kind, {
        ...(m.nonlinearity ? { nonlinearity: m.nonlinearity } : {}),
        ...(m.recurrentActivation ? { recurrentActivation: m.recurrentActivation } : {}),
        inputSize: m.inputSize,
        hiddenSize: m.hiddenSize,
        numLayers: m.numLayers,
        bias: m.bias,
        bidirectional: m.bidirectional,
        projSize: m.projSize,
      });
      return {
        name: e.name,
        prefix: m.prefix,
        type: m.type,
        module: moduleRepr(kind, config),
        input_size: m.inputSize,
        hidden_size: m.hiddenSize,
        num_layers: m.numLayers,
        bidirectional: m.bidirectional,
        bias: m.bias,
        proj_size: m.projSize,
        nonlinearity: kind.hasNonlinearity ? (m.nonlinearity ?? 'tanh') : null,
        recurrent_activation: hasSigmoidGates(kind) ? config.recurrentActivation : null,
        parameter_count: countParameters(kind, config),
        keys: m.keys.map((k) => original.get(k)!),
        gate_blocks: gateBlocks(kind, config).map(({ name, blocks }) => ({ key: original.get(m.prefix + name)!, blocks })),
      };
    }),
    problems: chainProblems(chain.entries.map((e) => e.spec)),
    rejected: rejected.map((g) => ({ prefix: g.prefix, reason: g.reason, keys: g.keys.map((k) => original.get(k)!) })),
    unrecognised: unrecognised.map((k) => original.get(k)!).filter((k) => unused.has(k)),
    notes,
  };
}
