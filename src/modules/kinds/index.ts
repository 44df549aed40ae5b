/**
 * The cell kinds: the only place that names them all. Add a kind's file beside this one and its
 * entry here, and it reaches the runner, the cells, weight recognition, every command and schema.
 */
import { ConfigError } from '../../errors.js';
import { gruKind } from './gru.js';
import { gruResetBeforeKind } from './gru-reset-before.js';
import type { CellKind } from './kind.js';
import { lstmKind } from './lstm.js';
import { rnnKind } from './rnn.js';

export type { BackwardStepArgs, CellKind, GateActivation, GateRole, GateSpec, KerasForm, OnnxForm, ParameterTemplate, RecurrentGradients, RecurrentWeights, ReferenceModel, StepArgs, StepRecurrent, Story, UpdateArgs } from './kind.js';
export { stepRecurrent } from './kind.js';
export { PYTORCH_PARAMETERS } from './kind.js';

export const kinds = [rnnKind, lstmKind, gruKind, gruResetBeforeKind] as const;

export type KindName = (typeof kinds)[number]['type'];

/** The kinds' `type` names, in list order: the values of `--type` and of the schemas' enums. */
export const kindNames = kinds.map((k) => k.type) as [KindName, ...KindName[]];

export function kindOf(type: string): CellKind<KindName> {
  const kind = kinds.find((k) => k.type === type.toLowerCase());
  if (!kind) throw new ConfigError(`type: expected one of ${kindNames.join(', ')}, got "${type}"`);
  return kind;
}

/** The kinds whose weight_ih has `count` gates' worth of rows: what a state_dict can tell of its kind. */
export function kindsWithGates(count: number): CellKind<KindName>[] {
  return kinds.filter((k) => k.gates.length === count);
}

/** The first kind with a cell state (LSTM): what a c_0 or a proj_size implies. */
export function kindWithCellState(): CellKind<KindName> {
  return kinds.find((k) => k.hasCellState)!;
}
