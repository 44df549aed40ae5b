/** The `convert` document: what was read, what was written, and the engine's check of the two. */
import { z } from 'zod';
import { kindNames } from '../modules/kinds/index.js';

export const convertReportSchema = z
  .object({
    command: z.literal('convert'),
    version: z.string(),
    input: z.string(),
    output: z.string(),
    from_format: z.string().describe('the reader that read IN (pt, safetensors, npz, json, onnx, tfjs, keras, h5)'),
    to_format: z.string().describe('the format written to OUT (onnx, tfjs, keras, h5, safetensors, npz, json)'),
    module: z.string().describe("PyTorch's repr of the module converted"),
    type: z.enum(kindNames),
    prefix: z.string().describe('its key prefix in IN, kept in OUT'),
    bytes: z.number().int().nonnegative().describe('bytes written'),
    check: z
      .object({
        seed: z.number().int(),
        x_shape: z.array(z.number().int().positive()),
        max_diff: z.number().nonnegative().describe('the largest |difference| of out, h_n and c_n between IN and OUT run by the engine on one random x'),
        tensors: z.object({ out: z.number().nonnegative(), h_n: z.number().nonnegative(), c_n: z.number().nonnegative().nullable() }),
      })
      .strict(),
    notes: z.array(z.string()),
  })
  .strict();

export type ConvertReport = z.infer<typeof convertReportSchema>;
