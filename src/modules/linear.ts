/**
 * nn.Linear(in_features, out_features, bias): y = x W^T + b over the last dimension.
 * Shape: x (*, in_features) | weight (out_features, in_features) | bias (out_features) |
 *        y (*, out_features)
 */
import { ConfigError, ShapeError } from '../errors.js';
import { linear } from '../kernels/linear.js';
import { Random } from '../tensor/random.js';
import { formatShape, Tensor } from '../tensor/tensor.js';
import { checkStateDict, type ParameterSpec } from './layer/parameters.js';

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean | undefined;
  seed?: number | undefined;
}

export class Linear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
  private params: Map<string, Tensor>;

  constructor(options: LinearOptions) {
    for (const [name, v] of [['in_features', options.inFeatures], ['out_features', options.outFeatures]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new ConfigError(`${name}: expected a positive integer, got ${v}`);
    }
    this.inFeatures = options.inFeatures;
    this.outFeatures = options.outFeatures;
    this.bias = options.bias ?? true;
    // PyTorch's reset_parameters: kaiming_uniform_(a=√5) on the weight and the bias both come to
    // uniform in ±1/√in_features.
    const bound = 1 / Math.sqrt(this.inFeatures);
    const random = new Random(options.seed ?? 0);
    this.params = new Map();
    for (const spec of this.parameterSpecs()) {
      const t = Tensor.zeros(spec.shape);
      random.fillUniform(t.data, -bound, bound);
      this.params.set(spec.name, t);
    }
  }

  /** PyTorch's repr: `Linear(in_features=24, out_features=3, bias=True)`. */
  toString(): string {
    return `Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'})`;
  }

  parameterSpecs(): Pick<ParameterSpec, 'name' | 'shape'>[] {
    const specs: Pick<ParameterSpec, 'name' | 'shape'>[] = [{ name: 'weight', shape: [this.outFeatures, this.inFeatures] }];
    if (this.bias) specs.push({ name: 'bias', shape: [this.outFeatures] });
    return specs;
  }

  parameterCount(): number {
    return this.outFeatures * this.inFeatures + (this.bias ? this.outFeatures : 0);
  }

  stateDict(): Map<string, Tensor> {
    return new Map(this.params);
  }

  loadStateDict(stateDict: ReadonlyMap<string, Tensor>): this {
    this.params = checkStateDict('Linear', this.parameterSpecs(), stateDict);
    return this;
  }

  forward(x: Tensor): Tensor {
    const F = x.shape[x.rank - 1];
    if (x.rank === 0 || F !== this.inFeatures) {
      throw new ShapeError(`linear: expected input with last dimension in_features = ${this.inFeatures}, got shape ${formatShape(x.shape)} (PyTorch: mat1 and mat2 shapes cannot be multiplied)`);
    }
    const rows = x.size / this.inFeatures;
    const y = Tensor.zeros([...x.shape.slice(0, -1), this.outFeatures]);
    linear(x.data, 0, rows, this.inFeatures, this.params.get('weight')!.data, this.outFeatures, this.params.get('bias')?.data ?? null, y.data, 0);
    return y;
  }
}
