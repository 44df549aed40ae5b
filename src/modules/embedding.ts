/**
 * nn.Embedding(num_embeddings, embedding_dim, padding_idx): a lookup table, out[..., :] = weight[id].
 * Shape: ids (*) integers in 0..num_embeddings-1 | weight (num_embeddings, embedding_dim) |
 *        out (*, embedding_dim)
 * padding_idx's row starts as zeros (and gets no gradient in PyTorch). It marks padding in the data;
 * it does not shorten a sequence: lengths are given apart, as to pack_padded_sequence.
 */
import { ConfigError, ShapeError } from '../errors.js';
import { Random } from '../tensor/random.js';
import { formatShape, numel, type Shape, Tensor } from '../tensor/tensor.js';
import { unravel } from '../tensor/stats.js';
import { checkStateDict, type ParameterSpec } from './layer/parameters.js';

/** Integer token ids, read exactly (float64 holds every integer up to 2^53). */
export interface TokenIds {
  ids: Float64Array;
  shape: Shape;
}

export interface EmbeddingOptions {
  numEmbeddings: number;
  embeddingDim: number;
  /** A row index; negative counts from the end, as in PyTorch. */
  paddingIdx?: number | null | undefined;
  seed?: number | undefined;
}

function positive(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new ConfigError(`${name}: expected a positive integer, got ${v}`);
}

export class Embedding {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** Normalised to 0..num_embeddings-1, or null. */
  readonly paddingIdx: number | null;
  private weight: Tensor;

  constructor(options: EmbeddingOptions) {
    const { numEmbeddings, embeddingDim } = options;
    positive('num_embeddings', numEmbeddings);
    positive('embedding_dim', embeddingDim);
    const p = options.paddingIdx ?? null;
    if (p !== null && (!Number.isInteger(p) || p < -numEmbeddings || p >= numEmbeddings)) {
      throw new ConfigError(`padding_idx: expected an integer in ${-numEmbeddings}..${numEmbeddings - 1} (Padding_idx must be within num_embeddings), got ${p}`);
    }
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = p === null ? null : p < 0 ? p + numEmbeddings : p;
    // PyTorch's reset_parameters: N(0, 1), then the padding row zeroed.
    this.weight = Tensor.zeros([numEmbeddings, embeddingDim]);
    new Random(options.seed ?? 0).fillNormal(this.weight.data);
    if (this.paddingIdx !== null) this.weight.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
  }

  /** PyTorch's repr: `Embedding(50, 16, padding_idx=0)`. */
  toString(): string {
    return `Embedding(${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx === null ? '' : `, padding_idx=${this.paddingIdx}`})`;
  }

  parameterSpecs(): Pick<ParameterSpec, 'name' | 'shape'>[] {
    return [{ name: 'weight', shape: [this.numEmbeddings, this.embeddingDim] }];
  }

  parameterCount(): number {
    return this.numEmbeddings * this.embeddingDim;
  }

  stateDict(): Map<string, Tensor> {
    return new Map([['weight', this.weight]]);
  }

  loadStateDict(stateDict: ReadonlyMap<string, Tensor>): this {
    this.weight = checkStateDict('Embedding', this.parameterSpecs(), stateDict).get('weight')!;
    return this;
  }

  /** Each id's row of the table; an id outside 0..num_embeddings-1 is an error naming it and where it is. */
  forward(input: TokenIds): Tensor {
    const { ids, shape } = input;
    if (ids.length !== numel(shape)) throw new ShapeError(`embedding: expected ${numel(shape)} ids for shape ${formatShape(shape)}, got ${ids.length}`);
    const E = this.embeddingDim;
    const out = Tensor.zeros([...shape, E]);
    const w = this.weight.data;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < this.numEmbeddings)) {
        throw new ShapeError(
          `expected token ids in 0..${this.numEmbeddings - 1} (num_embeddings = ${this.numEmbeddings}), got ${id} at [${unravel(i, shape).join(', ')}] (PyTorch: index out of range in self)`,
        );
      }
      out.data.set(w.subarray(id * E, id * E + E), i * E);
    }
    return out;
  }
}
