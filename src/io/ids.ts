/**
 * Integer token ids for an Embedding, read exactly: an integer .npy or .npz member (int8..int64,
 * uint8..uint64), or a .json / .csv of whole numbers. Float arrays are refused as PyTorch's
 * nn.Embedding refuses them (it takes Long or Int indices), so that features are not taken for ids.
 * Shape: (seq_len, batch), (batch, seq_len) with batch_first, or (seq_len,) unbatched.
 */
import { FormatError } from '../errors.js';
import type { TokenIds } from '../modules/embedding.js';
import { unravel } from '../tensor/stats.js';
import { readTensorFile, type ReadOptions } from './index.js';

/** Reads token ids from `file`; `what` names the input in messages (`x`, `src`). */
export function readTokenIdsFile(file: string, what: string, options: ReadOptions = {}): TokenIds {
  const label = `${what} (${file === '-' ? 'standard input' : file})`;
  const stored = readTensorFile(file, options);
  const { shape, data } = stored.tensor;
  if (stored.integers) return { ids: stored.integers, shape };
  // Text formats hold numbers without a dtype (.json reads as float32, .csv as text): each must be whole.
  if (stored.dtype !== 'text' && stored.dtype !== 'float32') {
    throw new FormatError(
      `${label}: expected integer token ids (int64 or int32) for an embedding, got a ${stored.dtype} array (PyTorch: Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int)`,
    );
  }
  const i = data.findIndex((v) => !Number.isInteger(v));
  if (i >= 0) throw new FormatError(`${label}: expected integer token ids for an embedding, got ${data[i]} at [${unravel(i, shape).join(', ')}]`);
  return { ids: Float64Array.from(data), shape };
}
