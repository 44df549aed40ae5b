/**
 * Nested lists (what `tensor.tolist()` writes) to tensors, with every defect named by its path:
 * ragged rows, non-numeric leaves, NaN or Infinity.
 *
 * The walks are loops, not recursion: a file decides how deep its lists go, and the call stack is
 * not a resource a file may spend.
 */
import { FormatError } from '../errors.js';
import { Tensor, type Shape } from './tensor.js';

/** The most dimensions a tensor read from a file may have (numpy before 2.0 allowed 32 too). */
export const MAX_RANK = 32;

/** Where a value sits in a nested list: `x[2][0][5]`. */
function at(name: string, path: readonly number[]): string {
  return name + path.map((i) => `[${i}]`).join('');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? value.slice(0, 20) + '…' : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function checkLeaf(v: unknown, name: string, path: readonly number[]): number {
  if (typeof v !== 'number') {
    const ragged = Array.isArray(v) ? 'ragged nested list: ' : '';
    throw new FormatError(`${at(name, path)}: ${ragged}expected a number, got ${describe(v)}`);
  }
  if (!Number.isFinite(v)) throw new FormatError(`${at(name, path)}: expected a finite number, got ${v}`);
  return v;
}

/**
 * Visits the leaves of `value` in row-major order, checking that every list at depth d has
 * `shape[d]` items and every leaf is a finite number.
 */
function eachLeaf(value: unknown, shape: readonly number[], name: string, visit: (v: number, k: number) => void): void {
  const rank = shape.length;
  if (rank === 0) {
    visit(checkLeaf(value, name, []), 0);
    return;
  }
  // lists[d] is the list being walked at depth d; index[d] the position in it, which is also the path.
  const lists: unknown[][] = [];
  const index: number[] = [];
  const enter = (v: unknown, d: number): void => {
    const path = index.slice(0, d);
    if (!Array.isArray(v)) throw new FormatError(`${at(name, path)}: ragged nested list: expected a list of ${shape[d]}, got ${describe(v)}`);
    if (v.length !== shape[d]) throw new FormatError(`${at(name, path)}: ragged nested list: expected a list of ${shape[d]}, got a list of ${v.length}`);
    lists[d] = v;
    index[d] = 0;
  };
  enter(value, 0);
  let k = 0;
  let d = 0;
  while (d >= 0) {
    if (index[d]! === shape[d]) {
      index.length = d;
      d--;
      if (d >= 0) index[d]!++;
      continue;
    }
    const v = lists[d]![index[d]!];
    if (d === rank - 1) {
      visit(checkLeaf(v, name, index), k++);
      index[d]!++;
    } else {
      enter(v, d + 1);
      d++;
    }
  }
}

/**
 * Reads a nested list into a tensor. The shape is taken from the first element at each depth;
 * every other element must agree. Nothing is allocated until the whole list is known to have that
 * shape; `check` (a budget) sees the shape then.
 */
export function tensorFromNested(value: unknown, name: string, check?: (shape: readonly number[]) => void): Tensor {
  const shape: number[] = [];
  let depth = 0;
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    depth++;
    if (shape.length < MAX_RANK + 1) shape.push(probe.length);
    probe = probe.length === 0 ? undefined : probe[0];
  }
  if (depth > MAX_RANK) {
    throw new FormatError(`${name}: expected a nested list at most ${MAX_RANK} levels deep (a tensor's rank), got ${depth} levels`);
  }
  if (shape.length === 0 && typeof value !== 'number') {
    throw new FormatError(`${name}: expected a number or a nested list of numbers, got ${describe(value)}`);
  }
  if (shape.includes(0)) {
    throw new FormatError(`${name}: expected a non-empty nested list, got an empty list at depth ${shape.indexOf(0)}`);
  }
  // Structure first: a ragged list whose first row is long must not cost the allocation its first row implies.
  eachLeaf(value, shape, name, () => {});
  check?.(shape);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  eachLeaf(value, shape, name, (v, k) => {
    data[k] = v;
  });
  return new Tensor(data, shape as Shape);
}
