/**
 * The layers × time heatmap of a run: one row per layer and direction (top layer on top), one
 * column per time step (or per bin of steps when they do not fit), each cell coloured by a
 * statistic of h_t on viridis, a perceptual scale readable with colour-blindness; without colour,
 * shade characters. ◆ marks the cell each h_n slice is taken from (the last valid step of its
 * direction); the top row is `out`. With --lengths and the values at hand, one grid per sequence,
 * its padded steps empty. Kinds with a cell state get the same grid for c_t.
 */
import type { ChalkInstance } from 'chalk';
import type { LayerReport, RunReport, StepStats } from '../../schema/run.js';
import { num } from './style.js';
import { displayWidth, wrapText } from './width.js';

export const GRID_STATS = ['norm', 'mean', 'absmax'] as const;
export type GridStat = (typeof GRID_STATS)[number];

const STAT_LABEL: Record<GridStat, (v: string) => string> = {
  norm: (v) => `‖${v}‖ (L2 norm)`,
  mean: (v) => `mean of ${v}`,
  absmax: (v) => `max |${v}|`,
};

/** viridis at 8 evenly spaced points, dark to light. */
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84], [70, 50, 127], [54, 92, 141], [39, 127, 142], [31, 161, 135], [74, 194, 109], [159, 218, 58], [253, 231, 37],
];
/** Shades, light to dark: each a level of the statistic, low to high. */
export const SHADES = ['░', '▒', '▓', '█'] as const;
/** The cell an h_n slice is taken from. */
export const HN_MARK = '◆';

export interface GridOptions {
  stat: GridStat;
  /** Colour (viridis backgrounds) or shade characters. */
  color: boolean;
  width: number;
  /** 24-bit colour (COLORTERM=truecolor); else the nearest of the 256-colour cube. */
  trueColor?: boolean;
}

/** Below this width the table output leaves the grid out unless --view grid asks for it. */
export const GRID_MIN_WIDTH = 60;

/**
 * Where the grid goes: alone with --view grid; in the table output when it goes to a colour
 * terminal; nowhere in JSON, NDJSON or with --trace none.
 */
export function gridView(view: 'table' | 'grid', format: string, colourTerminal: boolean, trace: string): { grid: 'auto' | 'only' | 'none' } {
  if (format !== 'table' || trace === 'none') return { grid: view === 'grid' && format === 'table' ? 'only' : 'none' };
  if (view === 'grid') return { grid: 'only' };
  return { grid: colourTerminal ? 'auto' : 'none' };
}

/** Colour for the grid when chalk has any, 24-bit when the terminal says it takes it (COLORTERM). */
export function colorDepth(c: ChalkInstance, env: NodeJS.ProcessEnv = process.env): { color: boolean; trueColor?: boolean } {
  if (c.level === 0) return { color: false };
  return /^(truecolor|24bit)$/i.test(env['COLORTERM'] ?? '') ? { color: true, trueColor: true } : { color: true };
}

/**
 * The same 8 points in the xterm 256-colour cube, each the nearest entry that keeps the levels
 * distinct (the plain nearest maps two of them to one entry).
 */
const VIRIDIS_256 = [53, 60, 24, 30, 36, 71, 149, 220] as const;

function background(level: number, trueColor: boolean): string {
  const rgb = VIRIDIS[level]!;
  return trueColor ? `\x1b[48;2;${rgb[0]};${rgb[1]};${rgb[2]}m` : `\x1b[48;5;${VIRIDIS_256[level]}m`;
}
/** Dark text on the light half of the scale, light text on the dark half. */
const foreground = (level: number): string => (level >= VIRIDIS.length / 2 ? '\x1b[30m' : '\x1b[97m');
const RESET = '\x1b[0m';

/** One row of the grid: its label, its values per step (null: padded, no input), and where h_n is taken. */
interface GridRow {
  label: string;
  values: (number | null)[];
  hn: { index: number; t: number } | null;
  top: boolean;
}

function statOf(stat: GridStat, s: Pick<StepStats, 'norm' | 'mean' | 'min' | 'max'>): number {
  return stat === 'norm' ? s.norm : stat === 'mean' ? s.mean : Math.max(Math.abs(s.min), Math.abs(s.max));
}

