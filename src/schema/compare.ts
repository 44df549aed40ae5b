/** The `compare` document: automatic vs manual, per tensor and per layer. */
import { z } from 'zod';
import { maybeFinite } from './numbers.js';
import { configSchema, nonFiniteSchema } from './run.js';

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

export const compareReportSchema = z
  .object({
    command: z.literal('compare'),
    version: z.string(),
    module: z.string(),
    config: configSchema,
    manual_loop: z.enum(['time-major', 'layer-major']).describe('layer-major when bidirectional: the reverse direction needs the future'),
    tolerance_rule: z.string(),
    results: z.array(comparisonSchema),
    warnings: z.array(z.string()).describe('where a non-finite value first appeared in either pass'),
    non_finite: z
      .object({ automatic: nonFiniteSchema.nullable(), manual: nonFiniteSchema.nullable() })
      .strict()
      .optional()
      .describe('only when some h held Infinity or NaN: where it first did, per pass'),
    reference: z
      .array(referenceComparisonSchema)
      .optional()
      .describe('with --reference: automatic vs an independent float64 forward pass (mathjs), tolerance 1e-5'),
    ok: z.boolean(),
  })
  .strict();

export type Comparison = z.infer<typeof comparisonSchema>;
export type CompareReport = z.infer<typeof compareReportSchema>;
export type ReferenceComparison = z.infer<typeof referenceComparisonSchema>;
