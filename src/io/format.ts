/**
 * What a file format provides. Each format lives in one file of this folder and is listed once in
 * `formats.ts`; the reader picks a format by extension, then by magic bytes.
 */
import { FormatError } from '../errors.js';
import type { GateFunction } from '../kernels/activations.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ElementType } from './dtypes.js';

/** A tensor as a file stored it: the float32 tensor we compute with, and the file's own dtype name. */
export interface StoredTensor {
  tensor: Tensor;
  /** The dtype as the file names it (`float32`, `<f4`, `F16`, `torch.FloatStorage`, ...). */
  dtype: string;
  /** The element type the file stored (json: float32); absent for text formats (csv). */
  elementType?: ElementType;
  /** For an integer array (.npy, .npz members): its values exactly, as float64 (token ids). */
  integers?: Float64Array;
}

/**
 * What a model file says of a recurrent module that its state_dict's shapes cannot (an ONNX node's
 * operator and attributes): the kind's `type` and the RNN's nonlinearity, for the module at `prefix`.
 */
export interface DeclaredModule {
  prefix: string;
  type: string;
  nonlinearity: 'tanh' | 'relu';
  /** What the file's σ gates compute when not σ (a Keras recurrent_activation: hard_sigmoid as its producer computes it). */
  recurrentActivation?: GateFunction;
  /** Where the file says it, for messages: `LSTM node "/rnn/LSTM"`. */
  source: string;
  /** The file takes x as (batch, seq_len, features) (an ONNX graph that transposes x before the node). */
  batchFirst?: boolean;
}

/** Named tensors in the file's own order, any free-form metadata the file carries, and the modules it declares. */
export interface TensorFile {
  tensors: Map<string, StoredTensor>;
  metadata?: Record<string, string>;
  modules?: DeclaredModule[];
}

/** Most bytes a file may be, inflate to, or decode into (as float32) unless the caller says otherwise. */
export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;

/** What a reader may spend on one file. */
export interface DecodeOptions {
  /**
   * Most bytes the file's members may inflate to, and, separately, most bytes its tensors may take
   * as float32 (empty ones counted by their other dimensions). Default DEFAULT_MAX_BYTES.
   */
  maxBytes?: number;
  /**
   * The bytes of a file beside the one being read, by its path relative to it (a TF.js model's
   * weight shards); absent when the file has no place (standard input).
   */
  sibling?: (path: string) => Uint8Array;
}

export interface TensorFormat {
  /** Short name used in messages and `--save` (json, npy, npz, safetensors, pt, csv). */
  name: string;
  /** Lower-case file extensions, with the dot. */
  extensions: readonly string[];
  /** One tensor (an input such as x) or named tensors (a state_dict, a run's outputs). */
  holds: 'one' | 'many';
  /** True when the first bytes say the file is of this format. */
  sniff?(head: Uint8Array): boolean;
  /** For a format that is a zip archive: true when the member names are its layout (`.npy` members, a `data.pkl`). */
  zipLayout?(names: readonly string[]): boolean;
  /**
   * For a format stored inside another's (a TF.js model.json is JSON): true when the whole contents
   * are its layout. Tried before the extension and the magic bytes.
   */
  layout?(bytes: Uint8Array): boolean;
  /** Reads a single tensor (an input such as x or h_0). */
  readTensor?(bytes: Uint8Array, file: string, options?: DecodeOptions): StoredTensor;
  /** Reads named tensors (a state_dict). */
  readTensors?(bytes: Uint8Array, file: string, options?: DecodeOptions): TensorFile;
  /** Encodes named tensors; a single-tensor format takes exactly one. */
  writeTensors?(tensors: ReadonlyMap<string, import('../tensor/tensor.js').Tensor>, file: string): Uint8Array;
}

/** The one tensor of a file of named tensors, read as an input (x, h_0); several is an error naming them. */
export function onlyTensor(contents: TensorFile, file: string): StoredTensor {
  const { tensors } = contents;
  if (tensors.size !== 1) {
    throw new FormatError(`${file}: expected one tensor to use as an input, got ${tensors.size} (${[...tensors.keys()].slice(0, 5).join(', ')})`);
  }
  return [...tensors.values()][0]!;
}
