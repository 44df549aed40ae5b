/**
 * h_n slice by slice: h_n is (num_layers * num_directions, batch, hidden), and h_n[k] is layer
 * k // D, direction k % D, taken at each sequence's last step (the reverse direction's at t=0);
 * for the top layer, the slice of out it equals and the measured difference.
 */
import type { RunReport } from '../schema/run.js';
import { escapeHtml } from './escape.js';
import { fmt } from './grid.js';

/** The steps h_n[k] was taken at: one t for all sequences, or each sequence's. */
function stepsText(steps: readonly number[]): string {
  const distinct = new Set(steps);
  if (distinct.size <= 1) return `t=${steps[0] ?? 0}`;
  return steps.map((t, b) => `b${b}: t=${t}`).join(', ');
}

export function hnSection(doc: RunReport): string {
  const D = doc.config.bidirectional ? 2 : 1;
  const shape = doc.shapes.h_n;
  const rows = doc.h_n_slices.map((s) => {
    const equals = s.equals_out ? `<code>${escapeHtml(s.equals_out)}</code>` : `<span class="note">not in out (layer ${s.layer} is not the top layer)</span>`;
    const diff = s.max_abs_diff === null ? '' : fmt(s.max_abs_diff);
    return (
      `<tr><td data-label="slice"><code>h_n[${s.index}]</code></td><td data-label="layer">${s.layer}</td><td data-label="direction">${s.direction}</td>` +
      `<td data-label="taken at">${escapeHtml(stepsText(s.steps))}</td><td data-label="equals">${equals}</td><td data-label="max |diff|">${diff}</td></tr>`
    );
  });
  const layout = `h_n ${shape ? `(${shape.join(', ')})` : ''} is num_layers × num_directions = ${doc.config.num_layers} × ${D} slices of (batch, hidden): h_n[k] is layer k // ${D}, direction k % ${D}${D === 2 ? ' (0 forward, 1 reverse)' : ''}.`;
  return (
    `<section aria-labelledby="rnn-hn"><h2 id="rnn-hn">h_n, slice by slice</h2><p class="sub">${escapeHtml(layout)}${doc.config.batch_first ? ' batch_first does not change it.' : ''}</p>` +
    `<div class="scroll"><table class="shapes hn"><thead><tr><th>slice</th><th>layer</th><th>direction</th><th>taken at</th><th>equals</th><th>max |diff|</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></section>`
  );
}
