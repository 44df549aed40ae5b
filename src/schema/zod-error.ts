/** A zod failure as one line: `where: path: message (+N more)`. */
import type { z } from 'zod';
import { FormatError } from '../errors.js';

export function zodErrorLine(where: string, error: z.ZodError): string {
  const [first, ...rest] = error.issues;
  if (!first) return `${where}: invalid`;
  const path = first.path.length ? first.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)';
  return `${where}: ${path}: ${first.message}${rest.length ? ` (+${rest.length} more)` : ''}`;
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new FormatError(zodErrorLine(where, r.error));
  return r.data;
}
