// Nested lists of numbers, as the CLI's JSON and the fixtures hold tensors: flattening, shape and
// the largest difference between two of them.
import assert from 'node:assert/strict';
import type { Nested } from '../../src/index.js';

export type { Nested };

/** Nested lists flattened in row-major order. */
export function flatten(nested: Nested): number[] {
  return Array.isArray(nested) ? nested.flatMap(flatten) : [nested];
}

/** Shape of a nested list (from the first element at each depth). */
export function shapeOf(nested: Nested): number[] {
  const shape: number[] = [];
  for (let v: Nested | undefined = nested; Array.isArray(v); v = v[0]) shape.push(v.length);
  return shape;
}

/** max |a - b| over two nested lists; Infinity when their sizes differ, NaN when a value is NaN. */
export function maxAbsDiff(a: Nested, b: Nested): number {
  const fa = flatten(a);
  const fb = flatten(b);
  if (fa.length !== fb.length) return Infinity;
  let m = 0;
  for (let i = 0; i < fa.length; i++) m = Math.max(m, Math.abs(fa[i] - fb[i]));
  return m;
}

/** The element of a nested list at `path` (each step must be a list). */
export function at(nested: Nested | null | undefined, ...path: number[]): Nested {
  assert.ok(nested !== null && nested !== undefined, 'a nested list, got none');
  let v: Nested = nested;
  for (const [depth, i] of path.entries()) {
    assert.ok(Array.isArray(v) && i < v.length, `no element [${path.slice(0, depth + 1).join('][')}]`);
    v = v[i];
  }
  return v;
}

/** The number at `path` of a nested list. */
export function numberAt(nested: Nested | null | undefined, ...path: number[]): number {
  const v = at(nested, ...path);
  assert.ok(typeof v === 'number', `[${path.join('][')}] is a number`);
  return v;
}

/** The list at `path` of a nested list. */
export function listAt(nested: Nested | null | undefined, ...path: number[]): Nested[] {
  const v = at(nested, ...path);
  assert.ok(Array.isArray(v), `[${path.join('][')}] is a list`);
  return v;
}
