/**
 * The CLI's program run in this process, for fuzzing argument vectors by the thousand: the same
 * `runProgram` the entry calls (src/cli/entry/program.ts), with what it writes to descriptors 1 and 2
 * captured and its exit code returned.
 *
 * The program writes with fs.writeSync (checked, synchronous writes); the wrapper below replaces
 * it for descriptors 1 and 2, and syncBuiltinESMExports makes the ES modules that imported
 * `writeSync` from node:fs see the replacement. Nothing here reads standard input: argv must
 * not name `-` or a FIFO.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { Worker } from 'node:worker_threads';
import { runProgram } from '../../src/cli/entry/program.js';

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

/**
 * Worker threads that run cases with `runInProcess`, each stopped (and its worker replaced) when it
 * takes longer than `timeoutMs` or runs out of the heap it is given.
 */
export class InProcessPool {
  private idle: Worker[] = [];
  private all = new Set<Worker>();
  private nextId = 0;

  constructor(
    private readonly timeoutMs = 10_000,
    private readonly heapMb = 1024,
  ) {}

  private spawn(): Worker {
    // The worker loads TypeScript sources, as this process does: tsx registered first, then the entry.
    const tsx = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./in-process-worker.ts', import.meta.url).href;
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    const w = new Worker(boot, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
      stdout: false,
      stderr: false,
    });
    w.unref();
    this.all.add(w);
    return w;
  }

  private take(): Worker {
    return this.idle.pop() ?? this.spawn();
  }

  /** One case; a result with `timedOut`, or with `crashed` (the worker died: out of memory, say). */
  run(args: readonly string[], { inline = true, env = {} as Record<string, string | undefined> } = {}): Promise<InProcessResult & { timedOut?: boolean; crashed?: string }> {
    const w = this.take();
    const id = this.nextId++;
    const started = performance.now();
    return new Promise((resolve) => {
      const done = (r: InProcessResult & { timedOut?: boolean; crashed?: string }, keep: boolean) => {
        clearTimeout(timer);
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
        if (keep) this.idle.push(w);
        else {
          this.all.delete(w);
          void w.terminate();
        }
        resolve(r);
      };
      const onMessage = (m: InProcessResult & { id: number }) => {
        if (m.id === id) done(m, true);
      };
      const onError = (err: Error) => done({ code: 1, stdout: '', stderr: '', ms: performance.now() - started, crashed: err.message }, false);
      const onExit = (code: number) => done({ code: 1, stdout: '', stderr: '', ms: performance.now() - started, crashed: `the worker exited with ${code}` }, false);
      const timer = setTimeout(() => done({ code: 1, stdout: '', stderr: '', ms: performance.now() - started, timedOut: true }, false), this.timeoutMs);
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
      w.postMessage({ id, args: [...args], inline, env });
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.all].map((w) => w.terminate()));
    this.all.clear();
    this.idle = [];
  }
}
