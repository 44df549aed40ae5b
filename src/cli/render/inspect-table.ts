/** The human rendering of an inspect report. */
import type { ChalkInstance } from 'chalk';
import { isRecurrentInspected, type InspectReport } from '../../schema/inspect.js';
import { formatShape } from '../../tensor/tensor.js';
import { table } from './style.js';

export function renderInspectTable(r: InspectReport, c: ChalkInstance): string {
  const out: string[] = [`${c.bold(r.file)}  ${c.dim(`${r.format}, ${r.tensors.length} tensors`)}`, ''];
  const recurrent = r.modules.filter(isRecurrentInspected);
  const layers = r.modules.filter((m) => !isRecurrentInspected(m));
  if (recurrent.length) {
    out.push(c.bold(`Recurrent modules (${recurrent.length})`));
    const t = table(c, ['prefix', 'module', 'type', 'input_size', 'hidden_size', 'num_layers', 'bidirectional', 'bias', 'proj_size', 'parameters'], { compact: true });
    for (const m of recurrent) {
      t.push([m.prefix || c.dim('(none)'), c.cyan(m.module), m.type.toUpperCase(), m.input_size, m.hidden_size, m.num_layers, String(m.bidirectional), String(m.bias), m.proj_size, m.parameter_count].map(String));
    }
    out.push(t.toString(), '');
  }
  if (layers.length) {
    out.push(c.bold(`Embedding and Linear layers (${layers.length})`));
    const t = table(c, ['name', 'module', 'parameters'], { compact: true });
    for (const m of layers) t.push([m.name, c.cyan(m.module), String(m.parameter_count)]);
    out.push(t.toString(), '');
  }
  if (r.modules.length > 1) out.push(`${c.bold('Chain')}  ${r.modules.map((m) => m.name).join(' → ')}`, '');
  for (const p of r.problems) out.push(c.yellow(`problem (${p.code}): ${p.message}`), c.dim(`  fix: ${p.fix}`), '');
  const t = table(c, ['tensor', 'dtype', 'stored as', 'shape', 'module'], { compact: true });
  for (const x of r.tensors) {
    const owner = r.modules.find((m) => m.keys.includes(x.name));
    t.push([x.name, x.dtype, x.stored_dtype, formatShape(x.shape), owner ? owner.name : c.dim('—')]);
  }
  out.push(c.bold('Tensors'), t.toString());
  if (r.metadata && Object.keys(r.metadata).length) {
    out.push('', c.bold('Metadata'), ...Object.entries(r.metadata).map(([k, v]) => `  ${k}: ${v}`));
  }
  for (const g of r.rejected) out.push('', c.yellow(`not recognised as a module: ${g.prefix || '(no prefix)'}: ${g.reason}`));
  for (const n of r.notes) out.push('', c.dim(`note: ${n}`));
  const layout = ' (add --batch-first if x is (batch, seq_len, features): weights cannot tell)';
  if (recurrent.length === 1) out.push('', c.dim(`run it: rnn-inspect --weights ${r.file}${layout}`));
  else if (recurrent.length > 1) out.push('', c.dim(`run one: rnn-inspect --weights ${r.file} --module ${recurrent[0]!.prefix.replace(/\.$/, '')}${layout}`));
  if (layers.length) out.push(c.dim(`run the whole chain: rnn-inspect pipeline --weights ${r.file} (--print-spec shows the spec it infers)`));
  return out.join('\n') + '\n';
}
