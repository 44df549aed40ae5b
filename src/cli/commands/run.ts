/**
 * `rnn-inspect [run]`: build the module, run it, and show what went in and what came out.
 */
import { Option, type Command } from 'commander';
import { CheckFailedError } from '../../errors.js';
import { writableExtensions, writerFor, writeTensorsFile } from '../../io/index.js';
import { htmlKeepsValues } from '../../html/budget.js';
import { renderHtmlReport } from '../../html/report.js';
import type { ForwardResult } from '../../modules/layer/result.js';
import { bothObservers, gateCollector } from '../../report/gate-stats.js';
import type { Tensor } from '../../tensor/tensor.js';
import { buildRunReport, type TraceLevel } from '../../report/run-report.js';
import { stepStats } from '../../report/step-stats.js';
import { formatShape } from '../../tensor/tensor.js';
import type { RunReport } from '../../schema/run.js';
import { action, type CommandEnv, type Given, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { addHtmlOption, claimHtml, writeHtml } from '../html-output.js';
import { addModelOptions, modelFlags, strictFailure, type ModelOptions } from '../model-options.js';
import { collect, expectation, oneOf } from '../parse.js';
import { GRID_STATS, gridView, type GridStat } from '../render/grid.js';
import { renderRunTable, runTableOptions } from '../render/run-table.js';
import { setupRun } from '../../setup/run.js';

/** The tensors `--save` writes: out, h_n and c_n by name; a format that holds one tensor (.npy) gets out alone. */
export function outputTensors(file: string, result: ForwardResult, prefix = ''): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>([[prefix + 'out', result.out]]);
  if (writerFor(file).holds === 'one') return tensors;
  tensors.set(prefix + 'h_n', result.hN);
  if (result.cN) tensors.set(prefix + 'c_n', result.cN);
  return tensors;
}

export interface RunOptions extends ModelOptions {
  format: 'table' | 'json' | 'ndjson';
  includeTensors?: boolean | undefined;
  trace: TraceLevel;
  expect?: { name: string; shape: number[] }[] | undefined;
  save?: string | undefined;
  html?: string | undefined;
  view: 'table' | 'grid';
  stat: GridStat;
}

/** The run: the module built from the options, its forward pass, --save and --html written; the report. */
export function runCommand(o: RunOptions & Given, env: CommandEnv): Outcome<RunReport> {
  const { flags, explicit } = modelFlags(o);
  const { save, html, format, trace } = o;
  if (save) writerFor(save);
  const saveTo = save ? env.claim('--save', save) : {};
  const includeTensors = !!o.includeTensors;
  // Only --trace full shows every hidden state; otherwise the engine keeps running statistics.
  const setup = setupRun(flags, explicit, { keepTrace: trace === 'full', report: format === 'table' && trace === 'full' ? 'full' : trace, includeTensors });
  const { module, geometry } = setup;
  const htmlTo = claimHtml(env, html);
  // The page shows values (and gates) whatever --trace says, when keeping them costs little; tables and JSON are unchanged.
  const htmlValues = !!htmlTo && (trace === 'full' || htmlKeepsValues(module, geometry.seqLen, geometry.batch, flags.maxMemory));
  // Per-sequence grids (--lengths) and c_t's grid read the values, when keeping them costs little.
  const grid = gridView(o.view, format, env.layout.colourTerminal, trace).grid;
  const gridValues = grid !== 'none' && (!!geometry.lengths || module.kind.hasCellState) && htmlKeepsValues(module, geometry.seqLen, geometry.batch, flags.maxMemory);
  const keepTrace = trace === 'full' || htmlValues || gridValues;
  const gates = htmlValues ? gateCollector(module, geometry.lengths) : null;
  const printStep =
    format === 'ndjson' && trace !== 'none'
      ? (layer: number, direction: 'forward' | 'reverse', t: number, h: Float32Array, c: Float32Array | null): void => {
          env.stream({ event: 'step', layer, direction, ...stepStats(t, h, c, geometry.batch, geometry.lengths, trace === 'full') });
        }
      : undefined;
  const onStep = bothObservers(printStep, gates?.onStep);
  const onProgress = env.progress.observer('forward');
  const result = module.forward(setup.x, { ...setup.forward, keepTrace, ...(onStep ? { onStep, gates: !!gates } : {}), ...(onProgress ? { onProgress } : {}) });
  env.progress.end();
  if (save) writeTensorsFile(save, outputTensors(save, result), saveTo);
  const reportOptions = { version: env.version, includeTensors, geometry, expectations: o.expect, notes: setup.notes, warnings: setup.warnings };
  const report = buildRunReport(module, result, { ...reportOptions, trace: gridValues ? 'full' : trace });
  if (htmlTo) writeHtml(env, htmlTo, renderHtmlReport(buildRunReport(module, result, { ...reportOptions, trace: htmlValues ? 'full' : 'summary' }), { gates: [gates?.stats() ?? null] }));
  return { document: report, failure: expectFailure(report) ?? strictFailure(!!o.strict, [{ nonFinite: report.non_finite }]) };
}

/** --expect: every shape that is not the expected one, in one line. */
function expectFailure(report: RunReport): CheckFailedError | null {
  const failed = (report.expectations ?? []).filter((e) => !e.ok);
  if (!failed.length) return null;
  const diff = failed.map((e) => `${e.name} expected ${formatShape(e.expected)}, got ${e.actual ? formatShape(e.actual) : 'no such tensor'}`);
  return new CheckFailedError(`--expect: ${diff.join('; ')}`);
}

export function registerRun(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('run', { isDefault: true })
    .description('run a stacked RNN, LSTM or GRU and show its shapes, parameters and per-layer trace');
  addHtmlOption(addModelOptions(cmd), "the run's grid, with h_t's values when the run is small enough")
    .addOption(new Option('--format <format>', 'table|json|ndjson').argParser(oneOf(['table', 'json', 'ndjson'] as const)).default('table'))
    .option('--include-tensors', 'JSON: add out, h_n (and c_n) as nested lists')
    .addOption(new Option('--trace <level>', 'none|summary|full (full adds the values)').argParser(oneOf(['none', 'summary', 'full'] as const)).default('summary'))
    .option('--expect <name=shape>', 'exit 1 unless the tensor has this shape, e.g. out=3,10,20 (repeatable)', collect(expectation))
    .option('--save <file>', `write out, h_n (and c_n) to ${writableExtensions('many')} (${writableExtensions('one')}: out only)`)
    .addOption(new Option('--view <view>', 'table|grid (grid: the layers × time heatmap alone; table shows it too on a colour terminal)').argParser(oneOf(['table', 'grid'] as const)).default('table'))
    .addOption(new Option('--stat <stat>', `what colours the grid's cells: ${GRID_STATS.join('|')} of h_t`).argParser(oneOf(GRID_STATS)).default('norm'))
    .action(action(ctx, { execute: runCommand, render: (report: RunReport, o: RunOptions, style, layout) => renderRunTable(report, style, runTableOptions(o, layout, style)) }));
}
