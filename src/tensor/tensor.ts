/**
 * A dense float32 tensor: a flat Float32Array in row-major (C) order and a shape.
 * Shape: any rank; `data.length` is always the product of `shape`.
 */
import { InternalError } from '../errors.js';
import { formatTensor } from './print.js';

export type Shape = readonly number[];

export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A shape as PyTorch prints a size tuple: `(4, 3, 20)`, `(5,)`, `()`. */
export function formatShape(shape: Shape): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** A shape as PyTorch prints `list(t.size())`: `[4, 3, 20]`. */
export function formatList(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export type Nested = number | Nested[];

export class Tensor {
  readonly data: Float32Array;
  readonly shape: Shape;

  constructor(data: Float32Array, shape: Shape) {
    if (data.length !== numel(shape)) {
      throw new InternalError(`Tensor: data of length ${data.length} does not fit shape ${formatShape(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  static zeros(shape: Shape): Tensor {
    return new Tensor(new Float32Array(numel(shape)), shape);
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return this.data.length;
  }

  /** Same data, another shape of the same element count. */
  reshape(shape: Shape): Tensor {
    return new Tensor(this.data, shape);
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** As PyTorch prints a tensor: `tensor([[0.1000, 0.2000]], shape=(1, 2))`, summarised above 1000 elements. */
  toString(): string {
    return formatTensor(this.data, this.shape);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Nested arrays in row-major order, as PyTorch's `tensor.tolist()` writes them. */
  toNested(): Nested {
    const { data, shape } = this;
    if (shape.length === 0) return data[0]!;
    const strides = stridesOf(shape);
    const build = (dim: number, offset: number): Nested[] => {
      const n = shape[dim]!;
      const out = new Array<Nested>(n);
      if (dim === shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = data[offset + i]!;
      } else {
        for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * strides[dim]!);
      }
      return out;
    };
    return build(0, 0);
  }
}
