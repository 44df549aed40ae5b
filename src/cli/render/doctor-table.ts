/**
 * The human rendering of a doctor report: the verdict, each problem with PyTorch's message, why
 * the shape is what it is, the likely cause and the fix; then each module's shape table, expected
 * beside given, every dimension named.
 */
import type { ChalkInstance } from 'chalk';
import type { DoctorModule, DoctorProblem, DoctorReport } from '../../schema/doctor.js';
import { formatList, formatShape } from '../../tensor/tensor.js';
import { table } from './style.js';

function problemSection(p: DoctorProblem, c: ChalkInstance): string {
  const got = p.code.startsWith('lengths') ? `lengths ${formatList(p.got)}` : formatShape(p.got);
  const head = p.code === 'state-pair' ? 'not given' : p.expected ? `expected ${formatShape(p.expected)}, got ${got}` : `got ${got}`;
  const label = (s: string): string => c.bold(s.padEnd(9));
  const pytorch = p.pytorch_message ?? c.dim(`(no message of its own; rnn-inspect says: ${p.message})`);
  return [
    `${c.red('✗')} ${c.cyan(p.tensor)}: ${head}`,
    `  ${label('PyTorch:')}${pytorch}`,
    ...(p.why ? [`  ${label('why:')}${p.why}`] : []),
    `  ${label('cause:')}${p.cause}`,
    `  ${label('fix:')}${c.green(p.fix)}`,
  ].join('\n');
}

function shapesTable(m: DoctorModule, c: ChalkInstance): string {
  const t = table(c, ['tensor', 'expected', 'given', 'dimensions', 'meaning'], { colWidths: [null, null, null, null, 48] });
  for (const d of m.tensors) {
    const given = d.given ? (d.ok ? c.green(`${formatShape(d.given)} ✓`) : c.red(`${formatShape(d.given)} ✗`)) : d.ok === false ? c.red('missing ✗') : c.dim('—');
    t.push([c.cyan(d.name), formatShape(d.shape), given, d.dims.map((x) => `${x.name}=${x.size}`).join(', '), d.meaning]);
  }
  return t.toString();
}

export function renderDoctorTable(r: DoctorReport, c: ChalkInstance): string {
  const sections: string[] = [];
  const single = r.modules.length === 1 && r.modules[0]!.name === null;
  sections.push(single ? c.bold(`doctor: ${r.modules[0]!.module}`) : c.bold(`doctor: ${r.modules.map((m) => m.name).join(' → ')}`));
  for (const n of r.notes) sections.push(c.dim(`  note: ${n}`));
  sections.push('');
  if (r.ok) {
    sections.push(c.green('✓ The shapes fit: PyTorch would run this forward pass.'));
  } else {
    const n = r.problems.length;
    sections.push(c.red(`✗ The shapes do not fit: ${n} problem${n === 1 ? '' : 's'} (PyTorch raises the first it meets).`));
    for (const p of r.problems) sections.push('', problemSection(p, c));
  }
  if (r.pitfalls?.length) {
    sections.push('', c.bold('Silent pitfalls') + c.dim('  (PyTorch raises no error for these; the code runs and reads the wrong numbers)'));
    for (const p of r.pitfalls) sections.push(`${c.yellow('!')} ${c.cyan(p.code)}: ${p.message}`, `  ${c.bold('right:'.padEnd(9))}${c.green(p.expression)}`);
  }
  for (const m of r.modules) {
    const reads = m.reads ? c.dim(`  reads ${m.reads}${m.h_0_from ? `, h_0 from ${m.h_0_from}.h_n` : ''}`) : '';
    sections.push('', single ? c.bold('Shapes') : `${c.bold(m.name ?? '')}  ${m.module}${reads}`);
    sections.push(m.tensors.length ? shapesTable(m, c) : c.dim('  (no shapes: x has neither 2 nor 3 dimensions, so batch and seq_len are unknown)'));
  }
  return sections.join('\n') + '\n';
}
