/**
 * The doctor: PyTorch's forward-time checks run on shapes alone (checkForwardShapes, the same
 * function the engine raises from, so "fits" here means the forward pass runs), every problem
 * explained: the expected shape with its dimensions named, why, the likely cause and the fix.
 */
import type { RecurrentConfig } from '../modules/layer/config.js';
import { moduleRepr } from '../modules/layer/config.js';
import { checkForwardShapes, type InputGeometry, type ShapeInput, type ShapeProblem } from '../modules/layer/prepare.js';
import type { CellKind } from '../modules/kinds/index.js';
import { describeTensors, type TensorDescription } from '../report/describe.js';
import type { DoctorModule, DoctorProblem, DoctorTensor } from '../schema/doctor.js';
import { formatShape } from '../tensor/tensor.js';
import { likelyCause, type Neighbour } from './causes.js';

export interface DiagnoseOptions {
  /** With --spec: the module's name; tensor names are then qualified (`rnn2.h_0`). */
  name?: string;
  reads?: string;
  h0From?: string;
  /** The module whose out is x (--spec). */
  feeder?: Neighbour;
  /** The module whose h_n (and c_n) is h_0 (and c_0) (--spec). */
  stateSource?: Neighbour;
}

export interface ModuleDiagnosis {
  module: DoctorModule;
  problems: DoctorProblem[];
  /** Expected shapes by (qualified) tensor name. */
  expected: Record<string, number[]>;
  geometry: InputGeometry | null;
  /** The expected shape of each tensor, by plain name (x, h_0, ..., out, h_n). */
  shapes: Map<string, number[]>;
}

/** What the expected shape of a tensor is made of, and where each size comes from. */
function why(problem: ShapeProblem, config: RecurrentConfig, geometry: InputGeometry | null, input: ShapeInput, describe: TensorDescription | undefined): string {
  const bf = config.batchFirst;
  const layout = bf ? '(batch, seq_len, input_size)' : '(seq_len, batch, input_size)';
  const named = describe ? `${formatShape(describe.shape)} = (${describe.dims.map((d) => `${d.name}=${d.size}`).join(', ')})` : '';
  switch (problem.tensor) {
    case 'x':
      if (!geometry) return `x is 3-D ${layout} (batch_first=${bf ? 'True' : 'False'}), or 2-D (seq_len, input_size) for one unbatched sequence`;
      return `x is ${named}: ${geometry.batched ? `batch_first=${bf ? 'True' : 'False'} puts the batch at dimension ${bf ? 0 : 1}` : 'one unbatched sequence'}; input_size is what the module was built for`;
    case 'h_0':
    case 'c_0': {
      if (!geometry || !describe) return '';
      const feat = problem.tensor === 'c_0' ? 'hidden_size (c is never projected)' : config.projSize ? 'proj_size (h is projected)' : 'hidden_size';
      const batch = geometry.batched ? `batch is x's batch (x's dimension ${bf ? 0 : 1}); ` : 'x is unbatched, so there is no batch dimension; ';
      return `${problem.tensor} is ${named}: one slice per layer and direction, num_layers*num_directions = ${config.numLayers}*${config.bidirectional ? 2 : 1}; ${batch}the last is ${feat}; batch_first never applies to ${problem.tensor}`;
    }
    case 'lengths': {
      if (!geometry) return '';
      const n = input.lengths?.length ?? 0;
      return `lengths holds one length per sequence in the batch (batch=${geometry.batch}, x's dimension ${bf ? 0 : 1}; ${n} given), each in 1..seq_len=${geometry.seqLen}${input.enforceSorted ? ', in decreasing order (enforce_sorted=True)' : ''}`;
    }
  }
}

/** The names of the expected shape's dimensions (an unbatched state's expected shape shows the batch of 1 PyTorch adds). */
function expectedDims(problem: ShapeProblem, describe: TensorDescription | undefined): string[] | null {
  if (!problem.expected || !describe) return null;
  const names = describe.dims.map((d) => d.name);
  if (names.length === problem.expected.length) return names;
  return [names[0]!, 'batch', ...names.slice(1)];
}

export function diagnoseModule(kind: CellKind, config: RecurrentConfig, input: ShapeInput, options: DiagnoseOptions = {}): ModuleDiagnosis {
  const { problems, geometry } = checkForwardShapes(kind, config, input);
  const q = (tensor: string): string => (options.name ? `${options.name}.${tensor}` : tensor);
  const descriptions = geometry
    ? describeTensors(kind, config, { ...geometry, h0Given: !!input.h0, c0Given: !!input.c0, lengths: input.lengths ?? null })
    : [];
  const given: Record<string, readonly number[] | undefined> = { x: input.x, h_0: input.h0, c_0: input.c0 };
  const tensors: DoctorTensor[] = descriptions.map((d) => {
    const shape = given[d.name];
    const bad = problems.some((p) => p.tensor === d.name);
    return { name: d.name, shape: d.shape, dims: d.dims, meaning: d.meaning, given: shape ? [...shape] : null, ok: shape ? !bad : bad ? false : null };
  });
  const report: DoctorProblem[] = problems.map((p) => {
    const describe = descriptions.find((d) => d.name === p.tensor);
    const cause = likelyCause({ kind, config, input, geometry, problem: p, feeder: options.feeder, stateSource: options.stateSource });
    return {
      tensor: q(p.tensor),
      module: options.name ?? null,
      code: p.code,
      expected: p.expected ? [...p.expected] : null,
      expected_dims: expectedDims(p, describe),
      got: [...p.got],
      pytorch_message: p.pytorch,
      message: options.name ? `${options.name}: ${p.message}` : p.message,
      why: why(p, config, geometry, input, describe),
      cause_id: cause.id,
      cause: cause.cause,
      fix: cause.fix,
    };
  });
  return {
    module: {
      name: options.name ?? null,
      module: moduleRepr(kind, config),
      reads: options.reads ?? null,
      h_0_from: options.h0From ?? null,
      ok: problems.length === 0,
      tensors,
    },
    problems: report,
    expected: Object.fromEntries(descriptions.map((d) => [q(d.name), d.shape])),
    geometry,
    shapes: new Map(descriptions.map((d) => [d.name, d.shape])),
  };
}
