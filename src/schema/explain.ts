/**
 * The `explain` document: the facts of one run that the narration is generated from. Every number
 * in the text (shapes, norms, gate means, the out/h_n checks) is one of these fields.
 */
import { z } from 'zod';
import { kindNames } from '../modules/kinds/index.js';
import { maybeFinite } from './numbers.js';
import { nonFiniteSchema, warningsSchema } from './run.js';

const shape = z.array(z.number().int().nonnegative());
const direction = z.enum(['forward', 'reverse']);

/** One tensor at the chosen step: its shape and its L2 norm over the valid batch elements. */
const tensorAtStep = z
  .object({
    shape,
    norm: maybeFinite(z.number().nonnegative()).describe('L2 norm over the batch elements still active at this step, all features'),
  })
  .strict();

export const explainLayerSchema = z
  .object({
    layer: z.number().int().nonnegative(),
    role: z.enum(['only', 'bottom', 'middle', 'top']).describe('only: a single layer, which both reads x and makes out'),
    reads: z.enum(['x', 'layer_below']),
    input_features: z.number().int().positive().describe('input_size for layer 0; num_directions * h features above it'),
    h_n_indices: z.array(z.number().int().nonnegative()).describe('its slices of h_n: layer * num_directions + direction'),
  })
  .strict();

export const fusionSchema = z
  .object({
    layer: z.number().int().nonnegative(),
    direction,
    h_n_index: z.number().int().nonnegative(),
    t: z.number().int().nonnegative(),
    prev_t: z
      .number()
      .int()
      .nonnegative()
      .nullable()
      .describe('the step its previous state comes from (t-1 forward, t+1 reverse); null at the first step it reads, where it is h_0. With lengths a reverse row starts from h_0 at its own last step'),
    input: tensorAtStep.extend({ from: z.enum(['x', 'layer_below']), from_layer: z.number().int().nonnegative().nullable() }).strict(),
    h_prev: tensorAtStep,
    c_prev: tensorAtStep.nullable(),
    h: tensorAtStep,
    c: tensorAtStep.nullable(),
    gates: z
      .array(z.object({ name: z.string(), mean: maybeFinite() }).strict())
      .nullable()
      .describe('mean of each gate over the active batch elements and hidden units; null for RNN, when dropout acted, or when no sequence has input at this step'),
    valid: z.number().int().nonnegative().describe('batch elements with input at this step'),
  })
  .strict();

export const explainCheckSchema = z
  .object({
    kind: z
      .enum(['forward_top', 'reverse_top', 'padded_last'])
      .describe('padded_last: the common bug with --lengths, out at the padded last step taken as the final state'),
    left: z.string(),
    right: z.string(),
    max_abs_diff: maybeFinite(z.number().nonnegative()).describe('over the values both sides hold as numbers: equal infinities agree, a NaN facing a number is Infinity'),
    equal: z.boolean().describe('false too when some values are NaN on both sides (not comparable)'),
    differing: z.array(z.number().int().nonnegative()).describe('batch elements where left and right differ'),
    not_comparable: z.number().int().positive().optional().describe('values NaN on both sides, which no difference can be measured for; only when there are some'),
  })
  .strict();

const gradNorm = maybeFinite(z.number().nonnegative());
const decayNumbers = {
  first_step: z.number().int().nonnegative().describe('the step read first: t=0 forward, the last valid step reverse'),
  last_step: z.number().int().nonnegative().describe('the step read last, where the error enters this direction'),
  at_first: gradNorm.describe('‖dL/dh‖ (for x: ‖dL/dx‖) at first_step'),
  at_last: gradNorm.describe('the same at last_step'),
  ratio: maybeFinite(z.number().nonnegative()).nullable().describe('at_first / at_last; null when at_last is 0'),
  horizon: z.number().int().nonnegative().describe('steps from last_step back to the furthest still at 1% of the largest norm, both counted'),
};

export const explainBackwardSchema = z
  .object({
    loss: z.object({ kind: z.literal('last'), value: maybeFinite() }).strict().describe("Σ of out at each sequence's last valid step"),
    steps: z.number().int().positive().describe('the valid steps: the longest length, or seq_len'),
    layers: z.array(z.object({ layer: z.number().int().nonnegative(), direction, ...decayNumbers }).strict()).describe("in h_n's order"),
    x: z.object(decayNumbers).strict().describe("x's gradient, read from the last valid step back to t=0"),
  })
  .strict();

export const explainReportSchema = z
  .object({
    command: z.literal('explain'),
    version: z.string(),
    module: z.string().describe("PyTorch's repr"),
    type: z.enum(kindNames),
    config: z
      .object({
        input_size: z.number().int().positive(),
        hidden_size: z.number().int().positive(),
        proj_size: z.number().int().nonnegative(),
        h_features: z.number().int().positive().describe('features of h: proj_size when projecting, else hidden_size'),
        num_layers: z.number().int().positive(),
        num_directions: z.union([z.literal(1), z.literal(2)]),
        batch_first: z.boolean(),
        batched: z.boolean(),
        batch: z.number().int().positive(),
        seq_len: z.number().int().positive(),
        lengths: z.array(z.number().int().positive()).nullable(),
        nonlinearity: z.enum(['tanh', 'relu']).nullable().describe('RNN only'),
        dropout: z.number().min(0).max(1),
        dropout_acted: z.boolean().describe('training mode with dropout between layers: the layer above read a masked h_t'),
        h0_given: z.boolean(),
        c0_given: z.boolean(),
      })
      .strict(),
    step: z.number().int().nonnegative().describe('the chosen time step, counted from 0'),
    step_requested: z.number().int().describe('as given to --step (negative counts from the end)'),
    focus_layer: z.number().int().nonnegative().nullable().describe('--layer, or null for all'),
    tensors: z.array(z.object({ name: z.string(), shape, dims: z.array(z.object({ name: z.string(), size: z.number().int() }).strict()) }).strict()),
    layers: z.array(explainLayerSchema),
    fusions: z.array(fusionSchema).describe('the chosen step, per focused layer and direction, bottom to top'),
    time_flow: z
      .array(z.object({ layer: z.number().int().nonnegative(), direction, norms: z.array(maybeFinite(z.number().nonnegative())) }).strict())
      .describe("‖h_t‖ at every step, per focused layer and direction"),
    h_n_slices: z.array(z.object({ index: z.number().int().nonnegative(), layer: z.number().int().nonnegative(), direction, steps: z.array(z.number().int().nonnegative()) }).strict()),
    checks: z.array(explainCheckSchema),
    backward: explainBackwardSchema.optional().describe("the chief's error passed back (loss last): how much of it reaches each editor's pages and the input; absent when the backward pass would exceed --max-memory"),
    warnings: warningsSchema.optional().describe('only when there are some: where a non-finite value first appeared, inputs accepted with --allow-nonfinite, the backward account left out, data that looks like the other layout'),
    non_finite: nonFiniteSchema.optional().describe('only when some h held Infinity or NaN'),
  })
  .strict();

export type ExplainLayer = z.infer<typeof explainLayerSchema>;
export type Fusion = z.infer<typeof fusionSchema>;
export type ExplainCheck = z.infer<typeof explainCheckSchema>;
export type ExplainReport = z.infer<typeof explainReportSchema>;
export type ExplainBackward = z.infer<typeof explainBackwardSchema>;
