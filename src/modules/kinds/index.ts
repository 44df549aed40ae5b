/** The cell kinds. Add a kind here and it reaches the runner, the cells, the CLI and the schema. */
import { ConfigError } from '../../errors.js';
import { gruKind } from './gru.js';
import type { CellKind } from './kind.js';
import { lstmKind } from './lstm.js';
import { rnnKind } from './rnn.js';

export type { CellKind, KindName, StepArgs } from './kind.js';

export const kinds: readonly CellKind[] = [rnnKind, lstmKind, gruKind];

export const kindNames = kinds.map((k) => k.type);

export function kindOf(type: string): CellKind {
  const kind = kinds.find((k) => k.type === type.toLowerCase());
  if (!kind) throw new ConfigError(`type: expected one of ${kindNames.join(', ')}, got "${type}"`);
  return kind;
}
