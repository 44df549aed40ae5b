/**
 * English messages for `explain`: the seed's editorial office (an intern editor at the bottom, the
 * editor-in-chief at the top, each with a notebook and a fixed review standard) told in plain terms.
 */
import type { BackwardRowArgs, Dir, FusionArgs, Messages, Role, TensorAt } from './types.js';

const roleName: Record<Role, string> = {
  only: 'the only editor',
  bottom: 'intern editor',
  middle: 'editor',
  top: 'editor-in-chief',
};

const tensor = (x: TensorAt): string => `${x.name} (${x.shape.slice(1, -1).replace(/,$/, '')}; norm ${x.norm})`;
const dir = (d: Dir | null): string => (d ? ` ${d}` : '');

function fusion(a: FusionArgs): string {
  const below = a.bothDirections ? { ...a.input, name: `${a.input.name} of both directions` } : a.input;
  const input = a.fromLayer === null ? tensor(a.input) : `layer ${a.fromLayer}'s ${tensor(below)}`;
  const own = a.prevT === null ? 'its initial state' : 'its own';
  const prev = a.cPrev ? `${own} ${tensor(a.hPrev)} and ${tensor(a.cPrev)}` : `${own} ${tensor(a.hPrev)}`;
  const made = a.c ? `${tensor(a.h)} and ${tensor(a.c)}` : tensor(a.h);
  const out = a.direction ? `the ${a.direction} half of out` : 'out';
  const next = a.above === null ? `: this is ${out} at t=${a.t}.` : `, and passed ${a.h.name} up to layer ${a.above}.`;
  return `Layer ${a.layer}${dir(a.direction)} (${roleName[a.role]}) fused ${input} with ${prev} into ${made}${next}`;
}

function backwardRow(a: BackwardRowArgs): string {
  const who = `Layer ${a.layer}${dir(a.direction)} (${roleName[a.role]})`;
  if (a.horizon === 0) return `${who}: none of the error reaches him.`;
  const numbers = `${a.atLast} at t=${a.last}, ${a.atFirst} at t=${a.first}${a.ratio === null ? '' : ` (× ${a.ratio})`}`;
  const entry = a.ratio === null ? ` Nothing enters at t=${a.last}: he gets his share only through the pages the editor above read.` : '';
  const felt = a.horizon >= a.steps ? `still felt on every one of the ${a.steps} pages` : `still felt on the last ${a.horizon} of ${a.steps} pages only`;
  return `${who}: ${numbers}; ${felt}.${entry}`;
}

