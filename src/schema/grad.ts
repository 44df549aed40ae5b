/** The `grad` document: a backward pass, its per-step gradient norms, their decay, and the gradients themselves. */
import { z } from 'zod';
import { lossKinds } from '../modules/run/loss.js';
import { maybeFinite } from './numbers.js';
import { configSchema, warningsSchema } from './run.js';

const shape = z.array(z.number().int().nonnegative());
const direction = z.enum(['forward', 'reverse']);
const nested: z.ZodType<unknown> = z.lazy(() => z.union([maybeFinite(), z.array(nested)]));
const norm = maybeFinite(z.number().nonnegative());

export const gradStepSchema = z
  .object({
    t: z.number().int().nonnegative(),
    dh_norm: norm.describe("‖dL/dh_t‖: L2 over the batch elements active at t and h's features, the total derivative (through out_t, the layer above and step t+1)"),
    dc_norm: norm.optional().describe('‖dL/dc_t‖ for kinds with a cell state (LSTM)'),
  })
  .strict();

export const gradLayerSchema = z
  .object({
    layer: z.number().int().nonnegative(),
    direction,
    steps: z.array(gradStepSchema).describe('in time order t = 0..seq_len-1, whatever the direction'),
  })
  .strict();

export const decaySchema = z
  .object({
    layer: z.number().int().nonnegative(),
    direction,
    first_step: z.number().int().nonnegative().describe("the step this direction reads first: t=0 forward, the last valid step reverse"),
    last_step: z.number().int().nonnegative().describe('the step it reads last, where backpropagation through this direction starts'),
    ratio: maybeFinite(z.number().nonnegative())
      .nullable()
      .describe('‖dL/dh‖ at first_step / ‖dL/dh‖ at last_step; null when the norm at last_step is 0'),
    horizon: z
      .number()
      .int()
      .nonnegative()
      .describe("steps from last_step back to the furthest step whose ‖dL/dh_t‖ is at least 1% of the layer's largest, both counted; 0 when every norm is 0"),
    peak: norm.describe('the largest ‖dL/dh_t‖ of this layer and direction'),
    w_hh: z.string().describe("the recurrent weight's state_dict name"),
    sigma_max: maybeFinite(z.number().nonnegative()).describe('largest singular value of W_hh (power iteration)'),
    sentence: z.string().describe('what the decay means for this layer'),
  })
  .strict();

export const sigmaMaxSchema = z
  .object({
    name: z.string(),
    sigma_max: maybeFinite(z.number().nonnegative()),
    iterations: z.number().int().positive(),
    converged: z.boolean(),
  })
  .strict();

export const connectivitySchema = z
  .object({
    definition: z.string(),
    matrix: z.array(z.array(norm)).describe('matrix[t][s] = ‖∂(Σ out_t)/∂x_s‖, seq_len × seq_len; for a unidirectional module 0 where s > t'),
    passes: z.number().int().positive().describe('backward passes run (one per step of out)'),
  })
  .strict();

export const gradReportSchema = z
  .object({
    command: z.literal('grad'),
    version: z.string(),
    module: z.string().describe("PyTorch's repr of the module"),
    config: configSchema,
    loss: z.object({ kind: z.enum(lossKinds), value: maybeFinite(), definition: z.string() }).strict(),
    shapes: z.record(z.string(), shape).describe('x, h_0, c_0 (LSTM), out, h_n, c_n (LSTM), and target (mse)'),
    lengths: z.array(z.number().int().positive()).nullable(),
    layers: z.array(gradLayerSchema).describe("in h_n's order: index layer * num_directions + direction"),
    x_grad_norms: z.array(norm).describe('‖dL/dx_t‖ per step t (over the batch and input features), time order'),
    x_decay: z
      .object({
        ratio: maybeFinite(z.number().nonnegative()).nullable().describe('‖dL/dx‖ at t=0 / at the last valid step; null when that is 0'),
        horizon: z.number().int().nonnegative().describe('steps from the last valid step back to the furthest with ‖dL/dx_t‖ >= 1% of the largest, both counted'),
        sentence: z.string(),
      })
      .strict()
      .describe("the same measures on x's gradient: how far back the loss still depends on the input (read from the last step back, whatever the directions)"),
    parameter_grad_norms: z.record(z.string(), norm).describe('the L2 (Frobenius) norm of each parameter gradient, by state_dict name, in its order'),
    sigma_max: z.array(sigmaMaxSchema).describe('each W_hh: its largest singular value'),
    power_iteration: z.string().describe('how sigma_max was computed'),
    decay: z.array(decaySchema),
    connectivity: connectivitySchema.optional().describe('with --connectivity'),
    grads: z
      .record(z.string(), nested)
      .optional()
      .describe("with --include-tensors: x, h_0 and c_0 (when given), and every parameter by state_dict name, as tensor.grad.tolist()"),
    warnings: warningsSchema,
    notes: z.array(z.string()),
  })
  .strict();

export type GradStep = z.infer<typeof gradStepSchema>;
export type GradLayer = z.infer<typeof gradLayerSchema>;
export type Decay = z.infer<typeof decaySchema>;
export type GradReport = z.infer<typeof gradReportSchema>;
