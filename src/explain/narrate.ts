/**
 * The narration of an `explain` report: which facts to state, in which order, through one
 * language's message catalogue. The office (roles and shapes), the chosen step from the bottom
 * layer up, the two directions of flow, then what out and h_n hold with the measured checks.
 */
import { kindOf } from '../modules/kinds/index.js';
import { num } from '../report/number.js';
import type { ExplainReport, Fusion } from '../schema/explain.js';
import { formatShape } from '../tensor/tensor.js';
import type { Messages } from './messages/index.js';
import type { TensorAt } from './messages/types.js';

/** Light emphasis; identity by default (the CLI maps it to chalk). */
export interface Emphasis {
  heading(s: string): string;
  good(s: string): string;
  bad(s: string): string;
}

const plain: Emphasis = { heading: (s) => s, good: (s) => s, bad: (s) => s };

/** Steps shown in the time-flow rows: all when few, else a window of this many around the chosen step. */
const TIME_WINDOW = 12;

export function narrate(r: ExplainReport, m: Messages, em: Emphasis = plain): string {
  const { config: c } = r;
  const D = c.num_directions;
  const top = c.num_layers - 1;
  const tensor = (name: string) => r.tensors.find((t) => t.name === name);
  const shapeOf = (name: string): string => formatShape(tensor(name)!.shape);
  const dimsOf = (name: string): string => `(${tensor(name)!.dims.map((d) => d.name).join(', ')})`;
  const lines: string[] = [];
  const section = (title: string, body: string[]): void => {
    lines.push('', em.heading(title), ...body.map((s) => '  ' + s));
  };

  lines.push(m.intro({ module: r.module, levels: c.num_layers, batch: c.batch, seqLen: c.seq_len, batched: c.batched }));

  const office = [m.notebook({ features: c.h_features })];
  const kind = kindOf(r.type);
  const story = {
    elman: () => m.story.elman({ name: kind.name, nonlinearity: c.nonlinearity ?? 'tanh' }),
    lstm: () => m.story.lstm({ name: kind.name }),
    gru: () => m.story.gru({ name: kind.name }),
  } satisfies Record<typeof kind.story, () => string>;
  office.push(story[kind.story]());
  if (c.proj_size) office.push(m.projection({ proj: c.proj_size, hidden: c.hidden_size }));
  if (D === 2) office.push(m.bidirectional({ last: c.seq_len - 1, features: c.h_features, stacked: c.num_layers > 1 }));
  for (const l of r.layers) {
    office.push(m.role({ layer: l.layer, role: l.role, inputShape: formatShape(c.batched ? [c.batch, l.input_features] : [l.input_features]) }));
  }
  office.push(m.xShape({ shape: shapeOf('x'), dims: dimsOf('x') }));
  for (const name of ['h_0', 'c_0'] as const) {
    if (tensor(name)) office.push(m.initialState({ name, shape: shapeOf(name), dims: dimsOf(name), given: name === 'c_0' ? c.c0_given : c.h0_given, batchFirst: c.batch_first }));
  }
  section(m.heading.office, office);

  const step: string[] = [];
  if (r.focus_layer !== null) step.push(m.focus({ layer: r.focus_layer }));
  for (const f of r.fusions) {
    step.push(m.fusion(fusionArgs(r, f)));
    if (f.gates) {
      const role = (name: string): string => {
        const r = kind.gates.find((g) => g.name === name)!.role;
        return r === 'hidden' ? '' : m.gateRole[r];
      };
      step.push('  ' + m.gates({ means: f.gates.map((g) => ({ name: g.name, role: role(g.name), mean: num(g.mean) })) }));
    }
  }
  step.push(m.normNote());
  const valid = r.fusions[0]?.valid ?? c.batch;
  if (c.lengths && valid < c.batch) step.push(m.validNote({ t: r.step, valid, batch: c.batch }));
  if (c.dropout_acted) step.push(m.dropoutNote({ p: c.dropout }));
  section(m.heading.step(r.step, c.seq_len, r.step_requested), step);

  const from = c.seq_len <= TIME_WINDOW ? 0 : Math.max(0, Math.min(r.step - TIME_WINDOW / 2, c.seq_len - TIME_WINDOW));
  const to = Math.min(c.seq_len, from + TIME_WINDOW) - 1;
  const flow = [m.timeFlow({ from, to, t: r.step, bidirectional: D === 2, last: c.seq_len - 1 })];
  for (const row of r.time_flow) {
    const norms = row.norms
      .slice(from, to + 1)
      .map((v, i) => (from + i === r.step ? `[${num(v)}]` : num(v)))
      .join(' ');
    flow.push('  ' + m.timeRow({ layer: row.layer, direction: D === 2 ? row.direction : null, norms }));
  }
  flow.push(m.depthFlow({ top }));
  section(m.heading.flow, flow);

  const ragged = c.lengths !== null && c.lengths.some((n) => n < c.seq_len);
  const outs = [
    m.out({ shape: shapeOf('out'), dims: dimsOf('out'), top, seqLen: c.seq_len, half: D === 2 ? c.h_features : null, ragged }),
    m.hN({ shape: shapeOf('h_n'), dims: dimsOf('h_n'), last: c.seq_len - 1, bidirectional: D === 2, ragged }),
  ];
  if (tensor('c_n')) outs.push(m.cN({ shape: shapeOf('c_n'), dims: dimsOf('c_n'), hidden: c.hidden_size, proj: c.proj_size }));
  if (c.lengths && ragged) {
    const steps = r.h_n_slices[0]!.steps.join(', ');
    outs.push(m.lengths({ lengths: c.lengths.join(','), steps }));
  }
  for (const check of r.checks) {
    const expression = `${check.left} - ${check.right}`;
    const diff = num(check.max_abs_diff);
    if (check.kind === 'padded_last') {
      outs.push(em.bad(m.pitfall({ expression, diff, differing: check.differing.join(', '), seqLen: c.seq_len })));
    } else {
      const text = m.check({ kind: check.kind, expression, diff, equal: check.equal, bidirectional: D === 2 });
      outs.push(check.equal ? em.good(text) : em.bad(text));
    }
  }
  section(m.heading.outputs, outs);

  const b = r.backward;
  if (b) {
    const back = [m.backward({ value: num(b.loss.value), last: b.steps - 1, ragged })];
    for (const row of [...b.layers].reverse()) {
      back.push(
        '  ' +
          m.backwardRow({
            layer: row.layer,
            role: r.layers[row.layer]!.role,
            direction: D === 2 ? row.direction : null,
            first: row.first_step,
            last: row.last_step,
            atFirst: num(row.at_first),
            atLast: num(row.at_last),
            ratio: row.ratio === null ? null : num(row.ratio),
            horizon: row.horizon,
            steps: b.steps,
          }),
      );
    }
    back.push(m.backwardX({ first: b.x.first_step, last: b.x.last_step, atFirst: num(b.x.at_first), atLast: num(b.x.at_last), horizon: b.x.horizon, steps: b.steps }));
    section(m.heading.backward, back);
  }
  return lines.join('\n') + '\n';
}

