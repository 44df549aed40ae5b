/** The human rendering of an inspect report. */
import type { ChalkInstance } from 'chalk';
import type { InspectReport } from '../../schema/inspect.js';
import { formatShape } from '../../tensor/tensor.js';
import { renderTable } from './table.js';
import { wrapText } from './width.js';

export function renderInspectTable(r: InspectReport, c: ChalkInstance, width: number): string {
  const out: string[] = [wrapText(`${c.bold(r.file)}  ${c.dim(`${r.format}, ${r.tensors.length} tensors`)}`, width, 2), ''];
  if (r.modules.length) {
    out.push(c.bold(`Recurrent modules (${r.modules.length})`));
    const t = { head: ['prefix', 'module', 'type', 'input_size', 'hidden_size', 'num_layers', 'bidirectional', 'bias', 'proj_size', 'parameters'], rows: [] as string[][], compact: true };
    for (const m of r.modules) {
      t.rows.push([m.prefix || c.dim('(none)'), c.cyan(m.module), m.type.toUpperCase(), m.input_size, m.hidden_size, m.num_layers, String(m.bidirectional), String(m.bias), m.proj_size, m.parameter_count].map(String));
    }
    out.push(renderTable(c, t, width), '');
  }
  const t = { head: ['tensor', 'dtype', 'shape', 'module'], rows: [] as string[][], compact: true, keep: [false, true, true] };
  for (const x of r.tensors) {
    const owner = r.modules.find((m) => m.keys.includes(x.name));
    t.rows.push([x.name, x.dtype, formatShape(x.shape), owner ? owner.prefix.replace(/\.$/, '') || owner.module : c.dim('—')]);
  }
  out.push(c.bold('Tensors'), renderTable(c, t, width));
  if (r.metadata && Object.keys(r.metadata).length) {
    out.push('', c.bold('Metadata'), ...Object.entries(r.metadata).map(([k, v]) => wrapText(`  ${k}: ${v}`, width, 4)));
  }
  for (const g of r.rejected) out.push('', wrapText(c.yellow(`not recognised as a module: ${g.prefix || '(no prefix)'}: ${g.reason}`), width, 2));
  for (const n of r.notes) out.push('', wrapText(c.dim(`note: ${n}`), width, 2));
  if (r.modules.length === 1) out.push('', wrapText(c.dim(`run it: rnn-inspect --weights ${r.file}`), width, 2));
  else if (r.modules.length > 1) out.push('', wrapText(c.dim(`run one: rnn-inspect --weights ${r.file} --module ${r.modules[0]!.prefix.replace(/\.$/, '')}`), width, 2));
  return out.join('\n') + '\n';
}
