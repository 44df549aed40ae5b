/** The `compare` document: automatic vs manual, per tensor and per layer. */
import { z } from 'zod';
import { configSchema } from './run.js';

const shape = z.array(z.number().int().nonnegative());

export const comparisonSchema = z
  .object({
    name: z.string().describe('out, h_n, c_n, or "layer L forward h" / "... c" for a layer\'s trace'),
    tensor: z.enum(['out', 'h_n', 'c_n', 'h', 'c']),
    layer: z.number().int().nonnegative().nullable(),
    direction: z.enum(['forward', 'reverse']).nullable(),
    shape,
    max_abs_diff: z.number().nonnegative(),
    where: z.array(z.number().int().nonnegative()).describe('index of the largest difference, in the tensor\'s own layout'),
    automatic: z.number().describe('the automatic value there'),
    manual: z.number().describe('the manual value there'),
    max_abs_value: z.number().nonnegative(),
    tolerance: z.number().nonnegative(),
    ok: z.boolean(),
  })
  .strict();

export const referenceComparisonSchema = z
  .object({
    name: z.enum(['out', 'h_n', 'c_n']),
    shape,
    max_abs_diff: z.number().nonnegative(),
    where: z.array(z.number().int().nonnegative()),
    automatic: z.number(),
    reference: z.number().describe('the float64 reference value there'),
    tolerance: z.number().nonnegative(),
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
