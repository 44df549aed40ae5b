/** The page's stylesheet: light and dark schemes from prefers-color-scheme, one column below 1000 px. */
export const CSS = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1c1c22; --muted: #5d5d6b; --panel: #f3f3f6; --line: #cdcdd6; --hl: #d1006b; --src: #e37b00; --focus: #0a6ebd; --ok: #137333; --bad: #b3261e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15161b; --fg: #e8e8ee; --muted: #a4a4b3; --panel: #22242b; --line: #3d3f4a; --hl: #ff5fae; --src: #ffb454; --focus: #6cb8ff; --ok: #7ddc93; --bad: #ff8a80; }
}
svg.defs { position: absolute; width: 0; height: 0; overflow: hidden; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { background: var(--bg); color: var(--fg); }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: var(--bg); color: var(--fg); }
main { max-width: 1400px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 1.35rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1rem; margin: 0 0 8px; }
h4 { font-size: 0.9rem; margin: 12px 0 4px; color: var(--muted); font-weight: 600; }
code, .mono, table.values td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
.sub { color: var(--muted); margin: 0; }
.note { color: var(--muted); font-size: 0.9rem; }
.note.narrow { display: none; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 4px 10px 4px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
table.config { columns: 2; }
.config-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 2px 16px; margin: 0; }
.config-grid div { display: flex; justify-content: space-between; gap: 8px; border-bottom: 1px solid var(--line); padding: 3px 0; }
.config-grid dt { color: var(--muted); }
.config-grid dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; }
table.shapes { width: 100%; }
table.shapes td.meaning { max-width: 560px; }
.dims span { white-space: nowrap; }
.flow { display: grid; grid-template-columns: minmax(0, 1fr) 360px; gap: 20px; align-items: start; }
.controls { display: flex; flex-wrap: wrap; gap: 6px 22px; align-items: center; margin: 4px 0 8px; }
.controls fieldset { border: 0; padding: 0; margin: 0; display: flex; gap: 12px; align-items: center; }
.controls legend { float: left; margin-right: 8px; color: var(--muted); }
.legend text { fill: var(--fg); font-size: 11px; }
.keys { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 0.85rem; color: var(--muted); margin: 0 0 6px; }
.key { display: inline-block; width: 14px; height: 12px; vertical-align: -2px; margin-right: 4px; border-radius: 2px; }
.key.padded { background: repeating-linear-gradient(45deg, var(--panel) 0 3px, var(--line) 3px 5px); border: 1px dashed var(--muted); }
.key.end { border: 2px solid var(--fg); }
.key.reads { border: 2px dashed var(--hl); }
.key.feeds { border: 2px solid var(--hl); }
.key.source { border: 2px solid var(--src); }
.key.focus { border: 2px dotted var(--focus); }
.key.handoff { background: var(--focus); }
svg .cell.focus { stroke: var(--focus); stroke-width: 2.5; }
svg .focusband { fill: var(--focus); opacity: 0.14; }
svg .chip.handoff rect { stroke: var(--focus); stroke-width: 2; }
.story { max-width: 78ch; }
.story p { margin: 2px 0 6px; }
.story p.lead { font-weight: 600; }
.story h3 { margin: 14px 0 4px; }
.verdict.ok { color: var(--ok); font-weight: 600; }
.verdict.bad, tr.bad td { color: var(--bad); font-weight: 600; }
.pipeline { display: flex; align-items: flex-start; gap: 0; padding-bottom: 6px; }
.pipeline .panel { flex: 0 0 auto; }
.pipeline .gridbox { overflow: visible; }
.pipeline .panel .controls, .pipeline .panel .keys { max-width: 640px; }
.pipeline .panel h3 { overflow-wrap: anywhere; }
.pipeline .panel h3 .sub { font-weight: 400; font-size: 0.85rem; }
.pipeline .link { flex: 0 0 104px; align-self: center; }
.link svg text { text-anchor: middle; font-size: 10.5px; }
svg line.link { stroke: var(--muted); stroke-width: 2; }
svg line.link.handoff { stroke: var(--focus); stroke-width: 3; }
svg line.link.none { stroke-dasharray: 4 4; opacity: 0.6; }
.pipeline + aside.detail { position: static; max-height: none; margin-top: 12px; }
details.module { margin: 8px 0; }
details.module > summary { font-weight: 600; color: var(--fg); }
figure.gates { margin: 0; }
figure.gates figcaption { font-weight: 600; }
.units .largest { margin: 2px 0; }
.legendbox { display: inline-flex; align-items: center; gap: 6px; }
.legendname { color: var(--muted); font-size: 0.85rem; }
.gridbox { border: 1px solid var(--line); border-radius: 6px; padding: 6px; background: var(--bg); }
svg text { fill: var(--fg); font: 11px system-ui, sans-serif; }
svg .rowlabel, svg .ulabel { text-anchor: end; }
svg .tlabel { text-anchor: middle; fill: var(--muted); }
svg .chip text { text-anchor: middle; font-size: 10.5px; }
svg .chip rect { fill: var(--panel); stroke: var(--line); }
svg .chip.hn rect, svg .chip.out rect { stroke: var(--muted); }
svg .chip.hn, svg .chip.out, svg .cell, svg .seq { cursor: pointer; pointer-events: all; }
svg .arrow { stroke: var(--muted); stroke-width: 1.2; opacity: 0.7; }
svg .ah { fill: var(--muted); }
svg .hatch-bg { fill: var(--panel); }
svg .hatch { stroke: var(--line); stroke-width: 3; }
svg .cell { stroke: var(--bg); stroke-width: 1; }
svg .cell.nostat { fill: var(--panel); }
svg .cell.absent, svg .seq.padded { stroke: var(--muted); stroke-dasharray: 3 2; }
svg .seq.padded { fill: none; }
svg .seq.end { stroke: var(--fg); stroke-width: 1.5; }
svg rect[data-highlighted="true"], svg .chip[data-highlighted="true"] > rect { stroke: var(--hl) !important; stroke-width: 3; }
svg rect[data-relation="reads"], svg .chip[data-relation="reads"] > rect { stroke-dasharray: 5 3; }
svg rect[data-relation="source"], svg .chip[data-relation="source"] > rect { stroke: var(--src) !important; stroke-width: 3.5; stroke-dasharray: none; }
svg rect[data-selected="true"], svg .chip[data-selected="true"] > rect { stroke: var(--fg) !important; stroke-width: 3.5; stroke-dasharray: none; }
svg :focus { outline: none; }
svg rect:focus-visible, svg .chip:focus-visible > rect { stroke: var(--fg); stroke-width: 3.5; stroke-dasharray: 2 2; }
aside.detail { position: sticky; top: 8px; border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; background: var(--panel); min-height: 200px; max-height: calc(100vh - 16px); overflow-y: auto; }
dl.stats { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 0; }
dl.stats dt { color: var(--muted); }
dl.stats dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; }
.flowlist ul { margin: 0; padding-left: 18px; }
table.values th, table.values td { padding: 1px 10px 1px 0; font-size: 0.82rem; }
table.values td { text-align: right; }
.heatmaps { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 14px; }
.heatmap { margin: 0; }
.heatmap rect { width: var(--cw); height: var(--ch); }
.heatmap figcaption { font-weight: 600; margin-bottom: 2px; }
.heatmap figcaption .note { font-weight: 400; }
.seqpick { display: inline-block; margin: 0 0 8px; }
select, input { font: inherit; }
ul.plain { margin: 4px 0; padding-left: 18px; }
details summary { cursor: pointer; color: var(--muted); }
@media (max-width: 1000px) {
  .flow { grid-template-columns: minmax(0, 1fr); }
  aside.detail { position: static; max-height: none; }
}
@media (max-width: 640px) {
  main { padding: 10px 10px 30px; }
  .note.narrow { display: block; margin: 2px 0 6px; }
  table.shapes thead { display: none; }
  table.shapes tr { display: block; border-bottom: 1px solid var(--line); padding: 6px 0; }
  table.shapes td { display: block; border: 0; padding: 1px 0; }
  table.shapes td::before { content: attr(data-label) ": "; color: var(--muted); }
  table.shapes td.meaning { max-width: none; }
}
`;
