/**
 * The playground's engine: `run(argv)` parses argv with the CLI's own `run` command (the same
 * option definitions, parsers, defaults and action) and returns the document that
 * `rnn-inspect run ARGV --format json` prints, computed in the page. Options that name a file
 * are refused: a page reads no files. An error is thrown as a PlaygroundError whose message is
 * the text of the CLI's `error:` line and whose exitCode is the CLI's exit code.
 */
import { Command, type Option } from 'commander';
import { UsageError } from '../../errors.js';
import type { RunReport } from '../../schema/run.js';
import { registerRun } from '../commands/run.js';
import type { CliContext } from '../context.js';
import { errorLine } from '../error-line.js';

/** Set by the bundler from package.json (scripts/bundle.mjs). */
declare const RNN_INSPECT_VERSION: string;

export class PlaygroundError extends Error {
  override name = 'PlaygroundError';
  constructor(
    message: string,
    readonly exitCode: number,
    /** The document, when the CLI prints one before failing (--expect, --strict). */
    readonly document: RunReport | null,
  ) {
    super(message);
  }
}

/** Options whose value is a file name, read from their definitions (`--input <file>`, `--save <file>`...). */
export function fileOptions(cmd: Command): Option[] {
  return cmd.options.filter((o) => /<file>/.test(o.flags));
}

/** The `run` command as the CLI defines it, on a program that never touches the process; its output goes to `write`. */
export function runCommand(write: (text: string) => void = () => {}): Command {
  const program = new Command('rnn-inspect').exitOverride().configureOutput({ outputError: () => {}, writeOut: () => {}, writeErr: () => {} });
  const ctx: CliContext = {
    version: RNN_INSPECT_VERSION,
    chalk: () => {
      throw new UsageError('--format: expected json in the page, got a table');
    },
    openOutput: () => ({ write, commit: () => {}, abort: () => {} }),
    claim: (flag) => {
      throw new UsageError(`${flag}: expected no file in the page, got one`);
    },
  };
  registerRun(program, ctx);
  const cmd = program.commands.find((c) => c.name() === 'run')!;
  cmd.exitOverride().configureOutput({ outputError: () => {}, writeOut: () => {}, writeErr: () => {} });
  cmd.hook('preAction', () => {
    for (const option of fileOptions(cmd)) {
      if (cmd.getOptionValueSource(option.attributeName()) !== 'cli') continue;
      const flag = option.long ?? option.flags;
      throw new UsageError(`${flag}: expected no file in the page (a page reads and writes no files: weights and x are random from --seed), got ${flag} ${String(cmd.getOptionValue(option.attributeName()))}`);
    }
  });
  return cmd;
}

/** `rnn-inspect run ARGV --format json`, in the page: the same document. */
export function run(argv: readonly string[]): RunReport {
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string')) throw new PlaygroundError('run: expected an array of strings (the arguments of rnn-inspect run), got ' + typeof argv, 2, null);
  let text = '';
  const cmd = runCommand((t) => (text += t));
  const program = cmd.parent!;
  try {
    program.parse(['run', ...argv, '--format', 'json'], { from: 'user' });
  } catch (err) {
    const { message, exitCode } = errorLine(err, false);
    throw new PlaygroundError(message ?? 'run: expected arguments for a run, got a request for help', exitCode || 2, text ? (JSON.parse(text) as RunReport) : null);
  }
  return JSON.parse(text) as RunReport;
}
