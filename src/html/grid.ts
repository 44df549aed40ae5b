/**
 * The study note's grid as SVG: layers stacked bottom to top, time left to right; within a layer
 * information flows right (forward) or left (reverse), within a time step up. x[t] sits under
 * layer 0, out[t] over the top layer, h_0[k] where each row starts and h_n[k] where it ends (for
 * the reverse direction, the first column). With lengths, each cell carries one small cell per
 * sequence: padded ones drawn absent, each sequence's last valid step outlined.
 */
import { escapeHtml } from './escape.js';
import { logScale, scale, viridis, type Scale } from './colour.js';
import { statOf, STATISTICS, type GridModel, type Statistic } from './model.js';
import type { RunReport, StepStats } from '../schema/run.js';

/** Per-sequence cells are drawn up to this batch size; beyond it the grid shows the valid count only. */
export const MAX_SEQUENCE_CELLS = 8;

const CELL_W = 44;
const CELL_H = 28;
const GAP_X = 14;
const LABEL_W = 128;
const CHIP_W = 52;
const SEQ_H = 9;
const DIR_GAP = 6;
const LAYER_GAP = 26;
const OUT_H = 22;
const X_H = 20;

export const fmt = (v: number | null): string => (v === null || !Number.isFinite(v) ? '—' : Number.isInteger(v) ? String(v) : Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));

