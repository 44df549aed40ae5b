/**
 * Nested lists (what `tensor.tolist()` writes) to tensors, with every defect named by its path:
 * ragged rows, non-numeric leaves, NaN or Infinity.
 */
import { FormatError } from '../errors.js';
import { Tensor, type Shape } from './tensor.js';

/** Where a value sits in a nested list: `x[2][0][5]`. */
function at(name: string, path: readonly number[]): string {
  return name + path.map((i) => `[${i}]`).join('');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? value.slice(0, 20) + '…' : value)}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Reads a nested list into a tensor. The shape is taken from the first element at each depth;
 * every other element must agree.
 */
export function tensorFromNested(value: unknown, name: string): Tensor {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  if (shape.length === 0 && typeof value !== 'number') {
    throw new FormatError(`${name}: expected a number or a nested list of numbers, got ${describe(value)}`);
  }
  if (shape.includes(0)) {
    throw new FormatError(`${name}: expected a non-empty nested list, got an empty list at depth ${shape.indexOf(0)}`);
  }
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let k = 0;
  const path: number[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') {
        const ragged = Array.isArray(v) ? 'ragged nested list: ' : '';
        throw new FormatError(`${at(name, path)}: ${ragged}expected a number, got ${describe(v)}`);
      }
      if (!Number.isFinite(v)) throw new FormatError(`${at(name, path)}: expected a finite number, got ${v}`);
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v)) {
      throw new FormatError(`${at(name, path)}: ragged nested list: expected a list of ${shape[depth]}, got ${describe(v)}`);
    }
    if (v.length !== shape[depth]) {
      throw new FormatError(`${at(name, path)}: ragged nested list: expected a list of ${shape[depth]}, got a list of ${v.length}`);
    }
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      walk(v[i], depth + 1);
      path.pop();
    }
  };
  walk(value, 0);
  return new Tensor(data, shape as Shape);
}
