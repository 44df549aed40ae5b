/**
 * The pipeline document: per module, a recurrent module's run report (shapes, meanings, h_n
 * slices, trace) or an Embedding's / Linear's own (what it read, what it wrote, its parameters).
 */
import type { LayerRun, Pipeline, StageRun } from '../modules/pipeline.js';
import type { LayerModuleReport, PipelineModuleReport, PipelineDocument } from '../schema/pipeline.js';
import type { Warning } from '../warnings.js';
import { fingerprint } from './fingerprint.js';
import { buildRunReport, type TraceLevel } from './run-report.js';

export interface PipelineReportOptions {
  version: string;
  trace: TraceLevel;
  includeTensors: boolean;
  warnings: Warning[];
  notes: string[];
  unusedKeys: string[];
}

function layerReport(run: LayerRun, includeTensors: boolean): LayerModuleReport {
  const { stage, out } = run;
  const notes: string[] = [];
  if (stage.type === 'embedding' && stage.module.paddingIdx !== null) {
    notes.push(
      `padding_idx ${stage.module.paddingIdx} marks padding in the ids; it is never taken for a length: give --lengths for sequences of different lengths, as to pack_padded_sequence`,
    );
  }
  if (stage.type === 'linear' && stage.select === 'last') {
    notes.push(run.lengths ? `reads ${stage.reads}'s out at each sequence's last valid step (lengths ${run.lengths.join(',')})` : `reads ${stage.reads}'s out at the last step (no --lengths: every sequence is taken as full length)`);
  }
  if (stage.type === 'linear' && stage.select === 'h_n') notes.push(`reads ${stage.reads}'s top layer's h_n, directions concatenated as torch.cat([h_n[-2], h_n[-1]], 1)`);
  const params = stage.module.stateDict();
  return {
    name: stage.name,
    type: stage.type,
    module: stage.module.toString(),
    reads: stage.reads,
    select: stage.type === 'linear' ? stage.select : null,
    shapes: { input: [...run.x.shape], out: [...out.shape] },
    parameters: [...params].map(([name, t]) => ({ name, shape: [...t.shape], count: t.size })),
    parameter_count: stage.module.parameterCount(),
    fingerprint: fingerprint(params),
    notes,
    ...(includeTensors ? { tensors: { out: out.toNested() } } : {}),
  };
}

export function buildPipelineReport(pipeline: Pipeline, runs: ReadonlyMap<string, StageRun>, o: PipelineReportOptions): PipelineDocument {
  return {
    command: 'pipeline',
    version: o.version,
    order: pipeline.order,
    modules: pipeline.stages.map((stage): PipelineModuleReport | LayerModuleReport => {
      const run = runs.get(stage.name)!;
      if (!('result' in run)) return layerReport(run, o.includeTensors);
      const { config } = run.stage.module;
      const batched = run.x.rank === 3;
      const { command: _c, version: _v, ...rest } = buildRunReport(run.stage.module, run.result, {
        version: o.version,
        trace: o.trace,
        includeTensors: o.includeTensors,
        geometry: {
          seqLen: run.x.shape[batched && config.batchFirst ? 1 : 0]!,
          batch: batched ? run.x.shape[config.batchFirst ? 0 : 1]! : 1,
          batched,
          h0Given: !!run.h0,
          c0Given: !!run.c0,
          lengths: run.lengths,
        },
      });
      return { name: stage.name, reads: stage.reads, h_0_from: stage.h0From, fingerprint: fingerprint(run.stage.module.stateDict()), ...rest };
    }),
    parameter_count: pipeline.parameterCount(),
    warnings: o.warnings,
    notes: o.notes,
    unused_keys: o.unusedKeys,
  };
}