/** The colour scale of each statistic over the cells that ran (valid > 0). */
/** Each statistic's colour scale over the grid's cells; with `log`, the non-negative ones (norm, absmax) on a log scale over their positive values. */
export function statScales(model: GridModel, { log = false }: { log?: boolean } = {}): Record<Statistic, Scale> {
  const out = {} as Record<Statistic, Scale>;
  for (const stat of STATISTICS) {
    const logged = log && stat !== 'mean';
    let lo = Infinity;
    let hi = -Infinity;
    for (let l = 0; l < model.L; l++) {
      for (let d = 0; d < model.D; d++) {
        for (const s of model.entry(l, d)?.steps ?? []) {
          if (s.valid === 0) continue;
          const v = statOf(s, stat);
          if (logged && !(v > 0)) continue;
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    out[stat] = !Number.isFinite(lo) ? scale(0, 0) : logged ? logScale(lo, hi) : scale(lo, hi);
  }
  return out;
}

interface Geometry {
  width: number;
  height: number;
  rowH: number;
  seqCells: boolean;
  cellX(t: number): number;
  rowY(l: number, d: number): number;
  bandY(l: number): number;
  bandH: number;
  xRowY: number;
}

function geometry(model: GridModel): Geometry {
  const seqCells = !!model.lengths && model.B <= MAX_SEQUENCE_CELLS;
  const rowH = CELL_H + (seqCells ? SEQ_H + 3 : 0);
  const bandH = model.D * rowH + (model.D - 1) * DIR_GAP;
  const top = 8 + OUT_H + LAYER_GAP;
  const x0 = LABEL_W + CHIP_W + GAP_X;
  const bandY = (l: number): number => top + (model.L - 1 - l) * (bandH + LAYER_GAP);
  const xRowY = bandY(0) + bandH + LAYER_GAP;
  return {
    width: x0 + model.T * (CELL_W + GAP_X) + CHIP_W + 8,
    height: xRowY + X_H + 22,
    rowH,
    seqCells,
    cellX: (t) => x0 + t * (CELL_W + GAP_X),
    rowY: (l, d) => bandY(l) + d * (rowH + DIR_GAP),
    bandY,
    bandH,
    xRowY,
  };
}

const attrs = (a: Record<string, string | number>): string =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${escapeHtml(String(v))}"`)
    .join('');

function fills(step: StepStats | undefined, scales: Record<Statistic, Scale>): string[] {
  if (!step) return STATISTICS.map(() => 'none');
  if (step.valid === 0) return STATISTICS.map(() => 'url(#rnn-hatch)');
  return STATISTICS.map((s) => scales[s].colour(statOf(step, s)));
}

function arrow(x1: number, y1: number, x2: number, y2: number): string {
  return `<line class="arrow"${attrs({ x1, y1, x2, y2 })} marker-end="url(#rnn-ah)"/>`;
}

function chip(cls: string, x: number, y: number, w: number, h: number, label: string, a: Record<string, string | number>): string {
  return `<g class="chip ${cls}"${attrs(a)}><rect${attrs({ x, y, width: w, height: h, rx: 4 })}/><text${attrs({ x: x + w / 2, y: y + h / 2 + 4 })}>${escapeHtml(label)}</text></g>`;
}

/** The narrowest the grid is drawn (0.85 of its natural width); a narrower box scrolls. */
export function gridMinWidth(model: GridModel): number {
  return Math.round(geometry(model).width * 0.85);
}

/** The markers and patterns every grid and heatmap refers to, once per page (ids are page-wide). */
export const GRID_DEFS =
  `<svg class="defs" width="0" height="0" aria-hidden="true" focusable="false"><defs><marker id="rnn-ah" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path class="ah" d="M0,0 L8,4 L0,8 z"/></marker>` +
  `<pattern id="rnn-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect class="hatch-bg" width="6" height="6"/><line class="hatch" x1="0" y1="0" x2="0" y2="6"/></pattern></defs></svg>`;

export interface GridOptions {
  /** What a cell holds, for the labels (default h_t). */
  what?: string;
  /** The grid's name in its label (a pipeline's module). */
  name?: string;
  /** h_0 came from another module's h_n (a pipeline's hand-off), and this module's h_n goes on to another. */
  h0From?: string | null;
  hnTo?: readonly string[];
  /** A step to mark (explain's): its cells, of one layer or of all, carry data-focus, with a band behind the column. */
  focus?: { t: number; layer: number | null } | null;
}

/** The grid SVG; cells are coloured by `initial` and carry every statistic's colour for the page's switch. */
export function renderGrid(doc: RunReport, model: GridModel, scales: Record<Statistic, Scale>, initial: Statistic, options: GridOptions = {}): string {
  const what = options.what ?? 'h_t';
  const hnTo = options.hnTo ?? [];
  const g = geometry(model);
  const si = STATISTICS.indexOf(initial);
  const { L, D, T, B, directions, lengths } = model;
  const parts: string[] = [];
  const focus = options.focus ?? null;
  if (focus && focus.t < T) {
    const top = focus.layer === null ? 8 : g.bandY(focus.layer) - 6;
    const bottom = focus.layer === null ? g.xRowY + X_H : g.bandY(focus.layer) + g.bandH + 6;
    parts.push(`<rect class="focusband"${attrs({ x: g.cellX(focus.t) - 5, y: top - 3, width: CELL_W + 10, height: bottom - top + 6, rx: 6 })} aria-hidden="true"/>`);
  }
  const focused = (l: number, t: number): boolean => !!focus && focus.t === t && (focus.layer === null || focus.layer === l);
  const dirWord = (d: number): string => (D === 1 ? '' : ` ${directions[d]}`);
  const rowIndex = (l: number, d: number): number => (L - 1 - l) * D + d;
  for (let l = 0; l < L; l++) {
    const top = l === L - 1 ? ' (top)' : l === 0 ? ' (bottom)' : '';
    for (let d = 0; d < D; d++) {
      const y = g.rowY(l, d);
      const k = l * D + d;
      const reverse = directions[d] === 'reverse';
      const entry = model.entry(l, d);
      parts.push(`<text class="rowlabel"${attrs({ x: LABEL_W - 8, y: y + CELL_H / 2 + 4 })}>layer ${l}${top}${D === 2 ? (reverse ? ' ←' : ' →') : ''}</text>`);
      // h_0 where the row starts, h_n where it ends: left and right for forward, swapped for reverse.
      const leftX = LABEL_W;
      const rightX = g.cellX(T);
      const h0x = reverse ? rightX : leftX;
      const hnx = reverse ? leftX : rightX;
      parts.push(chip(options.h0From ? 'h0 handoff' : 'h0', h0x, y, CHIP_W - 6, CELL_H, `h_0[${k}]`, { 'data-h0': k, 'aria-hidden': 'true' }));
      const slice = doc.h_n_slices[k];
      const taken = slice ? [...new Set(slice.steps.slice(0, B))].map((t) => `t=${t}`).join(', ') : '';
      parts.push(
        chip(hnTo.length ? 'hn handoff' : 'hn', hnx, y, CHIP_W - 6, CELL_H, `h_n[${k}]`, {
          'data-hn': k,
          tabindex: k === 0 ? 0 : -1,
          role: 'button',
          'data-group': 'hn',
          'data-row': rowIndex(l, d),
          'data-col': 0,
          'aria-label': `h_n[${k}]: layer ${l}${dirWord(d)}, taken at ${taken}${hnTo.length ? `; handed to ${hnTo.join(', ')} as its h_0[${k}]` : ''}`,
        }),
      );
      const first = reverse ? g.cellX(T - 1) + CELL_W : g.cellX(0);
      parts.push(reverse ? arrow(rightX - 1, y + CELL_H / 2, first + 3, y + CELL_H / 2) : arrow(leftX + CHIP_W - 6, y + CELL_H / 2, first - 3, y + CELL_H / 2));
      const last = reverse ? g.cellX(0) : g.cellX(T - 1) + CELL_W;
      parts.push(reverse ? arrow(last - 1, y + CELL_H / 2, hnx + CHIP_W - 3, y + CELL_H / 2) : arrow(last + 1, y + CELL_H / 2, hnx - 3, y + CELL_H / 2));
      for (let t = 0; t < T; t++) {
        const x = g.cellX(t);
        const step = entry?.steps[t];
        const f = fills(step, scales);
        const stats = step ? `norm ${fmt(step.norm)}, mean ${fmt(step.mean)}, min ${fmt(step.min)}, max ${fmt(step.max)}, ${step.valid} of ${B} sequences` : 'no statistics (--trace none)';
        const cls = (!step ? 'cell nostat' : step.valid === 0 ? 'cell absent' : 'cell') + (focused(l, t) ? ' focus' : '');
        parts.push(
          `<rect class="${cls}"${attrs({
            x,
            y,
            width: CELL_W,
            height: CELL_H,
            rx: 3,
            fill: f[si]!,
            'data-fill': f.join(' '),
            'data-layer': l,
            'data-direction': directions[d]!,
            'data-t': t,
            ...(focused(l, t) ? { 'data-focus': 'true' } : {}),
            tabindex: l === L - 1 && d === 0 && t === 0 ? 0 : -1,
            role: 'button',
            'data-group': 'grid',
            'data-row': rowIndex(l, d),
            'data-col': t,
            'aria-label': `layer ${l}${dirWord(d)}, t=${t}: ${what}, ${stats}`,
          })}/>`,
        );
        if (t < T - 1) {
          const yy = y + CELL_H / 2;
          parts.push(reverse ? arrow(g.cellX(t + 1) - 2, yy, x + CELL_W + 3, yy) : arrow(x + CELL_W + 2, yy, g.cellX(t + 1) - 3, yy));
        }
        if (g.seqCells && lengths) {
          const w = CELL_W / B;
          for (let b = 0; b < B; b++) {
            const valid = t < lengths[b]!;
            const end = t === lengths[b]! - 1;
            const sf = valid ? f : STATISTICS.map(() => 'none');
            parts.push(
              `<rect class="seq${valid ? '' : ' padded'}${end ? ' end' : ''}"${attrs({
                x: x + b * w + 0.5,
                y: y + CELL_H + 3,
                width: Math.max(1, w - 1.5),
                height: SEQ_H,
                fill: sf[si]!,
                'data-fill': sf.join(' '),
                'data-layer': l,
                'data-direction': directions[d]!,
                'data-t': t,
                'data-b': b,
                tabindex: l === L - 1 && d === 0 && t === 0 && b === 0 ? 0 : -1,
                role: 'button',
                'data-group': 'seq',
                'data-row': rowIndex(l, d) * B + b,
                'data-col': t,
                'aria-label': `sequence ${b}, layer ${l}${dirWord(d)}, t=${t}: ${valid ? (end ? 'its last valid step' : 'valid') : `padded (length ${lengths[b]})`}`,
              })}/>`,
            );
          }
        }
      }
    }
    // Up the layers: at each step, layer l+1 reads layer l's new h_t (both directions, concatenated).
    if (l < L - 1) {
      for (let t = 0; t < T; t++) {
        const x = g.cellX(t) + CELL_W / 2;
        parts.push(arrow(x, g.bandY(l) - 2, x, g.bandY(l + 1) + g.bandH + 3));
      }
    }
  }
  for (let t = 0; t < T; t++) {
    const x = g.cellX(t);
    parts.push(arrow(x + CELL_W / 2, g.bandY(L - 1) - 2, x + CELL_W / 2, 8 + OUT_H + 3));
    parts.push(
      chip('out', x, 8, CELL_W, OUT_H, `out[${t}]`, {
        'data-out-t': t,
        tabindex: t === 0 ? 0 : -1,
        role: 'button',
        'data-group': 'out',
        'data-row': 0,
        'data-col': t,
        'aria-label': `out[${t}]: the top layer's h at t=${t}${D === 2 ? ', forward and reverse halves' : ''}`,
      }),
    );
    parts.push(arrow(x + CELL_W / 2, g.xRowY - 2, x + CELL_W / 2, g.bandY(0) + g.bandH + 3));
    parts.push(chip('x', x, g.xRowY, CELL_W, X_H, `x[${t}]`, { 'data-x-t': t, 'aria-hidden': 'true' }));
    parts.push(`<text class="tlabel"${attrs({ x: x + CELL_W / 2, y: g.xRowY + X_H + 16 })}>t=${t}</text>`);
  }
  const label = `The flow grid${options.name ? ` of ${options.name}` : ''}: ${L} layer(s) × ${D} direction(s) × ${T} step(s); each cell is one ${what}, coloured by the chosen statistic. Tab to a cell, move with the arrow keys, Enter or Space shows its values.`;
  // Scales with its box between 0.85 and 1.6 times its natural size; narrower boxes scroll.
  const style = `width:100%;height:auto;min-width:${gridMinWidth(model)}px;max-width:${Math.round(g.width * 1.6)}px`;
  return `<svg class="grid" style="${style}" xmlns="http://www.w3.org/2000/svg" role="group" aria-label="${escapeHtml(label)}" width="${g.width}" height="${g.height}" viewBox="0 0 ${g.width} ${g.height}">${parts.join('')}</svg>`;
}

/** The legend of one statistic: its gradient with numbers at both ends and the middle. */
export function renderLegend(stat: Statistic, s: Scale, title: string, id: string): string {
  const stops = Array.from({ length: 11 }, (_, i) => `<stop offset="${i * 10}%" stop-color="${viridis(i / 10)}"/>`).join('');
  const mid = s.mid ?? (s.lo + s.hi) / 2;
  return (
    `<svg class="legend" data-legend="${stat}" role="img" aria-label="${escapeHtml(`${title}: dark ${fmt(s.lo)}, bright ${fmt(s.hi)}`)}" width="260" height="40" viewBox="0 0 260 40">` +
    `<defs><linearGradient id="${id}">${stops}</linearGradient></defs>` +
    `<rect x="10" y="4" width="240" height="14" fill="url(#${id})" rx="2"/>` +
    `<text x="10" y="34" text-anchor="start">${fmt(s.lo)}</text><text x="130" y="34" text-anchor="middle">${fmt(mid)}</text><text x="250" y="34" text-anchor="end">${fmt(s.hi)}</text></svg>`
  );
}
