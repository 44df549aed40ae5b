/**
 * `rnn-inspect pipeline --spec FILE`: a composed model, each module with its own weights and its
 * own hidden state. Without --spec, the chain is built from the recurrent modules in --weights.
 */
import { Option, type Command } from 'commander';
import { ConfigError, UsageError } from '../../errors.js';
import { readTensorsFile, writableExtensions, writerFor, writeTensorsFile } from '../../io/index.js';
import { checkBudget, estimatePipeline, formatBytes } from '../../modules/memory.js';
import { Pipeline } from '../../modules/pipeline.js';
import { fingerprint } from '../../report/fingerprint.js';
import { buildRunReport, type TraceLevel } from '../../report/run-report.js';
import type { PipelineReport, PipelineSpec } from '../../schema/pipeline.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { action, type CommandEnv, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { allowNonfiniteOption, DEFAULT_MAX_MEMORY, strictFailure } from '../model-options.js';
import { byteSize, collect, oneOf, positiveInt, seed } from '../parse.js';
import { renderPipelineTable } from '../render/pipeline-table.js';
import { outputTensors } from './run.js';
import { readSpec, specFromWeights } from '../../setup/pipeline.js';
import { checkFinite, readInput } from '../../setup/run.js';
import { fitsPageTrace } from '../../html/budget.js';
import { renderHtmlReport } from '../../html/report.js';
import { gateCollector } from '../../report/gate-stats.js';
import { addHtmlOption, claimHtml, writeHtml } from '../html-output.js';

export interface PipelineOptions {
  spec?: string | undefined;
  weights?: string | undefined;
  input?: string[] | undefined;
  batch: number;
  seqLen: number;
  seed: number;
  train?: boolean | undefined;
  format: 'table' | 'json';
  includeTensors?: boolean | undefined;
  trace: TraceLevel;
  save?: string | undefined;
  maxMemory: number;
  allowNonfinite?: boolean | undefined;
  strict?: boolean | undefined;
  html?: string | undefined;
}

/** The composed model built from --spec (or the modules in --weights), run on its inputs; the report. */
export async function pipelineCommand(o: PipelineOptions, env: CommandEnv): Promise<Outcome<PipelineReport>> {
  const save = o.save;
  if (save) {
    const format = writerFor(save);
    if (format.holds === 'one') throw new UsageError(`--save ${save}: expected ${writableExtensions('many')} for a pipeline's several tensors, got ${format.extensions[0]} (one tensor)`);
  }
  const saveTo = save ? env.claim('--save', save) : {};
  const html = claimHtml(env, o.html);
  const budget = o.maxMemory;
  const allowed = !!o.allowNonfinite;
  const warnings: string[] = [];
  const weights = o.weights ? readTensorsFile(o.weights, { maxBytes: budget }) : null;
  let weightMap = weights ? new Map([...weights.tensors].map(([k, v]) => [k, checkFinite(v.tensor, `${o.weights}: ${k}`, allowed, warnings)])) : null;
  let spec: PipelineSpec;
  if (o.spec) spec = await readSpec(o.spec);
  else if (weightMap && o.weights) ({ spec, weights: weightMap } = specFromWeights(o.weights, weightMap, weights?.modules));
  else throw new UsageError('pipeline: expected --spec FILE (or --weights FILE holding the modules), got neither');

  const given = new Map<string, Tensor>();
  for (const arg of o.input ?? []) {
    const eq = arg.indexOf('=');
    const [name, file] = eq > 0 && !arg.slice(0, eq).includes('/') ? [arg.slice(0, eq), arg.slice(eq + 1)] : ['x', arg];
    if (given.has(name)) throw new UsageError(`--input: expected one file per input name, got "${name}" twice`);
    given.set(name, readInput(file, name, budget, allowed, warnings));
  }
  // Every module's estimate from the spec, before any module is constructed (each allocates its
  // parameters at once): steps and batch from its input file, else from the flags.
  const trace = o.trace;
  const estimate = estimatePipeline(
    spec,
    (input, batchFirst) => {
      const x = given.get(input);
      if (!x) return { seqLen: o.seqLen, batch: o.batch };
      return x.rank === 3 ? { seqLen: x.shape[batchFirst ? 1 : 0]!, batch: x.shape[batchFirst ? 0 : 1]! } : { seqLen: x.shape[0]!, batch: 1 };
    },
    { keepTrace: true, training: !!o.train, report: o.format === 'json' ? trace : 'none', includeTensors: !!o.includeTensors },
  );
  const n = spec.modules.length;
  checkBudget(
    estimate.bytes,
    budget,
    'a pipeline',
    `${n} module${n === 1 ? '' : 's'}, the largest ${estimate.largest.name} with ${formatBytes(estimate.largest.bytes)}; parameters ${formatBytes(estimate.parameterBytes)} of it`,
    estimate.largestArray,
  );
  let pipeline: Pipeline;
  try {
    pipeline = new Pipeline(spec, { seed: o.seed }).train(!!o.train);
  } catch (err) {
    if (err instanceof ConfigError && !o.spec) throw new ConfigError(`${err.message}; the modules in ${o.weights} do not chain on their own: give a --spec`);
    throw err;
  }
  if (weightMap) pipeline.loadStateDict(weightMap);
  const needed = pipeline.inputNames();
  const unused = [...given.keys()].filter((n) => !needed.includes(n));
  if (unused.length) throw new UsageError(`--input: expected inputs named ${needed.join(', ')}, got ${unused.join(', ')} which no module reads`);
  const random = new Random(o.seed ^ 0x5eed);
  const inputs = new Map<string, Tensor>();
  for (const name of needed) {
    const file = given.get(name);
    if (file) {
      inputs.set(name, file);
      continue;
    }
    if (given.size) throw new UsageError(`--input: expected a file for input "${name}" (read by ${pipeline.stages.find((s) => s.reads === name)!.name}), got none`);
    const reader = pipeline.stages.find((s) => !s.readsModule && s.reads === name)!.module.config;
    const [B, T] = [o.batch, o.seqLen];
    const x = Tensor.zeros(reader.batchFirst ? [B, T, reader.inputSize] : [T, B, reader.inputSize]);
    random.fillNormal(x.data);
    inputs.set(name, x);
  }

  const gates = new Map(html ? pipeline.stages.map((s) => [s.name, gateCollector(s.module, null)]) : []);
  const runs = pipeline.forward(inputs, (stage) => gates.get(stage.name)?.onStep);
  if (save) {
    const all = new Map<string, Tensor>();
    for (const [name, run] of runs) for (const [k, t] of outputTensors(save, run.result, `${name}.`)) all.set(k, t);
    writeTensorsFile(save, all, saveTo);
  }
  const build = (trace: TraceLevel): PipelineReport => ({
    command: 'pipeline',
    version: env.version,
    order: pipeline.order,
    modules: pipeline.stages.map((stage) => {
      const run = runs.get(stage.name)!;
      const { config } = stage.module;
      const batched = run.x.rank === 3;
      const { command: _c, version: _v, ...rest } = buildRunReport(stage.module, run.result, {
        version: env.version,
        trace,
        includeTensors: !!o.includeTensors,
        geometry: {
          seqLen: run.x.shape[batched && config.batchFirst ? 1 : 0]!,
          batch: batched ? run.x.shape[config.batchFirst ? 0 : 1]! : 1,
          batched,
          h0Given: !!run.h0,
          c0Given: !!run.c0,
          lengths: null,
        },
      });
      return { name: stage.name, reads: stage.reads, h_0_from: stage.h0From, fingerprint: fingerprint(stage.module.stateDict()), ...rest };
    }),
    parameter_count: pipeline.parameterCount(),
    warnings,
  });
  const report = build(trace);
  // The page embeds the document with --trace full when every module's values fit it.
  if (html) writeHtml(env, html, renderHtmlReport(build(fitsPageTrace([...runs.values()].map((r) => r.result)) ? 'full' : 'summary'), { gates: pipeline.stages.map((s) => gates.get(s.name)?.stats() ?? null) }));
  return { document: report, failure: strictFailure(!!o.strict, report.modules.map((m) => ({ where: `module ${m.name}`, nonFinite: m.non_finite }))) };
}

