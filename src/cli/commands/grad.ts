/**
 * `rnn-inspect grad`: the gradient of a scalar loss, back through time and depth: ‖dL/dh_t‖ per
 * layer, direction and step, how fast it decays, ‖dL/dx_t‖, each parameter gradient's norm and
 * σ_max(W_hh), and with --connectivity ‖∂out_t/∂x_s‖.
 */
import { Option, type Command } from 'commander';
import { BudgetError, CheckFailedError, UsageError } from '../../errors.js';
import { writableExtensions, writerFor, writeTensorsFile } from '../../io/index.js';
import { checkBudget } from '../../modules/memory.js';
import { lossesWithTarget, lossKinds, type LossKind } from '../../modules/run/loss.js';
import { buildGradReport, connectivityMacs, estimateGrad, forwardMacs, gradTensors } from '../../report/grad-report.js';
import type { GradReport } from '../../schema/grad.js';
import type { Tensor } from '../../tensor/tensor.js';
import { readInput, setupRun } from '../../setup/run.js';
import { action, type CommandEnv, type Given, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { addModelOptions, modelFlags, type ModelOptions } from '../model-options.js';
import { oneOf, positiveNumber } from '../parse.js';
import { renderGradTable } from '../render/grad-table.js';
import { addHtmlOption, claimHtml, writeHtml } from '../html-output.js';
import { htmlKeepsValues } from '../../html/budget.js';
import { renderHtmlReport } from '../../html/report.js';
import { buildRunReport } from '../../report/run-report.js';
import { gradientResult } from '../../report/gradient-result.js';

/**
 * --connectivity runs one backward pass per step; by default it is refused beyond this many
 * multiply-adds (a forward pass and seq_len backward passes, each twice the forward's). Measured:
 * 4.1e8 to 5.4e8 multiply-adds a second on one thread (an RNN of hidden 256 and an LSTM of hidden
 * 128, 2 layers, on 2 shared cores), so the bound is 20 to 25 seconds of work.
 */
export const MAX_CONNECTIVITY_MACS = 1e10;

export interface GradOptions extends ModelOptions {
  loss: LossKind;
  target?: string | undefined;
  format: 'table' | 'json';
  includeTensors?: boolean | undefined;
  save?: string | undefined;
  connectivity?: boolean | undefined;
  maxConnectivityMacs: number;
  html?: string | undefined;
}

/** The tensors --save writes: grad.x, grad.h_0, grad.c_0 (when given), grad.<parameter>; a one-tensor format (.npy) gets grad.x alone. */
function savedTensors(file: string, tensors: Record<string, Tensor>): Map<string, Tensor> {
  const all = new Map(Object.entries(tensors).map(([k, t]) => [`grad.${k}`, t]));
  return writerFor(file).holds === 'one' ? new Map([['grad.x', tensors['x']!]]) : all;
}

/** The command as a function of its options: checks, runs the backward pass, writes --save, and returns the document. */
export function gradCommand(o: GradOptions & Given, env: CommandEnv): Outcome<GradReport> {
  const wantsTarget = lossesWithTarget.includes(o.loss);
  if (o.target !== undefined && !wantsTarget) throw new UsageError(`--target: expected only with --loss ${lossesWithTarget.join('|')}, got --loss ${o.loss}`);
  if (o.target === undefined && wantsTarget) throw new UsageError(`--loss ${o.loss}: expected --target FILE of out's shape, got none`);
  if (o.save) writerFor(o.save);
  const saveTo = o.save ? env.claim('--save', o.save) : {};
  const html = claimHtml(env, o.html);
  const { flags, explicit } = modelFlags(o);
  const setup = setupRun(flags, explicit, { keepTrace: true });
  const { module, geometry } = setup;
  if (module.training && module.config.dropout > 0) {
    throw new UsageError(
      `--train: expected eval mode (PyTorch draws dropout masks at random, so no gradient with dropout acting can be reproduced), got --train with --dropout ${module.config.dropout}; leave out --train or --dropout`,
    );
  }
  const { seqLen, batch } = geometry;
  const need = estimateGrad(module, seqLen, batch, { includeTensors: !!o.includeTensors, connectivity: !!o.connectivity });
  checkBudget(need.bytes, o.maxMemory, 'a backward pass', `seq_len ${seqLen} × batch ${batch} × ${module.config.numLayers} layer(s), hidden ${module.config.hiddenSize}: forward trace, saves and step gradients`, need.largestArray);
  if (o.connectivity) {
    const macs = connectivityMacs(module, seqLen, batch);
    if (macs > o.maxConnectivityMacs) {
      throw new BudgetError(
        `--connectivity: expected at most ${o.maxConnectivityMacs.toExponential(1)} multiply-adds (--max-connectivity-macs), got an estimate of ${macs.toExponential(1)} (a forward pass and ${seqLen} backward passes of ${(2 * forwardMacs(module, seqLen, batch)).toExponential(1)} each); raise --max-connectivity-macs or shorten the run`,
      );
    }
  }
  const target = o.target === undefined ? undefined : readInput(o.target, 'target', o.maxMemory);
  const state = { ...setup.forward, ...(target ? { target } : {}) };
  const result = module.backward(setup.x, { ...state, loss: o.loss });
  const connectivity = o.connectivity ? module.connectivity(setup.x, setup.forward) : undefined;
  if (o.save) writeTensorsFile(o.save, savedTensors(o.save, gradTensors(result, (t) => t)), saveTo);
  const report = buildGradReport(module, result, {
    version: env.version,
    geometry,
    includeTensors: !!o.includeTensors,
    connectivity,
    targetShape: target?.shape,
    notes: setup.notes,
    warnings: setup.warnings,
  });
  if (html) {
    // The page's grid: dL/dh_t of every cell (its values when they fit, as run's page keeps h_t's).
    const trace = htmlKeepsValues(module, seqLen, batch, o.maxMemory) ? 'full' : 'summary';
    const gradients = buildRunReport(module, gradientResult(result, { numDirections: module.numDirections, batchFirst: module.config.batchFirst }), { version: env.version, trace, includeTensors: false, geometry });
    writeHtml(env, html, renderHtmlReport(report, { grids: [gradients] }));
  }
  return { document: report, failure: o.strict ? gradStrictFailure(report) : null };
}

/** --strict: exit 1 when the loss or a gradient norm is Infinity or NaN (after the output is written). */
function gradStrictFailure(report: GradReport): CheckFailedError | null {
  const bad = (v: number): boolean => !Number.isFinite(v);
  if (bad(report.loss.value)) return new CheckFailedError(`--strict: expected a finite loss, got ${report.loss.value}`);
  for (const l of report.layers) {
    const s = l.steps.find((x) => bad(x.dh_norm) || (x.dc_norm !== undefined && bad(x.dc_norm)));
    if (s) return new CheckFailedError(`--strict: expected finite gradients, got ‖dL/dh‖ ${s.dh_norm} in layer ${l.layer} (${l.direction}) at t=${s.t}`);
  }
  return null;
}

export function registerGrad(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('grad')
    .description('backpropagate a scalar loss through time and depth: ‖dL/dh_t‖ per layer and step, its decay, ‖dL/dx_t‖, parameter gradients');
  addModelOptions(cmd)
    .addOption(new Option('--loss <loss>', `the scalar loss: ${lossKinds.join('|')}`).argParser(oneOf(lossKinds)).default('last'))
    .option('--target <file>', `the target of out's shape (--loss ${lossesWithTarget.join('|')} only)`)
    .addOption(new Option('--format <format>', 'table|json').argParser(oneOf(['table', 'json'] as const)).default('table'))
    .option('--include-tensors', 'JSON: add every gradient (x, h_0, c_0, each parameter) as nested lists')
    .option('--save <file>', `write grad.x, grad.h_0, grad.c_0 and grad.<parameter> to ${writableExtensions('many')} (${writableExtensions('one')}: grad.x only)`)
    .option('--connectivity', '‖∂out_t/∂x_s‖ for every t and s: one backward pass per step')
    .addOption(
      new Option('--max-connectivity-macs <n>', 'refuse --connectivity estimated to take more multiply-adds than this')
        .argParser(positiveNumber)
        .default(MAX_CONNECTIVITY_MACS, MAX_CONNECTIVITY_MACS.toExponential(0)),
    );
  addHtmlOption(cmd, 'the backward grid (dL/dh_t per layer and step, log scale), the decay and the parameter gradients')
    .action(action(ctx, { execute: gradCommand, render: (report: GradReport, _o, style, layout) => renderGradTable(report, style, layout.width) }));
}