export const en: Messages = {
  heading: {
    office: 'The office',
    step: (t, T, requested) => `Step t=${t} (${requested < 0 ? `--step ${requested}: ` : ''}${t === T - 1 ? 'the last' : `step ${t + 1}`} of ${T}), from the bottom up`,
    flow: 'Two directions of flow',
    outputs: 'What comes out',
    backward: 'The error flows back',
  },
  intro: (a) =>
    `${a.module} is an editorial office with ${a.levels} level${a.levels === 1 ? '' : 's'}. ` +
    (a.batched ? `It reads ${a.batch} sequence${a.batch === 1 ? '' : 's'} at once (batch ${a.batch}), each ${a.seqLen} step${a.seqLen === 1 ? '' : 's'} long.` : `It reads one sequence of ${a.seqLen} step${a.seqLen === 1 ? '' : 's'} (unbatched: no batch dimension).`),
  notebook: (a) =>
    `Each layer is an editor. His notebook is the hidden state h: ${a.features} numbers per sequence, rewritten at every step. ` +
    `His review standard is the layer's weights: fixed, the same at every step.`,
  story: {
    elman: (a) => `One rule per step: h_t = ${a.nonlinearity}(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh).`,
    lstm: (a) =>
      `An ${a.name} editor keeps two notebooks: h, the note he shows and passes up, and c, the cell state, a ledger he never shows directly. ` +
      'Four gates, computed from the input and h_{t-1}, decide each step: the forget gate f how much of the old c to keep, ' +
      'the input gate i how much of the candidate g to write in, the output gate o how much of tanh(c_t) to show as h_t: ' +
      'c_t = f ⊙ c_{t-1} + i ⊙ g, h_t = o ⊙ tanh(c_t).',
    gru: (a) =>
      `A ${a.name} editor keeps one notebook, h, and no cell state. Two gates decide each step: the reset gate r how much of the old notebook ` +
      'to consult while drafting the candidate n, the update gate z how much of the old notebook to keep: h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}.',
  },
  gateRole: { input: 'input', forget: 'forget', 'cell-candidate': 'candidate', output: 'output', reset: 'reset', update: 'update', 'state-candidate': 'candidate' },
  projection: (a) =>
    `With proj_size ${a.proj} the note he shows is condensed: h_t = W_hr (o ⊙ tanh(c_t)) with weight_hr (${a.proj}, ${a.hidden}), ` +
    `so h has ${a.proj} features while c keeps hidden_size ${a.hidden}.`,
  bidirectional: (a) =>
    `Bidirectional: every level has two editors, each with his own notebook and weights. The forward one reads from t=0 to t=${a.last}; ` +
    `the reverse one reads the same text backwards, from t=${a.last} to t=0, so his last page is written at t=0.` +
    (a.stacked ? ` A level above reads both reports side by side (2 × ${a.features} = ${2 * a.features} features).` : ''),
  role: (a) => {
    switch (a.role) {
      case 'only':
        return `Layer 0 is a one-person office: the editor-in-chief reads x directly (x_t is ${a.inputShape}) and his notes are out.`;
      case 'bottom':
        return `Layer 0, the intern editor, reads the input x directly: x_t is ${a.inputShape} at each step.`;
      case 'middle':
        return `Layer ${a.layer}, an editor, reads layer ${a.layer - 1}'s report h_t ${a.inputShape}, never x.`;
      case 'top':
        return `Layer ${a.layer}, the editor-in-chief, reads layer ${a.layer - 1}'s report h_t ${a.inputShape}; his notes are what the office publishes as out.`;
    }
  },
  xShape: (a) => `x is ${a.shape} = ${a.dims}, whatever the number of layers.`,
  initialState: (a) =>
    `${a.name} is ${a.shape} = ${a.dims}: the first page of each editor's ${a.name === 'c_0' ? 'second notebook' : 'notebook'} ` +
    `(${a.given ? 'given' : 'zeros: none given'})${a.batchFirst ? '; batch_first does not apply to it' : ''}.`,
  focus: (a) => `Focused on layer ${a.layer} (--layer ${a.layer}); the other layers ran as usual.`,
  fusion,
  gates: (a) => `Its gates, averaged over the batch and units: ${a.means.map((g) => `${g.role} ${g.name} ${g.mean}`).join(', ')}.`,
  normNote: () => 'Norms are L2 norms over the whole slice: every batch element and feature.',
  validNote: (a) =>
    a.valid === 0
      ? `At t=${a.t} none of the ${a.batch} sequences has input any more (--lengths): every notebook stays as it was, and the norms are 0.`
      : `At t=${a.t} only ${a.valid} of ${a.batch} sequences still have input (--lengths); the norms count those, and the others' notebooks stay as they were.`,
  dropoutNote: (a) =>
    `Training mode with dropout ${a.p}: each layer above read a randomly masked copy of the h_t below; the input norms above are before the mask. The gate means would need the masked inputs, so they are left out.`,
  timeFlow: (a) =>
    `Across time (→): each editor carries his notebook from one step to the next, rewriting h_{t-1} into h_t with the same weights every time.` +
    (a.bidirectional ? ` The reverse editors carry theirs the other way, from t=${a.last} down to t=0.` : '') +
    ` ‖h_t‖ for t=${a.from}..${a.to} ([ ] marks t=${a.t}):`,
  timeRow: (a) => `layer ${a.layer}${dir(a.direction)}: ${a.norms}`,
  depthFlow: (a) =>
    a.top === 0
      ? 'Up the layers (↑): with one layer there is no vertical flow: x_t goes in, h_t comes out.'
      : `Up the layers (↑): at every step the report rises from layer 0 to layer ${a.top}; nothing flows down. Each layer works on what the one below reported, not on x.`,
  out: (a) =>
    a.half === null
      ? `out ${a.shape} = ${a.dims}: the editor-in-chief's running conclusions, layer ${a.top}'s h_t at ${a.seqLen === 1 ? 'its one step' : `each of the ${a.seqLen} steps`}${a.ragged ? ' (zero past each sequence\'s length)' : ''}. The lower editors' notebooks are not in it.`
      : `out ${a.shape} = ${a.dims}: at ${a.seqLen === 1 ? 'its one step' : `each of the ${a.seqLen} steps`}, the top level's two editors' notes side by side: out[..., :${a.half}] forward, out[..., ${a.half}:] reverse (layer ${a.top}).`,
  hN: (a) => {
    const when = a.ragged ? "each sequence's own last valid step" : `t=${a.last}`;
    return a.bidirectional
      ? `h_n ${a.shape} = ${a.dims}: every editor's last notebook page. h_n[2k] is layer k forward, at ${when}; h_n[2k+1] is layer k reverse, at t=0, where his reading ends. So h_n[-1] is the top layer's reverse direction, and h_n[-2] its forward one.`
      : `h_n ${a.shape} = ${a.dims}: every editor's last notebook page; h_n[k] is layer k at ${when}.`;
  },
  cN: (a) =>
    `c_n ${a.shape} = ${a.dims}: the last page of every editor's second notebook, the cell state. It is not in out` +
    (a.proj ? `, and keeps hidden_size ${a.hidden} even with proj_size ${a.proj}.` : '.'),
  lengths: (a) =>
    `With --lengths ${a.lengths} each sequence stops at its own length: h_n holds each one's state at its own last valid step (t = ${a.steps}), and out is zero after it.`,
  check: (a) => {
    const value = `max |${a.expression}| = ${a.diff}${a.equal ? '' : ' (they differ)'}`;
    if (a.kind === 'reverse_top') return `Check, reverse: ${value}. The reverse editor's last page is written at t=0, so the last step of out is not the final state of both directions.`;
    return a.bidirectional ? `Check, forward: ${value}.` : `Check: the chief's last conclusion is his last notebook page: ${value}.`;
  },
  pitfall: (a) =>
    `The common bug is to take the padded last step as the final state: max |${a.expression}| = ${a.diff}, wrong for batch elements ${a.differing}, ` +
    `which are shorter than ${a.seqLen}. Use h_n, or out at each sequence's lengths[b]-1.`,
  backward: (a) =>
    `Backward: the chief's error is the loss L = the sum of out at ${a.ragged ? "each sequence's last valid step" : `t=${a.last}`} = ${a.value} (grad --loss last). ` +
    'It is passed back down to each editor, and back through each page of his notebook, one step at a time; ' +
    '‖dL/dh_t‖ measures how much of it reaches page t, and 1% of the largest counts as still felt:',
  backwardRow,
  backwardX: (a) =>
    `What reaches the text itself: ‖dL/dx_t‖ is ${a.atLast} at t=${a.last} and ${a.atFirst} at t=${a.first}; ` +
    (a.horizon >= a.steps
      ? 'every word, back to the first, still changes the chief\'s conclusion.'
      : `words more than ${a.horizon} step${a.horizon === 1 ? '' : 's'} before the end barely change the chief's conclusion.`),
};
