/**
 * Python's `'{:.Nf}'.format(x)`: rounds the exact binary value half-to-even. JavaScript's
 * `toFixed` rounds exact ties away from zero, so 0.625 would print 0.63 where scikit-learn's
 * report prints 0.62; precision 5/8 is common enough for that to matter.
 */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const plain = x.toFixed(digits);
  const { num, den } = exactFraction(Math.abs(x));
  const scale = 10n ** BigInt(digits);
  // The value scaled by 10^digits is a tie exactly when 2·|x|·10^digits is an odd integer.
  const twice = 2n * num * scale;
  if (twice % den !== 0n || (twice / den) % 2n === 0n) return plain;
  const floor = (num * scale) / den;
  const even = floor % 2n === 0n ? floor : floor + 1n;
  const text = even.toString().padStart(digits + 1, '0');
  const body = digits === 0 ? text : `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  return x < 0 ? `-${body}` : body;
}

/** A finite non-negative double as an exact fraction num/den with den a power of two. */
function exactFraction(x: number): { num: bigint; den: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponent === 0 ? fraction : fraction | (1n << 52n);
  const power = (exponent === 0 ? 1 : exponent) - 1075;
  return power >= 0 ? { num: mantissa << BigInt(power), den: 1n } : { num: mantissa, den: 1n << BigInt(-power) };
}
