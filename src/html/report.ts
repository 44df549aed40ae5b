/**
 * A command's document as one self-contained HTML page: `run` (configuration, shapes, the
 * layers × time grid with its statistic switch, legend and detail, out and h_n linked to the
 * cells they came from, units × time heatmaps, the gates), `explain` (the same for its run, the
 * narrated text and its focus step marked), `compare` (the grid coloured by the automatic-minus-
 * manual difference of every cell) and `pipeline` (one grid per module side by side, the
 * h_n -> h_0 hand-offs drawn between them). No network: the CSS, the SVG and a small script are
 * inline, and the document itself is embedded as JSON (`#rnn-inspect-data`); the values the grids
 * carry are bounded by MAX_REPORT_VALUES (see trimToBudget).
 */
import type { ExplainReport } from '../schema/explain.js';
import type { CompareReport } from '../schema/compare.js';
import type { GradReport } from '../schema/grad.js';
import type { PipelineReport } from '../schema/pipeline.js';
import type { RunReport } from '../schema/run.js';
import type { GateStats } from '../report/gate-stats.js';
import { catalogues, type Lang } from '../explain/messages/index.js';
import { narrate } from '../explain/narrate.js';
import { CLIENT_JS } from './client.js';
import { lut, scale, viridis } from './colour.js';
import { escapeHtml, jsonForScript } from './escape.js';
import { fmt, GRID_DEFS, gridMinWidth, MAX_SEQUENCE_CELLS, renderGrid, renderLegend, statScales, type GridOptions } from './grid.js';
import { heatKey, heatmaps, renderHeatmaps, valueExtent } from './heatmap.js';
import { gridModel, MAX_REPORT_VALUES, STATISTICS, trimToBudget, type Statistic } from './model.js';
import { CSS } from './style.js';

export { MAX_REPORT_VALUES } from './model.js';

/** The documents a page can be made of: what `run`, `explain`, `compare` and `pipeline` print with --format json. */
export type HtmlDocument = RunReport | ExplainReport | CompareReport | PipelineReport | GradReport;

export interface HtmlReportOptions {
  /** Hidden-state numbers the grids keep at most, all grids together (default MAX_REPORT_VALUES). */
  maxValues?: number;
  /** The statistic the grids open with (default norm). */
  statistic?: Statistic;
  /**
   * The runs the grids draw, for documents that do not hold them: explain's run, compare's
   * automatic-minus-manual difference (a run document whose h are the differences), a pipeline's
   * modules with their values (default: the pipeline document's own modules). A run document is its own grid.
   */
  grids?: readonly RunReport[];
  /** Gate statistics per grid, in the grids' order (kinds with gates: LSTM, GRU). */
  gates?: readonly (GateStats | null)[];
  /** explain: the language of the narrated text (default en). */
  lang?: Lang;
}

const STAT_TITLE: Record<Statistic, string> = {
  norm: 'L2 norm (over valid sequences and features)',
  mean: 'mean',
  absmax: 'absmax = max(|min|, |max|)',
};

const TENSOR_ORDER = ['x', 'h_0', 'c_0', 'out', 'h_n', 'c_n'] as const;

const section = (id: string, title: string, body: string): string => `<section aria-labelledby="${id}"><h2 id="${id}">${escapeHtml(title)}</h2>${body}</section>`;

