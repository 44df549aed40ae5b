/**
 * Units × time, one heatmap per layer and direction, from the steps that kept their values: each
 * column is one step, each row one unit of h_t for the chosen sequence. With many units only the
 * most active are drawn (largest mean |h| over the kept steps and valid sequences), with a note.
 */
import { escapeHtml } from './escape.js';
import type { Scale } from './colour.js';
import { validAt, type GridModel } from './model.js';

/** Rows drawn per heatmap at most, and columns (the last kept steps). */
export const MAX_HEATMAP_UNITS = 24;
export const MAX_HEATMAP_STEPS = 200;

/** The largest |value| of every kept h, for one symmetric value scale. */
export function valueExtent(model: GridModel): number {
  let m = 0;
  for (let l = 0; l < model.L; l++) {
    for (let d = 0; d < model.D; d++) {
      for (const s of model.entry(l, d)?.steps ?? []) for (const row of s.h ?? []) for (const v of row) m = Math.max(m, Math.abs(v));
    }
  }
  return m;
}

export function renderHeatmaps(model: GridModel, values: Scale): string {
  const out: string[] = [];
  const { L, D, B, directions, lengths } = model;
  for (let l = L - 1; l >= 0; l--) {
    for (let d = 0; d < D; d++) {
      const entry = model.entry(l, d);
      const kept = (entry?.steps ?? []).filter((s) => s.h).slice(-MAX_HEATMAP_STEPS);
      if (!kept.length) continue;
      const H = kept[0]!.h![0]?.length ?? 0;
      const activity = new Float64Array(H);
      for (const s of kept) {
        s.h!.forEach((row, b) => {
          if (validAt(lengths, b, s.t)) row.forEach((v, j) => (activity[j] += Math.abs(v)));
        });
      }
      const units = Array.from({ length: H }, (_, j) => j)
        .sort((a, b) => activity[b]! - activity[a]! || a - b)
        .slice(0, MAX_HEATMAP_UNITS)
        .sort((a, b) => a - b);
      const cw = Math.max(8, Math.min(28, Math.floor(640 / kept.length)));
      const ch = 12;
      const left = 40;
      const top = 4;
      const width = left + kept.length * cw + 8;
      const height = top + units.length * ch + 22;
      const cells: string[] = [];
      units.forEach((j, r) => {
        cells.push(`<text class="ulabel" x="${left - 4}" y="${top + r * ch + ch - 2}">u${j}</text>`);
        kept.forEach((s, c) => {
          const valid = validAt(lengths, 0, s.t);
          const fill = valid ? values.colour(s.h![0]![j]!) : 'url(#rnn-hatch)';
          cells.push(`<rect x="${left + c * cw}" y="${top + r * ch}" width="${cw - 1}" height="${ch - 1}" fill="${fill}" data-u="${j}" data-t="${s.t}"/>`);
        });
      });
      const every = Math.max(1, Math.ceil(kept.length / 12));
      kept.forEach((s, c) => {
        if (c % every === 0) cells.push(`<text class="tlabel" x="${left + c * cw + cw / 2}" y="${top + units.length * ch + 14}">${s.t}</text>`);
      });
      const name = `layer ${l}${D === 2 ? ` ${directions[d]}` : ''}`;
      const notes: string[] = [];
      if (units.length < H) notes.push(`the ${units.length} most active of ${H} units (largest mean |h| over the steps shown)`);
      if (kept.length < (entry?.steps.length ?? 0)) notes.push(`steps ${kept[0]!.t}..${kept[kept.length - 1]!.t} (the steps that kept values)`);
      out.push(
        `<figure class="heatmap" data-heatmap="${l}:${directions[d]}"><figcaption>${escapeHtml(name)}${notes.length ? ` <span class="note">${escapeHtml(notes.join('; '))}</span>` : ''}</figcaption>` +
          `<div class="scroll"><svg role="img" aria-label="${escapeHtml(`${name}: ${units.length} units by ${kept.length} steps, h of sequence 0`)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${cells.join('')}</svg></div></figure>`,
      );
    }
  }
  const seq =
    B > 1
      ? `<label class="seqpick">sequence <select id="rnn-seq">${Array.from({ length: B }, (_, b) => `<option value="${b}">${b}${lengths ? ` (length ${lengths[b]})` : ''}</option>`).join('')}</select></label>`
      : '';
  return out.length ? `${seq}<div class="heatmaps">${out.join('')}</div>` : '';
}
