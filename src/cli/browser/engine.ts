/**
 * The playground's engine: `run(argv)` parses argv with the CLI's own `run` command (the same
 * option definitions, parsers and defaults) and calls the command's function, `runCommand`, with
 * them: the result is the document that `rnn-inspect run ARGV --format json` prints, computed in
 * the page. Options that name a file are refused: a page reads no files. An error is thrown as a
 * PlaygroundError whose message is the text of the CLI's `error:` line and whose exitCode is the
 * CLI's exit code.
 */
import { Command, type Option } from 'commander';
import { UsageError } from '../../errors.js';
import type { RunReport } from '../../schema/run.js';
import { documentText, type CommandEnv, type Given, type Outcome } from '../command.js';
import { registerRun, runCommand, type RunOptions } from '../commands/run.js';
import { DEFAULT_WIDTH } from '../render/width.js';
import type { CliContext } from '../context.js';
import { errorLine } from '../error-line.js';
import { progress } from '../progress.js';

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

const quiet = { outputError: () => {}, writeOut: () => {}, writeErr: () => {} };

const noFile = (flag: string): never => {
  throw new UsageError(`${flag}: expected no file in the page, got one`);
};

/** What runCommand may do besides returning its document: in a page, no files, no terminal. */
const env: CommandEnv = {
  version: RNN_INSPECT_VERSION,
  layout: { width: DEFAULT_WIDTH, colourTerminal: false },
  claim: noFile,
  stream: () => {},
  progress: progress(false),
  tell: () => {},
};

/** The `run` command as the CLI defines it, on a program that never touches the process; files refused. */
export function pageRunCommand(): Command {
  const program = new Command('rnn-inspect').exitOverride().configureOutput(quiet);
  // The CLI's action is replaced below (see run): the context is never used.
  const ctx: CliContext = { version: env.version, chalk: () => noFile('--format'), width: () => DEFAULT_WIDTH, terminal: () => false, openOutput: () => noFile('-o'), claim: noFile };
  registerRun(program, ctx);
  const cmd = program.commands.find((c) => c.name() === 'run')!;
  cmd.exitOverride().configureOutput(quiet);
  cmd.hook('preAction', () => {
    for (const option of fileOptions(cmd)) {
      if (cmd.getOptionValueSource(option.attributeName()) !== 'cli') continue;
      const flag = option.long ?? option.flags;
      throw new UsageError(`${flag}: expected no file in the page (a page reads and writes no files: weights and x are random from --seed), got ${flag} ${String(cmd.getOptionValue(option.attributeName()))}`);
    }
  });
  return cmd;
}

function thrown(err: unknown, document: RunReport | null): PlaygroundError {
  const { message, exitCode } = errorLine(err, false);
  return new PlaygroundError(message ?? 'run: expected the arguments of a run, got a request for help', exitCode || 2, document);
}

/** `rnn-inspect run ARGV --format json`, in the page: the same document. */
export function run(argv: readonly string[]): RunReport {
  if (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string')) {
    throw new PlaygroundError(`run: expected an array of strings (the arguments of rnn-inspect run), got ${JSON.stringify(argv) ?? String(argv)}`, 2, null);
  }
  const cmd = pageRunCommand();
  let outcome: Outcome<RunReport> | null = null;
  // As the CLI's action (src/cli/command.ts) calls it, synchronously: the options read once, and which were typed.
  cmd.action(() => {
    const options: RunOptions & Given = { ...cmd.opts<RunOptions>(), given: (key: string) => cmd.getOptionValueSource(key) === 'cli' };
    outcome = runCommand(options, env);
  });
  try {
    cmd.parent!.parse(['run', ...argv, '--format', 'json'], { from: 'user' });
  } catch (err) {
    throw thrown(err, null);
  }
  const done = outcome as Outcome<RunReport> | null;
  if (!done) throw thrown(new UsageError('run: expected the arguments of a run, got a request for help'), null);
  // The JSON text the CLI prints, read back: Infinity and NaN spelled as it spells them.
  const document = JSON.parse(documentText(done.document, 'json')!) as RunReport;
  if (done.failure) throw thrown(done.failure, document);
  return document;
}
