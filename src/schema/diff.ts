/** The `diff` document: do two model files agree on one input, and if not, where and why. */
import { z } from 'zod';

export const diffCauseIds = ['gate-order', 'bias-merged', 'gru-reset', 'transposed', 'batch-layout', 'direction-order', 'activation'] as const;
export type DiffCauseId = (typeof diffCauseIds)[number];

export const diffReportSchema = z
  .object({
    ok: z.boolean().describe('true when out, h_n and c_n agree within --tolerance'),
    max_diff: z.number().nonnegative().describe('the largest |A - B| over out, h_n and c_n'),
    first_mismatch: z
      .object({
        layer: z.number().int().nonnegative(),
        direction: z.enum(['forward', 'reverse']),
        t: z.number().int().nonnegative().describe('the time step, the first in the order that direction runs'),
        tensor: z.enum(['h', 'c']),
      })
      .strict()
      .nullable(),
    cause: z
      .object({
        id: z.enum(diffCauseIds),
        message: z.string(),
        fix: z.string(),
      })
      .strict()
      .nullable()
      .describe('the known mistake that, undone on B, makes B agree with A; null when none does'),
  })
  .strict();

export type DiffReport = z.infer<typeof diffReportSchema>;
