/** Every JSON document the CLI writes, by the name `rnn-inspect schema NAME` knows it. */
import { compareReportSchema } from './compare.js';
import { convertReportSchema } from './convert.js';
import { diffReportSchema } from './diff.js';
import { doctorReportSchema } from './doctor.js';
import { explainReportSchema } from './explain.js';
import { gradReportSchema } from './grad.js';
import { inspectReportSchema } from './inspect.js';
import { pipelineReportSchema } from './pipeline.js';
import type { DocumentName } from './names.js';
import { runReportSchema, stepEventSchema, summaryEventSchema } from './run.js';
import type { ZodType } from 'zod';

export const documents: Record<DocumentName, ZodType> = {
  run: runReportSchema,
  'ndjson-step': stepEventSchema,
  'ndjson-summary': summaryEventSchema,
  compare: compareReportSchema,
  pipeline: pipelineReportSchema,
  inspect: inspectReportSchema,
  doctor: doctorReportSchema,
  explain: explainReportSchema,
  grad: gradReportSchema,
  convert: convertReportSchema,
  diff: diffReportSchema,
};

export * from './run.js';
export * from './compare.js';
export * from './pipeline.js';
export * from './inspect.js';
export * from './names.js';
export * from './doctor.js';
export * from './explain.js';
export * from './grad.js';
export * from './convert.js';
export * from './diff.js';
