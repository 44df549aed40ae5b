/** The human rendering of an inspect report. */
import type { ChalkInstance } from 'chalk';
import { isRecurrentInspected, type InspectReport } from '../../schema/inspect.js';
import { formatShape } from '../../tensor/tensor.js';
import { renderTable } from './table.js';
import { wrapText } from './width.js';

export function renderInspectTable(r: InspectReport, c: ChalkInstance, width: number): string {
  const out: string[] = [wrapText(`${c.bold(r.file)}  ${c.dim(`${r.format}, ${r.tensors.length} tensors`)}`, width, 2), ''];
  const recurrent = r.modules.filter(isRecurrentInspected);
  const layers = r.modules.filter((m) => !isRecurrentInspected(m));
  if (recurrent.length) {
    out.push(c.bold(`Recurrent modules (${recurrent.length})`));
    const t = { head: ['prefix', 'module', 'type', 'input_size', 'hidden_size', 'num_layers', 'bidirectional', 'bias', 'proj_size', 'parameters'], rows: [] as string[][], compact: true };
    for (const m of recurrent) {
      t.rows.push([m.prefix || c.dim('(none)'), c.cyan(m.module), m.type.toUpperCase(), m.input_size, m.hidden_size, m.num_layers, String(m.bidirectional), String(m.bias), m.proj_size, m.parameter_count].map(String));
    }
    out.push(renderTable(c, t, width), '');
    for (const m of recurrent) {
      const named = recurrent.length > 1 ? `  ${m.prefix.replace(/\.$/, '') || '(top level)'}` : '';
      out.push(wrapText(`${c.bold('Parameters per gate block')}${named}${c.dim('  (rows of each parameter, in PyTorch\'s gate order)')}`, width, 2));
      const g = { head: ['parameter', 'blocks', 'each block', 'count'], rows: [] as string[][], compact: true, keep: [false, false, true, false] };
      for (const p of m.gate_blocks) {
        const first = p.blocks[0]!;
        g.rows.push([p.key, p.blocks.map((b) => b.name).join('|'), formatShape(first.shape), `${p.blocks.length} × ${first.count}`]);
      }
      out.push(renderTable(c, g, width), '');
    }
  }
  if (layers.length) {
    out.push(c.bold(`Embedding and Linear layers (${layers.length})`));
    const t = { head: ['name', 'module', 'parameters'], rows: [] as string[][], compact: true };
    for (const m of layers) t.rows.push([m.name, c.cyan(m.module), String(m.parameter_count)]);
    out.push(renderTable(c, t, width), '');
  }
  if (r.modules.length > 1) out.push(wrapText(`${c.bold('Chain')}  ${r.modules.map((m) => m.name).join(' → ')}`, width, 2), '');
  for (const p of r.problems) out.push(wrapText(c.yellow(`problem (${p.code}): ${p.message}`), width, 2), wrapText(c.dim(`  fix: ${p.fix}`), width, 4), '');
  const t = { head: ['tensor', 'dtype', 'stored as', 'shape', 'module'], rows: [] as string[][], compact: true, keep: [false, true, true, true] };
  for (const x of r.tensors) {
    const owner = r.modules.find((m) => m.keys.includes(x.name));
    t.rows.push([x.name, x.dtype, x.stored_dtype, formatShape(x.shape), owner ? owner.name : c.dim('—')]);
  }
  out.push(c.bold('Tensors'), renderTable(c, t, width));
  if (r.metadata && Object.keys(r.metadata).length) {
    out.push('', c.bold('Metadata'), ...Object.entries(r.metadata).map(([k, v]) => wrapText(`  ${k}: ${v}`, width, 4)));
  }
  for (const g of r.rejected) out.push('', wrapText(c.yellow(`not recognised as a module: ${g.prefix || '(no prefix)'}: ${g.reason}`), width, 2));
  for (const n of r.notes) out.push('', wrapText(c.dim(`note: ${n}`), width, 2));
  const layout = ' (add --batch-first if x is (batch, seq_len, features) and the file does not say so)';
  if (recurrent.length === 1) out.push('', wrapText(c.dim(`run it: rnn-inspect --weights ${r.file}${layout}`), width, 2));
  else if (recurrent.length > 1) out.push('', wrapText(c.dim(`run one: rnn-inspect --weights ${r.file} --module ${recurrent[0]!.prefix.replace(/\.$/, '')}${layout}`), width, 2));
  if (layers.length) out.push(wrapText(c.dim(`run the whole chain: rnn-inspect pipeline --weights ${r.file} (--print-spec shows the spec it infers)`), width, 2));
  return out.join('\n') + '\n';
}
