/**
 * The human rendering of a doctor report: the verdict, each problem with PyTorch's message, why
 * the shape is what it is, the likely cause and the fix; then each module's shape table, expected
 * beside given, every dimension named.
 */
import type { ChalkInstance } from 'chalk';
import type { DoctorModule, DoctorProblem, DoctorReport } from '../../schema/doctor.js';
import { formatList, formatShape } from '../../tensor/tensor.js';
import { renderTable } from './table.js';
import { wrapLine, wrapText } from './width.js';

function problemSection(p: DoctorProblem, c: ChalkInstance, width: number): string {
  const got = p.code.startsWith('lengths') ? `lengths ${formatList(p.got)}` : formatShape(p.got);
  const head = p.code === 'state-pair' ? 'not given' : p.expected ? `expected ${formatShape(p.expected)}, got ${got}` : `got ${got}`;
  const label = (s: string): string => c.bold(s.padEnd(9));
  const pytorch = p.pytorch_message ?? c.dim(`(no message of its own; rnn-inspect says: ${p.message})`);
  // Each field wraps under its own text, past the label.
  const field = (s: string): string => wrapLine(s, width, { indent: ' '.repeat(11) }).join('\n');
  return [
    wrapText(`${c.red('✗')} ${c.cyan(p.tensor)}: ${head}`, width, 2),
    field(`  ${label('PyTorch:')}${pytorch}`),
    ...(p.why ? [field(`  ${label('why:')}${p.why}`)] : []),
    field(`  ${label('cause:')}${p.cause}`),
    field(`  ${label('fix:')}${c.green(p.fix)}`),
  ].join('\n');
}

function shapesTable(m: DoctorModule, c: ChalkInstance, width: number): string {
  const t = { head: ['tensor', 'expected', 'given', 'dimensions', 'meaning'], rows: [] as string[][], maxWidths: [undefined, undefined, undefined, undefined, 46], keep: [true, true, true] };
  for (const d of m.tensors) {
    const given = d.given ? (d.ok ? c.green(`${formatShape(d.given)} ✓`) : c.red(`${formatShape(d.given)} ✗`)) : d.ok === false ? c.red('missing ✗') : c.dim('—');
    t.rows.push([c.cyan(d.name), formatShape(d.shape), given, d.dims.map((x) => `${x.name}=${x.size}`).join(', '), d.meaning]);
  }
  return renderTable(c, t, width);
}

export function renderDoctorTable(r: DoctorReport, c: ChalkInstance, width: number): string {
  const sections: string[] = [];
  const single = r.modules.length === 1 && r.modules[0]!.name === null;
  sections.push(wrapText(single ? c.bold(`doctor: ${r.modules[0]!.module}`) : c.bold(`doctor: ${r.modules.map((m) => m.name).join(' → ')}`), width, 2));
  for (const n of r.notes) sections.push(wrapText(c.dim(`  note: ${n}`), width, 6));
  sections.push('');
  if (r.ok) {
    sections.push(wrapText(c.green('✓ The shapes fit: PyTorch would run this forward pass.'), width, 2));
  } else {
    const n = r.problems.length;
    sections.push(wrapText(c.red(`✗ The shapes do not fit: ${n} problem${n === 1 ? '' : 's'} (PyTorch raises the first it meets).`), width, 2));
    for (const p of r.problems) sections.push('', problemSection(p, c, width));
  }
  for (const w of r.warnings) sections.push('', wrapText(c.yellow(`warning: ${w.message}`), width, 2));
  if (r.pitfalls?.length) {
    sections.push('', wrapText(c.bold('Silent pitfalls') + c.dim('  (PyTorch raises no error for these; the code runs and reads the wrong numbers)'), width, 2));
    for (const p of r.pitfalls) {
      sections.push(wrapText(`${c.yellow('!')} ${c.cyan(p.code)}: ${p.message}`, width, 2), wrapLine(`  ${c.bold('right:'.padEnd(9))}${c.green(p.expression)}`, width, { indent: ' '.repeat(11) }).join('\n'));
    }
  }
  for (const m of r.modules) {
    const reads = m.reads ? c.dim(`  reads ${m.reads}${m.h_0_from ? `, h_0 from ${m.h_0_from}.h_n` : ''}`) : '';
    sections.push('', single ? c.bold('Shapes') : wrapText(`${c.bold(m.name ?? '')}  ${m.module}${reads}`, width, 2));
    sections.push(m.tensors.length ? shapesTable(m, c, width) : wrapText(c.dim('  (no shapes: x has neither 2 nor 3 dimensions, so batch and seq_len are unknown)'), width, 3));
  }
  return sections.join('\n') + '\n';
}
