// Typed access that fails the test with a clear message when an element or a field is missing,
// where a bare index or `!` would pass undefined on to a confusing failure later.
import assert from 'node:assert/strict';

/** list[i] (a negative i counts from the end, as Array.prototype.at does); fails when there is no such element. */
export function item<T>(list: ArrayLike<T> | null | undefined, i: number, what = 'list'): T {
  if (list === null || list === undefined) assert.fail(`${what}: expected a list, got ${list}`);
  const k = i < 0 ? list.length + i : i;
  if (!(Number.isInteger(k) && k >= 0 && k < list.length)) assert.fail(`${what}: expected an element [${i}], got a list of length ${list.length}`);
  return list[k] as T;
}

/** The value, which must be neither undefined nor null. */
export function defined<T>(value: T, what: string): NonNullable<T> {
  if (value === undefined || value === null) assert.fail(`${what}: expected a value, got ${value}`);
  return value;
}

type UndefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/** An object whose fields that may hold undefined become optional fields without it. */
export type Present<T> = Omit<T, UndefinedKeys<T>> & { [K in UndefinedKeys<T>]?: Exclude<T[K], undefined> };

/**
 * The fields with the undefined ones left out, as options typed with exactOptionalPropertyTypes
 * take them: present({ h0: c.h0, lengths: c.lengths }) is a ForwardOptions whatever the case holds.
 */
export function present<T extends object>(fields: T): Present<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Present<T>;
}
