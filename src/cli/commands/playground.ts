/**
 * `rnn-inspect playground FILE`: write the playground page, one self-contained file in which a
 * learner changes the model and its data and sees the shapes, h_n and the grid recomputed,
 * offline, by the CLI's own run command bundled for the browser (dist/playground.js, built by
 * `npm run build`).
 */
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { InternalError, UsageError } from '../../errors.js';
import { renderPlaygroundPage } from '../../html/playground.js';
import { htmlReportBytes } from '../../html/report.js';
import { writeFileAtomic } from '../../io/index.js';
import { formatBytes } from '../../modules/memory.js';
import type { CliContext } from '../context.js';

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

export function registerPlayground(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('playground')
    .description('write a self-contained page where you change the model and its data and see the shapes, h_n and the grid recomputed, offline')
    .argument('<file>', 'the HTML file to write')
    .action((file: string) => {
      if (file === '') throw new UsageError('playground: expected a file name, got an empty one');
      const to = ctx.claim('playground', file);
      const page = renderPlaygroundPage(engineScript(), ctx.version);
      writeFileAtomic(file, page, to);
      const sink = ctx.openOutput(cmd);
      sink.write(`wrote ${file} (${formatBytes(htmlReportBytes(page))}): open it in a browser; it needs no network\n`);
      sink.commit();
    });
}
