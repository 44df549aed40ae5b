/**
 * The pipeline spec (input) and the pipeline document (output).
 * Spec: {"modules": [{"name": "rnn1", "type": "rnn", "input_size": 100, "hidden_size": 50}, ...]}
 * with PyTorch's constructor arguments, plus `input` (a named input tensor, or another module
 * whose out to read) and `h_0_from` (a module whose h_n becomes this module's h_0).
 */
import { z } from 'zod';
import { kindNames } from '../modules/kinds/index.js';
import { runReportSchema } from './run.js';

export const moduleSpecSchema = z
  .object({
    name: z.string().min(1).regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'expected a name like rnn1 or encoder'),
    type: z.enum(kindNames),
    input_size: z.number().int().positive(),
    hidden_size: z.number().int().positive(),
    num_layers: z.number().int().positive().optional(),
    nonlinearity: z.enum(['tanh', 'relu']).optional(),
    bias: z.boolean().optional(),
    batch_first: z.boolean().optional(),
    dropout: z.number().min(0).max(1).optional(),
    bidirectional: z.boolean().optional(),
    proj_size: z.number().int().nonnegative().optional(),
    input: z.string().min(1).optional(),
    h_0_from: z.string().min(1).optional(),
  })
  .strict();

/**
 * Modules in one spec at most: far beyond any composed model, and few enough that checking the
 * chain (each module against its source) stays quick.
 */
export const MAX_PIPELINE_MODULES = 1000;

export const pipelineSpecSchema = z
  .object({ modules: z.array(moduleSpecSchema).min(1).max(MAX_PIPELINE_MODULES, `expected at most ${MAX_PIPELINE_MODULES} modules`) })
  .strict();

export const pipelineModuleReportSchema = runReportSchema
  .omit({ command: true, version: true })
  .extend({
    name: z.string(),
    reads: z.string().describe('the input tensor or module whose out this module reads'),
    h_0_from: z.string().nullable(),
    fingerprint: z.string().describe('a short hash of the weights: separate modules, separate weights'),
  })
  .strict();

export const pipelineReportSchema = z
  .object({
    command: z.literal('pipeline'),
    version: z.string(),
    order: z.array(z.string()).describe('the order the modules ran in'),
    modules: z.array(pipelineModuleReportSchema),
    parameter_count: z.number().int().nonnegative(),
    warnings: z.array(z.string()).describe('inputs and weights accepted with non-finite values (--allow-nonfinite); each module has its own warnings'),
  })
  .strict();

export type ModuleSpec = z.infer<typeof moduleSpecSchema>;
export type PipelineSpec = z.infer<typeof pipelineSpecSchema>;
export type PipelineModuleReport = z.infer<typeof pipelineModuleReportSchema>;
export type PipelineReport = z.infer<typeof pipelineReportSchema>;
