/** The human rendering of a pipeline: a summary row per module, then each module's own shapes. */
import type { ChalkInstance } from 'chalk';
import type { PipelineReport } from '../../schema/pipeline.js';
import { formatShape } from '../../tensor/tensor.js';
import { shapesSection } from './run-table.js';
import { table } from './style.js';

export function renderPipelineTable(r: PipelineReport, c: ChalkInstance): string {
  const t = table(c, ['module', 'type', 'reads', 'input', 'out', 'h_n', 'c_n', 'h_0 from', 'parameters', 'weights']);
  for (const m of r.modules) {
    if ('type' in m) {
      const how = m.select ? ` (${m.select})` : '';
      t.push([c.cyan(m.name), m.module, m.reads + how, formatShape(m.shapes.input), formatShape(m.shapes.out), '—', '—', '—', String(m.parameter_count), m.fingerprint]);
      continue;
    }
    t.push([
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
  const sections = [
    c.bold(`Pipeline: ${r.order.join(' → ')}`) + c.dim('  (each module keeps its own weights and its own hidden state)'),
    t.toString(),
    c.dim(`total parameters: ${r.parameter_count}; "weights" is a hash of each module's parameters`),
  ];
  for (const m of r.modules) {
    if ('type' in m) {
      for (const note of m.notes) sections.push(c.dim(`note: ${m.name}: ${note}`));
      continue;
    }
    sections.push('', `${c.bold(m.name)}  ${c.dim(m.module)}`, shapesSection({ ...m, command: 'run', version: r.version }, c));
    for (const w of m.warnings) sections.push(c.yellow(`warning: ${m.name}: ${w}`));
  }
  for (const note of r.notes) sections.push(c.dim(`note: ${note}`));
  for (const w of r.warnings) sections.push('', c.yellow(`warning: ${w}`));
  return sections.join('\n') + '\n';
}
