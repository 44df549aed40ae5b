/** Every JSON document the CLI writes, by the name `rnn-inspect schema NAME` knows it. */
import { compareReportSchema } from './compare.js';
import { runReportSchema, stepEventSchema, summaryEventSchema } from './run.js';

export const documents = {
  run: runReportSchema,
  'ndjson-step': stepEventSchema,
  'ndjson-summary': summaryEventSchema,
  compare: compareReportSchema,
};

export * from './run.js';
export * from './compare.js';
