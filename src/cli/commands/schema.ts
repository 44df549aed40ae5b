/**
 * `rnn-inspect schema [document]`: the JSON Schema of the documents this tool writes, generated
 * from the same zod schemas the tests validate real output against.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { documentNames } from '../../schema/names.js';
import { action, type CommandEnv, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';

/** The JSON Schema of one document, or of all of them under $defs. */
export async function schemaCommand(_o: object, env: CommandEnv, [name]: string[]): Promise<Outcome<unknown>> {
  const names: readonly string[] = documentNames;
  if (name !== undefined && !names.includes(name)) throw new UsageError(`schema: expected one of ${names.join(', ')}, got "${name}"`);
  const [{ z }, { documents }] = await Promise.all([import('zod'), import('../../schema/index.js')]);
  const chosen = name ? { [name]: documents[name as keyof typeof documents] } : documents;
  const schemas = Object.fromEntries(Object.entries(chosen).map(([k, s]) => [k, z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })]));
  return { document: name ? schemas[name] : { $schema: 'https://json-schema.org/draft/2020-12/schema', title: `rnn-inspect ${env.version} JSON documents`, $defs: schemas } };
}

export function registerSchema(program: Command, ctx: CliContext): void {
  const names: readonly string[] = documentNames;
  program
    .command('schema')
    .description(`print the JSON Schema of the JSON output (${names.join(', ')}; all when omitted)`)
    .argument('[document]', `one of ${names.join(', ')}`)
    // JSON only: the renderer is never asked for.
    .action(action(ctx, { execute: schemaCommand, render: (document) => JSON.stringify(document) }));
}
