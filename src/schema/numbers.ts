/**
 * Numbers that may be non-finite. JSON has no Infinity or NaN (JSON.stringify writes `null`, which
 * hides them), so the documents write them as the strings "Infinity", "-Infinity" and "NaN"
 * (src/cli/output.ts `jsonText`); a number field that can carry one accepts those strings and
 * reads them back as numbers.
 */
import { z } from 'zod';

export const NON_FINITE_TEXT = ['Infinity', '-Infinity', 'NaN'] as const;

/** `base` (z.number() by default), or one of NON_FINITE_TEXT read as the number it names. */
export function maybeFinite<T extends z.ZodNumber>(base?: T) {
  return z.union([base ?? z.number(), z.enum(NON_FINITE_TEXT).transform(Number)]);
}
