/**
 * `doctor` as a library call: the same document `rnn-inspect doctor --format json` prints, for a
 * module (or the sizes known of one) and the shapes a caller has, without any data.
 *
 *   doctor({ hiddenSize: 256, numLayers: 2, batchFirst: true }, { x: [4, 35, 128], h0: [2, 64, 256] })
 */
import type { CellKind } from '../modules/kinds/index.js';
import type { RecurrentConfig } from '../modules/layer/config.js';
import type { Recurrent } from '../modules/recurrent.js';
import type { DoctorReport } from '../schema/doctor.js';
import type { Shape } from '../tensor/tensor.js';
import { version as packageVersion } from '../version.js';
import { diagnoseModule } from './doctor.js';
import { layoutWarnings } from './layout.js';
import { pitfalls } from './pitfalls.js';
import { completeModule, type PartialModule } from './sizes.js';

export type { PartialModule } from './sizes.js';

export interface DoctorShapes {
  x: Shape;
  h0?: Shape | undefined;
  c0?: Shape | undefined;
  lengths?: readonly number[] | undefined;
  enforceSorted?: boolean | undefined;
}

/** Checks the shapes against the module (a module, a kind and configuration, or the sizes known of one: what a PartialModule leaves out is read from the shapes, noted). */
export function doctor(module: Recurrent | { kind: CellKind; config: RecurrentConfig } | PartialModule, shapes: DoctorShapes, options: { version?: string; notes?: readonly string[] } = {}): DoctorReport {
  const notes = [...(options.notes ?? [])];
  const { kind, config } = 'config' in module && 'kind' in module ? { kind: module.kind, config: module.config } : completeModule(module, shapes, notes);
  const d = diagnoseModule(kind, config, { x: shapes.x, h0: shapes.h0, c0: shapes.c0, lengths: shapes.lengths, enforceSorted: !!shapes.enforceSorted });
  return {
    command: 'doctor',
    version: options.version ?? packageVersion(),
    ok: d.problems.length === 0,
    expected: d.expected,
    problems: d.problems,
    modules: [d.module],
    notes,
    warnings: layoutWarnings(config, shapes),
    pitfalls: pitfalls(kind, config, d.geometry, shapes.lengths),
  };
}
