/** The human rendering of a pipeline: a summary row per module, then each module's own shapes. */
import type { ChalkInstance } from 'chalk';
import type { PipelineDocument } from '../../schema/pipeline.js';
import { formatShape } from '../../tensor/tensor.js';
import { shapesSection } from './run-table.js';
import { renderTable } from './table.js';
import { wrapText } from './width.js';

export function renderPipelineTable(r: PipelineDocument, c: ChalkInstance, width: number): string {
  const rows: string[][] = [];
  for (const m of r.modules) {
    if ('type' in m) {
      const how = m.select ? ` (${m.select})` : '';
      rows.push([c.cyan(m.name), m.module, m.reads + how, formatShape(m.shapes.input), formatShape(m.shapes.out), '—', '—', '—', String(m.parameter_count), m.fingerprint]);
      continue;
    }
    rows.push([
      c.cyan(m.name),
      m.module,
      m.reads,
      formatShape(m.shapes.x),
      formatShape(m.shapes.out),
      formatShape(m.shapes.h_n),
      m.shapes.c_n ? formatShape(m.shapes.c_n) : '—',
      m.h_0_from ? `${m.h_0_from}.h_n` : 'zeros',
      String(m.parameter_count),
      m.fingerprint,
    ]);
  }
  const head = ['module', 'type', 'reads', 'input', 'out', 'h_n', 'c_n', 'h_0 from', 'parameters', 'weights'];
  const sections = [
    wrapText(c.bold(`Pipeline: ${r.order.join(' → ')}`) + c.dim('  (each module keeps its own weights and its own hidden state)'), width, 2),
    renderTable(c, { head, rows, keep: [true, false, false, true, true, true, true] }, width),
    wrapText(c.dim(`total parameters: ${r.parameter_count}; "weights" is a hash of each module's parameters`), width, 2),
  ];
  for (const m of r.modules) {
    if ('type' in m) {
      for (const note of m.notes) sections.push(wrapText(c.dim(`note: ${m.name}: ${note}`), width, 2));
      continue;
    }
    sections.push('', wrapText(`${c.bold(m.name)}  ${c.dim(m.module)}`, width, 2), shapesSection({ ...m, command: 'run', version: r.version }, c, width));
    for (const w of m.warnings) sections.push(wrapText(c.yellow(`warning: ${m.name}: ${w.message}`), width, 2));
  }
  for (const note of r.notes) sections.push(wrapText(c.dim(`note: ${note}`), width, 2));
  for (const w of r.warnings) sections.push('', wrapText(c.yellow(`warning: ${w.message}`), width, 2));
  return sections.join('\n') + '\n';
}
