/** The human rendering of an inspect report. */
import type { ChalkInstance } from 'chalk';
import type { InspectReport } from '../../schema/inspect.js';
import { formatShape } from '../../tensor/tensor.js';
import { table } from './style.js';

export function renderInspectTable(r: InspectReport, c: ChalkInstance): string {
  const out: string[] = [`${c.bold(r.file)}  ${c.dim(`${r.format}, ${r.tensors.length} tensors`)}`, ''];
  if (r.modules.length) {
    out.push(c.bold(`Recurrent modules (${r.modules.length})`));
    const t = table(c, ['prefix', 'module', 'type', 'input_size', 'hidden_size', 'num_layers', 'bidirectional', 'bias', 'proj_size', 'parameters'], { compact: true });
    for (const m of r.modules) {
      t.push([m.prefix || c.dim('(none)'), c.cyan(m.module), m.type.toUpperCase(), m.input_size, m.hidden_size, m.num_layers, String(m.bidirectional), String(m.bias), m.proj_size, m.parameter_count].map(String));
    }
    out.push(t.toString(), '');
  }
  const t = table(c, ['tensor', 'dtype', 'shape', 'module'], { compact: true });
  for (const x of r.tensors) {
    const owner = r.modules.find((m) => m.keys.includes(x.name));
    t.push([x.name, x.dtype, formatShape(x.shape), owner ? owner.prefix.replace(/\.$/, '') || owner.module : c.dim('—')]);
  }
  out.push(c.bold('Tensors'), t.toString());
  if (r.metadata && Object.keys(r.metadata).length) {
    out.push('', c.bold('Metadata'), ...Object.entries(r.metadata).map(([k, v]) => `  ${k}: ${v}`));
  }
  for (const g of r.rejected) out.push('', c.yellow(`not recognised as a module: ${g.prefix || '(no prefix)'}: ${g.reason}`));
  for (const n of r.notes) out.push('', c.dim(`note: ${n}`));
  if (r.modules.length === 1) out.push('', c.dim(`run it: rnn-inspect --weights ${r.file}`));
  else if (r.modules.length > 1) out.push('', c.dim(`run one: rnn-inspect --weights ${r.file} --module ${r.modules[0]!.prefix.replace(/\.$/, '')}`));
  return out.join('\n') + '\n';
}
