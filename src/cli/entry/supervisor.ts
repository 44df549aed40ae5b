/**
 * The main thread supervises; the program runs in a worker thread.
 *
 * Why: the forward pass (and rendering a large trace) is synchronous JavaScript that can run for
 * many seconds, and a JavaScript signal handler cannot run while the thread it belongs to
 * computes. With the work in a worker, the main thread's event loop is always free: on SIGINT,
 * SIGTERM or SIGHUP it terminates the worker (and with it the forward pass's pool), removes the
 * temporary files the worker announced, and exits with 128 + the signal's number. The other
 * option, writing every output only at the end and letting the signal's default action kill the
 * process during the compute, cannot give those exit codes or the terminal's one-line notice,
 * leaves a window during the final write, and keeps an NDJSON trace for -o in memory.
 *
 * Temporary files are announced over a MessageChannel before each is created; the signal handler
 * drains it synchronously (receiveMessageOnPort), so a file announced a moment ago is not missed.
 * The worker's start-up cost is why small commands stay on the main thread (./inline.ts).
 */
import { rmSync, writeSync } from 'node:fs';
import { isatty } from 'node:tty';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { TempFiles } from '../output.js';

const TAG = 'rnn-inspect program';

interface ProgramData {
  tag: typeof TAG;
  argv: string[];
  port: MessagePort;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** The terminal's width when standard output is one. */
  stdoutColumns: number | undefined;
}

type Note = { add: string } | { remove: string } | { exit: number };

export const SIGNAL_EXIT: Readonly<Record<'SIGINT' | 'SIGTERM' | 'SIGHUP', number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * If the worker has not stopped this long after terminate() (it is blocked in a system call: a
 * FIFO no one opens, a pipe no one reads), the process re-raises the signal with its default
 * action instead: process.exit() would wait for the worker's thread.
 */
const TERMINATE_WAIT_MS = 300;

function notice(signal: string): void {
  if (isatty(2)) writeSync(2, `\r\x1b[Krnn-inspect: stopped by ${signal}\n`);
}

/**
 * While a command runs on the main thread: a signal removes the temporary files and exits. The
 * handler runs when the thread is next idle, which for the small commands run there is soon.
 * Returns the function that removes the handlers.
 */
export function onSignals(temps: () => Iterable<string>): () => void {
  const handler = (signal: keyof typeof SIGNAL_EXIT): void => {
    for (const t of temps()) rmSync(t, { force: true });
    notice(signal);
    process.exit(SIGNAL_EXIT[signal]);
  };
  for (const s of Object.keys(SIGNAL_EXIT)) process.on(s, handler);
  return () => {
    for (const s of Object.keys(SIGNAL_EXIT)) process.removeListener(s, handler);
  };
}

export function isProgramWorker(data: unknown): data is ProgramData {
  return typeof data === 'object' && data !== null && (data as { tag?: unknown }).tag === TAG;
}

/** Starts the program in a worker and waits for it; handles the signals meanwhile. */
export function supervise(entry: URL, argv: string[]): Promise<void> {
  const { port1, port2 } = new MessageChannel();
  const temps = new Set<string>();
  let exitCode: number | null = null;
  const apply = (note: Note): void => {
    if ('add' in note) temps.add(note.add);
    else if ('remove' in note) temps.delete(note.remove);
    else exitCode = note.exit;
  };
  const drain = (): void => {
    for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) apply(m.message as Note);
  };
  const removeTemps = (): void => {
    for (const t of temps) rmSync(t, { force: true });
    temps.clear();
  };
  port1.on('message', apply);

  const data: ProgramData = { tag: TAG, argv, port: port2, stdoutIsTTY: isatty(1), stderrIsTTY: isatty(2), stdoutColumns: isatty(1) ? process.stdout.columns : undefined };
  const worker = new Worker(entry, { workerData: data, transferList: [port2] });
  let stopping = false;
  let exited = false;

  const onSignal = (signal: keyof typeof SIGNAL_EXIT): void => {
    if (stopping) return;
    stopping = true;
    drain();
    void worker.terminate();
    const done = (): void => {
      drain();
      removeTemps();
      notice(signal);
      if (exited) process.exit(SIGNAL_EXIT[signal]);
      for (const s of Object.keys(SIGNAL_EXIT)) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    };
    const timer = setTimeout(done, TERMINATE_WAIT_MS);
    worker.once('exit', () => {
      clearTimeout(timer);
      done();
    });
  };
  for (const s of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]) process.on(s, onSignal);

  return new Promise((resolve) => {
    worker.on('error', (err) => {
      writeSync(2, `error: internal error: ${err.message.split('\n')[0]} (run with --debug for the stack trace)\n`);
      exitCode = 1;
    });
    worker.on('exit', () => {
      exited = true;
      if (stopping) return;
      drain();
      // A worker that died (out of memory, say) leaves its temporary files to us.
      removeTemps();
      port1.close();
      for (const s of Object.keys(SIGNAL_EXIT)) process.removeListener(s, onSignal as never);
      process.exitCode = exitCode ?? 1;
      resolve();
    });
  });
}

/** The worker's side: runs the program, announcing temporary files to the supervisor. */
export function programWorker(data: ProgramData, run: (argv: string[], temps: TempFiles) => Promise<number>): void {
  // The worker's process.stdout is a pipe to the main thread; the program writes to the
  // descriptors themselves and asks only whether they are terminals.
  Object.defineProperty(process.stdout, 'isTTY', { value: data.stdoutIsTTY });
  Object.defineProperty(process.stderr, 'isTTY', { value: data.stderrIsTTY });
  Object.defineProperty(process.stdout, 'columns', { value: data.stdoutColumns });
  const post = (note: Note): void => data.port.postMessage(note);
  void run(data.argv, { add: (p) => post({ add: p }), remove: (p) => post({ remove: p }) }).then((code) => {
    post({ exit: code });
    data.port.close();
  });
}
