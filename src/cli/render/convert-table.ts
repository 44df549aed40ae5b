/** The human rendering of a convert report. */
import type { ChalkInstance } from 'chalk';
import { wrapText } from './width.js';
import type { ConvertReport } from '../../schema/convert.js';

export function renderConvert(r: ConvertReport, c: ChalkInstance, width: number): string {
  const t = r.check.tensors;
  const diffs = [`out ${t.out.toExponential(2)}`, `h_n ${t.h_n.toExponential(2)}`, ...(t.c_n === null ? [] : [`c_n ${t.c_n.toExponential(2)}`])].join(', ');
  const lines = [
    `${c.bold('converted')} ${c.cyan(r.module)}${r.prefix ? ` (${r.prefix.replace(/\.$/, '')})` : ''}: ${r.input} (${r.from_format}) → ${r.output} (${r.to_format}, ${r.bytes} bytes)`,
    `${c.bold('check')}: both run by the engine on x (${r.check.x_shape.join(', ')}) from seed ${r.check.seed}: max |diff| ${r.check.max_diff.toExponential(2)} (${diffs})`,
    ...r.notes.map((n) => c.dim(`note: ${n}`)),
  ];
  return wrapText(lines.join('\n'), width, 2) + '\n';
}
