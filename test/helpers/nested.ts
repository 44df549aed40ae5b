// Nested lists of numbers, as the CLI's JSON and the fixtures hold tensors: flattening, shape and
// the largest difference between two of them.
import assert from 'node:assert/strict';
import type { Nested } from '../../src/index.js';

export type { Nested };

/** Nested lists (a Nested, or parsed JSON that should be one) flattened in row-major order; every leaf must be a number. */
export function flatten(nested: unknown): number[] {
  if (Array.isArray(nested)) return nested.flatMap(flatten);
  assert.ok(typeof nested === 'number', `expected a number in a nested list, got ${JSON.stringify(nested)}`);
  return [nested];
}

/** Shape of a nested list (from the first element at each depth). */
export function shapeOf(nested: unknown): number[] {
  const shape: number[] = [];
  for (let v = nested; Array.isArray(v); v = v[0]) shape.push(v.length);
  return shape;
}

/** max |a - b| over two nested lists; Infinity when their sizes differ, NaN when a value is NaN. */
export function maxAbsDiff(a: unknown, b: unknown): number {
  const fa = flatten(a);
  const fb = flatten(b);
  if (fa.length !== fb.length) return Infinity;
  let m = 0;
  for (let i = 0; i < fa.length; i++) m = Math.max(m, Math.abs(fa[i] - fb[i]));
  return m;
}

/** The element of a nested list (as parsed JSON holds it) at `path`; each step must be a list. */
export function at(nested: unknown, ...path: number[]): unknown {
  assert.ok(nested !== null && nested !== undefined, 'a nested list, got none');
  let v = nested;
  for (const [depth, i] of path.entries()) {
    assert.ok(Array.isArray(v) && i < v.length, `no element [${path.slice(0, depth + 1).join('][')}]`);
    v = v[i];
  }
  return v;
}

/** The number at `path` of a nested list. */
export function numberAt(nested: unknown, ...path: number[]): number {
  const v = at(nested, ...path);
  assert.ok(typeof v === 'number', `[${path.join('][')}] is a number`);
  return v;
}

/** The list at `path` of a nested list. */
export function listAt(nested: unknown, ...path: number[]): unknown[] {
  const v = at(nested, ...path);
  assert.ok(Array.isArray(v), `[${path.join('][')}] is a list`);
  return v;
}

/** A nested list of zeros of the shape (a bare 0 for the empty shape). */
export function zerosNested(...shape: number[]): Nested {
  return shape.length === 0 ? 0 : Array.from({ length: shape[0] }, () => zerosNested(...shape.slice(1)));
}

/** Parsed JSON checked to be a 3-D nested list of numbers (rows may differ in length), typed as one. */
export function list3(value: unknown, what: string): number[][][] {
  assert.ok(Array.isArray(value), `${what}: expected a list`);
  for (const [i, a] of value.entries()) {
    assert.ok(Array.isArray(a), `${what}[${i}]: expected a list`);
    for (const [j, b] of a.entries()) {
      assert.ok(Array.isArray(b) && b.every((v) => typeof v === 'number'), `${what}[${i}][${j}]: expected a list of numbers`);
    }
  }
  return value as number[][][];
}
