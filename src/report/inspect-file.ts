/**
 * What a weights file holds: every tensor (name, dtype, shape) and every recurrent module
 * recognised in it, with the configuration its shapes imply (the `inspect` document).
 */
import { readTensorsFile } from '../io/index.js';
import { moduleRepr, resolveConfig } from '../modules/layer/config.js';
import { candidateKinds, inferModules } from '../modules/infer-config.js';
import { kindOf, kinds } from '../modules/kinds/index.js';
import { countParameters } from '../modules/memory.js';
import type { InspectReport } from '../schema/inspect.js';
import { version as packageVersion } from '../version.js';

export function inspectFile(file: string, { version = packageVersion() }: { version?: string } = {}): InspectReport {
  const contents = readTensorsFile(file);
  const { modules, unrecognised, rejected } = inferModules(contents.tensors, contents.modules);
  const notes: string[] = [];
  for (const m of modules.filter((m) => m.declaredBy)) notes.push(`${m.prefix || '(top level)'}: ${kindOf(m.type).name}${kindOf(m.type).hasNonlinearity ? ` with nonlinearity ${m.nonlinearity ?? 'tanh'}` : ''} from ${m.declaredBy}`);
  for (const kind of kinds.filter((k) => k.hasNonlinearity && modules.some((m) => m.type === k.type && !m.declaredBy))) {
    notes.push(`nonlinearity cannot be seen in weights: ${kind.name} modules are shown with tanh; pass --nonlinearity relu if the model used relu`);
  }
  for (const m of modules.filter((m) => !m.declaredBy && candidateKinds(m).length > 1)) {
    const names = candidateKinds(m).map((t) => kindOf(t).name);
    notes.push(`${m.prefix || '(top level)'}: the weights fit ${names.join(', ')} alike (same gates and parameters); shown as ${names[0]}, pass --type to choose`);
  }
  if (modules.length === 0) notes.push('no recurrent module recognised (keys named weight_ih_l0, weight_hh_l0, ... as PyTorch writes them)');
  return {
    command: 'inspect',
    version,
    file,
    format: contents.format,
    tensors: [...contents.tensors].map(([name, t]) => ({ name, dtype: t.dtype, shape: [...t.tensor.shape] })),
    metadata: contents.metadata ?? null,
    modules: modules.map((m) => {
      const kind = kindOf(m.type);
      const config = resolveConfig(kind, {
        ...(m.nonlinearity ? { nonlinearity: m.nonlinearity } : {}),
        inputSize: m.inputSize,
        hiddenSize: m.hiddenSize,
        numLayers: m.numLayers,
        bias: m.bias,
        bidirectional: m.bidirectional,
        projSize: m.projSize,
      });
      return {
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
        parameter_count: countParameters(kind, config),
        keys: m.keys,
      };
    }),
    rejected,
    unrecognised,
    notes,
  };
}
