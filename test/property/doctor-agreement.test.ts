/**
 * The doctor agrees with the engine: for random configurations and random perturbations of the
 * shapes of x, h_0, c_0 and lengths, doctor says "fits" exactly when module.forward runs without a
 * ShapeError; when they do not fit, its first problem is the engine's error, word for word, and
 * every problem comes with a cause and a fix.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ShapeError, Tensor, type ForwardOptions, type Shape } from '../../src/index.js';
import { diagnoseModule } from '../../src/diagnose/doctor.js';
import type { ShapeInput } from '../../src/modules/layer/prepare.js';
import { caseArbitrary, fcOptions, moduleFor, type Case } from '../helpers/property.js';

const int = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });

/** One way to spoil (or keep) a shape. */
type Perturbation =
  | { op: 'keep' | 'swap01' | 'swap12' | 'drop-first' | 'add-one' }
  | { op: 'resize'; dim: number; by: number }
  | { op: 'double'; dim: number };

const perturbation: fc.Arbitrary<Perturbation> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ op: 'keep' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'swap01' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'swap12' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('resize' as const), dim: int(0, 2), by: fc.constantFrom(-1, 1, 2) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('double' as const), dim: int(0, 2) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'drop-first' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'add-one' as const }) },
);

function perturb(shape: Shape, p: Perturbation): number[] {
  const s = [...shape];
  switch (p.op) {
    case 'swap01':
      if (s.length >= 2) [s[0], s[1]] = [s[1], s[0]];
      return s;
    case 'swap12':
      if (s.length >= 3) [s[1], s[2]] = [s[2], s[1]];
      return s;
    case 'resize':
      if (p.dim < s.length) s[p.dim] = Math.max(1, s[p.dim] + p.by);
      return s;
    case 'double':
      if (p.dim < s.length) s[p.dim] *= 2;
      return s;
    case 'drop-first':
      return s.length > 1 ? s.slice(1) : s;
    case 'add-one':
      return [1, ...s];
    default:
      return s;
  }
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  c: caseArbitrary({ unbatched: true }),
  xP: perturbation,
  h0: fc.constantFrom('none', 'given'),
  h0P: perturbation,
  c0: fc.constantFrom('none', 'given', 'given', 'alone'),
  c0P: perturbation,
  lengths: fc.oneof(
    { weight: 3, arbitrary: fc.constant('none') },
    { weight: 2, arbitrary: fc.constant('case') },
    { weight: 1, arbitrary: fc.array(int(0, 8), { minLength: 1, maxLength: 5 }) },
  ),
  enforceSorted: fc.boolean(),
});

interface Scenario {
  c: Case;
  xP: Perturbation;
  h0: 'none' | 'given';
  h0P: Perturbation;
  c0: 'none' | 'given' | 'alone';
  c0P: Perturbation;
  lengths: 'none' | 'case' | number[];
  enforceSorted: boolean;
}

function shapesOf(s: Scenario): ShapeInput & { x: number[] } {
  const { c } = s;
  const x = perturb(c.x.shape, s.xP);
  const stateShape = (n: number): number[] => (c.batched ? [c.options.numLayers * c.D, c.batch, n] : [c.options.numLayers * c.D, n]);
  const h0 = s.h0 === 'given' ? perturb(stateShape(c.realHidden), s.h0P) : undefined;
  // c_0: for LSTM usually beside h_0; sometimes alone; for RNN and GRU a c_0 is itself a mistake.
  const c0 = s.c0 === 'none' || (s.c0 === 'given' && c.kind !== 'lstm' && s.h0 === 'none') ? undefined : perturb(stateShape(c.options.hiddenSize), s.c0P);
  // lengths: none, the case's own (valid, possibly unsorted), or random (too long, zero, too many).
  const lengths = s.lengths === 'none' ? undefined : s.lengths === 'case' ? c.lengths : s.lengths;
  return { x, h0, c0, lengths, enforceSorted: s.enforceSorted };
}

function engine(m: ReturnType<typeof moduleFor>, shapes: ShapeInput): string | null {
  const opt: ForwardOptions = {};
  if (shapes.h0) opt.h0 = Tensor.zeros(shapes.h0);
  if (shapes.c0) opt.c0 = Tensor.zeros(shapes.c0);
  if (shapes.lengths) opt.lengths = shapes.lengths;
  opt.enforceSorted = shapes.enforceSorted;
  try {
    m.forward(Tensor.zeros(shapes.x), opt);
    return null;
  } catch (err) {
    if (err instanceof ShapeError) return err.message;
    throw err;
  }
}

test('property: doctor says "fits" exactly when the engine runs without a ShapeError', () => {
  let fits = 0;
  let misfits = 0;
  fc.assert(
    fc.property(scenario, (s) => {
      const m = moduleFor(s.c);
      const shapes = shapesOf(s);
      const d = diagnoseModule(m.kind, m.config, shapes);
      const error = engine(m, shapes);
      assert.equal(d.module.ok, error === null, `doctor ${d.module.ok ? 'fits' : 'misfits'}, engine: ${error ?? 'ran'}\n${JSON.stringify(shapes)}`);
      if (error === null) {
        fits++;
        assert.deepEqual(d.problems, []);
        return;
      }
      misfits++;
      assert.equal(d.problems[0].message, error, 'the first problem is the engine\'s error');
      for (const p of d.problems) {
        assert.ok(p.cause.length > 10 && p.fix.length > 10 && p.cause_id, `cause and fix for ${p.code}`);
      }
    }),
    fcOptions(600),
  );
  // Both outcomes are exercised, or the agreement proves little.
  assert.ok(fits > 60 && misfits > 60, `fits ${fits}, misfits ${misfits}`);
});

test('property: with the right shapes, doctor fits and its expected shapes are what the engine returns', () => {
  fc.assert(
    fc.property(caseArbitrary({ unbatched: true }), (c) => {
      const m = moduleFor(c);
      const d = diagnoseModule(m.kind, m.config, { x: c.x.shape, h0: c.h0?.shape, c0: c.c0?.shape, lengths: c.lengths });
      assert.deepEqual(d.problems, []);
      const r = m.forward(c.x, { h0: c.h0, c0: c.c0, lengths: c.lengths });
      assert.deepEqual(d.expected.out, [...r.out.shape]);
      assert.deepEqual(d.expected.h_n, [...r.hN.shape]);
      if (r.cN) assert.deepEqual(d.expected.c_n, [...r.cN.shape]);
    }),
    fcOptions(150),
  );
});
