/**
 * The JSON documents `rnn-inspect` writes, as zod schemas. They are the public contract: the
 * TypeScript types are inferred from them, `rnn-inspect schema` prints them as JSON Schema, and
 * the tests validate real output against them.
 */
import { z } from 'zod';
import { kindNames } from '../modules/kinds/index.js';
import { WARNING_CODES, warningCodes } from '../warnings.js';
import { maybeFinite, NON_FINITE_TEXT } from './numbers.js';

export const shape = z.array(z.number().int().nonnegative());
export const nested: z.ZodType<unknown> = z.lazy(() => z.union([maybeFinite(), z.array(nested)]));
const direction = z.enum(['forward', 'reverse']);
const nonFiniteValue = z.enum(NON_FINITE_TEXT).transform(Number).describe('the non-finite value, as JSON writes it');
const tensorNames = ['x', 'h_0', 'c_0', 'out', 'h_n', 'c_n'] as const;
const perTensor = <T extends z.ZodType>(value: T) =>
  z.object({ x: value, h_0: value, c_0: value.optional(), out: value, h_n: value, c_n: value.optional() }).strict();

/** One warning: a stable code (src/warnings.ts lists them) and the message the text output prints. */
export const warningSchema = z
  .object({
    code: z.enum(warningCodes).describe(Object.entries(WARNING_CODES).map(([code, meaning]) => `${code}: ${meaning}`).join('; ')),
    message: z.string(),
  })
  .strict();
export const warningsSchema = z.array(warningSchema);

export const configSchema = z
  .object({
    type: z.enum(kindNames),
    input_size: z.number().int().positive(),
    hidden_size: z.number().int().positive(),
    num_layers: z.number().int().positive(),
    nonlinearity: z.enum(['tanh', 'relu']),
    bias: z.boolean(),
    batch_first: z.boolean(),
    dropout: z.number().min(0).max(1),
    bidirectional: z.boolean(),
    proj_size: z.number().int().nonnegative(),
    training: z.boolean().describe('dropout acts only in training mode (--train)'),
    seed: z.number().int().nonnegative(),
    batch: z.number().int().positive(),
    seq_len: z.number().int().positive(),
    unbatched: z.boolean(),
  })
  .strict();

export const stepStatsSchema = z
  .object({
    t: z.number().int().nonnegative(),
    norm: maybeFinite().describe("L2 norm of h_t over the valid batch elements' features"),
    mean: maybeFinite(),
    min: maybeFinite(),
    max: maybeFinite(),
    valid: z.number().int().nonnegative().describe('batch elements with input at this step'),
    non_finite: z
      .object({ batch: z.number().int().nonnegative().describe('the first batch element holding one (0 when unbatched)'), value: nonFiniteValue })
      .strict()
      .optional()
      .describe('only when some value of h_t is Infinity or NaN'),
    h: z.array(z.array(maybeFinite())).optional().describe('h_t (batch, features), with --trace full'),
    c: z.array(z.array(maybeFinite())).optional().describe('c_t (batch, hidden_size), LSTM with --trace full'),
  })
  .strict();

export const nonFiniteSchema = z
  .object({
    layer: z.number().int().nonnegative(),
    direction,
    t: z.number().int().nonnegative().describe('the step, counted in time order whatever the direction'),
    batch: z.number().int().nonnegative().describe('the first batch element holding one at that step (0 when unbatched)'),
    value: nonFiniteValue,
  })
  .strict()
  .describe('where h first held Infinity or NaN, in the order the automatic path computes (layer by layer; a reverse direction from its last step)');

export const layerReportSchema = z
  .object({
    layer: z.number().int().nonnegative(),
    direction,
    h_n_index: z.number().int().nonnegative().describe('the slice of h_n this layer and direction ends in'),
    reads: z.string().describe('what this layer reads at each step'),
    steps: z.array(stepStatsSchema).describe('in time order t = 0..seq_len-1, whatever the direction'),
  })
  .strict();

export const hnSliceSchema = z
  .object({
    index: z.number().int().nonnegative(),
    layer: z.number().int().nonnegative(),
    direction: z.enum(['forward', 'reverse']),
    equals_out: z.string().nullable().describe('for the top layer: the slice of out it equals'),
    max_abs_diff: maybeFinite()
      .nullable()
      .describe('measured |h_n slice - that out slice| over the values both sides hold as numbers (equal infinities agree; a NaN facing a number is Infinity), 0 when they agree'),
    not_comparable: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('values NaN on both sides, which no difference can be measured for; only when there are some'),
    steps: z.array(z.number().int()).describe('per batch element, the step h_n was taken from'),
  })
  .strict();

export const parameterSchema = z.object({ name: z.string(), shape, count: z.number().int().nonnegative() }).strict();

export const expectationSchema = z
  .object({ name: z.enum(tensorNames), expected: shape, actual: shape.nullable(), ok: z.boolean() })
  .strict();

export const runReportSchema = z
  .object({
    command: z.literal('run'),
    version: z.string(),
    module: z.string().describe("PyTorch's repr of the module"),
    config: configSchema,
    shapes: perTensor(shape),
    dims: perTensor(z.array(z.string())).describe('the name of each dimension of each tensor'),
    meanings: perTensor(z.string()),
    h_n_slices: z.array(hnSliceSchema),
    parameters: z.array(parameterSchema),
    parameter_count: z.number().int().nonnegative(),
    lengths: z.array(z.number().int().positive()).nullable(),
    layers: z.array(layerReportSchema).describe('empty with --trace none'),
    warnings: warningsSchema.describe("PyTorch's warnings (dropout with one layer), where a non-finite value first appeared, and data that looks like the other layout"),
    non_finite: nonFiniteSchema.optional().describe('only when some h held Infinity or NaN'),
    notes: z.array(z.string()).describe("what the tool did on the user's behalf, e.g. a cell's weights run as a one-layer module"),
    expectations: z.array(expectationSchema).optional(),
    tensors: z.object({ out: nested, h_n: nested, c_n: nested.optional() }).strict().optional(),
  })
  .strict();

export const stepEventSchema = z
  .object({
    event: z.literal('step'),
    layer: z.number().int().nonnegative(),
    direction: z.enum(['forward', 'reverse']),
  })
  .extend(stepStatsSchema.shape)
  .strict();

export const summaryEventSchema = runReportSchema.extend({ event: z.literal('summary') }).strict();

export type RunConfigJson = z.infer<typeof configSchema>;
export type StepStats = z.infer<typeof stepStatsSchema>;
export type NonFinite = z.infer<typeof nonFiniteSchema>;
export type LayerReport = z.infer<typeof layerReportSchema>;
export type HnSlice = z.infer<typeof hnSliceSchema>;
export type ParameterJson = z.infer<typeof parameterSchema>;
export type Expectation = z.infer<typeof expectationSchema>;
export type RunReport = z.infer<typeof runReportSchema>;
export type StepEvent = z.infer<typeof stepEventSchema>;
