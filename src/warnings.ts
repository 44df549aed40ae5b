/**
 * The warnings a document can carry, and only here: a run that went ahead but may not be what was
 * meant. Each is `{code, message}` in JSON (`warnings: [...]`): the code is stable, part of the
 * JSON contract, and the message is for people (the text output prints it after `warning: `).
 * The schemas' enum and the README's list come from this table.
 */
export const WARNING_CODES = {
  'dropout-single-layer': "PyTorch's UserWarning: dropout acts between layers, so with num_layers=1 it does nothing",
  'non-finite-accepted': 'an input or a weight holds NaN or Infinity, accepted with --allow-nonfinite',
  'non-finite-value': 'the run produced Infinity or NaN: where it first appeared',
  'backward-left-out': "explain's backward account is left out: its backward pass would exceed --max-memory",
  'token-ids-as-features': 'x holds integer token ids while the weights file holds an Embedding: the recurrent module reads them as features',
  'h0-batch-equals-layers': 'batch equals num_layers * num_directions: an h_0 (or c_0) built as (batch, layers, hidden) has the right shape, and PyTorch cannot tell',
  'lengths-padding-other-layout': "x's zeros past each length fit the other layout (batch-first data read time-first, or the reverse), not the one the module reads",
} as const satisfies Record<string, string>;

export type WarningCode = keyof typeof WARNING_CODES;

/** The codes, in the table's order (the schemas' enum). */
export const warningCodes = Object.keys(WARNING_CODES) as [WarningCode, ...WarningCode[]];

export interface Warning {
  code: WarningCode;
  message: string;
}

export function warning(code: WarningCode, message: string): Warning {
  return { code, message };
}
