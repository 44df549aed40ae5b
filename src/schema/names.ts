/**
 * The names of the JSON documents the CLI writes (`rnn-inspect schema NAME`), without loading zod:
 * the CLI's help lists them at start-up. `documents` in index.ts must have exactly these keys.
 */
export const documentNames = ['run', 'ndjson-step', 'ndjson-summary', 'compare', 'pipeline', 'inspect', 'doctor', 'explain', 'grad', 'convert', 'diff'] as const;
export type DocumentName = (typeof documentNames)[number];
