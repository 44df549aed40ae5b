/** The `compare` document: automatic vs manual, per tensor and per layer. */
import { z } from 'zod';
import { loopMistakes } from '../modules/run/manual.js';
import { maybeFinite } from './numbers.js';
import { configSchema, nonFiniteSchema, warningsSchema } from './run.js';

const shape = z.array(z.number().int().nonnegative());

export const comparisonSchema = z
  .object({
    name: z.string().describe('out, h_n, c_n, or "layer L forward h" / "... c" for a layer\'s trace'),
    tensor: z.enum(['out', 'h_n', 'c_n', 'h', 'c']),
    layer: z.number().int().nonnegative().nullable(),
    direction: z.enum(['forward', 'reverse']).nullable(),
    shape,
    max_abs_diff: maybeFinite(z.number().nonnegative()).describe('equal infinities agree; a NaN facing a number is Infinity'),
    where: z.array(z.number().int().nonnegative()).describe('index of the largest difference, in the tensor\'s own layout'),
    automatic: maybeFinite().describe('the automatic value there'),
    manual: maybeFinite().describe('the manual value there'),
    max_abs_value: z.number().nonnegative().describe('the largest finite |automatic value|'),
    tolerance: z.number().nonnegative(),
    not_comparable: z.number().int().positive().optional().describe('values NaN on both sides, which no difference can be measured for; only when there are some, and then not ok'),
    ok: z.boolean(),
  })
  .strict();

export const referenceComparisonSchema = z
  .object({
    name: z.enum(['out', 'h_n', 'c_n']),
    shape,
    max_abs_diff: maybeFinite(z.number().nonnegative()),
    where: z.array(z.number().int().nonnegative()),
    automatic: maybeFinite(),
    reference: maybeFinite().describe('the float64 reference value there'),
    tolerance: z.number().nonnegative(),
    not_comparable: z.number().int().positive().optional().describe('values NaN on both sides; only when there are some, and then not ok'),
    ok: z.boolean(),
  })
  .strict();

const direction = z.enum(['forward', 'reverse']);

export const againstTensorSchema = z
  .object({
    name: z.enum(['out', 'h_n', 'c_n']),
    shape: shape.describe("the module's"),
    their_shape: shape.describe("the file's"),
    max_abs_diff: maybeFinite(z.number().nonnegative()).nullable().describe('null when the shapes differ'),
    where: z.array(z.number().int().nonnegative()).nullable(),
    ours: maybeFinite().nullable(),
    theirs: maybeFinite().nullable(),
    tolerance: z.number().nonnegative(),
    first_t: z.number().int().nonnegative().nullable().describe('out: the first time step where a value differs beyond tolerance'),
    slices: z
      .array(z.object({ layer: z.number().int().nonnegative(), direction, max_abs_diff: maybeFinite(z.number().nonnegative()), first_t: z.number().int().nonnegative().nullable(), ok: z.boolean() }).strict())
      .describe("out: the top layer's directions (its feature halves); h_n, c_n: one per slice, layer by layer"),
    ok: z.boolean(),
  })
  .strict();

export const againstCauseSchema = z
  .object({
    id: z.enum([...loopMistakes, 'padded-steps', 'batch-layout']),
    message: z.string(),
    fix: z.string(),
  })
  .strict();

export const againstReportSchema = z
  .object({
    file: z.string(),
    ok: z.boolean(),
    tolerance_rule: z.string(),
    tensors: z.array(againstTensorSchema),
    ignored: z.array(z.string()).describe("the file's other tensors"),
    cause: againstCauseSchema.nullable().describe('the known mistake of hand-written loops that reproduces the file, when one does'),
  })
  .strict();

export const compareReportSchema = z
  .object({
    command: z.literal('compare'),
    version: z.string(),
    module: z.string(),
    config: configSchema,
    manual_loop: z.enum(['time-major', 'layer-major']).describe('layer-major when bidirectional: the reverse direction needs the future'),
    tolerance_rule: z.string(),
    results: z.array(comparisonSchema),
    warnings: warningsSchema.describe('where a non-finite value first appeared in either pass, inputs accepted with --allow-nonfinite, data that looks like the other layout'),
    non_finite: z
      .object({ automatic: nonFiniteSchema.nullable(), manual: nonFiniteSchema.nullable() })
      .strict()
      .optional()
      .describe('only when some h held Infinity or NaN: where it first did, per pass'),
    reference: z
      .array(referenceComparisonSchema)
      .optional()
      .describe('with --reference: automatic vs an independent float64 forward pass (mathjs), tolerance 1e-5'),
    against: againstReportSchema.optional().describe("with --against FILE: the module's run vs the tensors the user's code saved"),
    ok: z.boolean(),
  })
  .strict();

export type Comparison = z.infer<typeof comparisonSchema>;
export type CompareReport = z.infer<typeof compareReportSchema>;
export type AgainstReport = z.infer<typeof againstReportSchema>;
export type AgainstTensor = z.infer<typeof againstTensorSchema>;
export type AgainstCause = z.infer<typeof againstCauseSchema>;
export type ReferenceComparison = z.infer<typeof referenceComparisonSchema>;
