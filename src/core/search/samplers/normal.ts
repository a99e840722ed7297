/**
 * The normal distribution's functions the Parzen estimators need, in log space where tails
 * matter: TPE compares densities many standard deviations from a kernel's centre (the magic clip
 * lets σ shrink to 1/100 of the range), where Φ itself underflows.
 */

const LOG_HALF = Math.log(0.5);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log erfc(z) for z ≥ 0, from Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7),
 * written as a sum of logs so that it never underflows.
 */
function logErfc(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) - z * z + poly;
}

/** log(1 − eˣ) for x ≤ 0. */
function log1mExp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** log Q(x), Q the upper tail 1 − Φ(x). */
export function logUpperTail(x: number): number {
  if (x >= 0) return LOG_HALF + logErfc(x / Math.SQRT2);
  return log1mExp(LOG_HALF + logErfc(-x / Math.SQRT2));
}

/** log(Φ(b) − Φ(a)) for a ≤ b: the log probability of a standard normal in [a, b]. */
export function logGaussMass(a: number, b: number): number {
  if (!(b > a)) return -Infinity;
  if (a >= 0) {
    const qa = logUpperTail(a);
    return qa + log1mExp(logUpperTail(b) - qa);
  }
  if (b <= 0) return logGaussMass(-b, -a);
  return Math.log1p(-(Math.exp(logUpperTail(-a)) + Math.exp(logUpperTail(b))));
}

/** log φ(z), the standard normal density. */
export function logNormalDensity(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** Φ(x). */
export function normalCdf(x: number): number {
  return x >= 0 ? 1 - Math.exp(logUpperTail(x)) : Math.exp(logUpperTail(-x));
}

/** Φ⁻¹(p) by Acklam's rational approximation (relative error < 1.2e-9); ±∞ at 0 and 1. */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number): number =>
    (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log1p(-p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** A draw from N(mu, sigma²) truncated to [low, high], by inverting the CDF as Optuna's truncnorm does. */
export function sampleTruncatedNormal(u: number, mu: number, sigma: number, low: number, high: number): number {
  let a = (low - mu) / sigma;
  let b = (high - mu) / sigma;
  // Invert on the side where the interval lies nearer the centre, where Φ keeps its precision.
  const mirrored = a > 0;
  if (mirrored) [a, b] = [-b, -a];
  const pa = normalCdf(a);
  const pb = normalCdf(b);
  const z = pb - pa > 1e-300 ? normalQuantile(pa + u * (pb - pa)) : a + u * (b - a);
  const x = mu + sigma * (mirrored ? -z : z);
  return Math.min(high, Math.max(low, x));
}
