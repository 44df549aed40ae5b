/**
 * The run document as one self-contained HTML page: configuration, shapes, the layers × time
 * grid with its statistic switch, legend and detail, out and h_n linked to the cells they came
 * from, and units × time heatmaps. No network: the CSS, the SVG and a small script are inline, and
 * the document itself is embedded as JSON (`#rnn-inspect-data`), trimmed to MAX_REPORT_VALUES
 * numbers when larger (see trimToBudget).
 */
import type { RunReport } from '../schema/run.js';
import { CLIENT_JS } from './client.js';
import { lut, scale } from './colour.js';
import { escapeHtml, jsonForScript } from './escape.js';
import { gridMinWidth, MAX_SEQUENCE_CELLS, renderGrid, renderLegend, statScales } from './grid.js';
import { heatmaps, renderHeatmaps, valueExtent, type Heatmap } from './heatmap.js';
import { gridModel, MAX_REPORT_VALUES, STATISTICS, trimToBudget, type GridModel, type Statistic } from './model.js';
import { CSS } from './style.js';

export { MAX_REPORT_VALUES } from './model.js';

export interface HtmlReportOptions {
  /** Hidden-state numbers kept at most (default MAX_REPORT_VALUES). */
  maxValues?: number;
  /** The statistic the grid opens with (default norm). */
  statistic?: Statistic;
}

const STAT_TITLE: Record<Statistic, string> = {
  norm: 'L2 norm of h_t (over valid sequences and features)',
  mean: 'mean of h_t',
  absmax: 'absmax = max(|min|, |max|) of h_t',
};

const TENSOR_ORDER = ['x', 'h_0', 'c_0', 'out', 'h_n', 'c_n'] as const;

