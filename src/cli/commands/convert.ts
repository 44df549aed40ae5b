/**
 * `rnn-inspect convert IN OUT`: a recurrent module from one weights format to another (PyTorch
 * state_dict formats and ONNX), checked by running both files through the engine.
 */
import { Option, type Command } from 'commander';
import { formats, isKerasTarget, isTfjsTarget, loadHdf5Writer, tfjsShardPath, writableExtensions } from '../../io/index.js';
import { convertModel } from '../../setup/convert.js';
import type { ConvertReport } from '../../schema/convert.js';
import { action, type CommandEnv, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { DEFAULT_MAX_MEMORY } from '../model-options.js';
import { byteSize, oneOf, seed } from '../parse.js';
import { renderConvert } from '../render/convert-table.js';

export interface ConvertOptions {
  module?: string;
  nonlinearity?: 'tanh' | 'relu';
  seed: number;
  maxMemory: number;
  format: 'table' | 'json';
}

export async function convertCommand(o: ConvertOptions, env: CommandEnv, [input, output]: string[]): Promise<Outcome<ConvertReport>> {
  const writeOptions = env.claim('OUT', output!);
  const shardWriteOptions = isTfjsTarget(output!) ? { shardWriteOptions: env.claim('OUT (its weight shard)', tfjsShardPath(output!)) } : {};
  const hdf5 = isKerasTarget(output!) ? { hdf5: await loadHdf5Writer() } : {};
  return { document: convertModel({ input: input!, output: output!, module: o.module, nonlinearity: o.nonlinearity, seed: o.seed, maxMemory: o.maxMemory, version: env.version, writeOptions, ...shardWriteOptions, ...hdf5 }) };
}

const readable = (): string => formats.filter((f) => f.readTensors).flatMap((f) => f.extensions).join(', ');

export function registerConvert(program: Command, ctx: CliContext): void {
  program
    .command('convert')
    .description(`convert a recurrent module between weights formats (${readable()}) and check the result with the engine`)
    .argument('<in>', `the weights file to read (${readable()})`)
    .argument('<out>', `the file to write: .onnx, a TF.js model.json (its weights.bin beside it), a Keras .keras or .h5, or a state_dict in ${writableExtensions('many')}`)
    .option('--module <prefix>', 'with several recurrent modules in IN, the one to convert')
    .addOption(new Option('--nonlinearity <name>', "an RNN's tanh|relu, which a state_dict does not record (an ONNX file says it)").argParser(oneOf(['tanh', 'relu'] as const)))
    .addOption(new Option('--seed <n>', "seed of the check's random input").argParser(seed).default(0))
    .addOption(new Option('--max-memory <size>', 'refuse files that hold or inflate to more than this').argParser(byteSize).default(byteSize(DEFAULT_MAX_MEMORY), DEFAULT_MAX_MEMORY))
    .addOption(new Option('--format <format>', 'table|json').argParser(oneOf(['table', 'json'] as const)).default('table'))
    .addHelpText('after', '\nExamples:\n  rnn-inspect convert model.pt model.onnx\n  rnn-inspect convert model.onnx model.safetensors --format json\n  rnn-inspect convert model.pt web/model.json\n  rnn-inspect convert model.pt model.keras\n')
    .action(action(ctx, { execute: convertCommand, render: (report: ConvertReport, _o, style, layout) => renderConvert(report, style, layout.width) }));
}
