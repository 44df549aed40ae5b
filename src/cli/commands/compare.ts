/**
 * `rnn-inspect compare`: the automatic path (the module over the whole sequence) against the
 * manual one (a cell stepped in a loop), on the same weights and input. Exit 1 when they differ.
 */
import { Option, type Command } from 'commander';
import { CheckFailedError, UsageError } from '../../errors.js';
import { buildCompareReport, compareWithReference } from '../../report/compare-report.js';
import { kernelFor } from '../../kernels/kernel.js';
import { forwardFlops } from '../../modules/run/index.js';
import { buildRunReport, configJson } from '../../report/run-report.js';
import { differenceResult } from '../../report/difference.js';
import { htmlKeepsValues } from '../../html/budget.js';
import { renderHtmlReport } from '../../html/report.js';
import { addHtmlOption, claimHtml, writeHtml } from '../html-output.js';
import type { CompareReport } from '../../schema/compare.js';
import type { ForwardOptions } from '../../modules/recurrent.js';
import { action, type CommandEnv, type Given, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { addModelOptions, modelFlags, strictFailure, type ModelOptions } from '../model-options.js';
import { oneOf, positiveNumber } from '../parse.js';
import { renderCompareTable } from '../render/compare-table.js';
import { setupRun } from '../../setup/run.js';
import { readTensorsFile } from '../../io/index.js';
import { compareAgainst } from '../../report/against.js';
import { formatShape } from '../../tensor/tensor.js';

export interface CompareOptions extends ModelOptions {
  format: 'table' | 'json';
  reference?: boolean | undefined;
  tolerance?: number | undefined;
  against?: string | undefined;
  html?: string | undefined;
}

/** Both passes on the same module and input, and with --reference the float64 reference as well. */
export async function compareCommand(o: CompareOptions & Given, env: CommandEnv): Promise<Outcome<CompareReport>> {
  const { flags, explicit } = modelFlags(o);
  const html = claimHtml(env, o.html);
  // Both passes keep their full trace and results for the comparison.
  const setup = setupRun(flags, explicit, { keepTrace: true, passes: 2 });
  const { module } = setup;
  const watched = (label: string): ForwardOptions => {
    const onProgress = env.progress.observer(label);
    return onProgress ? { ...setup.forward, onProgress } : setup.forward;
  };
  const auto = module.forward(setup.x, watched('automatic'));
  const manual = module.forwardManual(setup.x, watched('manual'));
  env.progress.end();
  const report = buildCompareReport(module, auto, manual, {
    version: env.version,
    config: configJson(module, setup.geometry),
    kernel: kernelFor(setup.forward, forwardFlops(module.kind, module.config, setup.geometry.seqLen, setup.geometry.batch)),
    warnings: setup.warnings,
    ...(o.tolerance !== undefined ? { tolerance: o.tolerance } : {}),
  });
  if (o.reference) {
    if (module.training && module.config.dropout > 0) throw new UsageError('--reference: expected eval mode (the reference has no dropout), got --train with --dropout');
    const { config } = module;
    const equations = module.kind.reference;
    if (equations === null) throw new UsageError(`--reference: expected a kind the float64 reference has equations for, got ${module.kind.name} (its descriptor names none)`);
    // mathjs loads only here: it is half a second of start-up that no other command needs.
    const { referenceForward } = await import('../../reference/mathjs-forward.js');
    const ref = referenceForward(
      { type: equations, input_size: config.inputSize, hidden_size: config.hiddenSize, num_layers: config.numLayers, nonlinearity: config.nonlinearity, recurrent_activation: config.recurrentActivation, bias: config.bias, batch_first: config.batchFirst, bidirectional: config.bidirectional, proj_size: config.projSize },
      module.stateDict(),
      { x: setup.x, ...(setup.forward.h0 ? { h_0: setup.forward.h0 } : {}), ...(setup.forward.c0 ? { c_0: setup.forward.c0 } : {}), ...(setup.forward.lengths ? { lengths: setup.forward.lengths } : {}) },
    );
    report.reference = compareWithReference(auto, ref);
    report.ok = report.ok && report.reference.every((r) => r.ok);
  }
  if (o.against !== undefined) {
    const theirs = readTensorsFile(o.against, { maxBytes: flags.maxMemory });
    report.against = compareAgainst({ module, x: setup.x, forward: setup.forward, file: o.against, theirs: new Map([...theirs.tensors].map(([k, v]) => [k, v.tensor])), tolerance: o.tolerance });
    report.ok = report.ok && report.against.ok;
  }
  if (html) {
    // The page's grid: the automatic-minus-manual difference of every cell (values when they fit).
    const { geometry } = setup;
    const trace = htmlKeepsValues(module, geometry.seqLen, geometry.batch, flags.maxMemory) ? 'full' : 'summary';
    const difference = buildRunReport(module, differenceResult(auto, manual), { version: env.version, trace, includeTensors: false, geometry });
    writeHtml(env, html, renderHtmlReport(report, { grids: [difference] }));
  }
  return { document: report, failure: compareFailure(report) ?? againstFailure(report) ?? strictFailure(!!o.strict, [
    { where: 'automatic pass', nonFinite: report.non_finite?.automatic },
    { where: 'manual pass', nonFinite: report.non_finite?.manual },
  ]) };
}

/** The tensors that differ beyond tolerance (the worst named), or that NaN made impossible to compare. */
function compareFailure(report: CompareReport): CheckFailedError | null {
  const failed: { name: string; tolerance: number; max_abs_diff: number; where: number[]; not_comparable?: number | undefined }[] = [
    ...report.results.filter((r) => !r.ok),
    ...(report.reference ?? []).filter((r) => !r.ok).map((r) => ({ ...r, name: `${r.name} vs reference` })),
  ];
  const bad = failed.filter((r) => r.max_abs_diff > r.tolerance);
  if (bad.length) {
    const worst = bad.reduce((a, b) => (b.max_abs_diff > a.max_abs_diff ? b : a));
    return new CheckFailedError(`compare: ${bad.length} tensor(s) differ beyond tolerance; worst ${worst.name}: expected |diff| <= ${worst.tolerance}, got ${worst.max_abs_diff} at [${worst.where.join(', ')}]`);
  }
  if (failed.length) {
    const nan = failed.map((r) => `${r.name} (${r.not_comparable})`).join(', ');
    return new CheckFailedError(`compare: expected values that can be compared, got NaN on both sides in ${nan}`);
  }
  return null;
}

/** --against: the user's tensors differ from the module's run (the first difference and the cause, when found). */
function againstFailure(report: CompareReport): CheckFailedError | null {
  const a = report.against;
  if (!a || a.ok) return null;
  const bad = a.tensors.filter((t) => !t.ok).map((t) => (t.max_abs_diff === null ? `${t.name} (shape ${formatShape(t.their_shape)}, expected ${formatShape(t.shape)})` : `${t.name} (max |diff| ${t.max_abs_diff}${t.first_t !== null ? `, first at t=${t.first_t}` : ''})`));
  return new CheckFailedError(`compare --against ${a.file}: expected the module's out and h_n, got different ${bad.join(', ')}${a.cause ? `; likely cause: ${a.cause.message}` : ''}`);
}

export function registerCompare(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('compare')
    .description('check a hand-written cell loop (manual) against the whole-sequence module (automatic) on the same weights and input');
  addHtmlOption(addModelOptions(cmd), 'the grid coloured by the automatic-minus-manual difference of every cell')
    .addOption(new Option('--format <format>', 'table|json').argParser(oneOf(['table', 'json'] as const)).default('table'))
    .option('--reference', 'also check the automatic path against an independent float64 forward pass (mathjs; slow)')
    .option('--against <file>', "the out, h_n (and c_n) your own code saved (.npz, .safetensors, .json): compared with the module's run on the same weights and input, with the likely cause when they differ")
    .option('--tolerance <x>', 'absolute tolerance (default: 1e-6 × max(1, the tensor\'s largest |value|))', positiveNumber)
    .action(action(ctx, { execute: compareCommand, render: (report: CompareReport, _o, style, layout) => renderCompareTable(report, style, layout.width) }));
}
