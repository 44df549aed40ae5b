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
import type { CliContext } from '../context.js';
import { jsonText } from '../output.js';
import { addModelOptions, checkStrict, modelFlags, type ModelOptions } from '../model-options.js';
import { addHtmlOption, claimHtml, writeHtml } from '../html-output.js';
import { collect, expectation, oneOf } from '../parse.js';
import { progress, progressWanted } from '../progress.js';
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

interface RunOptions extends ModelOptions {
  format: 'table' | 'json' | 'ndjson';
  includeTensors?: boolean | undefined;
  trace: TraceLevel;
  expect?: { name: string; shape: number[] }[] | undefined;
  save?: string | undefined;
  html?: string | undefined;
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
    .action(() => {
      const o = cmd.opts<RunOptions>();
      const { flags, explicit } = modelFlags(cmd);
      const save = o.save;
      if (save) writerFor(save);
      const saveTo = save ? ctx.claim('--save', save) : {};
      const format = o.format;
      const trace = o.trace;
      // Only --trace full shows every hidden state; otherwise the engine keeps running statistics.
      const includeTensors = !!o.includeTensors;
      const setup = setupRun(flags, explicit, { keepTrace: trace === 'full', report: format === 'table' && trace === 'full' ? 'full' : trace, includeTensors });
      const sink = ctx.openOutput(cmd);
      const { module, geometry } = setup;
      const html = claimHtml(ctx, o.html);
      // The page shows values (and gates) whatever --trace says, when keeping them costs little; tables and JSON are unchanged.
      const htmlValues = !!html && (trace === 'full' || htmlKeepsValues(setup.module, geometry.seqLen, geometry.batch, flags.maxMemory));
      const keepTrace = trace === 'full' || htmlValues;
      const gates = htmlValues ? gateCollector(module, geometry.lengths) : null;
      const printStep =
        format === 'ndjson' && trace !== 'none'
          ? (layer: number, direction: 'forward' | 'reverse', t: number, h: Float32Array, c: Float32Array | null): void => {
              const stats = stepStats(t, h, c, geometry.batch, geometry.lengths, trace === 'full');
              sink.write(jsonText({ event: 'step', layer, direction, ...stats }, 0));
            }
          : undefined;
      const onStep = bothObservers(printStep, gates?.onStep);
      const shown = progress(progressWanted(format));
      const onProgress = shown.observer('forward');
      const result = module.forward(setup.x, { ...setup.forward, keepTrace, ...(onStep ? { onStep, gates: !!gates } : {}), ...(onProgress ? { onProgress } : {}) });
      shown.end();
      if (save) writeTensorsFile(save, outputTensors(save, result), saveTo);
      const reportOptions = { version: ctx.version, includeTensors, geometry, expectations: o.expect, notes: setup.notes, warnings: setup.warnings };
      const report = buildRunReport(module, result, { ...reportOptions, trace });
      if (html) writeHtml(html, renderHtmlReport(buildRunReport(module, result, { ...reportOptions, trace: htmlValues ? 'full' : 'summary' }), { gates: [gates?.stats() ?? null] }));
      if (format === 'json') sink.write(jsonText(report));
      else if (format === 'ndjson') sink.write(jsonText({ event: 'summary', ...report }, 0));
      else sink.write(renderRunTable(report, ctx.chalk(cmd), trace === 'full'));
      sink.commit();
      const failed = (report.expectations ?? []).filter((e) => !e.ok);
      if (failed.length) {
        const diff = failed.map((e) => `${e.name} expected ${formatShape(e.expected)}, got ${e.actual ? formatShape(e.actual) : 'no such tensor'}`);
        throw new CheckFailedError(`--expect: ${diff.join('; ')}`);
      }
      checkStrict(!!o.strict, [{ nonFinite: report.non_finite }]);
    });
}

