/** The human rendering of a diff report. */
import type { ChalkInstance } from 'chalk';
import { wrapText } from './width.js';
import type { DiffReport } from '../../schema/diff.js';

export function renderDiff(r: DiffReport, c: ChalkInstance, width: number): string {
  if (r.ok) return `${c.green('✓ A and B agree')}: max |diff| ${r.max_diff.toExponential(2)}\n`;
  const m = r.first_mismatch;
  const lines = [`${c.red('✗ A and B disagree')}: max |diff| ${r.max_diff.toExponential(2)}`];
  if (m) lines.push(`  first at layer ${m.layer}, ${m.direction}, t=${m.t}, ${m.tensor}`);
  if (r.cause) lines.push(`  cause: ${r.cause.id}: ${r.cause.message}`, `  fix:   ${r.cause.fix}`);
  else lines.push('  cause: none of the known mistakes reproduces the difference');
  return wrapText(lines.join('\n'), width, 2) + '\n';
}
