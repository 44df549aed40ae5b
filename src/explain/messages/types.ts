/**
 * The message catalogue `explain` speaks through: every sentence it prints is one of these
 * templates. Each language is one object of this type, so a language that lacks a message does
 * not compile. Numbers and shapes arrive already formatted (narrate.ts does that), so every
 * language states the same values.
 */
import type { GateRole } from '../../modules/kinds/index.js';

export type Role = 'only' | 'bottom' | 'middle' | 'top';
export type Dir = 'forward' | 'reverse';

/** A tensor at the chosen step, formatted: `shape` like (3, 20), `norm` like 2.8500. */
export interface TensorAt {
  name: string;
  shape: string;
  norm: string;
}

export interface FusionArgs {
  layer: number;
  role: Role;
  /** Null for a unidirectional module. */
  direction: Dir | null;
  t: number;
  /** x_t, or the layer below's h_t. */
  input: TensorAt;
  /** Null when the layer reads x. */
  fromLayer: number | null;
  /** The layer below's h_t holds both directions side by side. */
  bothDirections: boolean;
  /** Null at a layer's first step, where its previous state is h_0. */
  prevT: number | null;
  hPrev: TensorAt;
  cPrev: TensorAt | null;
  h: TensorAt;
  c: TensorAt | null;
  /** The layer above, or null for the top layer (whose h_t is out). */
  above: number | null;
}

export interface Messages {
  heading: {
    office: string;
    step(t: number, seqLen: number, requested: number): string;
    flow: string;
    outputs: string;
    backward: string;
  };
  intro(a: { module: string; levels: number; batch: number; seqLen: number; batched: boolean }): string;
  notebook(a: { features: number }): string;
  /** The cell's account, one per story a kind can tell (CellKind.story); `name` is the kind's class name. */
  story: {
    elman(a: { name: string; nonlinearity: string }): string;
    lstm(a: { name: string }): string;
    gru(a: { name: string }): string;
  };
  /** Each gate's role in a word or two (an Elman RNN's single `hidden` "gate" is never listed). */
  gateRole: Record<Exclude<GateRole, 'hidden'>, string>;
  projection(a: { proj: number; hidden: number }): string;
  bidirectional(a: { last: number; features: number; stacked: boolean }): string;
  role(a: { layer: number; role: Role; inputShape: string }): string;
  xShape(a: { shape: string; dims: string }): string;
  initialState(a: { name: 'h_0' | 'c_0'; shape: string; dims: string; given: boolean; batchFirst: boolean }): string;
  focus(a: { layer: number }): string;
  fusion(a: FusionArgs): string;
  gates(a: { means: { name: string; role: string; mean: string }[] }): string;
  normNote(): string;
  validNote(a: { t: number; valid: number; batch: number }): string;
  dropoutNote(a: { p: number }): string;
  timeFlow(a: { from: number; to: number; t: number; bidirectional: boolean; last: number }): string;
  timeRow(a: { layer: number; direction: Dir | null; norms: string }): string;
  depthFlow(a: { top: number }): string;
  out(a: { shape: string; dims: string; top: number; seqLen: number; half: number | null; ragged: boolean }): string;
  hN(a: { shape: string; dims: string; last: number; bidirectional: boolean; ragged: boolean }): string;
  cN(a: { shape: string; dims: string; hidden: number; proj: number }): string;
  lengths(a: { lengths: string; steps: string }): string;
  check(a: { kind: 'forward_top' | 'reverse_top'; expression: string; diff: string; equal: boolean; bidirectional: boolean }): string;
  pitfall(a: { expression: string; diff: string; differing: string; seqLen: number }): string;
  /** The backward account (loss last): the error, then each layer's pages, then the input. */
  backward(a: { value: string; last: number; ragged: boolean }): string;
  backwardRow(a: BackwardRowArgs): string;
  backwardX(a: { first: number; last: number; atFirst: string; atLast: string; horizon: number; steps: number }): string;
}

export interface BackwardRowArgs {
  layer: number;
  role: Role;
  direction: Dir | null;
  /** The step read first and last (last: where the error enters this direction). */
  first: number;
  last: number;
  atFirst: string;
  atLast: string;
  /** atFirst / atLast, or null when no error enters at the last step. */
  ratio: string | null;
  horizon: number;
  steps: number;
}
