/**
 * `rnn-inspect [run]`: build the module, run it, and show what went in and what came out.
 */
import { Option, type Command } from 'commander';
import { CheckFailedError, UsageError } from '../../errors.js';
import { writableExtensions, writeFileAtomic, writerFor, writeTensorsFile } from '../../io/index.js';
import { htmlReportBytes, renderHtmlReport } from '../../html/report.js';
import { estimateForward, formatBytes } from '../../modules/memory.js';
import type { ForwardResult } from '../../modules/layer/result.js';
import type { Recurrent } from '../../modules/recurrent.js';
import type { Tensor } from '../../tensor/tensor.js';
import { buildRunReport, type TraceLevel } from '../../report/run-report.js';
import { stepStats } from '../../report/step-stats.js';
import { formatShape } from '../../tensor/tensor.js';
import type { RunReport } from '../../schema/run.js';
import { action, type CommandEnv, type Given, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { addModelOptions, modelFlags, strictFailure, type ModelOptions } from '../model-options.js';
import { collect, expectation, oneOf } from '../parse.js';
import { renderRunTable } from '../render/run-table.js';
import { setupRun } from '../../setup/run.js';

/** The tensors `--save` writes: out, h_n and c_n by name; a format that holds one tensor (.npy) gets out alone. */
export function outputTensors(file: string, result: ForwardResult, prefix = ''): Map<string, Tensor> {
  const tensors = new Map<string, Tensor>([[prefix + 'out', result.out]]);
  if (writerFor(file).holds === 'one') return tensors;
  tensors.set(prefix + 'h_n', result.hN);
  if (result.cN) tensors.set(prefix + 'c_n', result.cN);
  return tensors;
}

/**
 * --html keeps every hidden state for the page when they fit --max-memory and this many numbers
 * (16 MiB as float32; the page keeps 50,000 of them at most, so a larger trace buys little).
 */
const HTML_TRACE_VALUES = 2 ** 22;

function fitsFullTrace(module: Recurrent, seqLen: number, batch: number, maxMemory: number): boolean {
  const estimate = estimateForward(module.kind, module.config, seqLen, batch, { keepTrace: true, report: 'summary' });
  const without = estimateForward(module.kind, module.config, seqLen, batch, { keepTrace: false, report: 'summary' });
  return estimate.bytes <= maxMemory && (estimate.bytes - without.bytes) / 4 <= HTML_TRACE_VALUES;
}

export interface RunOptions extends ModelOptions {
  format: 'table' | 'json' | 'ndjson';
  includeTensors?: boolean | undefined;
  trace: TraceLevel;
  expect?: { name: string; shape: number[] }[] | undefined;
  save?: string | undefined;
  html?: string | undefined;
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
  if (html === '') throw new UsageError('--html: expected a file name, got an empty one');
  const htmlTo = html ? env.claim('--html', html) : {};
  // The page shows values whatever --trace says, when keeping them costs little; tables and JSON are unchanged.
  const htmlValues = !!html && (trace === 'full' || fitsFullTrace(module, geometry.seqLen, geometry.batch, flags.maxMemory));
  const keepTrace = trace === 'full' || htmlValues;
  const onStep =
    format === 'ndjson' && trace !== 'none'
      ? (layer: number, direction: 'forward' | 'reverse', t: number, h: Float32Array, c: Float32Array | null): void => {
          env.stream({ event: 'step', layer, direction, ...stepStats(t, h, c, geometry.batch, geometry.lengths, trace === 'full') });
        }
      : undefined;
  const onProgress = env.progress.observer('forward');
  const result = module.forward(setup.x, { ...setup.forward, keepTrace, ...(onStep ? { onStep } : {}), ...(onProgress ? { onProgress } : {}) });
  env.progress.end();
  if (save) writeTensorsFile(save, outputTensors(save, result), saveTo);
  const reportOptions = { version: env.version, includeTensors, geometry, expectations: o.expect, notes: setup.notes, warnings: setup.warnings };
  const report = buildRunReport(module, result, { ...reportOptions, trace });
  if (html) {
    const page = renderHtmlReport(buildRunReport(module, result, { ...reportOptions, trace: htmlValues ? 'full' : 'summary' }));
    writeFileAtomic(html, page, htmlTo);
    env.tell(`wrote ${html} (${formatBytes(htmlReportBytes(page))})`);
  }
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
  addModelOptions(cmd)
    .addOption(new Option('--format <format>', 'table|json|ndjson').argParser(oneOf(['table', 'json', 'ndjson'] as const)).default('table'))
    .option('--include-tensors', 'JSON: add out, h_n (and c_n) as nested lists')
    .addOption(new Option('--trace <level>', 'none|summary|full (full adds the values)').argParser(oneOf(['none', 'summary', 'full'] as const)).default('summary'))
    .option('--expect <name=shape>', 'exit 1 unless the tensor has this shape, e.g. out=3,10,20 (repeatable)', collect(expectation))
    .option('--save <file>', `write out, h_n (and c_n) to ${writableExtensions('many')} (${writableExtensions('one')}: out only)`)
    .option('--html <file>', "also write a self-contained HTML report of the run, with h_t's values when the run is small enough")
    .action(action(ctx, { execute: runCommand, render: (report: RunReport, o: RunOptions, style) => renderRunTable(report, style, o.trace === 'full') }));
}
