/**
 * `rnn-inspect pipeline --spec FILE`: a composed model, each module with its own weights and its
 * own hidden state. Without --spec, the chain is built from the recurrent modules in --weights.
 */
import { Option, type Command } from 'commander';
import { ConfigError, ShapeError, UsageError } from '../../errors.js';
import { readTensorsFile, writableExtensions, writerFor, writeTensorsFile } from '../../io/index.js';
import { readTokenIdsFile } from '../../io/ids.js';
import { checkBudget, estimatePipeline, formatBytes } from '../../modules/memory.js';
import { isTokenIds, Pipeline, type PipelineInput, type PipelineStage, type StageRun } from '../../modules/pipeline.js';
import { buildPipelineReport } from '../../report/pipeline-report.js';
import type { TraceLevel } from '../../report/run-report.js';
import { isRecurrentModuleReport, type PipelineDocument, type PipelineSpec } from '../../schema/pipeline.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { action, type CommandEnv, type Outcome } from '../command.js';
import { jsonText } from '../output.js';
import type { CliContext } from '../context.js';
import { allowNonfiniteOption, DEFAULT_MAX_MEMORY, exactOption, kernelOption, strictFailure } from '../model-options.js';
import type { KernelName } from '../../kernels/kernel.js';
import { byteSize, collect, oneOf, positiveInt, seed } from '../parse.js';
import { renderPipelineTable } from '../render/pipeline-table.js';
import { outputTensors } from './run.js';
import { readSpec, specFromWeights } from '../../setup/pipeline.js';
import { checkFinite, readInput } from '../../setup/run.js';
import type { Warning } from '../../warnings.js';
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
  lengths?: string[] | undefined;
  printSpec?: boolean | undefined;
  html?: string | undefined;
  kernel?: KernelName | undefined;
  exact?: boolean | undefined;
}

