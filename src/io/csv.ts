/**
 * CSV: one unbatched sequence as a 2-D table, shape (seq_len, input_size).
 *
 * Layout: one row per time step, one comma-separated column per input feature. An optional first
 * row of names (no numeric cell) is a header and is skipped; `#` lines are comments (as
 * numpy.savetxt writes its header); blank lines at the end are ignored. Cells may be padded with
 * whitespace or wrapped in double quotes.
 */
import { FormatError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import type { StoredTensor, TensorFormat } from './format.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function cellsOf(line: string): string[] {
  return line.split(',').map((c) => {
    const t = c.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
  });
}

function isNumeric(cell: string): boolean {
  return NUMBER.test(cell);
}

export function decodeCsv(bytes: Uint8Array, file: string): StoredTensor {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new FormatError(`${file}: expected a utf-8 text table (CSV), got binary data`);
  }
  const lines = text.split(/\r?\n|\r/);
  // Line numbers are the file's (1-based), so messages point where an editor shows.
  const rows: { line: number; cells: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trimStart().startsWith('#')) continue;
    if (line.trim() === '') {
      const rest = lines.slice(i + 1).find((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
      if (rest === undefined) break;
      throw new FormatError(`${file}: expected a row of numbers at line ${i + 1}, got an empty line inside the table`);
    }
    rows.push({ line: i + 1, cells: cellsOf(line) });
  }
  // A header names the columns: its cells are text (or empty, as pandas' index column is). A row
  // mixing numbers and text is data with a bad cell, and is reported as such below.
  const first = rows[0]?.cells.filter((c) => c !== '');
  if (first && first.length > 0 && first.every((c) => !isNumeric(c))) rows.shift();
  if (rows.length === 0) {
    throw new FormatError(`${file}: expected a table with at least one row of numbers (seq_len, input_size), got none`);
  }
  const width = rows[0]!.cells.length;
  const data = new Float32Array(rows.length * width);
  // Whole numbers are kept exactly too (float32 is exact only up to 2^24): they may be token ids.
  const exact = new Float64Array(rows.length * width);
  rows.forEach(({ line, cells }, r) => {
    if (cells.length !== width) {
      throw new FormatError(`${file}: expected ${width} columns at line ${line} (as in line ${rows[0]!.line}), got ${cells.length} (ragged rows)`);
    }
    cells.forEach((cell, c) => {
      if (!isNumeric(cell)) {
        const shown = cell === '' ? 'an empty cell' : JSON.stringify(cell.length > 24 ? cell.slice(0, 24) + '…' : cell);
        const hint = /\s/.test(cell) ? ' (separate values with commas)' : '';
        throw new FormatError(`${file}: expected a number at line ${line}, column ${c + 1}, got ${shown}${hint}`);
      }
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new FormatError(`${file}: expected a finite number at line ${line}, column ${c + 1}, got ${cell}`);
      data[r * width + c] = v;
      exact[r * width + c] = v;
    });
  });
  return { tensor: new Tensor(data, [rows.length, width]), dtype: 'text', ...(exact.every(Number.isInteger) ? { integers: exact } : {}) };
}

export const csvFormat: TensorFormat = {
  name: 'csv',
  extensions: ['.csv'],
  holds: 'one',
  readTensor: decodeCsv,
};
