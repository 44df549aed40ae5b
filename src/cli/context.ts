/** What every command gets from the program: the version, colour and output handling. */
import type { ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import type { AtomicWriteOptions } from '../io/atomic-write.js';
import type { Sink } from './output.js';

export interface CliContext {
  version: string;
  /** The chalk instance for this command (honours --no-color and NO_COLOR). */
  chalk(cmd: Command): ChalkInstance;
  /**
   * Columns the human output fits in: --width, else the terminal's when the output goes to one,
   * else COLUMNS, else 80.
   */
  width(cmd: Command): number;
  /** Whether the output goes to a terminal (standard output is one and no -o FILE). */
  terminal(cmd: Command): boolean;
  /** Standard output, or the -o file; the main entry aborts it if the command throws. */
  openOutput(cmd: Command): Sink;
  /**
   * Claims an output file for a flag (`--save`) before any work: an error if another output or an
   * input of the run is the same file. Pass the result to the write (writeTensorsFile).
   */
  claim(flag: string, file: string): AtomicWriteOptions;
}