function configSection(config: Record<string, unknown>, extra: [string, string][]): string {
  const rows = [...Object.entries(config).map(([k, v]) => [k, String(v)] as [string, string]), ...extra].map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`);
  return section('rnn-config', 'Configuration', `<dl class="config-grid">${rows.join('')}</dl>`);
}

function shapesTable(doc: Pick<RunReport, 'shapes' | 'dims' | 'meanings'>): string {
  const rows = TENSOR_ORDER.filter((n) => doc.shapes[n]).map((n) => {
    const shape = doc.shapes[n]!;
    const dims = (doc.dims[n] ?? []).map((d, i) => `<span>${escapeHtml(d)}=${shape[i]}</span>`).join(', ');
    return (
      `<tr><td data-label="tensor"><code>${escapeHtml(n)}</code></td><td data-label="shape"><code>(${shape.join(', ')})</code></td>` +
      `<td data-label="dimensions" class="dims">${dims}</td><td data-label="meaning" class="meaning">${escapeHtml(doc.meanings[n] ?? '')}</td></tr>`
    );
  });
  return `<div class="scroll"><table class="shapes"><thead><tr><th>tensor</th><th>shape</th><th>dimensions</th><th>meaning</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function listSection(title: string, id: string, items: readonly string[]): string {
  if (!items.length) return '';
  return section(id, title, `<ul class="plain">${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`);
}

function parametersTable(doc: Pick<RunReport, 'parameters'>): string {
  const rows = doc.parameters.map((p) => `<tr><td><code>${escapeHtml(p.name)}</code></td><td><code>(${p.shape.join(', ')})</code></td><td>${p.count}</td></tr>`).join('');
  return `<details><summary>${doc.parameters.length} tensors, in state_dict order</summary><div class="scroll"><table><thead><tr><th>name</th><th>shape</th><th>count</th></tr></thead><tbody>${rows}</tbody></table></div></details>`;
}

interface PanelSpec {
  doc: RunReport;
  /** Where the page's script finds this grid's document: an embedded script's id, and a module index in it. */
  script: string;
  module: number | null;
  maxValues: number;
  initial: Statistic;
  gates: GateStats | null;
  grid: GridOptions;
  /** A pipeline's panel indexes: where h_0 came from, where h_n goes. */
  h0From: number | null;
  hnTo: number[];
  focus: { t: number; layer: number | null } | null;
  /** Colour norm and absmax on a log scale (gradients span decades). */
  log?: boolean;
}

interface Panel {
  /** The statistic switch, legend, keys and notes; the grid in its box. */
  controls: string;
  gridbox: string;
  heat: string;
  gates: string;
  view: Record<string, unknown>;
  /** The grid's document as the page embeds it (trimmed to the budget). */
  data: RunReport;
}

function gateSection(g: GateStats, D: number, p: number): string {
  const T = g.layers[0]?.steps.length ?? 0;
  const cw = Math.max(4, Math.min(28, Math.floor(560 / Math.max(1, T))));
  const ch = 16;
  const left = 28;
  const overall = (e: GateStats['layers'][number], k: number, which: 'mean' | 'low' | 'high'): number | null => {
    const vs = e.steps.map((s) => s[which][k]).filter((v): v is number => v !== null);
    return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
  };
  const pct = (v: number | null): string => (v === null ? '—' : `${(100 * v).toFixed(1)}%`);
  const figures = [...g.layers]
    .sort((a, b) => b.layer - a.layer || (a.direction === 'forward' ? -1 : 1))
    .map((e) => {
      const width = left + T * cw + 4;
      const height = g.gates.length * (ch + 4) + 18;
      const cells: string[] = [];
      g.gates.forEach((gate, k) => {
        const y = k * (ch + 4);
        cells.push(`<text class="ulabel" x="${left - 6}" y="${y + ch - 4}">${escapeHtml(gate.name)}</text>`);
        const [lo, hi] = gate.activation === 'sigmoid' ? [0, 1] : [-1, 1];
        e.steps.forEach((s, t) => {
          const m = s.mean[k] ?? null;
          const fill = m === null ? 'url(#rnn-hatch)' : viridis((m - lo) / (hi - lo));
          const sat = gate.bounds && m !== null ? `, ${pct(s.low[k] ?? null)} below ${gate.bounds[0]}, ${pct(s.high[k] ?? null)} above ${gate.bounds[1]}` : '';
          cells.push(`<rect x="${left + t * cw}" y="${y}" width="${cw - 1}" height="${ch}" fill="${fill}" data-gate="${escapeHtml(gate.name)}" data-gate-t="${t}"><title>${escapeHtml(`${gate.name} at t=${t}: mean ${fmt(m)}${sat}`)}</title></rect>`);
        });
      });
      const every = Math.max(1, Math.ceil(T / 12));
      for (let t = 0; t < T; t += every) cells.push(`<text class="tlabel" x="${left + t * cw + cw / 2}" y="${height - 4}">${t}</text>`);
      const rows = g.gates
        .map((gate, k) => `<tr><th>${escapeHtml(gate.name)}</th><td>${fmt(overall(e, k, 'mean'))}</td><td>${gate.bounds ? pct(overall(e, k, 'low')) : '—'}</td><td>${gate.bounds ? pct(overall(e, k, 'high')) : '—'}</td></tr>`)
        .join('');
      const name = `layer ${e.layer}${D === 2 ? ` ${e.direction}` : ''}`;
      return (
        `<figure class="gates" data-gates="${e.layer}:${e.direction}"><figcaption>${escapeHtml(name)}</figcaption>` +
        `<div class="scroll"><svg role="img" aria-label="${escapeHtml(`${name}: the mean of each gate (${g.gates.map((x) => x.name).join(', ')}) at each of ${T} steps`)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${cells.join('')}</svg></div>` +
        `<table class="values"><thead><tr><th>gate</th><th>mean</th><th>saturated low</th><th>saturated high</th></tr></thead><tbody>${rows}</tbody></table></figure>`
      );
    });
  const bounds = g.gates
    .filter((x) => x.bounds)
    .map((x) => `${x.name} (${x.activation}): below ${x.bounds![0]} / above ${x.bounds![1]}`)
    .join('; ');
  const legend = `<div class="controls"><span class="legendbox"><span class="legendname">gate mean</span>${renderLegend('norm', scale(0, 1), 'gate mean: sigmoid gates 0 to 1, tanh gates -1 to 1', `rnn-grad-${p}-gates`)
    .replace('data-legend="norm"', 'data-gates-legend')}</span><span class="note">tanh gates: the same colours from -1 to 1</span></div>`;
  return (
    legend +
    `<p class="sub">Each gate's mean over the valid sequences and hidden units, step by step (colour: dark at the bottom of its range, 0 for sigmoid and -1 for tanh, bright at 1), and over all steps in the table with its saturation, the fraction of values near the ends of the range: ${escapeHtml(bounds)}. Select a cell in the grid for one step's numbers.</p>` +
    `<div class="heatmaps" data-panel-gates="${p}">${figures.join('')}</div>`
  );
}

function buildPanel(p: number, s: PanelSpec): Panel {
  const { doc } = s;
  const trimmed = trimToBudget(doc, s.maxValues);
  const model = gridModel(doc, trimmed);
  const scales = statScales(model, { log: !!s.log });
  const what = s.grid.what ?? 'h_t';
  const radios = STATISTICS.map((st) => `<label><input type="radio" name="rnn-stat-${p}" value="${st}"${st === s.initial ? ' checked' : ''}> ${st}</label>`).join('');
  const legends = STATISTICS.map((st) => {
    const svg = renderLegend(st, scales[st], `${STAT_TITLE[st]} of ${what}`, `rnn-grad-${p}-${st}`);
    return st === s.initial ? svg : svg.replace('<svg ', '<svg hidden ');
  }).join('');
  const keys = [`<span><span class="key feeds"></span>goes to</span>`, `<span><span class="key reads"></span>reads</span>`, `<span><span class="key source"></span>where out / h_n came from</span>`];
  if (s.focus) keys.push(`<span><span class="key focus"></span>the explanation's step</span>`);
  if (s.h0From !== null || s.hnTo.length) keys.push(`<span><span class="key handoff"></span>h_n handed on as h_0</span>`);
  if (model.lengths) {
    keys.push(`<span><span class="key padded"></span>padded (did not run)</span>`);
    if (model.B <= MAX_SEQUENCE_CELLS) keys.push(`<span><span class="key end"></span>a sequence's last valid step (small cells: one per sequence, b0 first)</span>`);
  }
  const notes: string[] = [];
  if (!doc.layers.length) notes.push('This run kept no trace (--trace none): the grid shows its shape only.');
  if (model.lengths && model.B > MAX_SEQUENCE_CELLS) notes.push(`Per-sequence cells are drawn up to a batch of ${MAX_SEQUENCE_CELLS}; this batch has ${model.B}, so each cell's statistics count its valid sequences.`);
  if (trimmed.note) notes.push(`To keep the page small, ${trimmed.note}.`);
  const controls = `<div class="controls"><fieldset><legend>colour by</legend>${radios}</fieldset>${legends}</div><div class="keys">${keys.join('')}</div>`;
  const narrow = gridMinWidth(model) > 380 ? `<p class="note narrow">The grid scrolls sideways for the later steps.</p>` : '';
  const svg = renderGrid(doc, model, scales, s.initial, { ...s.grid, focus: s.focus });
  const zero = what !== 'h_t' && doc.layers.length > 0 && doc.layers.every((l) => l.steps.every((st) => st.min === 0 && st.max === 0));
  if (zero) notes.push(`Every ${what} is exactly 0 in every cell: the two paths agree bit for bit, so the grid has one colour.`);
  const head = controls + notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('') + narrow;
  const gridbox = `<div class="gridbox scroll">${svg}</div>`;
  // The value scales and the heatmaps come from the document before trimming: they cover every step.
  const m = valueExtent(doc, 'h');
  const mc = valueExtent(doc, 'c');
  const { maps, sequences } = heatmaps(doc);
  const valueScales = { h: scale(-m, m), c: scale(-mc, mc) };
  let heat = '';
  if (maps.length) {
    const legend = (field: 'h' | 'c', title: string): string =>
      `<span class="legendbox"><span class="legendname">${escapeHtml(title)}</span>${renderLegend('norm', valueScales[field], title, `rnn-grad-${p}-${field}`).replace('data-legend="norm"', 'data-values-legend')}</span>`;
    const hasC = maps.some((x) => x.field === 'c');
    heat =
      `<p class="sub">Each layer's ${what} unit by unit (rows) and step by step (columns), for one sequence${hasC ? '; for LSTM the cell state c below' : ''}.</p>` +
      `<div class="controls">${legend('h', `${what} values`)}${hasC ? legend('c', 'c values') : ''}</div><div data-panel-heat="${p}">${renderHeatmaps(doc, maps, sequences, valueScales, p)}</div>`;
  }
  const D = model.D;
  const gatesHtml = s.gates ? gateSection(s.gates, D, p) : '';
  const view = {
    script: s.script,
    module: s.module,
    L: model.L,
    D,
    T: model.T,
    B: model.B,
    directions: model.directions,
    seqCells: !!model.lengths && model.B <= MAX_SEQUENCE_CELLS,
    what,
    name: s.grid.name ?? null,
    h0From: s.h0From,
    hnTo: s.hnTo,
    scales: { h: [-m, m], c: [-mc, mc] },
    heat: Object.fromEntries(maps.map((h) => [heatKey(h), { steps: h.steps, values: h.values, field: h.field }])),
    gates: s.gates ? { names: s.gates.gates.map((g) => g.name), bounds: s.gates.gates.map((g) => g.bounds), layers: Object.fromEntries(s.gates.layers.map((e) => [`${e.layer}:${e.direction}`, e.steps])) } : null,
    valuesNote: model.hasValues
      ? `Values not kept for this cell: ${trimmed.note ?? ''}.`
      : 'Values not kept: this run kept statistics only (run with --trace full, or --html on a run small enough to keep them).',
  };
  return { controls: head, gridbox, heat, gates: gatesHtml, view, data: trimmed.doc };
}

const DETAIL = `<aside class="detail" data-role="detail" aria-live="polite"><h3>Select a cell</h3><p class="note">Click a cell, <code>out[t]</code> or <code>h_n[k]</code>, or tab to the grid and move with the arrow keys: the detail shows that cell's values, what it read and where it goes.</p></aside>`;

function howItFlows(doc: RunReport): string {
  const how = doc.config.bidirectional
    ? 'Within a layer the forward row runs right and the reverse row left; up each step, the layer above reads both directions concatenated.'
    : 'Within a layer information flows right (h_{t-1} → h_t, the same weights at every step); at each step it flows up (layer l reads layer l-1’s new h_t; layer 0 reads x[t]).';
  return `<p class="sub">${escapeHtml(how)} <code>out</code> is the top row; <code>h_n</code> the last column${doc.config.bidirectional ? ' (for the reverse rows, the first)' : ''}.</p>`;
}

/** One run's sections: the flow grid beside the detail, its heatmaps and its gates. */
function flowSection(panel: Panel, title: string, intro: string): string {
  return section('rnn-flow', title, `${intro}<div class="panel" data-panel="0">${panel.controls}<div class="flow">${panel.gridbox}${DETAIL}</div></div>`);
}

function runSections(panel: Panel, doc: RunReport, title = 'Flow: layers × time', intro = howItFlows(doc)): string {
  return (
    flowSection(panel, title, intro) +
    (panel.heat ? section('rnn-units', 'Units × time', panel.heat) : '') +
    (panel.gates ? section('rnn-gates', 'Gates', panel.gates) : '')
  );
}

interface Page {
  lang: string;
  title: string;
  heading: string;
  summary: string;
  body: string;
  data: unknown;
  grids: { id: string; doc: RunReport }[];
  panels: Panel[];
}

function page(p: Page): string {
  const view = pageView(p.panels);
  const grids = p.grids.map((g) => `<script type="application/json" id="${g.id}">${jsonForScript(g.doc)}</script>`).join('');
  return (
    pageHead(p.title, CSS, p.lang) +
    `<body>${GRID_DEFS}<main>` +
    `<header><h1><code>${escapeHtml(p.heading)}</code></h1><p class="sub">${escapeHtml(p.summary)}</p></header>` +
    p.body +
    `</main>` +
    `<script type="application/json" id="rnn-inspect-data">${jsonForScript(p.data)}</script>${grids}` +
    `<script type="application/json" id="rnn-inspect-view">${jsonForScript(view)}</script>` +
    `<script>${CLIENT_JS}</script></body></html>\n`
  );
}

const runSummary = (doc: RunReport): string => {
  const D = doc.config.bidirectional ? 2 : 1;
  const B = doc.config.unbatched ? 1 : doc.config.batch;
  return `${doc.config.type.toUpperCase()}, ${doc.config.num_layers} layer(s)${D === 2 ? ', bidirectional' : ''}, batch ${B}, ${doc.config.seq_len} step(s), ${doc.config.training ? 'training' : 'eval'} mode, seed ${doc.config.seed}; rnn-inspect ${doc.version}`;
};

const spec = (doc: RunReport, o: HtmlReportOptions, extra: Partial<PanelSpec> = {}): PanelSpec => ({
  doc,
  script: 'rnn-inspect-grid-0',
  module: null,
  maxValues: o.maxValues ?? MAX_REPORT_VALUES,
  initial: o.statistic ?? 'norm',
  gates: o.gates?.[0] ?? null,
  grid: {},
  h0From: null,
  hnTo: [],
  focus: null,
  ...extra,
});

/** A run report's pieces, for the report page and the playground, which lays them out around its controls. */
export interface ReportParts {
  title: string;
  /** The heading and summary, with the SVG definitions the grid's patterns use. */
  header: string;
  /** The sections in page order, by name. */
  sections: { config: string; shapes: string; flow: string; heatmaps: string; gates: string; warnings: string; notes: string; expectations: string; parameters: string };
  /** The document as embedded (#rnn-inspect-data, trimmed to the budget) and the page script's view (#rnn-inspect-view). */
  data: RunReport;
  view: Record<string, unknown>;
}

export function reportParts(doc: RunReport, o: HtmlReportOptions = {}): ReportParts {
  return runParts(doc, o).parts;
}

function runParts(doc: RunReport, o: HtmlReportOptions): { parts: ReportParts; panel: Panel } {
  const panel = buildPanel(0, spec(doc, o, { script: 'rnn-inspect-data' }));
  const expectations = (doc.expectations ?? []).map((e) => `${e.ok ? '✓' : '✗'} ${e.name}: expected (${e.expected.join(', ')}), got ${e.actual ? `(${e.actual.join(', ')})` : 'no such tensor'}`);
  const parts: ReportParts = {
    title: `rnn-inspect: ${doc.module}`,
    header: `${GRID_DEFS}<header><h1><code>${escapeHtml(doc.module)}</code></h1><p class="sub">${escapeHtml(runSummary(doc))}</p></header>`,
    sections: {
      config: configSection(doc.config, [
        ['lengths', doc.lengths ? doc.lengths.join(', ') : 'none'],
        ['parameters', String(doc.parameter_count)],
      ]),
      shapes: section('rnn-shapes', 'Shapes', shapesTable(doc)),
      flow: flowSection(panel, 'Flow: layers × time', howItFlows(doc)),
      heatmaps: panel.heat ? section('rnn-units', 'Units × time', panel.heat) : '',
      gates: panel.gates ? section('rnn-gates', 'Gates', panel.gates) : '',
      warnings: listSection('Warnings', 'rnn-warnings', doc.warnings.map((w) => w.message)),
      notes: listSection('Notes', 'rnn-notes', doc.notes),
      expectations: listSection('Expectations', 'rnn-expect', expectations),
      parameters: section('rnn-params', `Parameters (${doc.parameter_count})`, parametersTable(doc)),
    },
    data: panel.data,
    view: pageView([panel]),
  };
  return { parts, panel };
}

function runPage(doc: RunReport, o: HtmlReportOptions): string {
  const { parts, panel } = runParts(doc, o);
  return page({ lang: 'en', title: parts.title, heading: doc.module, summary: runSummary(doc), body: Object.values(parts.sections).join(''), data: parts.data, grids: [], panels: [panel] });
}

/**
 * The page's head: the viewport, a policy that allows no network at all, the title and the
 * stylesheet. `wasm`: the page compiles the engine's WebAssembly kernels (the playground).
 */
export function pageHead(title: string, css: string, lang = 'en', wasm = false): string {
  return (
    `<!DOCTYPE html>\n<html lang="${escapeHtml(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'${wasm ? " 'wasm-unsafe-eval'" : ''};">` +
    `<title>${escapeHtml(title)}</title><style>${css}</style></head>`
  );
}

const pageView = (panels: readonly Panel[]): Record<string, unknown> => ({ lut: lut(), stats: STATISTICS, panels: panels.map((x) => x.view) });

function explainPage(doc: ExplainReport, o: HtmlReportOptions): string {
  const lang = o.lang ?? 'en';
  const text = narrate(doc, catalogues[lang]);
  // The narration: its unindented lines are headings, the indented ones their paragraphs.
  const blocks: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    if (/^\s/.test(line)) blocks.push(`<p>${escapeHtml(line.trim())}</p>`);
    else blocks.push(blocks.length ? `<h3>${escapeHtml(line)}</h3>` : `<p class="lead">${escapeHtml(line)}</p>`);
  }
  const run = o.grids?.[0];
  const focus = { t: doc.step, layer: doc.focus_layer };
  const story = section('rnn-story', lang === 'zh' ? '解说' : 'Explanation', `<div class="story" lang="${escapeHtml(lang)}" data-role="explanation">${blocks.join('')}</div>`);
  const summary = `explain, step t=${doc.step}${doc.focus_layer === null ? '' : `, layer ${doc.focus_layer}`}, ${doc.config.num_layers} layer(s), batch ${doc.config.batch}, ${doc.config.seq_len} step(s); rnn-inspect ${doc.version}`;
  if (!run) return page({ lang, title: `rnn-inspect explain: ${doc.module}`, heading: doc.module, summary, body: story, data: doc, grids: [], panels: [] });
  const panel = buildPanel(0, spec(run, o, { focus }));
  const intro = `${howItFlows(run)}<p class="sub">The cells of the explanation's step (t=${doc.step}${doc.focus_layer === null ? '' : `, layer ${doc.focus_layer}`}) are outlined.</p>`;
  const body =
    story +
    configSection(run.config, [
      ['lengths', run.lengths ? run.lengths.join(', ') : 'none'],
      ['parameters', String(run.parameter_count)],
    ]) +
    section('rnn-shapes', 'Shapes', shapesTable(run)) +
    runSections(panel, run, 'Flow: layers × time', intro) +
    section('rnn-params', `Parameters (${run.parameter_count})`, parametersTable(run));
  return page({ lang, title: `rnn-inspect explain: ${doc.module}`, heading: doc.module, summary, body, data: doc, grids: [{ id: 'rnn-inspect-grid-0', doc: panel.data }], panels: [panel] });
}