function statOfValues(stat: GridStat, v: readonly number[]): number {
  if (stat === 'norm') return Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  if (stat === 'mean') return v.reduce((s, x) => s + x, 0) / Math.max(1, v.length);
  return v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

/** Layers top first, forward before reverse. */
function byTop(layers: readonly LayerReport[]): LayerReport[] {
  return [...layers].sort((a, b) => b.layer - a.layer || (a.direction === 'forward' ? -1 : 1));
}

function label(l: LayerReport, D: number): string {
  return `layer ${l.layer}${D === 2 ? (l.direction === 'reverse' ? ' ←' : ' →') : ''}`;
}

/** The grids of a run: per sequence with --lengths when h_t's values are in the report, else over the batch. */
function grids(r: RunReport, stat: GridStat, state: 'h' | 'c'): { title: string; rows: GridRow[] }[] {
  const D = r.config.bidirectional ? 2 : 1;
  const T = r.config.seq_len;
  const top = r.config.num_layers - 1;
  const perSequence = r.lengths !== null && r.layers.every((l) => l.steps.every((s) => s[state] !== undefined));
  const hnStep = (l: LayerReport, length: number): number => (l.direction === 'reverse' ? 0 : length - 1);
  if (perSequence) {
    return r.lengths!.map((length, b) => ({
      title: `sequence b=${b} (length ${length})`,
      rows: byTop(r.layers).map((l) => ({
        label: label(l, D),
        values: l.steps.map((s) => (s.t < length ? statOfValues(stat, s[state]![b]!) : null)),
        hn: { index: l.h_n_index, t: hnStep(l, length) },
        top: l.layer === top,
      })),
    }));
  }
  const allValues = r.layers.every((l) => l.steps.every((s) => s[state] !== undefined));
  if (state === 'c' && !allValues) return [];
  const longest = r.lengths ? Math.max(...r.lengths) : T;
  return [
    {
      title: r.lengths ? 'all sequences (cells where every sequence is padded are empty)' : '',
      rows: byTop(r.layers).map((l) => ({
        label: label(l, D),
        values: l.steps.map((s) => (s.valid === 0 ? null : state === 'c' ? statOfValues(stat, s.c!.flat()) : statOf(stat, s))),
        hn: r.lengths ? null : { index: l.h_n_index, t: hnStep(l, longest) },
        top: l.layer === top,
      })),
    },
  ];
}

/** Steps per column so that `T` steps fit in `room` columns of at least one character. */
function binning(T: number, room: number): { bins: number; per: number } {
  const per = Math.max(1, Math.ceil(T / Math.max(1, room)));
  return { bins: Math.ceil(T / per), per };
}

/** The grid section, or '' when the run has no trace. */
export function renderGrid(r: RunReport, c: ChalkInstance, o: GridOptions): string {
  if (!r.layers.length) return '';
  const T = r.config.seq_len;
  const out: string[] = [];
  const hasC = r.shapes.c_n !== undefined;
  const sections = [{ state: 'h' as const, blocks: grids(r, o.stat, 'h') }, ...(hasC ? [{ state: 'c' as const, blocks: grids(r, o.stat, 'c') }] : [])];
  const labelW = Math.max(...r.layers.map((l) => displayWidth(label(l, r.config.bidirectional ? 2 : 1))));
  const hnLabelW = ` ${HN_MARK} h_n[${r.layers.length - 1}]`.length + ' (out)'.length;
  const room = o.width - labelW - 1 - hnLabelW;
  const { bins, per } = binning(T, room);
  // Cells as wide as the room allows (at most 4 columns, one of them a gap) when each is one step.
  const cellW = per === 1 ? Math.max(1, Math.min(4, Math.floor(room / bins))) : 1;
  const fill = cellW >= 2 ? cellW - 1 : 1;
  const gap = cellW >= 2 ? ' ' : '';
  const levels = o.color ? VIRIDIS.length : SHADES.length;
  let lo = 0;
  let hi = 0;
  const levelOf = (v: number): number => (hi > lo ? Math.min(levels - 1, Math.floor(((v - lo) / (hi - lo)) * levels)) : levels - 1);
  const cell = (v: number | null, mark: boolean): string => {
    if (v === null) return ' '.repeat(fill) + gap;
    if (!Number.isFinite(v)) return (mark ? HN_MARK : '!').padEnd(fill, '!') + gap;
    const lv = levelOf(v);
    const body = mark ? HN_MARK.padStart(fill, o.color ? ' ' : SHADES[lv]) : (o.color ? ' ' : SHADES[lv]!).repeat(fill);
    return (o.color ? background(lv, o.trueColor ?? false) + foreground(lv) + body + RESET : body) + gap;
  };
  const statName = STAT_LABEL[o.stat];
  for (const { state, blocks } of sections) {
    const what = statName(`${state}_t`);
    const final = state === 'h' ? 'h_n' : 'c_n';
    // One scale per state: c_t runs on another range than h_t.
    const all = blocks.flatMap((b) => b.rows.flatMap((row) => row.values)).filter((v): v is number => v !== null && Number.isFinite(v));
    lo = all.length ? Math.min(...all) : 0;
    hi = all.length ? Math.max(...all) : 0;
    out.push(
      wrapText(
        c.bold(state === 'h' ? 'Grid' : 'Grid of c_t') +
          c.dim(`  ${what} per layer (rows, top layer on top) and step (columns); ${HN_MARK} the step each ${final} slice is taken from${state === 'h' ? '; the top row is out' : ''}`),
        o.width,
        2,
      ),
    );
    if (per > 1) out.push(wrapText(c.dim(`  binned: ${bins} columns of ${per} steps each (the mean of ${what} over them); --format json has every step`), o.width, 4));
    if (!blocks.length) {
      out.push(c.dim(`  c_t's values are not in this run's report (too large to keep): --format json with --trace full has them`));
      continue;
    }
    const last = (bins - 1) * per;
    const axisEnd = per === 1 ? `t=${T - 1}` : `t=${last}..${T - 1}`;
    const axisW = bins * cellW - (gap ? 1 : 0);
    const axis = axisW >= 4 + axisEnd.length + 1 ? 't=0'.padEnd(axisW - axisEnd.length) + axisEnd : 't=0';
    for (const block of blocks) {
      if (block.title) out.push(`  ${block.title}`);
      out.push(' '.repeat(labelW + 1) + c.dim(axis));
      for (const row of block.rows) {
        let line = row.label.padEnd(labelW) + ' ';
        for (let i = 0; i < bins; i++) {
          const span = row.values.slice(i * per, (i + 1) * per);
          const valid = span.filter((v): v is number => v !== null);
          const v = valid.length ? valid.reduce((s, x) => s + x, 0) / valid.length : null;
          const mark = row.hn !== null && row.hn.t >= i * per && row.hn.t < (i + 1) * per;
          line += cell(v, mark);
        }
        line = line.replace(/ $/, '');
        const notes = [row.hn ? `${HN_MARK} ${final}[${row.hn.index}]` : '', row.top && state === 'h' ? '(out)' : ''].filter(Boolean).join(' ');
        out.push(notes ? `${line} ${c.dim(notes)}` : line);
      }
    }
    out.push(legend(lo, hi, levels, o, what));
  }
  return out.join('\n');
}

/** The scale: each level and the values it stands for. */
function legend(lo: number, hi: number, levels: number, o: GridOptions, what: string): string {
  const step = (hi - lo) / levels;
  const parts: string[] = [];
  for (let lv = 0; lv < levels; lv++) {
    const from = num(lo + lv * step);
    parts.push(o.color ? `${background(lv, o.trueColor ?? false)}${foreground(lv)} ${from} ${RESET}` : `${SHADES[lv]} ${from}`);
  }
  const head = `  scale (${o.color ? 'viridis' : 'shades'}, ${what}): `;
  const line = `${head}${parts.join(o.color ? '' : '  ')}${o.color ? ' ' : '  '}to ${num(hi)}`;
  if (displayWidth(line) <= o.width) return line;
  // Too wide for one line: the scale on the next.
  return [head.trimEnd(), `  ${parts.join(o.color ? '' : ' ')} to ${num(hi)}`].join('\n');
}
