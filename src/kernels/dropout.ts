/**
 * Inverted dropout as torch.nn.functional.dropout in training mode: each element is zeroed with
 * probability p and the survivors are scaled by 1 / (1 - p); p = 1 zeroes everything.
 */
export function dropoutMask(size: number, p: number, uniform: () => number): Float32Array {
  const mask = new Float32Array(size);
  const scale = p >= 1 ? 0 : 1 / (1 - p);
  for (let i = 0; i < size; i++) mask[i] = uniform() < p ? 0 : scale;
  return mask;
}

export function applyMask(data: Float32Array, mask: Float32Array): void {
  for (let i = 0; i < data.length; i++) data[i] = data[i]! * mask[i]!;
}