function comparePage(doc: CompareReport, o: HtmlReportOptions): string {
  const rows = doc.results
    .map(
      (r) =>
        `<tr data-result="${escapeHtml(r.name)}" class="${r.ok ? 'ok' : 'bad'}"><td>${escapeHtml(r.name)}</td><td><code>(${r.shape.join(', ')})</code></td><td>${fmt(r.max_abs_diff)}</td><td><code>[${r.where.join(', ')}]</code></td><td>${fmt(r.automatic)}</td><td>${fmt(r.manual)}</td><td>${fmt(r.tolerance)}</td><td>${r.ok ? '✓' : '✗'}</td></tr>`,
    )
    .join('');
  const verdict = `${doc.ok ? '✓ The manual loop agrees with the automatic path' : '✗ The manual loop and the automatic path differ'} (${doc.manual_loop} loop; ${doc.tolerance_rule}).`;
  const results = section(
    'rnn-results',
    'Automatic vs manual',
    `<p class="verdict ${doc.ok ? 'ok' : 'bad'}">${escapeHtml(verdict)}</p><div class="scroll"><table class="results"><thead><tr><th>tensor</th><th>shape</th><th>max |diff|</th><th>where</th><th>automatic</th><th>manual</th><th>tolerance</th><th>ok</th></tr></thead><tbody>${rows}</tbody></table></div>`,
  );
  const a = doc.against;
  const against = a
    ? section(
        'rnn-against',
        `Against ${a.file}`,
        `<p class="verdict ${a.ok ? 'ok' : 'bad'}">${escapeHtml(a.ok ? `✓ The file's tensors are the module's (${a.tolerance_rule}).` : `✗ The file's tensors differ from the module's run (${a.tolerance_rule}).`)}</p>` +
          (a.cause ? `<p><strong>Likely cause:</strong> ${escapeHtml(a.cause.message)}</p><p><strong>Fix:</strong> ${escapeHtml(a.cause.fix)}</p>` : '') +
          `<div class="scroll"><table class="results"><thead><tr><th>tensor</th><th>module</th><th>file</th><th>max |diff|</th><th>first t</th><th>ok</th></tr></thead><tbody>` +
          a.tensors
            .map((t) => `<tr data-against="${t.name}" class="${t.ok ? 'ok' : 'bad'}"><td>${t.name}</td><td><code>(${t.shape.join(', ')})</code></td><td><code>(${t.their_shape.join(', ')})</code></td><td>${fmt(t.max_abs_diff)}</td><td>${t.first_t ?? '—'}</td><td>${t.ok ? '✓' : '✗'}</td></tr>`)
            .join('') +
          `</tbody></table></div>` +
          (a.ignored.length ? `<p class="note">${escapeHtml(`Not compared: ${a.ignored.join(', ')}.`)}</p>` : ''),
      )
    : '';
  const diff = o.grids?.[0];
  const summary = `compare, ${doc.config.type.toUpperCase()}, ${doc.config.num_layers} layer(s), batch ${doc.config.batch}, ${doc.config.seq_len} step(s); rnn-inspect ${doc.version}`;
  const config = configSection(doc.config, []);
  const warnings = listSection('Warnings', 'rnn-warnings', doc.warnings.map((w) => w.message));
  if (!diff) return page({ lang: 'en', title: `rnn-inspect compare: ${doc.module}`, heading: doc.module, summary, body: results + against + config + warnings, data: doc, grids: [], panels: [] });
  const what = 'automatic − manual h_t';
  const panel = buildPanel(0, spec(diff, o, { grid: { what }, initial: o.statistic ?? 'absmax' }));
  const intro = `<p class="sub">Each cell is the difference automatic h_t − manual h_t of one layer, direction and step, coloured by a statistic of that difference (absmax: its largest |difference|). A uniform grid at 0 means the two paths agree exactly; select a cell for its differences unit by unit.</p>`;
  const body = results + against + runSections(panel, diff, 'Difference per cell: layers × time', intro) + config + warnings;
  return page({ lang: 'en', title: `rnn-inspect compare: ${doc.module}`, heading: doc.module, summary, body, data: doc, grids: [{ id: 'rnn-inspect-grid-0', doc: panel.data }], panels: [panel] });
}

