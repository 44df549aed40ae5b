/**
 * Units × time, one heatmap per layer and direction (and, for LSTM, one of c beside each of h):
 * each column is one step, each row one unit of h_t (or c_t) for the chosen sequence. With many units only the most active are drawn (largest mean |h|
 * over the steps and valid sequences), with a note. The heatmaps read the run's values before the
 * page's budget trims them, and carry their own bounded copy (HEATMAP_VALUES numbers, rounded to
 * 4 decimals: they only choose colours), so they cover every step even when the embedded document
 * keeps values for a few cells only.
 */
import { escapeHtml } from './escape.js';
import type { Scale } from './colour.js';
import { batchOf, validAt, type Direction } from './model.js';
import type { RunReport } from '../schema/run.js';

/** Rows drawn per heatmap at most, columns (the last steps), and numbers carried in all. */
export const MAX_HEATMAP_UNITS = 24;
export const MAX_HEATMAP_STEPS = 120;
export const HEATMAP_VALUES = 20_000;

export type Field = 'h' | 'c';

export interface Heatmap {
  layer: number;
  direction: Direction;
  field: Field;
  /** Units drawn (ascending), of `features`. */
  units: number[];
  features: number;
  steps: number[];
  /** values[s][r][c]: sequence s, row r (units[r]), column c (steps[c]). */
  values: number[][][];
}

