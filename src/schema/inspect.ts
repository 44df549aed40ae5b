/** The `inspect` document: what a weights file holds, the modules recognised in it and the misfits between them. */
import { z } from 'zod';
import { gateFunctionNames } from '../kernels/activations.js';
import { kindNames, kinds } from '../modules/kinds/index.js';

const shape = z.array(z.number().int().nonnegative());

export const inspectedModuleSchema = z
  .object({
    name: z.string().describe('the module\'s name: its key prefix without the dot ("rnn1", "model.lstm"; moduleN at the top level)'),
    prefix: z.string().describe('the key prefix in a composed model ("" for a bare module, "rnn1.", "model.lstm.")'),
    type: z.enum(kindNames).describe(`from the gate multiple of weight_ih rows over hidden_size (${kinds.map((k) => `${k.type} ${k.gates.length}`).join(', ')})`),
    module: z.string().describe("PyTorch's repr of the inferred module"),
    input_size: z.number().int().positive(),
    hidden_size: z.number().int().positive(),
    num_layers: z.number().int().positive(),
    bidirectional: z.boolean(),
    bias: z.boolean(),
    proj_size: z.number().int().nonnegative(),
    nonlinearity: z.enum(['tanh', 'relu']).nullable().describe('null for LSTM/GRU; for RNN tanh is assumed (weights cannot show it) unless the file declares it (an ONNX node\'s activations)'),
    recurrent_activation: z
      .enum(gateFunctionNames)
      .nullable()
      .describe("what the σ gates compute: null for RNN; sigmoid unless the file declares another (a Keras recurrent_activation: hard_sigmoid is clip(0.2x + 0.5, 0, 1) as tfjs and Keras 2 compute it, hard_sigmoid_relu6 relu6(x + 3) / 6 as Keras 3 does)"),
    parameter_count: z.number().int().nonnegative(),
    keys: z.array(z.string()),
    gate_blocks: z
      .array(
        z
          .object({
            key: z.string().describe('the parameter as the file names it'),
            blocks: z.array(
              z
                .object({
                  name: z.string().describe("PyTorch's name for the block (W_ii, W_hf, b_in, ...)"),
                  gate: z.string().describe(`the gate (${kinds.map((k) => `${k.type}: ${k.gates.map((g) => g.name).join(', ')}`).join('; ')})`),
                  rows: z.tuple([z.number().int().nonnegative(), z.number().int().positive()]).describe("the block's rows of the parameter, [start, end)"),
                  shape,
                  count: z.number().int().nonnegative(),
                })
                .strict(),
            ),
          })
          .strict(),
      )
      .describe("each parameter with gates × hidden_size rows (weight_ih, weight_hh, bias_ih, bias_hh) cut into its gates' blocks, in PyTorch's row order"),
  })
  .strict();

/** An Embedding or a Linear layer recognised beside the recurrent modules, with PyTorch's constructor arguments. */
export const inspectedEmbeddingSchema = z
  .object({
    name: z.string(),
    prefix: z.string(),
    type: z.literal('embedding').describe('a 2-D weight alone, "emb" in its name'),
    module: z.string().describe("PyTorch's repr of the inferred module"),
    num_embeddings: z.number().int().positive(),
    embedding_dim: z.number().int().positive(),
    padding_idx: z.null().describe('weights cannot show it'),
    parameter_count: z.number().int().nonnegative(),
    keys: z.array(z.string()),
  })
  .strict();

export const inspectedLinearSchema = z
  .object({
    name: z.string(),
    prefix: z.string(),
    type: z.literal('linear').describe('a 2-D weight with a 1-D bias (or a 2-D weight alone without "emb" in its name)'),
    module: z.string().describe("PyTorch's repr of the inferred module"),
    in_features: z.number().int().positive(),
    out_features: z.number().int().positive(),
    bias: z.boolean(),
    parameter_count: z.number().int().nonnegative(),
    keys: z.array(z.string()),
  })
  .strict();

export const problemSchema = z
  .object({
    code: z.enum(['embedding_dim_mismatch', 'input_size_mismatch', 'in_features_mismatch', 'h_0_mismatch']),
    modules: z.array(z.string()).describe('the two modules that do not fit, the source first'),
    message: z.string().describe('both modules and both numbers'),
    fix: z.string().describe('the likely fix, as PyTorch code'),
  })
  .strict();

export const inspectReportSchema = z
  .object({
    command: z.literal('inspect'),
    version: z.string(),
    file: z.string(),
    format: z.string(),
    tensors: z.array(
      z
        .object({
          name: z.string(),
          dtype: z.string().describe('PyTorch\'s name for the element type (float32, bfloat16, int64, ...) whatever the format'),
          stored_dtype: z.string().describe('the dtype as the file spells it (<f4, F32, torch.FloatStorage, ...)'),
          shape,
        })
        .strict(),
    ),
    metadata: z.record(z.string(), z.string()).nullable(),
    modules: z.array(z.union([inspectedModuleSchema, inspectedEmbeddingSchema, inspectedLinearSchema])).describe('every module recognised, in state_dict order'),
    problems: z.array(problemSchema).describe('neighbouring modules that cannot connect (--strict exits 1 when there is one)'),
    rejected: z.array(z.object({ prefix: z.string(), reason: z.string(), keys: z.array(z.string()) }).strict()),
    unrecognised: z.array(z.string()),
    notes: z.array(z.string()),
  })
  .strict();

export type InspectedModule = z.infer<typeof inspectedModuleSchema>;
export type InspectedLayer = z.infer<typeof inspectedEmbeddingSchema> | z.infer<typeof inspectedLinearSchema>;
export type InspectProblem = z.infer<typeof problemSchema>;

/** A recurrent module's entry (the others are Embedding and Linear layers). */
export function isRecurrentInspected(m: InspectReport['modules'][number]): m is InspectedModule {
  return m.type !== 'embedding' && m.type !== 'linear';
}
export type InspectReport = z.infer<typeof inspectReportSchema>;
