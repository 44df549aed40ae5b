/**
 * The document `rnn-inspect doctor --format json` writes: whether the shapes fit, the shapes each
 * tensor should have, and every problem with PyTorch's message, the likely cause and the fix.
 * With --spec, tensor names are qualified by module (`rnn2.x`, `decoder.h_0`).
 */
import { z } from 'zod';
import { warningsSchema } from './run.js';

const shape = z.array(z.number().int().nonnegative());

export const doctorProblemSchema = z
  .object({
    tensor: z.string().describe('x, h_0, c_0 or lengths (with --spec: module.tensor)'),
    module: z.string().nullable().describe('the module the tensor goes to (--spec), else null'),
    code: z.enum([
      'x-rank',
      'cell-state-unexpected',
      'state-pair',
      'state-rank',
      'input-size',
      'state-size',
      'lengths-unbatched',
      'lengths-count',
      'lengths-range',
      'lengths-unsorted',
    ]),
    expected: shape.nullable().describe('the shape the tensor should have; null where no shape is at fault (lengths, a missing c_0)'),
    expected_dims: z.array(z.string()).nullable().describe('the names of the expected dimensions'),
    got: z.array(z.number()).describe('the shape given (an unbatched state after unsqueeze(1)); for lengths, the lengths'),
    pytorch_message: z.string().nullable().describe("PyTorch's own error message; null where PyTorch has no check of its own"),
    message: z.string().describe("rnn-inspect's error for the same inputs (what `run` would print)"),
    why: z.string().describe('what each dimension of the expected shape is, and where it comes from'),
    cause_id: z.string(),
    cause: z.string().describe('the most likely cause'),
    fix: z.string().describe('the fix, in PyTorch terms'),
  })
  .strict();

export const doctorTensorSchema = z
  .object({
    name: z.string(),
    shape: shape.describe('the expected shape'),
    dims: z.array(z.object({ name: z.string(), size: z.number().int().nonnegative() }).strict()),
    meaning: z.string(),
    given: shape.nullable().describe('the shape given, or null when not given (zeros) or an output'),
    ok: z.boolean().nullable().describe('whether the given shape fits; null when not given'),
  })
  .strict();

export const doctorModuleSchema = z
  .object({
    name: z.string().nullable().describe('the module name (--spec), else null'),
    module: z.string().describe("PyTorch's repr of the module"),
    reads: z.string().nullable().describe('with --spec: the input tensor or module whose out this module reads'),
    h_0_from: z.string().nullable(),
    ok: z.boolean(),
    tensors: z.array(doctorTensorSchema).describe('empty when x has neither 2 nor 3 dimensions (no batch or seq_len to tell)'),
  })
  .strict();

/** The mistakes PyTorch raises no error for (src/diagnose/pitfalls.ts has one entry per code). */
export const pitfallCodes = ['padded-last-step', 'bidirectional-final', 'h_n-view', 'states-not-batch-first', 'proj-size-features', 'state-pair'] as const;

export const doctorPitfallSchema = z
  .object({
    code: z.enum(pitfallCodes),
    message: z.string().describe('what reads the wrong numbers without any error'),
    expression: z.string().describe('the right expression for this configuration'),
  })
  .strict();

export const doctorReportSchema = z
  .object({
    command: z.literal('doctor'),
    version: z.string(),
    ok: z.boolean().describe('true when PyTorch would accept every shape'),
    expected: z.record(z.string(), shape).describe('the expected shape of every tensor, by name'),
    problems: z.array(doctorProblemSchema),
    modules: z.array(doctorModuleSchema),
    notes: z.array(z.string()).describe('what doctor assumed (sizes taken from the shapes)'),
    warnings: warningsSchema.describe('shapes that fit but look like a mistake PyTorch cannot see (an h_0 whose batch equals num_layers * num_directions)'),
    pitfalls: z.array(doctorPitfallSchema).optional().describe('one module: the silent mistakes that apply to it and the right expressions'),
  })
  .strict();

export type DoctorProblem = z.infer<typeof doctorProblemSchema>;
export type DoctorTensor = z.infer<typeof doctorTensorSchema>;
export type DoctorModule = z.infer<typeof doctorModuleSchema>;
export type DoctorPitfall = z.infer<typeof doctorPitfallSchema>;
export type DoctorReport = z.infer<typeof doctorReportSchema>;
