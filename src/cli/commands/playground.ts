/**
 * `rnn-inspect playground FILE`: write the playground page, one self-contained file in which a
 * learner changes the model and its data and sees the shapes, h_n and the grid recomputed,
 * offline, by the CLI's own run command bundled for the browser (dist/playground.js, built by
 * `npm run build`).
 */
import { Option, type Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { InternalError, UsageError } from '../../errors.js';
import { renderPlaygroundPage } from '../../html/playground.js';
import { htmlReportBytes } from '../../html/report.js';
import { writeFileAtomic } from '../../io/index.js';
import { formatBytes } from '../../modules/memory.js';
import { action, type CommandEnv, type Outcome } from '../command.js';
import type { CliContext } from '../context.js';
import { oneOf } from '../parse.js';

export interface PlaygroundOptions {
  format: 'text' | 'json';
}

/** What the command wrote. */
export interface PlaygroundDocument {
  command: 'playground';
  version: string;
  file: string;
  bytes: number;
}

/** The browser bundle, found from the package's root (this module runs from dist/bundle/, dist/ or src/). */
function engineScript(): string {
  for (let dir = new URL('./', import.meta.url), i = 0; i < 5; dir = new URL('../', dir), i++) {
    const pkg = new URL('package.json', dir);
    if (!existsSync(pkg) || (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name !== 'rnn-inspect') continue;
    const engine = new URL('dist/playground.js', dir);
    if (!existsSync(engine)) break;
    return readFileSync(engine, 'utf8');
  }
  throw new InternalError("playground: expected the page's engine dist/playground.js beside the package, got none (npm run build makes it)");
}

export function playgroundCommand(_o: PlaygroundOptions, env: CommandEnv, [file]: string[]): Outcome<PlaygroundDocument> {
  if (!file) throw new UsageError('playground: expected a file name, got an empty one');
  const to = env.claim('playground', file);
  const page = renderPlaygroundPage(engineScript(), env.version);
  writeFileAtomic(file, page, to);
  return { document: { command: 'playground', version: env.version, file, bytes: htmlReportBytes(page) } };
}

export function registerPlayground(program: Command, ctx: CliContext): void {
  program
    .command('playground')
    .description('write a self-contained page where you change the model and its data and see the shapes, h_n and the grid recomputed, offline')
    .argument('<file>', 'the HTML file to write')
    .addOption(new Option('--format <format>', 'text|json').argParser(oneOf(['text', 'json'] as const)).default('text'))
    .action(
      action(ctx, {
        execute: playgroundCommand,
        render: (doc: PlaygroundDocument) => `wrote ${doc.file} (${formatBytes(doc.bytes)}): open it in a browser; it needs no network\n`,
      }),
    );
}
