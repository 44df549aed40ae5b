/**
 * `rnn-inspect schema [document]`: the JSON Schema of the documents this tool writes, generated
 * from the same zod schemas the tests validate real output against.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { documentNames } from '../../schema/names.js';
import type { CliContext } from '../context.js';
import { jsonText } from '../output.js';

export function registerSchema(program: Command, ctx: CliContext): void {
  const names: readonly string[] = documentNames;
  const cmd = program
    .command('schema')
    .description(`print the JSON Schema of the JSON output (${names.join(', ')}; all when omitted)`)
    .argument('[document]', `one of ${names.join(', ')}`)
    .action(async (name: string | undefined) => {
      if (name !== undefined && !names.includes(name)) throw new UsageError(`schema: expected one of ${names.join(', ')}, got "${name}"`);
      const [{ z }, { documents }] = await Promise.all([import('zod'), import('../../schema/index.js')]);
      const chosen = name ? { [name]: documents[name as keyof typeof documents] } : documents;
      const schemas = Object.fromEntries(Object.entries(chosen).map(([k, s]) => [k, z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })]));
      const doc = name ? schemas[name] : { $schema: 'https://json-schema.org/draft/2020-12/schema', title: `rnn-inspect ${ctx.version} JSON documents`, $defs: schemas };
      const sink = ctx.openOutput(cmd);
      sink.write(jsonText(doc));
      sink.commit();
    });
}
