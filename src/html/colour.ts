/**
 * viridis, the perceptually uniform, colour-blind-safe scale of matplotlib, computed from a
 * degree-6 polynomial fit per channel (at 0, 0.5 and 1 within 3.7/255 of matplotlib's table), so
 * that the page needs no colour table from anywhere. `lut` samples it in 256 steps for the page's own script.
 */
const COEFFICIENTS: readonly (readonly [number, number, number])[] = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

const hex2 = (v: number): string => Math.round(Math.min(1, Math.max(0, v)) * 255).toString(16).padStart(2, '0');

/** viridis at s in [0, 1] as #rrggbb. */
export function viridis(s: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(s) ? s : 0));
  const rgb = [0, 1, 2].map((c) => {
    let v = 0;
    for (let i = COEFFICIENTS.length - 1; i >= 0; i--) v = v * x + COEFFICIENTS[i]![c]!;
    return v;
  });
  return '#' + rgb.map(hex2).join('');
}

/** 256 samples of viridis, dark (0) to bright (255). */
export function lut(): string[] {
  return Array.from({ length: 256 }, (_, i) => viridis(i / 255));
}

/** A linear scale from [lo, hi] onto viridis; a degenerate range maps to the middle. */
export interface Scale {
  lo: number;
  hi: number;
  /** The value at the middle of the legend (the arithmetic mean, or the geometric one on a log scale). */
  mid?: number;
  colour(v: number): string;
}

/**
 * A log scale for positive values spanning decades (gradient norms): lo is floored at 1e-12 × hi,
 * and values at or below it take the darkest colour.
 */
export function logScale(lo: number, hi: number): Scale {
  const floor = Math.max(lo, hi * 1e-12, Number.MIN_VALUE);
  const a = Math.log10(floor);
  const span = Math.log10(Math.max(hi, floor)) - a;
  return { lo: floor, hi, mid: Math.sqrt(floor * hi), colour: (v) => viridis(span > 0 ? (Math.log10(Math.max(v, floor)) - a) / span : 0.5) };
}

export function scale(lo: number, hi: number): Scale {
  const span = hi - lo;
  return { lo, hi, colour: (v) => viridis(span > 0 ? (v - lo) / span : 0.5) };
}

/** Black or white text, whichever reads better on a viridis colour at s. */
export function inkOn(s: number): string {
  return s > 0.55 ? '#000000' : '#ffffff';
}
