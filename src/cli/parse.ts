/**
 * Parsers for option values. Each throws commander's InvalidArgumentError, which commander turns
 * into one line naming the option, the value and what was expected.
 */
import { InvalidArgumentError } from 'commander';
import { MIN_WIDTH } from './render/width.js';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  }
  return n;
}

/** An output width in columns (--width): at least MIN_WIDTH, where a table of a few columns still fits. */
export function columns(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < MIN_WIDTH) {
    throw new InvalidArgumentError(`expected a width of at least ${MIN_WIDTH} columns, got "${value}"`);
  }
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  }
  return n;
}

export function probability(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError(`expected a number in [0, 1] (the probability of an element being zeroed), got "${value}"`);
  }
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got "${value}"`);
  return n;
}

/** `3,10,20`, `(3, 10, 20)`, `[3, 10, 20]` or `3x10x20`; an empty size (`3,,4`, `3x4x`, `,3`) is an error. */
export function shapeList(value: string): number[] {
  const trimmed = value.trim();
  const bracketed = /^\((.*)\)$/.exec(trimmed) ?? /^\[(.*)\]$/.exec(trimmed);
  const inner = bracketed ? bracketed[1]! : trimmed;
  const parts = inner.split(/[,x×]/).map((p) => p.trim());
  // PyTorch's own repr of a one-element tuple: (3,)
  if (bracketed && parts.length === 2 && parts[1] === '') parts.pop();
  if (inner.trim() === '' || parts.some((p) => !/^\d+$/.test(p))) {
    const empty = parts.some((p) => p === '');
    throw new InvalidArgumentError(`expected a shape such as 3,10,20, got "${value}"${empty && inner.trim() !== '' ? ' (an empty size)' : ''}`);
  }
  const big = parts.find((p) => !Number.isSafeInteger(Number(p)));
  if (big !== undefined) throw new InvalidArgumentError(`expected sizes up to ${Number.MAX_SAFE_INTEGER}, got ${big} in "${value}"`);
  return parts.map(Number);
}

/** `--lengths 3,10,7`. */
export function intList(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^-?\d+$/.test(p) || !Number.isSafeInteger(Number(p)))) throw new InvalidArgumentError(`expected integers separated by commas, got "${value}"`);
  return parts.map(Number);
}

/** `512M`, `2G`, `1GiB`, `1000000` (bytes). */
export function byteSize(value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(value);
  if (!m) throw new InvalidArgumentError(`expected a size such as 512M or 2G, got "${value}"`);
  const scale = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const n = Number(m[1]) * scale;
  if (!(n > 0)) throw new InvalidArgumentError(`expected a positive size, got "${value}"`);
  return n;
}

export function oneOf<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    const v = value.toLowerCase() as T;
    if (!choices.includes(v)) throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${value}"`);
    return v;
  };
}

/** Repeatable options collect into a list. */
export function collect<T>(parse: (v: string) => T) {
  return (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(value)];
}

/** `--expect out=3,10,20`. */
export function expectation(value: string): { name: string; shape: number[] } {
  const m = /^\s*([a-z_0-9]+)\s*=\s*(.+)$/i.exec(value);
  const names = ['x', 'h_0', 'c_0', 'out', 'h_n', 'c_n'];
  if (!m) throw new InvalidArgumentError(`expected NAME=SHAPE such as out=3,10,20, got "${value}"`);
  const name = m[1]!.toLowerCase().replace(/^h0$/, 'h_0').replace(/^hn$/, 'h_n').replace(/^c0$/, 'c_0').replace(/^cn$/, 'c_n');
  if (!names.includes(name)) throw new InvalidArgumentError(`expected a tensor name of ${names.join(', ')}, got "${m[1]}"`);
  return { name, shape: shapeList(m[2]!) };
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** `--seed N`: the generator is 32-bit. */
export function seed(value: string): number {
  const n = nonNegativeInt(value);
  if (n > 0xffffffff) throw new InvalidArgumentError(`expected an integer in 0..4294967295, got "${value}"`);
  return n;
}

/** `--x-shape 4,35,128` or `--x-shape y=4,35,128` (a named input or module): every size at least 1. */
export function namedShape(value: string): { name: string | null; shape: number[] } {
  const m = /^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(value);
  const shape = shapeList(m ? m[2]! : value);
  if (shape.some((d) => d < 1)) throw new InvalidArgumentError(`expected sizes of at least 1, got "${value}"`);
  return { name: m ? m[1]! : null, shape };
}
