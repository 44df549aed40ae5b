/**
 * What the CLI says about an error: the text of its one `error:` line (null for help and
 * --version, which are not errors) and the exit code. The program prints it; the playground's
 * engine throws it, so a page and a terminal say the same thing about the same arguments.
 */
import { CommanderError } from 'commander';
import { RnnInspectError } from '../errors.js';

/** One line: commander's multi-line messages (with their suggestions) folded. */
export function oneLine(message: string): string {
  return message
    .replace(/^error:\s*/i, '')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' ')
    // A message can quote a file's bytes: control characters (ESC, CR, BEL...) are shown, never sent to the terminal.
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export interface ErrorLine {
  /** The line's text after `error: `; null when there is nothing to say (help, --version). */
  message: string | null;
  exitCode: number;
  /** The stack trace, shown with --debug only. */
  stack: string | null;
}

export function errorLine(err: unknown, debug: boolean): ErrorLine {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return { message: null, exitCode: 0, stack: null };
    return { message: oneLine(err.message), exitCode: 2, stack: null };
  }
  if (err instanceof RnnInspectError) return { message: oneLine(err.message), exitCode: err.exitCode, stack: debug ? (err.stack ?? null) : null };
  const e = err instanceof Error ? err : new Error(String(err));
  return { message: `internal error: ${oneLine(e.message)}${debug ? '' : ' (run with --debug for the stack trace)'}`, exitCode: 1, stack: debug ? (e.stack ?? null) : null };
}
