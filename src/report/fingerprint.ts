/** A short hash of a module's weights, so that separate weights can be told apart at a glance. */
import { createHash } from 'node:crypto';
import type { Tensor } from '../tensor/tensor.js';

export function fingerprint(params: ReadonlyMap<string, Tensor>): string {
  const hash = createHash('sha256');
  for (const [name, t] of params) {
    hash.update(name);
    hash.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return hash.digest('hex').slice(0, 8);
}
