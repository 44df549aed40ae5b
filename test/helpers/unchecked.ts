/**
 * A value the types rule out, passed as a JavaScript caller (or a parsed file) may pass it, to test
 * the run-time checks behind the types.
 */
export function unchecked<T>(value: unknown): T {
  return value as T;
}