function fusionArgs(r: ExplainReport, f: Fusion) {
  const { config: c } = r;
  const D = c.num_directions;
  const at = (name: string, x: { shape: number[]; norm: number }): TensorAt => ({ name, shape: formatShape(x.shape), norm: num(x.norm) });
  // A state at a step is h[t=8] (as the run's trace says x[t]); h_0 is only ever the initial state.
  const stepName = (name: string, t: number): string => `${name}[t=${t}]`;
  return {
    layer: f.layer,
    role: r.layers[f.layer]!.role,
    direction: D === 2 ? f.direction : null,
    t: f.t,
    input: at(stepName(f.input.from === 'x' ? 'x' : 'h', f.t), f.input),
    fromLayer: f.input.from_layer,
    bothDirections: f.input.from === 'layer_below' && D === 2,
    prevT: f.prev_t,
    hPrev: at(f.prev_t === null ? `h_0[${f.h_n_index}]` : stepName('h', f.prev_t), f.h_prev),
    cPrev: f.c_prev ? at(f.prev_t === null ? `c_0[${f.h_n_index}]` : stepName('c', f.prev_t), f.c_prev) : null,
    h: at(stepName('h', f.t), f.h),
    c: f.c ? at(stepName('c', f.t), f.c) : null,
    above: f.layer < c.num_layers - 1 ? f.layer + 1 : null,
  };
}
