/**
 * The list of commands, in the order help shows them. Each command's module is loaded only when
 * that command may run, so `rnn-inspect run` does not pay for loading `explain` or `doctor`.
 * A new command is one file in this folder and one line here.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export type Register = (program: Command, ctx: CliContext) => void;

export const commands: readonly { name: string; load: () => Promise<Register> }[] = [
  { name: 'run', load: async () => (await import('./run.js')).registerRun },
  { name: 'explain', load: async () => (await import('./explain.js')).registerExplain },
  { name: 'grad', load: async () => (await import('./grad.js')).registerGrad },
  { name: 'compare', load: async () => (await import('./compare.js')).registerCompare },
  { name: 'doctor', load: async () => (await import('./doctor.js')).registerDoctor },
  { name: 'pipeline', load: async () => (await import('./pipeline.js')).registerPipeline },
  { name: 'inspect', load: async () => (await import('./inspect.js')).registerInspect },
  { name: 'playground', load: async () => (await import('./playground.js')).registerPlayground },
  { name: 'schema', load: async () => (await import('./schema.js')).registerSchema },
];

/** run is the default command: the one that runs when no command is named. */
export const DEFAULT_COMMAND = 'run';