export function registerPipeline(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('pipeline')
    .description('run a composed model (modules in series, encoder-decoder) where each module keeps its own weights and state')
    .option('--spec <file>', 'the modules as JSON: {"modules": [{"name", "type", "input_size", "hidden_size", ...}]}')
    .option('--weights <file>', 'the composed state_dict, keys prefixed by module name (rnn1.weight_ih_l0)')
    .option('--input <[name=]file>', 'x from a file, or NAME=FILE for another named input (repeatable)', collect(String))
    .option('--batch <n>', 'batch size of random inputs', positiveInt, 3)
    .option('--seq-len <n>', 'time steps of random inputs', positiveInt, 10)
    .option('--seed <n>', 'seed for random weights (module i gets seed + i) and inputs', seed, 0)
    .option('--train', 'training mode: dropout acts')
    .addOption(new Option('--format <format>', 'table|json').argParser(oneOf(['table', 'json'] as const)).default('table'))
    .option('--include-tensors', 'JSON: add each module\'s out, h_n (and c_n)')
    .addOption(new Option('--trace <level>', 'JSON: none|summary|full per-layer trace').argParser(oneOf(['none', 'summary', 'full'] as const)).default('summary'))
    .option('--save <file>', `write every module's out, h_n (and c_n) as NAME.out, ... to ${writableExtensions('many')}`)
    .addOption(
      new Option('--max-memory <size>', 'refuse a pipeline (and files) estimated to need more memory than this')
        .argParser(byteSize)
        .default(byteSize(DEFAULT_MAX_MEMORY), DEFAULT_MAX_MEMORY),
    )
    .addOption(allowNonfiniteOption())
    .option('--strict', 'exit 1 when a module produced Infinity or NaN (the output is written first)');
  addHtmlOption(cmd, 'one grid per module side by side, the h_n -> h_0 hand-offs drawn')
    .action(action(ctx, { execute: pipelineCommand, render: (report: PipelineReport, _o, style, layout) => renderPipelineTable(report, style, layout.width) }));
}
