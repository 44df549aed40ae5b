/**
 * What the page shows, derived from the run document alone: the grid's geometry (layers ×
 * directions × steps), the statistics of every cell, which cells keep their values within the
 * page's budget, and the document trimmed to that budget.
 */
import type { LayerReport, RunReport, StepStats } from '../schema/run.js';

export type Direction = 'forward' | 'reverse';
export type Statistic = 'norm' | 'mean' | 'absmax';
export const STATISTICS: readonly Statistic[] = ['norm', 'mean', 'absmax'];

/**
 * The page keeps at most this many hidden-state numbers (h and c of the steps, and the tensors of
 * --include-tensors); statistics are kept for every cell whatever the size.
 */
export const MAX_REPORT_VALUES = 50_000;

export interface GridModel {
  /** Layers, directions per layer, steps, batch elements, h's features. */
  L: number;
  D: number;
  T: number;
  B: number;
  directions: Direction[];
  lengths: number[] | null;
  /** layer report of layer l, direction d (null with --trace none). */
  entry(l: number, d: number): LayerReport | null;
  /** Whether any step carries h values. */
  hasValues: boolean;
  /** Cells that kept their values, and all cells. */
  keptCells: number;
  totalCells: number;
  /** How the kept cells were chosen, when not all were kept. */
  trimNote: string | null;
}

export function statOf(step: StepStats, stat: Statistic): number {
  if (stat === 'absmax') return Math.max(Math.abs(step.min), Math.abs(step.max));
  return step[stat];
}

/** Statistics of one batch element's row of h. */
export function rowStats(row: readonly number[]): Record<Statistic, number> & { min: number; max: number } {
  let sq = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of row) {
    sq += v * v;
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { norm: Math.sqrt(sq), mean: row.length ? sum / row.length : 0, min, max, absmax: Math.max(Math.abs(min), Math.abs(max)) };
}

/** Whether batch element b has input at step t. */
export function validAt(lengths: readonly number[] | null, b: number, t: number): boolean {
  return !lengths || t < lengths[b]!;
}

const stepValues = (s: StepStats): number => (s.h ? s.h.reduce((n, r) => n + r.length, 0) : 0) + (s.c ? s.c.reduce((n, r) => n + r.length, 0) : 0);

function countNested(v: unknown): number {
  return Array.isArray(v) ? v.reduce((n: number, x) => n + countNested(x), 0) : 1;
}

export interface Trimmed {
  doc: RunReport;
  keptCells: number;
  totalCells: number;
  note: string | null;
}

/**
 * The document within `maxValues` numbers. When every value fits it is the document unchanged.
 * Otherwise the tensors of --include-tensors go first (the page does not draw them); then, if the
 * steps' values still do not fit, values stay on the cells h_n was taken from and on every layer's
 * last W steps, the widest window that fits; every other step keeps its statistics only.
 */
export function trimToBudget(doc: RunReport, maxValues: number): Trimmed {
  const cells = doc.layers.reduce((n, l) => n + l.steps.length, 0);
  const stepTotal = doc.layers.reduce((n, l) => n + l.steps.reduce((m, s) => m + stepValues(s), 0), 0);
  const tensorTotal = doc.tensors ? countNested(doc.tensors.out) + countNested(doc.tensors.h_n) + (doc.tensors.c_n ? countNested(doc.tensors.c_n) : 0) : 0;
  const valued = doc.layers.reduce((n, l) => n + l.steps.filter((s) => s.h).length, 0);
  if (stepTotal + tensorTotal <= maxValues) return { doc, keptCells: valued, totalCells: cells, note: null };
  const notes: string[] = [];
  let out: RunReport = doc;
  if (doc.tensors) {
    const { tensors: _dropped, ...rest } = doc;
    out = rest;
    notes.push(`the tensors of --include-tensors (${tensorTotal} numbers) are left out`);
  }
  if (stepTotal <= maxValues) return { doc: out, keptCells: valued, totalCells: cells, note: notes.join('; ') };
  const perCell = Math.max(1, ...doc.layers.flatMap((l) => l.steps.map(stepValues)));
  const keep = new Set<string>();
  let used = 0;
  const take = (entry: number, t: number): boolean => {
    const key = `${entry}:${t}`;
    if (keep.has(key)) return true;
    if (used + perCell > maxValues) return false;
    keep.add(key);
    used += perCell;
    return true;
  };
  const entryOf = (layer: number, direction: Direction): number => doc.layers.findIndex((l) => l.layer === layer && l.direction === direction);
  let hnCells = 0;
  let hnKept = 0;
  for (const s of doc.h_n_slices) {
    for (const t of new Set(s.steps.slice(0, batchOf(doc)))) {
      hnCells++;
      if (take(entryOf(s.layer, s.direction), t)) hnKept++;
    }
  }
  const T = doc.layers[0]?.steps.length ?? 0;
  let window = 0;
  for (let t = T - 1; t >= 0; t--) {
    if (used + perCell * doc.layers.filter((_, e) => !keep.has(`${e}:${t}`)).length > maxValues) break;
    doc.layers.forEach((_, e) => take(e, t));
    window++;
  }
  const layers = doc.layers.map((l, e) => ({
    ...l,
    steps: l.steps.map((s) => {
      if (keep.has(`${e}:${s.t}`)) return s;
      const { h: _h, c: _c, ...stats } = s;
      return stats;
    }),
  }));
  const which = [hnKept === hnCells ? 'the cells h_n was taken from' : `${hnKept} of the ${hnCells} cells h_n was taken from`];
  if (window) which.push(`every layer's last ${window} step(s)`);
  notes.push(`values are kept for ${keep.size} of ${cells} cells (at most ${maxValues} numbers): ${which.join(' and ')}; the others keep their statistics`);
  return { doc: { ...out, layers }, keptCells: keep.size, totalCells: cells, note: notes.join('; ') };
}

/** Sequences in the run: one when unbatched (h_n_slices' steps may list the --batch default then). */
export function batchOf(doc: RunReport): number {
  return doc.config.unbatched ? 1 : (doc.h_n_slices[0]?.steps.length ?? doc.config.batch);
}

export function gridModel(doc: RunReport, trimmed: Trimmed): GridModel {
  const D = doc.config.bidirectional ? 2 : 1;
  const directions: Direction[] = D === 2 ? ['forward', 'reverse'] : ['forward'];
  const L = doc.config.num_layers;
  const T = doc.layers[0]?.steps.length ?? doc.config.seq_len;
  const B = batchOf(doc);
  const byKey = new Map(trimmed.doc.layers.map((l) => [`${l.layer}:${l.direction}`, l]));
  return {
    L,
    D,
    T,
    B,
    directions,
    lengths: doc.lengths,
    entry: (l, d) => byKey.get(`${l}:${directions[d]}`) ?? null,
    hasValues: trimmed.doc.layers.some((l) => l.steps.some((s) => s.h)),
    keptCells: trimmed.keptCells,
    totalCells: trimmed.totalCells,
    trimNote: trimmed.note,
  };
}