/** The composed model built from --spec (or the modules in --weights), run on its inputs; the report. */
export async function pipelineCommand(o: PipelineOptions, env: CommandEnv): Promise<Outcome<PipelineDocument | PipelineSpec>> {
  const save = o.save;
  if (save) {
    const format = writerFor(save);
    if (format.holds === 'one') throw new UsageError(`--save ${save}: expected ${writableExtensions('many')} for a pipeline's several tensors, got ${format.extensions[0]} (one tensor)`);
  }
  const saveTo = save ? env.claim('--save', save) : {};
  const html = claimHtml(env, o.html);
  const budget = o.maxMemory;
  const allowed = !!o.allowNonfinite;
  const warnings: Warning[] = [];
  const weights = o.weights ? readTensorsFile(o.weights, { maxBytes: budget }) : null;
  let weightMap = weights ? new Map([...weights.tensors].map(([k, v]) => [k, checkFinite(v.tensor, `${o.weights}: ${k}`, allowed, warnings)])) : null;
  const notes: string[] = [];
  const unusedKeys: string[] = [];
  let spec: PipelineSpec;
  if (o.spec) spec = await readSpec(o.spec);
  else if (weightMap && o.weights) {
    const inferredSpec = specFromWeights(o.weights, weightMap, weights?.modules);
    ({ spec, weights: weightMap } = inferredSpec);
    notes.push(...inferredSpec.notes);
    unusedKeys.push(...inferredSpec.unusedKeys);
  } else throw new UsageError('pipeline: expected --spec FILE (or --weights FILE holding the modules), got neither');
  const inferred = !o.spec;
  if (o.printSpec) return { document: spec };

  // The inputs an embedding reads hold token ids; from the spec, before any module is constructed.
  const embedded = new Set(spec.modules.flatMap((m, i) => (m.type === 'embedding' ? [m.input ?? (i === 0 ? 'x' : spec.modules[i - 1]!.name)] : [])));
  const given = new Map<string, PipelineInput>();
  for (const arg of o.input ?? []) {
    const [name, file] = named(arg, 'x');
    if (given.has(name)) throw new UsageError(`--input: expected one file per input name, got "${name}" twice`);
    given.set(name, embedded.has(name) ? readTokenIdsFile(file, name, { maxBytes: budget }) : readInput(file, name, budget, allowed, warnings));
  }
  const lengths = new Map<string, number[]>();
  for (const arg of o.lengths ?? []) {
    const [name, list] = named(arg, firstInput(spec));
    if (lengths.has(name)) throw new UsageError(`--lengths: expected one list per input name, got "${name}" twice`);
    lengths.set(name, parseLengths(list, name));
  }
  // Every module's estimate from the spec, before any module is constructed (each allocates its
  // parameters at once): steps and batch from its input file, else from the flags.
  const trace = o.trace;
  const estimate = estimatePipeline(
    spec,
    (input, batchFirst) => {
      const x = given.get(input);
      if (!x) return { seqLen: o.seqLen, batch: o.batch };
      const idsOnly = isTokenIds(x);
      const batchedRank = idsOnly ? 2 : 3;
      return x.shape.length === batchedRank ? { seqLen: x.shape[batchFirst ? 1 : 0]!, batch: x.shape[batchFirst ? 0 : 1]! } : { seqLen: x.shape[0] ?? 1, batch: 1 };
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
  // Constructed only now: each module allocates its parameters at once.
  const pipeline = buildPipeline(spec, o, inferred).train(!!o.train);
  if (weightMap) unusedKeys.push(...pipeline.loadStateDict(weightMap, { strict: !!o.spec }));
  if (unusedKeys.length) notes.push(`${unusedKeys.length} key(s) of ${o.weights} belong to no module of the spec and were not used: ${unusedKeys.join(', ')}`);
  const needed = pipeline.inputNames();
  for (const [what, map] of [['--input', given], ['--lengths', lengths]] as const) {
    const unused = [...map.keys()].filter((k) => !needed.includes(k));
    if (unused.length) throw new UsageError(`${what}: expected inputs named ${needed.join(', ')}, got ${unused.join(', ')} which no module reads`);
  }
  const random = new Random(o.seed ^ 0x5eed);
  const inputs = new Map<string, PipelineInput>();
  for (const name of needed) {
    const file = given.get(name);
    if (file) {
      inputs.set(name, file);
      continue;
    }
    const reader = pipeline.stages.find((st) => !st.readsModule && st.reads === name)!;
    if (given.size) throw new UsageError(`--input: expected a file for input "${name}" (read by ${reader.name}), got none`);
    inputs.set(name, randomInput(pipeline, reader.name, o.batch, o.seqLen, random));
  }

  const gates = new Map(html ? pipeline.recurrentStages().map((st) => [st.name, gateCollector(st.module, null)]) : []);
  let runs: Map<string, StageRun>;
  try {
    runs = pipeline.forward(inputs, lengths, (stage) => gates.get(stage.name)?.onStep, { kernel: o.kernel, exact: o.exact });
  } catch (err) {
    if (err instanceof ShapeError && inferred) throw new ShapeError(`${err.message}; the spec was inferred from ${o.weights} with batch_first=False: for (batch, seq_len) data write it with --print-spec, set "batch_first": true and pass it with --spec`);
    throw err;
  }
  if (save) {
    const all = new Map<string, Tensor>();
    for (const [name, run] of runs) {
      if ('result' in run) for (const [k, t] of outputTensors(save, run.result, `${name}.`)) all.set(k, t);
      else all.set(`${name}.out`, run.out);
    }
    writeTensorsFile(save, all, saveTo);
  }
  const build = (level: TraceLevel): PipelineDocument => buildPipelineReport(pipeline, runs, { version: env.version, trace: level, includeTensors: !!o.includeTensors, warnings, notes, unusedKeys });
  const report = build(trace);
  if (html) {
    // The page draws the recurrent modules (an Embedding or a Linear has no grid); it embeds the
    // document with --trace full when every module's values fit it.
    const recurrent = [...runs.values()].flatMap((r) => ('result' in r ? [r.result] : []));
    const page = build(fitsPageTrace(recurrent) ? 'full' : 'summary');
    const drawn = { ...page, modules: page.modules.filter(isRecurrentModuleReport) };
    writeHtml(env, html, renderHtmlReport(drawn, { gates: pipeline.recurrentStages().map((st) => gates.get(st.name)?.stats() ?? null) }));
  }
  const checked = report.modules.flatMap((m) => ('non_finite' in m ? [{ where: `module ${m.name}`, nonFinite: m.non_finite }] : []));
  return { document: report, failure: strictFailure(!!o.strict, checked) };
}

/** The input the first module reads. */
function firstInput(spec: PipelineSpec): string {
  return spec.modules[0]?.input ?? 'x';
}

/** `NAME=VALUE`, or VALUE alone for `fallback`; a path holding `=` is not taken for a name. */
function named(arg: string, fallback: string): [string, string] {
  const eq = arg.indexOf('=');
  return eq > 0 && !arg.slice(0, eq).includes('/') ? [arg.slice(0, eq), arg.slice(eq + 1)] : [fallback, arg];
}

function parseLengths(list: string, name: string): number[] {
  const values = list.split(',').map((v) => v.trim());
  if (!values.every((v) => /^\d+$/.test(v))) throw new UsageError(`--lengths: expected positive integers like 3,10,7 for "${name}", got "${list}"`);
  return values.map(Number);
}

function buildPipeline(spec: PipelineSpec, o: PipelineOptions, inferred: boolean): Pipeline {
  try {
    return new Pipeline(spec, { seed: o.seed });
  } catch (err) {
    if (err instanceof ConfigError && inferred) throw new ConfigError(`${err.message}; the modules in ${o.weights} do not chain on their own: give a --spec (--print-spec writes the inferred one to start from)`);
    throw err;
  }
}

/** Random input for a module: token ids uniform in 0..num_embeddings-1 for an embedding, else standard normal features. */
function randomInput(pipeline: Pipeline, name: string, B: number, T: number, random: Random): PipelineInput {
  const stage = pipeline.stage(name);
  // The layout of the first recurrent module the input reaches decides (batch, seq) or (seq, batch).
  let next: PipelineStage | undefined = stage;
  while (next && next.type !== 'recurrent') next = pipeline.stages.find((st) => st.readsModule && st.reads === next!.name);
  const batchFirst = next?.type === 'recurrent' && next.module.config.batchFirst;
  const layout = batchFirst ? [B, T] : [T, B];
  if (stage.type === 'embedding') {
    const ids = new Float64Array(B * T).map(() => Math.min(stage.module.numEmbeddings - 1, Math.floor(random.next() * stage.module.numEmbeddings)));
    return { ids, shape: layout };
  }
  const features = stage.type === 'linear' ? stage.module.inFeatures : stage.module.config.inputSize;
  const x = Tensor.zeros([...layout, features]);
  random.fillNormal(x.data);
  return x;
}

export function registerPipeline(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('pipeline')
    .description('run a composed model (modules in series, encoder-decoder) where each module keeps its own weights and state')
    .option('--spec <file>', 'the modules as JSON: {"modules": [{"name", "type", "input_size", "hidden_size", ...}]}; type also embedding, linear')
    .option('--weights <file>', 'the composed state_dict, keys prefixed by module name (rnn1.weight_ih_l0)')
    .option('--input <[name=]file>', 'x from a file, or NAME=FILE for another named input (repeatable); an embedding\'s input holds integer token ids', collect(String))
    .option('--lengths <[name=]list>', 'valid steps per batch element (3,10,7) of the first input, or NAME=3,10,7 of a named one, as pack_padded_sequence (repeatable)', collect(String))
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
    .addOption(kernelOption())
    .addOption(exactOption())
    .option('--strict', 'exit 1 when a module produced Infinity or NaN (the output is written first)')
    .option('--print-spec', 'write the spec (with --weights alone, the one inferred from the file) as JSON, to edit and pass back with --spec; nothing runs');
  addHtmlOption(cmd, 'one grid per recurrent module side by side, the h_n -> h_0 hand-offs drawn').action(
    action(ctx, {
      execute: pipelineCommand,
      render: (document: PipelineDocument | PipelineSpec, _o, style, layout) => ('command' in document ? renderPipelineTable(document, style, layout.width) : jsonText(document)),
    }),
  );
}
