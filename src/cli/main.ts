/**
 * The commander program and the only place that prints errors and sets the exit code.
 * Exit codes: 0 success; 1 a check failed (--expect, compare) or an internal error; 2 bad input.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { RnnInspectError } from '../errors.js';
import { registerCompare } from './commands/compare.js';
import { registerDoctor } from './commands/doctor.js';
import { registerExplain } from './commands/explain.js';
import { registerInspect } from './commands/inspect.js';
import { registerPipeline } from './commands/pipeline.js';
import { registerRun } from './commands/run.js';
import { registerSchema } from './commands/schema.js';
import type { CliContext } from './context.js';
import { fileSink, stdoutSink, type Sink } from './output.js';
import { makeChalk } from './render/style.js';

const EXAMPLES = `
The default command is run; its options: rnn-inspect run --help

Examples:
  The seed example: 4 stacked layers, batch_first (x (3, 10, 100) -> out (3, 10, 20), h_n (4, 3, 20))
    $ rnn-inspect --layers 4 --hidden 20 --batch-first

  Pin a model's shapes in CI (exit 1 with a one-line diff when one changes)
    $ rnn-inspect --layers 4 --batch-first --expect out=3,10,20 --expect h_n=4,3,20

  Check a hand-written cell loop against the built-in one (exit 1 if they differ)
    $ rnn-inspect compare --layers 3 --bidirectional

  Real weights and data, exact numbers out
    $ rnn-inspect --weights state_dict.json --input x.json --h0 h0.json --format json --include-tensors

  Stream per-step events into jq
    $ rnn-inspect --layers 2 --format ndjson | jq -c 'select(.event == "step") | [.layer, .t, .norm]'

  Tell the seed's story with this run's own shapes and numbers (--lang zh: in Chinese)
    $ rnn-inspect explain --layers 3 --hidden 20 --batch-first --lang zh

  Explain a shape error: h_0 given batch-first
    $ rnn-inspect --layers 2 --batch-first --h0 h0_batch_first.json

  Diagnose shapes without data: PyTorch's message, the likely cause and the fix (exit 1 if they do not fit)
    $ rnn-inspect doctor --layers 2 --hidden 256 --batch-first --x-shape 4,35,128 --h0-shape 2,64,256
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** One line: commander's multi-line messages (with their suggestions) folded. */
function oneLine(message: string): string {
  return message
    .replace(/^error:\s*/i, '')
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' ');
}

export async function main(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  let sink: Sink | null = null;
  const program = new Command('rnn-inspect');
  const ctx: CliContext = {
    version: version(),
    chalk: (cmd) => makeChalk(cmd.optsWithGlobals()['color'] !== false),
    openOutput: (cmd) => {
      const file = cmd.optsWithGlobals()['output'] as string | undefined;
      sink = file ? fileSink(file) : stdoutSink();
      return sink;
    },
  };
  program
    .description('See inside recurrent neural networks: PyTorch-exact RNN, LSTM and GRU with shapes, flow and shape-error explanations.')
    .version(ctx.version, '-V, --version')
    .option('-o, --output <file>', 'write the output to a file (written whole, or not at all)')
    .option('--no-color', 'no colours (also NO_COLOR=1)')
    .option('--debug', 'show stack traces')
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  registerRun(program, ctx);
  registerExplain(program, ctx);
  registerCompare(program, ctx);
  registerDoctor(program, ctx);
  registerPipeline(program, ctx);
  registerInspect(program, ctx);
  registerSchema(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride().configureOutput({ outputError: () => {} }).showSuggestionAfterError(true);

  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });

  try {
    await program.parseAsync(argv);
  } catch (err) {
    (sink as Sink | null)?.abort();
    process.exitCode = report(err, debug);
  }
}

function report(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
    process.stderr.write(`error: ${oneLine(err.message)}\n`);
    return 2;
  }
  if (err instanceof RnnInspectError) {
    process.stderr.write(`error: ${oneLine(err.message)}\n`);
    if (debug && err.stack) process.stderr.write(err.stack + '\n');
    return err.exitCode;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`error: internal error: ${oneLine(e.message)}${debug ? '' : ' (run with --debug for the stack trace)'}\n`);
  if (debug && e.stack) process.stderr.write(e.stack + '\n');
  return 1;
}