function configSection(doc: RunReport): string {
  const rows = Object.entries(doc.config).map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(String(v))}</dd></div>`);
  rows.push(`<div><dt>lengths</dt><dd>${escapeHtml(doc.lengths ? doc.lengths.join(', ') : 'none')}</dd></div>`);
  rows.push(`<div><dt>parameters</dt><dd>${doc.parameter_count}</dd></div>`);
  return `<section aria-labelledby="rnn-config"><h2 id="rnn-config">Configuration</h2><dl class="config-grid">${rows.join('')}</dl></section>`;
}

function shapesSection(doc: RunReport): string {
  const rows = TENSOR_ORDER.filter((n) => doc.shapes[n]).map((n) => {
    const shape = doc.shapes[n]!;
    const dims = (doc.dims[n] ?? []).map((d, i) => `<span>${escapeHtml(d)}=${shape[i]}</span>`).join(', ');
    return (
      `<tr><td data-label="tensor"><code>${escapeHtml(n)}</code></td><td data-label="shape"><code>(${shape.join(', ')})</code></td>` +
      `<td data-label="dimensions" class="dims">${dims}</td><td data-label="meaning" class="meaning">${escapeHtml(doc.meanings[n] ?? '')}</td></tr>`
    );
  });
  return (
    `<section aria-labelledby="rnn-shapes"><h2 id="rnn-shapes">Shapes</h2><div class="scroll"><table class="shapes">` +
    `<thead><tr><th>tensor</th><th>shape</th><th>dimensions</th><th>meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></section>`
  );
}

function listSection(title: string, id: string, items: readonly string[]): string {
  if (!items.length) return '';
  return `<section aria-labelledby="${id}"><h2 id="${id}">${escapeHtml(title)}</h2><ul class="plain">${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul></section>`;
}

function parametersSection(doc: RunReport): string {
  const rows = doc.parameters.map((p) => `<tr><td><code>${escapeHtml(p.name)}</code></td><td><code>(${p.shape.join(', ')})</code></td><td>${p.count}</td></tr>`).join('');
  return (
    `<section aria-labelledby="rnn-params"><h2 id="rnn-params">Parameters (${doc.parameter_count})</h2>` +
    `<details><summary>${doc.parameters.length} tensors, in state_dict order</summary><div class="scroll"><table><thead><tr><th>name</th><th>shape</th><th>count</th></tr></thead><tbody>${rows}</tbody></table></div></details></section>`
  );
}

function flowSection(doc: RunReport, model: GridModel, initial: Statistic): string {
  const scales = statScales(model);
  const radios = STATISTICS.map(
    (s) => `<label><input type="radio" name="rnn-stat" value="${s}"${s === initial ? ' checked' : ''}> ${s}</label>`,
  ).join('');
  const legends = STATISTICS.map((s) => {
    const svg = renderLegend(s, scales[s], STAT_TITLE[s], `rnn-grad-${s}`);
    return s === initial ? svg : svg.replace('<svg ', '<svg hidden ');
  }).join('');
  const keys = [
    `<span><span class="key feeds"></span>goes to</span>`,
    `<span><span class="key reads"></span>reads</span>`,
    `<span><span class="key source"></span>where out / h_n came from</span>`,
  ];
  if (model.lengths) {
    keys.push(`<span><span class="key padded"></span>padded (did not run)</span>`);
    if (model.B <= MAX_SEQUENCE_CELLS) keys.push(`<span><span class="key end"></span>a sequence's last valid step (small cells: one per sequence, b0 first)</span>`);
  }
  const notes: string[] = [];
  if (!doc.layers.length) notes.push('This run kept no trace (--trace none): the grid shows its shape only.');
  if (model.lengths && model.B > MAX_SEQUENCE_CELLS) notes.push(`Per-sequence cells are drawn up to a batch of ${MAX_SEQUENCE_CELLS}; this batch has ${model.B}, so each cell's statistics count its valid sequences.`);
  if (model.trimNote) notes.push(`To keep the page small, ${model.trimNote}.`);
  const how = doc.config.bidirectional
    ? 'Within a layer the forward row runs right and the reverse row left; up each step, the layer above reads both directions concatenated.'
    : 'Within a layer information flows right (h_{t-1} → h_t, the same weights at every step); at each step it flows up (layer l reads layer l-1’s new h_t; layer 0 reads x[t]).';
  return (
    `<section aria-labelledby="rnn-flow"><h2 id="rnn-flow">Flow: layers × time</h2>` +
    `<p class="sub">${escapeHtml(how)} <code>out</code> is the top row; <code>h_n</code> the last column${doc.config.bidirectional ? ' (for the reverse rows, the first)' : ''}.</p>` +
    `<div class="controls"><fieldset><legend>colour by</legend>${radios}</fieldset>${legends}</div>` +
    `<div class="keys">${keys.join('')}</div>` +
    notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('') +
    (gridMinWidth(model) > 380 ? `<p class="note narrow">The grid scrolls sideways for the later steps.</p>` : '') +
    `<div class="flow"><div class="gridbox scroll">${renderGrid(doc, model, scales, initial)}</div>` +
    `<aside class="detail" data-role="detail" aria-live="polite"><h3>Select a cell</h3><p class="note">Click a cell, <code>out[t]</code> or <code>h_n[k]</code>, or tab to the grid and move with the arrow keys: the detail shows that h_t's values, what it read and where it goes.</p></aside></div></section>`
  );
}

function heatmapSection(doc: RunReport, maps: readonly Heatmap[], sequences: number, m: number): string {
  if (!maps.length) return '';
  const values = scale(-m, m);
  const body = renderHeatmaps(doc, maps, sequences, values);
  return (
    `<section aria-labelledby="rnn-units"><h2 id="rnn-units">Units × time</h2>` +
    `<p class="sub">Each layer's h_t unit by unit (rows) and step by step (columns), for one sequence.</p>` +
    `<div class="controls">${renderLegend('norm', values, 'h values', 'rnn-grad-values').replace('data-legend="norm"', 'data-values-legend')}</div>${body}</section>`
  );
}

