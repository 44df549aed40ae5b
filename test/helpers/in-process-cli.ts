/**
 * The CLI's program run in this process, for fuzzing argument vectors by the thousand: the same
 * `runProgram` the entry calls (src/cli/program.ts), with what it writes to descriptors 1 and 2
 * captured and its exit code returned.
 *
 * The program writes with fs.writeSync (checked, synchronous writes); the wrapper below replaces
 * it for descriptors 1 and 2, and syncBuiltinESMExports makes the ES modules that imported
 * `writeSync` from node:fs see the replacement. Nothing here reads standard input: argv must
 * not name `-` or a FIFO.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { runProgram } from '../../src/cli/program.js';

export interface InProcessResult {
  code: number | 'worker';
  stdout: string;
  stderr: string;
  ms: number;
}

const realWriteSync = fs.writeSync;
let capture: { out: string[]; err: string[] } | null = null;

function install(): void {
  if ((fs.writeSync as unknown) !== realWriteSync) return;
  const patched = function (fd: number, buffer: unknown, ...rest: unknown[]): number {
    if (capture && (fd === 1 || fd === 2)) {
      const into = fd === 1 ? capture.out : capture.err;
      if (typeof buffer === 'string') {
        into.push(buffer);
        return Buffer.byteLength(buffer);
      }
      const view = buffer as Uint8Array;
      const [offset = 0, length = view.byteLength - (offset as number)] = rest as [number?, number?];
      into.push(Buffer.from(view.buffer, view.byteOffset + offset, length).toString('utf8'));
      return length;
    }
    return (realWriteSync as (...a: unknown[]) => number)(fd, buffer, ...rest);
  };
  fs.writeSync = patched as typeof fs.writeSync;
  syncBuiltinESMExports();
}

/**
 * Runs `rnn-inspect ...args` in this process. `inline` as the entry passes it: true stops a
 * command too large for the main thread after its options are parsed and checked ('worker');
 * false runs every command to the end here.
 */
export async function runInProcess(args: readonly string[], { inline = true } = {}): Promise<InProcessResult> {
  install();
  const saved = process.exitCode;
  process.exitCode = undefined;
  capture = { out: [], err: [] };
  const started = performance.now();
  try {
    const code = await runProgram(['node', 'rnn-inspect', ...args], null, inline);
    return { code, stdout: capture.out.join(''), stderr: capture.err.join(''), ms: performance.now() - started };
  } finally {
    capture = null;
    process.exitCode = saved;
  }
}
