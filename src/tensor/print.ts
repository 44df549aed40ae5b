/**
 * A tensor as PyTorch prints it (torch/_tensor_str.py, default print options): every value in one
 * width, 4 decimals, scientific notation when the magnitudes span more than 1000× (or reach 1e8, or
 * fall below 1e-4), and above 1000 elements only the first and last 3 along each dimension, with
 * `...` between; rows wrap at 80 columns. The shape follows the body: `tensor([[...]], shape=(3, 10, 20))`.
 */
import type { Shape } from './tensor.js';

const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const PRECISION = 4;
const LINE_WIDTH = 80;

/** The indices shown along a dimension of size n: all, or the edges with null for the ellipsis. */
function shownIndices(n: number, summarize: boolean): (number | null)[] {
  if (!summarize || n <= 2 * EDGE_ITEMS) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: EDGE_ITEMS }, (_, i) => i), null, ...Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i)];
}

function formatter(values: number[]): (v: number) => string {
  const finite = values.filter((v) => Number.isFinite(v));
  const nonzero = finite.map(Math.abs).filter((a) => a > 0);
  const integral = finite.every((v) => Number.isInteger(v));
  const max = nonzero.length ? Math.max(...nonzero) : 0;
  const min = nonzero.length ? Math.min(...nonzero) : 0;
  const sci = nonzero.length > 0 && (max / min > 1000 || max >= 1e8 || min < 1e-4);
  const one = (v: number): string => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (sci) return v.toExponential(PRECISION).replace(/e([+-])(\d)$/, 'e$10$2');
    if (integral) return `${v.toFixed(0)}.`;
    return v.toFixed(PRECISION);
  };
  const width = Math.max(...values.map((v) => one(v).length));
  return (v) => one(v).padStart(width);
}

export function formatTensor(data: ArrayLike<number>, shape: Shape): string {
  const summarize = data.length > THRESHOLD;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  // The values shown decide the width, as in PyTorch.
  const shown: number[] = [];
  const collect = (dim: number, offset: number): void => {
    if (dim === shape.length) return void shown.push(data[offset]!);
    for (const i of shownIndices(shape[dim]!, summarize)) if (i !== null) collect(dim + 1, offset + i * strides[dim]!);
  };
  collect(0, 0);
  if (shape.length === 0) return `tensor(${formatter([data[0]!])(data[0]!).trim()})`;
  const fmt = formatter(shown.length ? shown : [0]);
  const indent = 'tensor('.length;
  const body = (dim: number, offset: number, column: number): string => {
    const items = shownIndices(shape[dim]!, summarize);
    if (dim === shape.length - 1) {
      const cells = items.map((i) => (i === null ? '...' : fmt(data[offset + i * strides[dim]!]!)));
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - column - 1) / ((cells[0]?.length ?? 1) + 2)));
      const lines: string[] = [];
      for (let k = 0; k < cells.length; k += perLine) lines.push(cells.slice(k, k + perLine).join(', '));
      return `[${lines.join(`,\n${' '.repeat(column + 1)}`)}]`;
    }
    const newlines = '\n'.repeat(Math.max(1, shape.length - dim - 1));
    const pad = ' '.repeat(column + 1);
    const parts = items.map((i) => (i === null ? '...' : body(dim + 1, offset + i * strides[dim]!, column + 1)));
    return `[${parts.join(`,${newlines}${pad}`)}]`;
  };
  const size = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `tensor(${shape.includes(0) ? '[]' : body(0, 0, indent)}, shape=${size})`;
}
