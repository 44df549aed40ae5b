/**
 * `rnn-inspect doctor`: diagnose shapes without any data. The module comes from the flags, a
 * checkpoint (--weights) or a composed model (--spec); the shapes are the user's (--x-shape,
 * --h0-shape, --c0-shape, --lengths). Exit 0 when they fit, 1 when they do not (the report is
 * printed first), 2 for unusable arguments.
 *
 * Sizes the user did not give are taken from the shapes (input_size from x's last dimension,
 * hidden_size and num_layers from h_0 / c_0), so only what was said, or read from a file, is checked.
 */
import { Option, type Command } from 'commander';
import { CheckFailedError, UsageError } from '../../errors.js';
import { doctor } from '../../diagnose/index.js';
import { completeModule, DOCTOR_DEFAULTS } from '../../diagnose/sizes.js';
import { diagnosePipeline } from '../../diagnose/pipeline.js';
import type { RecurrentConfig } from '../../modules/layer/config.js';
import type { CellKind } from '../../modules/kinds/index.js';
import { checkBudget, estimatePipeline } from '../../modules/memory.js';
import { Pipeline } from '../../modules/pipeline.js';
import type { DoctorReport } from '../../schema/doctor.js';
import type { Shape } from '../../tensor/tensor.js';
import { action, type CommandEnv, type Given, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { addModuleOptions, DEFAULT_MAX_MEMORY } from '../model-options.js';
import { byteSize, collect, intList, namedShape, oneOf } from '../parse.js';
import { renderDoctorTable } from '../render/doctor-table.js';
import { chooseModule, type ModuleFlags } from '../../setup/run.js';
import { readSpec } from '../../setup/pipeline.js';

type NamedShape = { name: string | null; shape: number[] };

const MODULE_FLAGS: Record<string, string> = {
  type: '--type',
  inputSize: '--input-size',
  hiddenSize: '--hidden-size',
  layers: '--layers',
  nonlinearity: '--nonlinearity',
  bias: '--no-bias',
  batchFirst: '--batch-first',
  bidirectional: '--bidirectional',
  projSize: '--proj-size',
  weights: '--weights',
  module: '--module',
};

/** At most one unnamed shape for a single module (`x` may be named). */
function single(list: NamedShape[] | undefined, flag: string, allowed: string | null): Shape | undefined {
  if (!list?.length) return undefined;
  if (list.length > 1) throw new UsageError(`${flag}: expected one shape, got ${list.length}`);
  const { name, shape } = list[0]!;
  if (name !== null && name !== allowed) throw new UsageError(`${flag}: expected a plain shape such as 4,35,128 (NAME=SHAPE is for --spec), got "${name}=..."`);
  return shape;
}

/** What doctor's options parse to. */
export interface DoctorOptions extends ModuleFlags {
  nonlinearity: 'tanh' | 'relu';
  batchFirst?: boolean | undefined;
  xShape?: NamedShape[] | undefined;
  h0Shape?: NamedShape[] | undefined;
  c0Shape?: NamedShape[] | undefined;
  lengths?: number[] | undefined;
  enforceSorted?: boolean | undefined;
  spec?: string | undefined;
  format: 'table' | 'json';
}

/**
 * One module from the flags or --weights: what --weights holds or the user typed is given; the
 * rest is read from the shapes (src/diagnose/sizes.ts), every assumption noted.
 */
function singleModule(o: DoctorOptions, explicit: (k: string) => boolean, x: Shape, h0: Shape | undefined, c0: Shape | undefined, notes: string[]): { kind: CellKind; config: RecurrentConfig } {
  if (o.weights) {
    const chosen = chooseModule(o, explicit);
    notes.push(...chosen.notes);
    const { inputSize, hiddenSize, numLayers, bias, bidirectional, projSize } = chosen;
    notes.push(`${chosen.kind.name}(${inputSize}, ${hiddenSize}, ...) read from ${o.weights}${chosen.inferred?.prefix ? ` (module ${chosen.inferred.prefix.replace(/\.$/, '')})` : ''}`);
    return completeModule({ type: chosen.kind.type, inputSize, hiddenSize, numLayers, bias, bidirectional, projSize, nonlinearity: chosen.nonlinearity, batchFirst: o.batchFirst ?? chosen.inferred?.batchFirst ?? false }, { x, h0, c0 }, notes);
  }
  if (o.module !== undefined) throw new UsageError(`--module: expected --weights FILE to pick a module from, got no --weights`);
  const given = <T>(key: string, value: T): T | undefined => (explicit(key) ? value : undefined);
  return completeModule(
    {
      type: given('type', o.type),
      inputSize: given('inputSize', o.inputSize),
      hiddenSize: given('hiddenSize', o.hiddenSize),
      numLayers: given('layers', o.layers),
      nonlinearity: o.nonlinearity,
      bias: o.bias,
      batchFirst: !!o.batchFirst,
      bidirectional: !!o.bidirectional,
      projSize: given('projSize', o.projSize),
    },
    { x, h0, c0 },
    notes,
  );
}

async function specReport(o: DoctorOptions, explicit: (k: string) => boolean, file: string, xs: NamedShape[], h0s: NamedShape[], c0s: NamedShape[]): Promise<Pick<DoctorReport, 'expected' | 'problems' | 'modules' | 'notes'>> {
  const given = Object.keys(MODULE_FLAGS).find((k) => explicit(k));
  if (given) throw new UsageError(`${MODULE_FLAGS[given]}: expected no module flags with --spec (the spec configures every module), got ${MODULE_FLAGS[given]}`);
  if (o.lengths) throw new UsageError('--lengths: expected no lengths with --spec (a pipeline runs padded batches whole), got --lengths');
  const spec = await readSpec(file);
  // The doctor runs nothing, but constructing the modules allocates their parameters.
  const { parameterBytes } = estimatePipeline(spec, () => ({ seqLen: 1, batch: 1 }), { keepTrace: false });
  checkBudget(parameterBytes, o.maxMemory, "the spec's parameters", `${spec.modules.length} module(s)`);
  const pipeline = new Pipeline(spec, { checkFit: false });
  const names = pipeline.stages.map((s) => s.name);
  const inputs = new Map<string, Shape>();
  for (const { name, shape } of xs) {
    const input = name ?? 'x';
    if (!pipeline.inputNames().includes(input)) throw new UsageError(`--x-shape: expected inputs named ${pipeline.inputNames().join(', ')}, got "${input}" which no module reads`);
    if (inputs.has(input)) throw new UsageError(`--x-shape: expected one shape per input, got "${input}" twice`);
    inputs.set(input, shape);
  }
  const missing = pipeline.inputNames().filter((n) => !inputs.has(n));
  if (missing.length) throw new UsageError(`--x-shape: expected a shape for every input the modules read (${missing.map((n) => `--x-shape ${n === 'x' ? '' : `${n}=`}SHAPE`).join(', ')}), got none for ${missing.join(', ')}`);
  const states = (list: NamedShape[], flag: string): Map<string, Shape> => {
    const out = new Map<string, Shape>();
    for (const { name, shape } of list) {
      const module = name ?? (names.length === 1 ? names[0]! : null);
      if (module === null) throw new UsageError(`${flag}: expected MODULE=SHAPE with a spec of several modules (${names.join(', ')}), got a plain shape`);
      const stage = pipeline.stages.find((s) => s.name === module);
      if (!stage) throw new UsageError(`${flag}: expected a module name (${names.join(', ')}), got "${module}"`);
      if (stage.h0From) throw new UsageError(`${flag}: ${module}'s state is ${stage.h0From}'s h_n (h_0_from); expected no ${flag} for it`);
      out.set(module, shape);
    }
    return out;
  };
  const { modules, notes } = diagnosePipeline(pipeline, { inputs, h0: states(h0s, '--h0-shape'), c0: states(c0s, '--c0-shape') });
  return {
    expected: Object.assign({}, ...modules.map((m) => m.expected)) as Record<string, number[]>,
    problems: modules.flatMap((m) => m.problems),
    modules: modules.map((m) => m.module),
    notes,
  };
}

/** The shapes checked against the module (flags, --weights or --spec); exit 1 when they do not fit. */
export async function doctorCommand(o: DoctorOptions & Given, env: CommandEnv): Promise<Outcome<DoctorReport>> {
  const explicit = o.given;
  const xs = o.xShape ?? [];
  const h0s = o.h0Shape ?? [];
  const c0s = o.c0Shape ?? [];
  if (!xs.length) throw new UsageError('doctor: expected --x-shape (the shape of your x, e.g. --x-shape 4,35,128), got none');
  if (o.enforceSorted && !o.lengths) throw new UsageError('--enforce-sorted: expected --lengths to go with it, got none');
  let report: DoctorReport;
  if (o.spec) {
    const body = await specReport(o, explicit, o.spec, xs, h0s, c0s);
    report = { command: 'doctor', version: env.version, ok: body.problems.length === 0, ...body, warnings: [] };
  } else {
    const x = single(xs, '--x-shape', 'x')!;
    const h0 = single(h0s, '--h0-shape', null);
    const c0 = single(c0s, '--c0-shape', null);
    const notes: string[] = [];
    const module = singleModule(o, explicit, x, h0, c0, notes);
    report = doctor(module, { x, h0, c0, lengths: o.lengths, enforceSorted: !!o.enforceSorted }, { version: env.version, notes });
  }
  const n = report.problems.length;
  const failure = report.ok ? null : new CheckFailedError(`doctor: the shapes do not fit: ${n} problem${n === 1 ? '' : 's'} (${report.problems.map((p) => p.tensor).join(', ')})`);
  return { document: report, failure };
}

export function registerDoctor(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('doctor')
    .description("diagnose shapes without data: PyTorch's message, the expected shapes with every dimension named, the likely cause and the fix");
  addModuleOptions(cmd);
  // Sizes not given are read from the shapes (see singleModule), so help says so, not run's defaults.
  const derived: Record<string, string> = { '--input-size': "x's last dimension", '--hidden-size': `from h_0 or c_0, else ${DOCTOR_DEFAULTS.hiddenSize}`, '--layers': `from h_0 or c_0, else ${DOCTOR_DEFAULTS.numLayers}` };
  for (const option of cmd.options) {
    const described = option.long ? derived[option.long] : undefined;
    if (described) option.defaultValueDescription = described;
  }
  cmd
    .option('--x-shape <[name=]shape>', "x's shape, e.g. 4,35,128 (with --spec, NAME=SHAPE for another named input)", collect(namedShape))
    .option('--h0-shape <[module=]shape>', "h_0's shape, e.g. 2,4,256 (with --spec of several modules, MODULE=SHAPE)", collect(namedShape))
    .option('--c0-shape <[module=]shape>', "LSTM: c_0's shape (with --spec of several modules, MODULE=SHAPE)", collect(namedShape))
    .option('--lengths <list>', 'valid steps of each batch element, e.g. 10,9,3 (as pack_padded_sequence)', intList)
    .option('--enforce-sorted', 'with --lengths: lengths must be non-increasing, as pack_padded_sequence(enforce_sorted=True)')
    .option('--spec <file>', 'a composed model (the pipeline spec): check every module against what feeds it')
    .addOption(new Option('--format <format>', 'table|json').argParser(oneOf(['table', 'json'] as const)).default('table'))
    .addOption(
      new Option('--max-memory <size>', 'refuse weights files, and specs whose parameters, need more memory than this')
        .argParser(byteSize)
        .default(byteSize(DEFAULT_MAX_MEMORY), DEFAULT_MAX_MEMORY),
    )
    .action(action(ctx, { execute: doctorCommand, render: (report: DoctorReport, _o, style, layout) => renderDoctorTable(report, style, layout.width) }));
}
