/**
 * A synchronous sleep, for a descriptor that answers EAGAIN (a non-blocking pipe): the readers and
 * writers are synchronous, so they wait in Atomics.wait rather than spin. The buffer is made on
 * first use, so importing the module needs no SharedArrayBuffer (a page that is not
 * cross-origin isolated has none).
 */
let pause: Int32Array | null = null;

export function waitMs(ms: number): void {
  pause ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(pause, 0, 0, ms);
}
