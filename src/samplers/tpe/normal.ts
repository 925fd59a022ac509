/**
 * The standard normal distribution as TPE needs it: log-densities and log-masses of truncated
 * normal kernels that stay finite far in the tails, and draws from a truncated normal. All in
 * plain arithmetic; the randomness comes from the caller's seeded generator.
 */
import type { Rng } from '../../util/random.js';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log(erfc(x)) for x ≥ 0, from the Chebyshev fit of Numerical Recipes (relative error below
 * 1.2e-7 everywhere), computed in log space so that it never underflows.
 */
function logErfcPositive(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly =
    -x * x -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) + poly;
}

/** log Q(z) = log P(Z > z), the upper tail of the standard normal, for any z. */
export function logUpperTail(z: number): number {
  if (z >= 0) return Math.log(0.5) + logErfcPositive(z / Math.SQRT2);
  // Q(z) = 1 - Q(-z) for negative z.
  return Math.log1p(-Math.exp(Math.log(0.5) + logErfcPositive(-z / Math.SQRT2)));
}

/** The standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return z >= 0 ? 1 - Math.exp(logUpperTail(z)) : Math.exp(logUpperTail(-z));
}

/** log P(a < Z < b) for a < b, finite far into either tail. */
export function logGaussMass(a: number, b: number): number {
  if (b <= a) return -Infinity;
  if (a >= 0) {
    // Both in the upper tail: Q(a) - Q(b).
    const qa = logUpperTail(a);
    const qb = logUpperTail(b);
    return qa + Math.log1p(-Math.exp(qb - qa));
  }
  if (b <= 0) return logGaussMass(-b, -a);
  // Straddles 0: 1 - Q(b) - Q(-a).
  return Math.log1p(-Math.exp(logUpperTail(b)) - Math.exp(logUpperTail(-a)));
}

/** log φ(z), the standard normal density. */
export function logNormalPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation refined by one Halley step. */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  // One step of Halley's method on Φ(x) - p.
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * A draw from a normal of mean `mu` and deviation `sigma` truncated to [low, high], by
 * inverting the CDF: one uniform from `rng`.
 */
export function sampleTruncatedNormal(rng: Rng, mu: number, sigma: number, low: number, high: number): number {
  const a = (low - mu) / sigma;
  const b = (high - mu) / sigma;
  // Work on the side where the CDF keeps its precision (the kernel's centre lies in [low, high]).
  const flip = a > 0;
  const [lo, hi] = flip ? [-b, -a] : [a, b];
  const pa = normalCdf(lo);
  const pb = normalCdf(hi);
  const p = pa + rng() * (pb - pa);
  let z = normalQuantile(Math.min(Math.max(p, Number.MIN_VALUE), 1 - Number.EPSILON));
  if (flip) z = -z;
  return Math.min(high, Math.max(low, mu + sigma * z));
}
