/** The `inspect` document: what a weights file holds, and the recurrent modules recognised in it. */
import { z } from 'zod';
import { kindNames, kinds } from '../modules/kinds/index.js';

const shape = z.array(z.number().int().nonnegative());

export const inspectedModuleSchema = z
  .object({
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
    parameter_count: z.number().int().nonnegative(),
    keys: z.array(z.string()),
  })
  .strict();

export const inspectReportSchema = z
  .object({
    command: z.literal('inspect'),
    version: z.string(),
    file: z.string(),
    format: z.string(),
    tensors: z.array(z.object({ name: z.string(), dtype: z.string(), shape }).strict()),
    metadata: z.record(z.string(), z.string()).nullable(),
    modules: z.array(inspectedModuleSchema),
    rejected: z.array(z.object({ prefix: z.string(), reason: z.string(), keys: z.array(z.string()) }).strict()),
    unrecognised: z.array(z.string()),
    notes: z.array(z.string()),
  })
  .strict();

export type InspectedModule = z.infer<typeof inspectedModuleSchema>;
export type InspectReport = z.infer<typeof inspectReportSchema>;
