/** A number in a fixed width that reads at a glance: 4 significant digits, exponent when tiny or huge. */
export function num(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return v.toFixed(4);
  return v.toExponential(2);
}
