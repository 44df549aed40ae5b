/**
 * `--html FILE` on the commands that write a page (run, explain, compare, pipeline): the option,
 * the claim of the file before any work (a bad path fails before the run), and the write, atomic
 * like every output, with its size told to the terminal.
 */
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { writeFileAtomic, type AtomicWriteOptions } from '../io/atomic-write.js';
import { htmlReportBytes } from '../html/report.js';
import { formatBytes } from '../modules/memory.js';
import type { CommandEnv } from './command.js';

export interface HtmlTarget {
  file: string;
  options: AtomicWriteOptions;
}

export function addHtmlOption(cmd: Command, what: string): Command {
  return cmd.option('--html <file>', `also write a self-contained HTML report: ${what}`);
}

/** The claimed --html file, or null without the option. */
export function claimHtml(env: Pick<CommandEnv, 'claim'>, file: string | undefined): HtmlTarget | null {
  if (file === undefined) return null;
  if (file === '') throw new UsageError('--html: expected a file name, got an empty one');
  return { file, options: env.claim('--html', file) };
}

export function writeHtml(env: Pick<CommandEnv, 'tell'>, target: HtmlTarget, page: string): void {
  writeFileAtomic(target.file, page, target.options);
  env.tell(`wrote ${target.file} (${formatBytes(htmlReportBytes(page))})`);
}
