/**
 * The pipeline spec (input) and the pipeline document (output).
 * Spec: {"modules": [{"name": "rnn1", "type": "rnn", "input_size": 100, "hidden_size": 50}, ...]}
 * with PyTorch's constructor arguments (recurrent kinds, `embedding`, `linear`), plus `input` (a
 * named input tensor, or another module whose out to read) and `h_0_from` (a module whose h_n
 * becomes this module's h_0).
 */
import { z } from 'zod';
import { kindNames } from '../modules/kinds/index.js';
import { nested, parameterSchema, runReportSchema, shape, warningsSchema } from './run.js';

/** What a Linear head reads of a recurrent module (src/modules/select.ts). */
export const selects = ['last', 'h_n', 'all'] as const;
export type Select = (typeof selects)[number];

const name = z.string().min(1).regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'expected a name like rnn1 or encoder');
const input = z.string().min(1).optional();

export const recurrentSpecSchema = z
  .object({
    name,
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
    input,
    h_0_from: z.string().min(1).optional(),
  })
  .strict();

/** nn.Embedding(num_embeddings, embedding_dim, padding_idx): reads integer token ids from an input. */
export const embeddingSpecSchema = z
  .object({
    name,
    type: z.literal('embedding'),
    num_embeddings: z.number().int().positive(),
    embedding_dim: z.number().int().positive(),
    padding_idx: z.number().int().optional(),
    input,
  })
  .strict();

/**
 * nn.Linear(in_features, out_features, bias). Reading a recurrent module, `select` says what of it:
 * `last` (out at each sequence's last valid step), `h_n` (the top layer's h_n, directions
 * concatenated) or `all` (out at every step, the default, as Linear applied to out).
 */
export const linearSpecSchema = z
  .object({
    name,
    type: z.literal('linear'),
    in_features: z.number().int().positive(),
    out_features: z.number().int().positive(),
    bias: z.boolean().optional(),
    input,
    select: z.enum(selects).optional(),
  })
  .strict();

const moduleTypes = [...kindNames, 'embedding', 'linear'] as const;

export const moduleSpecSchema = z.discriminatedUnion('type', [recurrentSpecSchema, embeddingSpecSchema, linearSpecSchema], {
  error: () => `Invalid option: expected one of ${moduleTypes.map((t) => `"${t}"`).join('|')}`,
});

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

/** An Embedding or Linear module of the pipeline: what it read, what it wrote, its parameters. */
export const layerModuleReportSchema = z
  .object({
    name: z.string(),
    type: z.enum(['embedding', 'linear']),
    module: z.string().describe("PyTorch's repr of the module"),
    reads: z.string().describe('the input tensor or module whose out this module reads'),
    select: z.enum(selects).nullable().describe('for a Linear reading a recurrent module: what of it (last, h_n, all)'),
    shapes: z.object({ input: shape, out: shape }).strict(),
    parameters: z.array(parameterSchema),
    parameter_count: z.number().int().nonnegative(),
    fingerprint: z.string(),
    notes: z.array(z.string()),
    tensors: z.object({ out: nested }).strict().optional(),
  })
  .strict();

export const pipelineReportSchema = z
  .object({
    command: z.literal('pipeline'),
    version: z.string(),
    order: z.array(z.string()).describe('the order the modules ran in'),
    modules: z.array(z.union([pipelineModuleReportSchema, layerModuleReportSchema])),
    parameter_count: z.number().int().nonnegative(),
    warnings: warningsSchema.describe('inputs and weights accepted with non-finite values (--allow-nonfinite); each module has its own warnings'),
    notes: z.array(z.string()).describe('what the tool assumed (a spec inferred from --weights: batch_first, how a head reads the RNN, ...)'),
    unused_keys: z.array(z.string()).describe('keys of --weights that no module of the spec uses (listed, not refused)'),
  })
  .strict();

export type ModuleSpec = z.infer<typeof moduleSpecSchema>;
export type RecurrentSpec = z.infer<typeof recurrentSpecSchema>;
export type EmbeddingSpec = z.infer<typeof embeddingSpecSchema>;
export type LinearSpec = z.infer<typeof linearSpecSchema>;
export type PipelineSpec = z.infer<typeof pipelineSpecSchema>;
export type PipelineModuleReport = z.infer<typeof pipelineModuleReportSchema>;
/** The pipeline document as `--format json` prints it: recurrent modules and Embedding / Linear layers. */
export type PipelineDocument = z.infer<typeof pipelineReportSchema>;
/** A pipeline document whose modules are all recurrent (what the HTML page draws a grid for). */
export type PipelineReport = Omit<PipelineDocument, 'modules'> & { modules: PipelineModuleReport[] };
export type LayerModuleReport = z.infer<typeof layerModuleReportSchema>;

/** A recurrent module's entry of the pipeline document (the others are Embedding and Linear layers, with a `type`). */
export function isRecurrentModuleReport(m: PipelineDocument['modules'][number]): m is PipelineModuleReport {
  return !('type' in m);
}
