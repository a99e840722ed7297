/** Numbers in pruning reasons: four significant digits, no exponent for everyday magnitudes. */
export function formatMetric(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}