/** The report's pieces, for the report page and the playground, which lays them out around its controls. */
export interface ReportParts {
  title: string;
  header: string;
  /** The sections in page order, by name. */
  sections: { config: string; shapes: string; flow: string; heatmaps: string; warnings: string; notes: string; expectations: string; parameters: string };
  /** The document as embedded (#rnn-inspect-data, trimmed to the budget) and the page script's view (#rnn-inspect-view). */
  data: RunReport;
  view: Record<string, unknown>;
}

export function reportParts(doc: RunReport, options: HtmlReportOptions = {}): ReportParts {
  const trimmed = trimToBudget(doc, options.maxValues ?? MAX_REPORT_VALUES);
  const model = gridModel(doc, trimmed);
  const initial = options.statistic ?? 'norm';
  // The value scale and the heatmaps come from the document before trimming: they cover every step.
  const m = valueExtent(doc);
  const { maps, sequences } = heatmaps(doc);
  const view = {
    L: model.L,
    D: model.D,
    T: model.T,
    B: model.B,
    directions: model.directions,
    stats: STATISTICS,
    seqCells: !!model.lengths && model.B <= MAX_SEQUENCE_CELLS,
    lut: lut(),
    vlo: -m,
    vhi: m,
    heat: Object.fromEntries(maps.map((h) => [`${h.layer}:${h.direction}`, { steps: h.steps, values: h.values }])),
    valuesNote: model.hasValues
      ? `Values not kept for this cell: ${trimmed.note ?? ''}.`
      : 'Values not kept: this run kept statistics only (run with --trace full, or --html on a run small enough to keep them).',
  };
  const summary = `${doc.config.type.toUpperCase()}, ${model.L} layer(s)${model.D === 2 ? ', bidirectional' : ''}, batch ${model.B}, ${model.T} step(s), ${doc.config.training ? 'training' : 'eval'} mode, seed ${doc.config.seed}; rnn-inspect ${doc.version}`;
  const expectations = (doc.expectations ?? []).map((e) => `${e.ok ? '✓' : '✗'} ${e.name}: expected (${e.expected.join(', ')}), got ${e.actual ? `(${e.actual.join(', ')})` : 'no such tensor'}`);
  return {
    title: `rnn-inspect: ${doc.module}`,
    header: `<header><h1><code>${escapeHtml(doc.module)}</code></h1><p class="sub">${escapeHtml(summary)}</p></header>`,
    sections: {
      config: configSection(doc),
      shapes: shapesSection(doc),
      flow: flowSection(doc, model, initial),
      heatmaps: heatmapSection(doc, maps, sequences, m),
      warnings: listSection('Warnings', 'rnn-warnings', doc.warnings),
      notes: listSection('Notes', 'rnn-notes', doc.notes),
      expectations: listSection('Expectations', 'rnn-expect', expectations),
      parameters: parametersSection(doc),
    },
    data: trimmed.doc,
    view,
  };
}

/** The page's head: the viewport, a policy that allows no network at all, the title and the stylesheet. */
export function pageHead(title: string, css: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline';">` +
    `<title>${escapeHtml(title)}</title><style>${css}</style></head>`
  );
}

/** The report page for a run document; pure: the same document gives the same page. */
export function renderHtmlReport(doc: RunReport, options: HtmlReportOptions = {}): string {
  const parts = reportParts(doc, options);
  return (
    pageHead(parts.title, CSS) +
    `<body><main>${parts.header}${Object.values(parts.sections).join('')}</main>` +
    `<script type="application/json" id="rnn-inspect-data">${jsonForScript(parts.data)}</script>` +
    `<script type="application/json" id="rnn-inspect-view">${jsonForScript(parts.view)}</script>` +
    `<script>${CLIENT_JS}</script></body></html>\n`
  );
}

/** The page's size in bytes as written (UTF-8). */
export function htmlReportBytes(html: string): number {
  return Buffer.byteLength(html, 'utf8');
}
