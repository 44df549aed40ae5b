/**
 * The playground page: one self-contained file holding the engine (dist/playground.js, the CLI's
 * run command bundled for the browser), the report's stylesheet and page script, and the controls
 * the engine's script builds on load. Nothing is fetched: it opens from disk with the network cut off.
 */
import { CLIENT_JS } from './client.js';
import { escapeHtml } from './escape.js';
import { pageHead } from './report.js';
import { CSS } from './style.js';

const PLAYGROUND_CSS = `
.pg-form { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px 18px; margin: 8px 0; }
.pg-field { display: flex; flex-direction: column; gap: 2px; }
.pg-field label { font-weight: 600; }
.pg-field .flag { display: block; color: var(--muted); font-weight: 400; font-size: 0.8rem; }
.pg-field .check { display: flex; align-items: center; gap: 8px; }
.pg-field input[type="number"], .pg-field input[type="text"], .pg-field select { width: 100%; padding: 4px 6px; border: 1px solid var(--line); border-radius: 4px; background: var(--bg); color: var(--fg); }
.pg-field input[type="checkbox"] { width: 18px; height: 18px; }
.pg-field .help { color: var(--muted); font-size: 0.8rem; }
.pg-field input:focus-visible, .pg-field select:focus-visible { outline: 2px solid var(--hl); outline-offset: 1px; }
.pg-argv { overflow-wrap: anywhere; }
.pg-error { border: 1px solid var(--hl); border-radius: 6px; padding: 8px 12px; color: var(--fg); background: var(--panel); font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
#pg-result[data-stale="true"] { opacity: 0.45; }
table.hn td { white-space: normal; }
@media (max-width: 640px) {
  .pg-form { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 8px 12px; }
}
`;

/** Script text that cannot end its script element early (`</script`, `<!--`), meaning the same JavaScript. */
export function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export function renderPlaygroundPage(engine: string, version: string): string {
  return (
    pageHead('rnn-inspect playground', CSS + PLAYGROUND_CSS, 'en', true) +
    `<body><main><header><h1>rnn-inspect playground</h1>` +
    `<p class="sub">Change the model or its data: the shapes, h_n and the layers × time grid are recomputed in this page, offline, by the same engine as <code>rnn-inspect run</code> ${escapeHtml(version)} (random weights and x from the seed: the CLI's numbers exactly).</p></header>` +
    `<section aria-labelledby="pg-model"><h2 id="pg-model">Model and data</h2>` +
    `<form id="pg-form" class="pg-form" aria-describedby="pg-argv-line" novalidate></form>` +
    `<p class="pg-argv" id="pg-argv-line">The same run in a terminal: <code id="pg-argv">rnn-inspect</code></p>` +
    `<p id="pg-error" class="pg-error" role="alert" hidden></p>` +
    `<noscript><p class="pg-error">The playground computes with JavaScript: enable it to run the model.</p></noscript></section>` +
    `<div id="pg-result"></div></main>` +
    `<script type="application/json" id="rnn-inspect-data">null</script>` +
    `<script type="application/json" id="rnn-inspect-view">null</script>` +
    // The report's page script, run again on every recomputed result.
    `<script>var rnnInspectClient = function () {\n${CLIENT_JS}\n};</script>` +
    `<script>${inlineScript(engine)}</script></body></html>\n`
  );
}