function pipelinePage(doc: PipelineReport, o: HtmlReportOptions): string {
  const given = o.grids;
  const docs: readonly RunReport[] = given ?? doc.modules.map(({ name: _n, reads: _r, h_0_from: _h, fingerprint: _f, ...rest }) => ({ command: 'run', version: doc.version, ...rest }));
  // The grids in the order the modules ran; `at[i]` is the document's index of the i-th grid's module.
  const at = doc.order.map((n) => doc.modules.findIndex((m) => m.name === n)).filter((i) => i >= 0);
  const mods = at.map((i) => doc.modules[i]!);
  const panelOf = new Map(mods.map((m, i) => [m.name, i]));
  const budget = Math.floor((o.maxValues ?? MAX_REPORT_VALUES) / Math.max(1, mods.length));
  const panels = mods.map((m, i) =>
    buildPanel(
      i,
      spec(docs[at[i]!]!, o, {
        script: given ? `rnn-inspect-grid-${i}` : 'rnn-inspect-data',
        module: given ? null : at[i]!,
        maxValues: budget,
        gates: o.gates?.[at[i]!] ?? null,
        grid: { name: m.name, h0From: m.h_0_from, hnTo: mods.filter((x) => x.h_0_from === m.name).map((x) => x.name) },
        h0From: m.h_0_from === null ? null : (panelOf.get(m.h_0_from) ?? null),
        hnTo: mods.flatMap((x, j) => (x.h_0_from === m.name ? [j] : [])),
      }),
    ),
  );
  const table = mods
    .map(
      (m) =>
        `<tr><td><code>${escapeHtml(m.name)}</code></td><td><code>${escapeHtml(m.module)}</code></td><td>${escapeHtml(m.reads)}</td><td><code>(${m.shapes.out.join(', ')})</code></td><td><code>(${m.shapes.h_n.join(', ')})</code></td><td>${escapeHtml(m.h_0_from ? `${m.h_0_from}'s h_n` : 'zeros')}</td><td>${m.parameter_count}</td><td><code>${escapeHtml(m.fingerprint)}</code></td></tr>`,
    )
    .join('');
  const modules = section(
    'rnn-modules',
    'Modules',
    `<p class="sub">Each module keeps its own weights and its own hidden state; a module's h_0 is zeros unless <code>h_0_from</code> hands it another module's h_n.</p><div class="scroll"><table class="modules"><thead><tr><th>module</th><th>type</th><th>reads</th><th>out</th><th>h_n</th><th>h_0 from</th><th>parameters</th><th>weights</th></tr></thead><tbody>${table}</tbody></table></div>`,
  );
  // Between consecutive grids: what the next one reads, and whether its memory is handed over.
  const link = (i: number): string => {
    const prev = mods[i - 1]!;
    const next = mods[i]!;
    const lines: [string, string][] = [];
    lines.push(next.reads === prev.name ? ['flow', `out → x`] : ['none', `reads ${next.reads}`]);
    if (next.h_0_from === prev.name) lines.push(['handoff', 'h_n → h_0']);
    else if (next.h_0_from) lines.push(['handoff', `h_0 ← ${next.h_0_from}'s h_n`]);
    else lines.push(['none', 'h_0 = zeros|its own memory']);
    const label = `from ${prev.name} to ${next.name}: ${lines.map((l) => l[1].replace('|', ': ')).join('; ')}`;
    const arrows = lines
      .map(([cls, text], k) => {
        const y = 36 + k * 50;
        const line = cls === 'none' ? `<line class="link none" x1="6" y1="${y}" x2="98" y2="${y}"/>` : `<line class="link ${cls}" x1="6" y1="${y}" x2="96" y2="${y}" marker-end="url(#rnn-ah)"/>`;
        const words = text.split('|');
        const tspans = words.map((w, n) => `<tspan x="52" dy="${n ? 12 : 0}">${escapeHtml(w)}</tspan>`).join('');
        return `${line}<text x="52" y="${y - 8 - 12 * (words.length - 1)}">${tspans}</text>`;
      })
      .join('');
    return `<div class="link" data-link="${i - 1}-${i}"${next.h_0_from === prev.name ? ' data-handoff="true"' : ''}><svg role="img" aria-label="${escapeHtml(label)}" width="104" height="120" viewBox="0 0 104 120">${arrows}</svg></div>`;
  };
  const row = panels
    .map((p, i) => {
      const m = mods[i]!;
      const head = `<h3><code>${escapeHtml(m.name)}</code> <span class="sub">${escapeHtml(m.module)}; reads ${escapeHtml(m.reads)}; h_0 ${escapeHtml(m.h_0_from ? `from ${m.h_0_from}'s h_n` : 'zeros')}</span></h3>`;
      return `${i ? link(i) : ''}<div class="panel" data-panel="${i}" data-module="${escapeHtml(m.name)}">${head}${p.controls}${p.gridbox}</div>`;
    })
    .join('');
  const intro =
    `<p class="sub">One grid per module, in the order they ran, each with its own layers × time (layers bottom to top, time left to right; <code>out</code> the top row, <code>h_n</code> the last column). ` +
    `Between two grids: whether the next reads the previous one's out, and whether its h_0 is the previous one's h_n (the encoder-decoder hand-off) or zeros (an independent memory).</p>`;
  const flow = section('rnn-flow', 'Flow: module by module', `${intro}<div class="pipeline scroll">${row}</div>${DETAIL}`);
  const perModule = panels
    .map((p, i) => {
      const m = mods[i]!;
      const inner =
        `<h4>Shapes</h4>${shapesTable(m)}` +
        (p.heat ? `<h4>Units × time</h4>${p.heat}` : '') +
        (p.gates ? `<h4>Gates</h4>${p.gates}` : '') +
        `<h4>Parameters (${m.parameter_count})</h4>${parametersTable(m)}`;
      return `<details class="module" data-module-details="${escapeHtml(m.name)}"${i === 0 ? ' open' : ''}><summary><code>${escapeHtml(m.name)}</code>: ${escapeHtml(m.module)}</summary>${inner}</details>`;
    })
    .join('');
  const body = modules + flow + section('rnn-each', 'Each module', perModule) + listSection('Warnings', 'rnn-warnings', [...doc.warnings.map((w) => w.message), ...mods.flatMap((m) => m.warnings.map((w) => `${m.name}: ${w.message}`))]);
  // Embedded: the document as printed, each module's values trimmed to its share of the budget.
  const data = given ? doc : { ...doc, modules: doc.modules.map((m, j) => ({ ...m, layers: panels[at.indexOf(j)]?.data.layers ?? m.layers })) };
  const grids = given ? panels.map((p, i) => ({ id: `rnn-inspect-grid-${i}`, doc: p.data })) : [];
  const summary = `pipeline ${doc.order.join(' → ')}, ${doc.parameter_count} parameters; rnn-inspect ${doc.version}`;
  return page({ lang: 'en', title: `rnn-inspect pipeline: ${doc.order.join(' → ')}`, heading: doc.order.join(' → '), summary, body, data, grids, panels });
}