/** The largest finite |value| of every h (or c) in the document, for one symmetric value scale. */
export function valueExtent(doc: RunReport, field: Field = 'h'): number {
  let m = 0;
  for (const l of doc.layers) for (const s of l.steps) for (const row of s[field] ?? []) for (const v of row) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

/**
 * The heatmaps of a document with values (none without), and how many sequences they carry: h's
 * for every layer and direction, then c's when the kind has a cell state; the budget is shared.
 */
export function heatmaps(doc: RunReport): { maps: Heatmap[]; sequences: number } {
  const entries = doc.layers.filter((l) => l.steps.length && l.steps.every((s) => s.h));
  if (!entries.length) return { maps: [], sequences: 0 };
  const fields: Field[] = entries.every((e) => e.steps.every((s) => s.c)) ? ['h', 'c'] : ['h'];
  const B = entries[0]!.steps[0]!.h!.length;
  const T = entries[0]!.steps.length;
  const steps = Array.from({ length: Math.min(T, MAX_HEATMAP_STEPS) }, (_, i) => T - Math.min(T, MAX_HEATMAP_STEPS) + i);
  const widths = fields.map((f) => Math.min(entries[0]!.steps[0]![f]![0]?.length ?? 0, MAX_HEATMAP_UNITS));
  const perSequence = entries.length * steps.length * widths.reduce((a, b) => a + b, 0);
  const sequences = Math.max(1, Math.min(B, Math.floor(HEATMAP_VALUES / Math.max(1, perSequence))));
  const maps = fields.flatMap((field) =>
    entries.map((e) => {
      const features = e.steps[0]![field]![0]?.length ?? 0;
      const activity = new Float64Array(features);
      for (const s of e.steps) s[field]!.forEach((row, b) => validAt(doc.lengths, b, s.t) && row.forEach((v, j) => (activity[j] = (activity[j] ?? 0) + Math.abs(v))));
      const units = Array.from({ length: features }, (_, j) => j)
        .sort((a, b) => activity[b]! - activity[a]! || a - b)
        .slice(0, MAX_HEATMAP_UNITS)
        .sort((a, b) => a - b);
      const values = Array.from({ length: sequences }, (_, b) => units.map((j) => steps.map((t) => Math.round(e.steps[t]![field]![b]![j]! * 1e4) / 1e4)));
      return { layer: e.layer, direction: e.direction, field, units, features, steps, values };
    }),
  );
  maps.sort((a, b) => (a.field === b.field ? 0 : a.field === 'h' ? -1 : 1) || b.layer - a.layer || (a.direction === 'forward' ? -1 : 1));
  return { maps, sequences };
}

/** A heatmap's key in the page's view: layer:direction:field. */
export const heatKey = (m: Pick<Heatmap, 'layer' | 'direction' | 'field'>): string => `${m.layer}:${m.direction}:${m.field}`;

export function renderHeatmaps(doc: RunReport, maps: readonly Heatmap[], sequences: number, values: Record<Field, Scale>, panel: number): string {
  const D = doc.config.bidirectional ? 2 : 1;
  const B = batchOf(doc);
  const cw = Math.max(4, Math.min(28, Math.floor(640 / (maps[0]?.steps.length ?? 1))));
  const natural = 40 + (maps[0]?.steps.length ?? 0) * cw + 8;
  const out = maps.map((m) => {
    const ch = 12;
    const left = 40;
    const top = 4;
    const width = left + m.steps.length * cw + 8;
    const height = top + m.units.length * ch + 22;
    const cells: string[] = [];
    m.units.forEach((j, r) => {
      cells.push(`<text class="ulabel" x="${left - 4}" y="${top + r * ch + ch - 2}">u${j}</text>`);
      m.steps.forEach((t, c) => {
        const fill = validAt(doc.lengths, 0, t) ? values[m.field].colour(m.values[0]![r]![c]!) : 'url(#rnn-hatch)';
        cells.push(`<rect x="${left + c * cw}" y="${top + r * ch}" fill="${fill}"/>`);
      });
    });
    const every = Math.max(1, Math.ceil(m.steps.length / 12));
    m.steps.forEach((t, c) => {
      if (c % every === 0) cells.push(`<text class="tlabel" x="${left + c * cw + cw / 2}" y="${top + m.units.length * ch + 14}">${t}</text>`);
    });
    const name = `${m.field === 'c' ? 'c, ' : ''}layer ${m.layer}${D === 2 ? ` ${m.direction}` : ''}`;
    const notes: string[] = [];
    if (m.units.length < m.features) notes.push(`the ${m.units.length} most active of ${m.features} units (largest mean |${m.field}|)`);
    if (m.steps.length < doc.config.seq_len) notes.push(`the last ${m.steps.length} steps`);
    // Every cell has the same size: set once (CSS geometry), not on each of up to 24 × 120 rects.
    return (
      `<figure class="heatmap" data-heatmap="${heatKey(m)}" style="--cw:${cw - 1}px;--ch:${ch - 1}px"><figcaption>${escapeHtml(name)}${notes.length ? ` <span class="note">${escapeHtml(notes.join('; '))}</span>` : ''}</figcaption>` +
      `<div class="scroll"><svg role="img" aria-label="${escapeHtml(`${name}: ${m.units.length} units by ${m.steps.length} steps, ${m.field} of sequence 0`)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${cells.join('')}</svg></div></figure>`
    );
  });
  const options = Array.from({ length: sequences }, (_, b) => `<option value="${b}">${b}${doc.lengths ? ` (length ${doc.lengths[b]})` : ''}</option>`).join('');
  const pick = sequences > 1 ? `<label class="seqpick">sequence <select class="rnn-seq" id="rnn-seq-${panel}">${options}</select></label>` : '';
  const fewer = sequences < B ? `<p class="note">${escapeHtml(`The heatmaps carry the first ${sequences} of ${B} sequences (at most ${HEATMAP_VALUES} numbers).`)}</p>` : '';
  // Columns as wide as one heatmap, so that a wide screen puts several side by side and none is cut.
  const grid = `grid-template-columns:repeat(auto-fill,minmax(min(100%,${natural}px),1fr))`;
  const hs = out.filter((_, i) => maps[i]!.field === 'h');
  const cs = out.filter((_, i) => maps[i]!.field === 'c');
  const cPart = cs.length ? `<h3>c, the cell state</h3><div class="heatmaps" style="${grid}">${cs.join('')}</div>` : '';
  return out.length ? `${pick}${fewer}<div class="heatmaps" style="${grid}">${hs.join('')}</div>${cPart}` : '';
}
