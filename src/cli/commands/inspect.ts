/**
 * `rnn-inspect inspect FILE`: every tensor a weights file holds (name, dtype, shape) and every
 * recurrent module recognised in it, with the configuration its shapes imply.
 */
import { Option, type Command } from 'commander';
import { inspectFile } from '../../report/inspect-file.js';
import type { InspectReport } from '../../schema/inspect.js';
import { action, type CommandEnv, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { oneOf } from '../parse.js';
import { renderInspectTable } from '../render/inspect-table.js';

export interface InspectOptions {
  format: 'table' | 'json';
}

export function inspectCommand(_o: InspectOptions, env: CommandEnv, [file]: string[]): Outcome<InspectReport> {
  return { document: inspectFile(file!, { version: env.version }) };
}

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .description('list the tensors in a weights file (.pt, .safetensors, .npz, .json) and the recurrent modules in it')
    .argument('<file>', 'a state_dict file')
    .addOption(new Option('--format <format>', 'table|json').argParser(oneOf(['table', 'json'] as const)).default('table'))
    .action(action(ctx, { execute: inspectCommand, render: (report: InspectReport, _o, style) => renderInspectTable(report, style) }));
}