/**
 * The report page of a command's document (what `run`, `explain`, `compare` or `pipeline` prints
 * with --format json); pure: the same document and options give the same page.
 */
export function renderHtmlReport(doc: HtmlDocument, options: HtmlReportOptions = {}): string {
  switch (doc.command) {
    case 'run':
      return runPage(doc, options);
    case 'explain':
      return explainPage(doc, options);
    case 'compare':
      return comparePage(doc, options);
    case 'pipeline':
      return pipelinePage(doc, options);
    case 'grad':
      return gradPage(doc, options);
  }
}

/** The page's size in bytes as written (UTF-8). */
export function htmlReportBytes(html: string): number {
  return Buffer.byteLength(html, 'utf8');
}

function gradPage(doc: GradReport, o: HtmlReportOptions): string {
  const D = doc.config.bidirectional ? 2 : 1;
  const name = (l: number, d: string): string => `layer ${l}${D === 2 ? ` ${d}` : ''}`;
  const sigma = new Map(doc.sigma_max.map((s) => [s.name, s.sigma_max]));
  const decayRows = doc.decay
    .map((d) => `<tr data-decay="${d.layer}:${d.direction}"><td>${escapeHtml(name(d.layer, d.direction))}</td><td>t=${d.last_step} → t=${d.first_step}</td><td>${fmt(d.ratio)}</td><td>${d.horizon}</td><td>${fmt(d.peak)}</td></tr>`)
    .join('');
  const sentences = doc.decay.map((d) => `<li>${escapeHtml(d.sentence)}</li>`).join('');
  const loss = section(
    'rnn-loss',
    'Loss and decay',
    `<p class="lead">Loss <code>${escapeHtml(doc.loss.kind)}</code> = ${fmt(doc.loss.value)}: ${escapeHtml(doc.loss.definition)}</p>` +
      `<div class="scroll"><table class="results"><thead><tr><th>layer</th><th>travels back</th><th>ratio first / last</th><th>horizon (steps)</th><th>peak ‖dL/dh_t‖</th></tr></thead><tbody>${decayRows}</tbody></table></div>` +
      `<ul class="plain">${sentences}</ul><p class="note">${escapeHtml(doc.x_decay.sentence)}</p><p class="note">${escapeHtml(doc.power_iteration)}</p>`,
  );
  const params = Object.entries(doc.parameter_grad_norms)
    .map(([k, v]) => `<tr><td><code>${escapeHtml(k)}</code></td><td>${fmt(v)}</td><td>${sigma.has(k) ? fmt(sigma.get(k)!) : ''}</td></tr>`)
    .join('');
  const parameters = section('rnn-params', 'Parameter gradients', `<div class="scroll"><table><thead><tr><th>parameter</th><th>‖grad‖</th><th>σ_max(W)</th></tr></thead><tbody>${params}</tbody></table></div>`);
  const xs = doc.x_grad_norms.map((v, t) => `<td data-x-grad-t="${t}">${fmt(v)}</td>`).join('');
  const inputs = section('rnn-xgrad', '‖dL/dx_t‖ per step', `<div class="scroll"><table class="values" style="white-space: nowrap"><thead><tr>${doc.x_grad_norms.map((_, t) => `<th>t=${t}</th>`).join('')}</tr></thead><tbody><tr>${xs}</tr></tbody></table></div>`);
  const summary = `grad, ${doc.config.type.toUpperCase()}, ${doc.config.num_layers} layer(s)${D === 2 ? ', bidirectional' : ''}, batch ${doc.config.unbatched ? 1 : doc.config.batch}, ${doc.config.seq_len} step(s), loss ${doc.loss.kind}; rnn-inspect ${doc.version}`;
  const run = o.grids?.[0];
  const warnings = listSection('Warnings', 'rnn-warnings', doc.warnings.map((w) => w.message));
  if (!run) return page({ lang: 'en', title: `rnn-inspect grad: ${doc.module}`, heading: doc.module, summary, body: loss + inputs + parameters + warnings, data: doc, grids: [], panels: [] });
  const panel = buildPanel(0, spec(run, o, { grid: { what: 'dL/dh_t' }, log: true }));
  const intro =
    `<p class="sub">The backward flow: each cell is dL/dh_t of one layer, direction and step, coloured by a statistic of it (norm: ‖dL/dh_t‖, on a log scale: the gradient shrinks or grows by decades). ` +
    `Backward, the gradient flows left within a forward layer (t+1 → t) and down the layers (layer l+1 → l); the loss enters at the top row${doc.loss.kind === 'hn' ? ' and at the h_n cells' : ''}.</p>`;
  const body = loss + runSections(panel, run, 'Backward: ‖dL/dh_t‖ per layer and step', intro) + inputs + parameters + warnings;
  return page({ lang: 'en', title: `rnn-inspect grad: ${doc.module}`, heading: doc.module, summary, body, data: doc, grids: [{ id: 'rnn-inspect-grid-0', doc: panel.data }], panels: [panel] });
}
