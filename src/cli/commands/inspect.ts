/**
 * `rnn-inspect inspect FILE`: every tensor a weights file holds (name, dtype, shape) and every
 * recurrent module recognised in it, with the configuration its shapes imply.
 */
import { Option, type Command } from 'commander';
import { CheckFailedError } from '../../errors.js';
import { inspectFile } from '../../report/inspect-file.js';
import type { InspectReport } from '../../schema/inspect.js';
import { action, type CommandEnv, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { oneOf } from '../parse.js';
import { renderInspectTable } from '../render/inspect-table.js';

export interface InspectOptions {
  format: 'table' | 'json';
  strict?: boolean | undefined;
}

export function inspectCommand(o: InspectOptions, env: CommandEnv, [file]: string[]): Outcome<InspectReport> {
  const document = inspectFile(file!, { version: env.version });
  const [first] = document.problems;
  const more = document.problems.length > 1 ? ` (+${document.problems.length - 1} more)` : '';
  return { document, failure: o.strict && first ? new CheckFailedError(`--strict: expected modules that connect, got ${first.code}: ${first.message}${more}`) : null };
}

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .description('list the tensors in a weights file (.pt, .safetensors, .npz, .json), the modules in it and the misfits between them')
    .argument('<file>', 'a state_dict file')
    .addOption(new Option('--format <format>', 'table|json').argParser(oneOf(['table', 'json'] as const)).default('table'))
    .option('--strict', 'exit 1 when neighbouring modules cannot connect (the report is written first)')
    .action(action(ctx, { execute: inspectCommand, render: (report: InspectReport, _o, style, layout) => renderInspectTable(report, style, layout.width) }));
}
