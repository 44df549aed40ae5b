/**
 * `rnn-inspect diff A B`: whether two model files agree on one input, where they first diverge
 * (layer, direction, step, tensor) and the known conversion mistake that explains it.
 */
import { Option, type Command } from 'commander';
import { CheckFailedError } from '../../errors.js';
import { isTfjsTarget, tfjsShardPath } from '../../io/index.js';
import type { DiffReport } from '../../schema/diff.js';
import { diffModels } from '../../setup/diff.js';
import { action, type CommandEnv, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { DEFAULT_MAX_MEMORY } from '../model-options.js';
import { byteSize, oneOf, positiveNumber, seed } from '../parse.js';
import { renderDiff } from '../render/diff-text.js';

export interface DiffOptions {
  input?: string;
  seed: number;
  tolerance: number;
  fix?: string;
  maxMemory: number;
  format: 'table' | 'json';
}

export function diffCommand(o: DiffOptions, env: CommandEnv, [a, b]: string[]): Outcome<DiffReport> {
  const fixWriteOptions = o.fix ? env.claim('--fix', o.fix) : {};
  const shard = o.fix && isTfjsTarget(o.fix) ? { fixShardWriteOptions: env.claim('--fix (its weight shard)', tfjsShardPath(o.fix)) } : {};
  const document = diffModels({ a: a!, b: b!, input: o.input, seed: o.seed, tolerance: o.tolerance, fix: o.fix, maxMemory: o.maxMemory, version: env.version, fixWriteOptions, ...shard });
  const failure = document.ok ? null : new CheckFailedError(`diff: expected ${a} and ${b} to agree within ${o.tolerance}, got max |diff| ${document.max_diff}${document.cause ? ` (${document.cause.id})` : ''}`);
  return { document, failure };
}

export function registerDiff(program: Command, ctx: CliContext): void {
  program
    .command('diff')
    .description('run two model files on one input, layer by layer and step by step: where they diverge, and the likely cause')
    .argument('<a>', 'the reference model file')
    .argument('<b>', 'the model file to check against it')
    .option('--input <file>', 'x (seq_len, batch, input_size); random from --seed otherwise')
    .addOption(new Option('--seed <n>', 'seed of the random input').argParser(seed).default(0))
    .addOption(new Option('--tolerance <x>', 'largest |A - B| that agrees').argParser(positiveNumber).default(1e-5))
    .option('--fix <file>', "write B with the cause undone (its format from the extension; a TF.js model.json writes its weights.bin beside it)")
    .addOption(new Option('--max-memory <size>', 'refuse files that hold or inflate to more than this').argParser(byteSize).default(byteSize(DEFAULT_MAX_MEMORY), DEFAULT_MAX_MEMORY))
    .addOption(new Option('--format <format>', 'table|json').argParser(oneOf(['table', 'json'] as const)).default('table'))
    .action(action(ctx, { execute: diffCommand, render: (report: DiffReport, _o, style, layout) => renderDiff(report, style, layout.width) }));
}
