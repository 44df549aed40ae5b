/**
 * Progress on stderr for long forward passes: only when stderr is a terminal and the output is a
 * table, only once a pass has run for about a second, at most ten writes a second, and the line is
 * cleared at the end. The forward pass is synchronous and blocks the event loop, so the line is
 * written with fs.writeSync.
 */
import { writeSync } from 'node:fs';
import type { ProgressObserver } from '../modules/recurrent.js';

const SHOW_AFTER_MS = 1000;
const EVERY_MS = 100;

export interface Progress {
  /** The observer for one pass, labelled (e.g. "automatic"); undefined when progress is off. */
  observer(label: string): ProgressObserver | undefined;
  /** Clears the line, if one was written. */
  end(): void;
}

export function progress(enabled: boolean): Progress {
  const start = performance.now();
  let last = 0;
  let shown = false;
  const end = (): void => {
    if (shown) writeSync(2, '\r\x1b[K');
    shown = false;
  };
  return {
    observer(label) {
      if (!enabled) return undefined;
      return (done, total) => {
        const now = performance.now();
        if (now - start < SHOW_AFTER_MS || now - last < EVERY_MS) return;
        last = now;
        shown = true;
        writeSync(2, `\r\x1b[K${label}: ${Math.floor((100 * done) / total)}% (${done}/${total} layer steps)`);
      };
    },
    end,
  };
}

/** Progress is for people watching a terminal, never for machine-read output. */
export function progressWanted(format: string): boolean {
  return format === 'table' && process.stderr.isTTY === true;
}
