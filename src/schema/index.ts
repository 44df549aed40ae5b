/** Every JSON document the CLI writes, by the name `rnn-inspect schema NAME` knows it. */
import { compareReportSchema } from './compare.js';
import { explainReportSchema } from './explain.js';
import { inspectReportSchema } from './inspect.js';
import { pipelineReportSchema } from './pipeline.js';
import { runReportSchema, stepEventSchema, summaryEventSchema } from './run.js';

export const documents = {
  run: runReportSchema,
  'ndjson-step': stepEventSchema,
  'ndjson-summary': summaryEventSchema,
  compare: compareReportSchema,
  pipeline: pipelineReportSchema,
  inspect: inspectReportSchema,
  explain: explainReportSchema,
};

export * from './run.js';
export * from './compare.js';
export * from './pipeline.js';
export * from './inspect.js';
export * from './explain.js';
