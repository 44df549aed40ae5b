/**
 * A command is a function of its typed options that returns a document (the one `--format json`
 * prints), and a renderer that prints the document for people. This file wires the two into a
 * commander action: options read once, the output opened before the work (atomically: nothing is
 * visible until it is complete), and a failed check (exit 1) raised only after the document is written.
 */
import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import type { CheckFailedError } from '../errors.js';
import type { AtomicWriteOptions } from '../io/atomic-write.js';
import type { CliContext } from './context.js';
import { jsonText, type Sink } from './output.js';
import { progress, progressWanted, type Progress } from './progress.js';

/** Which options the user typed, as opposed to their defaults (by commander's attribute name). */
export interface Given {
  given(key: string): boolean;
}

/** How the human output is laid out: the columns it fits, and whether it goes to a colour terminal. */
export interface Layout {
  width: number;
  colourTerminal: boolean;
}

/** What a command may do besides returning its document. */
export interface CommandEnv {
  version: string;
  /** The layout the document will be rendered for (a command may keep more for it, e.g. run's grid). */
  layout: Layout;
  /** Claims an output file for a flag before any work (see CliContext.claim). */
  claim(flag: string, file: string): AtomicWriteOptions;
  /** Writes one event line now, before the document (ndjson streams). */
  stream(event: object): void;
  /** Progress on stderr for long passes (off unless stderr is a terminal and the output a table). */
  progress: Progress;
  /** One line for the person at the terminal (stderr; nothing when stderr is not a terminal). */
  tell(line: string): void;
}

export interface Outcome<D> {
  document: D;
  /** A check that failed (--expect, --strict, compare, doctor): exit 1 after the document is written. */
  failure?: CheckFailedError | null;
}

export interface CommandDefinition<O, D> {
  execute(options: O & Given, env: CommandEnv, args: string[]): Outcome<D> | Promise<Outcome<D>>;
  /** The document for people (`--format table|text`); JSON is printed without it. */
  render(document: D, options: O, style: ChalkInstance, layout: Layout): string;
}

/** The options' `format`, if the command has one: json is written as is, ndjson as a summary event. */
function formatOf(options: unknown): string {
  const format = (options as { format?: unknown }).format;
  return typeof format === 'string' ? format : 'json';
}

export function documentText(document: unknown, format: string): string | null {
  if (format === 'json') return jsonText(document);
  if (format === 'ndjson') return jsonText({ event: 'summary', ...(document as object) }, 0);
  return null;
}

/** The commander action for a command definition. */
export function action<O extends object, D>(ctx: CliContext, definition: CommandDefinition<O, D>): (...args: unknown[]) => Promise<void> {
  // commander passes the positional arguments, then the options, then the command itself.
  return async (...args: unknown[]) => {
    const cmd = args.at(-1) as Command;
    const options: O & Given = { ...cmd.opts<O>(), given: (key: string) => cmd.getOptionValueSource(key) === 'cli' };
    const format = formatOf(options);
    // Opened before the work, as its temporary file: a signal during a long run removes it.
    const sink: Sink = ctx.openOutput(cmd);
    const shown = progress(progressWanted(format));
    const style = ctx.chalk(cmd);
    const layout: Layout = { width: ctx.width(cmd), colourTerminal: ctx.terminal(cmd) && style.level > 0 };
    const env: CommandEnv = {
      version: ctx.version,
      layout,
      claim: (flag, file) => ctx.claim(flag, file),
      stream: (event) => sink.write(jsonText(event, 0)),
      progress: shown,
      tell: (line) => {
        if (process.stderr.isTTY) process.stderr.write(line + '\n');
      },
    };
    const positional = args.slice(0, -2).filter((a): a is string => typeof a === 'string');
    let outcome: Outcome<D>;
    try {
      outcome = await definition.execute(options, env, positional);
    } finally {
      shown.end();
    }
    sink.write(documentText(outcome.document, format) ?? definition.render(outcome.document, options, style, layout));
    sink.commit();
    if (outcome.failure) throw outcome.failure;
  };
}
