/** The one chalk instance, with colour decided once: off for --no-color, NO_COLOR or a non-TTY. */
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';

export function makeChalk(color: boolean): ChalkInstance {
  const noColorEnv = process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '';
  const forced = process.env['FORCE_COLOR'] !== undefined && process.env['FORCE_COLOR'] !== '0';
  const level = !color || noColorEnv ? 0 : forced || process.stdout.isTTY ? 1 : 0;
  return new Chalk({ level: level as 0 | 1 });
}

/** A number in a fixed width that reads at a glance: 4 significant digits, exponent when tiny or huge. */
export function num(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return v.toFixed(4);
  return v.toExponential(2);
}

const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** A table with a bold head; compact ones (long lists) draw no line between rows. */
export function table(c: ChalkInstance, head: string[], options: { compact?: boolean; colWidths?: (number | null)[] } = {}): Table.Table {
  return new Table({
    head: head.map((h) => c.bold(h)),
    style: { head: [], border: [] },
    ...(options.compact ? { chars: COMPACT } : {}),
    ...(options.colWidths ? { colWidths: options.colWidths, wordWrap: true } : {}),
  });
}
