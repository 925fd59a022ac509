/**
 * A Parzen estimator as TPE uses it (after Optuna's `_ParzenEstimator`): one kernel per
 * observation plus a wide prior kernel, over one or more dimensions at once. A numeric dimension
 * has a truncated normal per kernel, its bandwidth taken from the distances to neighbouring
 * observations (univariate) or from Scott's rule (multivariate), clipped; an integer dimension
 * integrates that normal over its unit interval; a categorical one has a weighted categorical
 * per kernel. Older observations weigh less once there are more than 25.
 */
import type { Rng } from '../../util/random.js';
import { logGaussMass, logNormalPdf, sampleTruncatedNormal } from './normal.js';

/**
 * One dimension in the estimator's own space: log-scaled ranges are already logged, integer
 * ranges widened by half a step on each side (`step` is then 1; null for continuous values).
 */
export type Dim =
  | { readonly kind: 'numeric'; readonly low: number; readonly high: number; readonly step: number | null }
  | { readonly kind: 'categorical'; readonly size: number };

export interface EstimatorOptions {
  /** Weight of the prior kernel, relative to an observation's (Optuna: 1). */
  readonly priorWeight: number;
  /** One joint bandwidth rule for all dimensions (Scott's), instead of per-dimension neighbour distances. */
  readonly multivariate: boolean;
  /**
   * In the density (not in sampling), weigh each kernel also by its width in the continuous
   * dimensions, so that every kernel has the same height at its centre whatever its width. Optuna
   * up to 3.4 evaluates its kernels this way (optuna#5109); measured here it finds better
   * optima (see README), so it is the default.
   */
  readonly widthWeighted: boolean;
}

/** Optuna's default weights: equal up to 25 observations; beyond, the oldest ramp down to 1/n. */
export function observationWeights(n: number): number[] {
  if (n < 25) return Array<number>(n).fill(1);
  const ramp = n - 25;
  const weights: number[] = [];
  for (let i = 0; i < ramp; i++) weights.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) weights.push(1);
  return weights;
}

interface NumericKernels {
  readonly kind: 'numeric';
  readonly dim: Extract<Dim, { kind: 'numeric' }>;
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  /** log P(low < X < high) of each kernel: its truncation. */
  readonly logMass: Float64Array;
}

interface CategoricalKernels {
  readonly kind: 'categorical';
  readonly size: number;
  /** Per kernel, the log-probability of each category. */
  readonly logProbs: readonly Float64Array[];
  readonly probs: readonly Float64Array[];
}

export class ParzenEstimator {
  /** Normalised kernel weights, the prior's last. */
  readonly weights: Float64Array;
  readonly #logWeights: Float64Array;
  readonly #kernels: (NumericKernels | CategoricalKernels)[];

  /** `observations[i][d]`: observation i's value in dimension d (a category's index for a categorical one). */
  constructor(dims: readonly Dim[], observations: readonly (readonly number[])[], options: EstimatorOptions) {
    const n = observations.length;
    const raw = [...observationWeights(n), options.priorWeight];
    const total = raw.reduce((a, b) => a + b, 0);
    this.weights = Float64Array.from(raw, (w) => w / total);
    this.#logWeights = this.weights.map(Math.log);
    // Scott's rule over all dimensions, as BOHB and Optuna's multivariate TPE use it.
    const scott = 0.2 * Math.max(n, 1) ** (-1 / (dims.length + 4));
    this.#kernels = dims.map((dim, d) => {
      const column = observations.map((row) => row[d]!);
      return dim.kind === 'numeric'
        ? numericKernels(dim, column, options.multivariate ? scott : null)
        : categoricalKernels(dim.size, column, options.priorWeight);
    });
    if (options.widthWeighted) {
      for (const kernels of this.#kernels) {
        if (kernels.kind !== 'numeric' || kernels.dim.step !== null) continue;
        this.#logWeights.forEach((w, k) => (this.#logWeights[k] = w + Math.log(kernels.sigmas[k]!)));
      }
      const total = logSumExp(this.#logWeights);
      this.#logWeights.forEach((w, k) => (this.#logWeights[k] = w - total));
    }
  }

  get size(): number {
    return this.weights.length;
  }

  /** The kernels' centres and bandwidths in numeric dimension `d` (the prior's last), or null for a categorical one. */
  kernelsOf(d: number): { readonly mus: readonly number[]; readonly sigmas: readonly number[] } | null {
    const kernels = this.#kernels[d];
    return kernels?.kind === 'numeric' ? { mus: [...kernels.mus], sigmas: [...kernels.sigmas] } : null;
  }

  /** `count` points drawn from the mixture: a kernel by weight, then every dimension from it. */
  sample(rng: Rng, count: number): number[][] {
    const points: number[][] = [];
    for (let i = 0; i < count; i++) {
      const k = pick(this.weights, rng());
      points.push(
        this.#kernels.map((kernels) => {
          if (kernels.kind === 'categorical') return pick(kernels.probs[k]!, rng());
          const { dim, mus, sigmas } = kernels;
          return sampleTruncatedNormal(rng, mus[k]!, sigmas[k]!, dim.low, dim.high);
        }),
      );
    }
    return points;
  }

  /** The mixture's log-density at each point (for an integer dimension, its unit interval's log-mass). */
  logPdf(points: readonly (readonly number[])[]): number[] {
    const size = this.size;
    const terms = new Float64Array(size);
    return points.map((point) => {
      terms.set(this.#logWeights);
      this.#kernels.forEach((kernels, d) => {
        const x = point[d]!;
        if (kernels.kind === 'categorical') {
          for (let k = 0; k < size; k++) terms[k]! += kernels.logProbs[k]![x]!;
          return;
        }
        const { dim, mus, sigmas, logMass } = kernels;
        for (let k = 0; k < size; k++) {
          const mu = mus[k]!;
          const sigma = sigmas[k]!;
          let logp: number;
          if (dim.step === null) {
            logp = logNormalPdf((x - mu) / sigma) - Math.log(sigma);
          } else {
            const lower = Math.max(x - dim.step / 2, dim.low);
            const upper = Math.min(x + dim.step / 2, dim.high);
            logp = logGaussMass((lower - mu) / sigma, (upper - mu) / sigma);
          }
          terms[k]! += logp - logMass[k]!;
        }
      });
      return logSumExp(terms);
    });
  }
}

function numericKernels(dim: Extract<Dim, { kind: 'numeric' }>, observed: readonly number[], scott: number | null): NumericKernels {
  const { low, high } = dim;
  const width = high - low;
  const mus = Float64Array.from([...observed, 0.5 * (low + high)]);
  const m = mus.length;
  const sigmas = new Float64Array(m);
  if (scott !== null) {
    sigmas.fill(scott * width);
  } else {
    // The larger distance to a neighbour, with the range's ends as neighbours, except that the
    // outermost kernels look only inwards (Optuna's consider_endpoints = false).
    const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => mus[a]! - mus[b]! || a - b);
    const sorted = [low, ...order.map((i) => mus[i]!), high];
    const widths = order.map((_, j) => Math.max(sorted[j + 1]! - sorted[j]!, sorted[j + 2]! - sorted[j + 1]!));
    if (sorted.length >= 4) {
      widths[0] = sorted[2]! - sorted[1]!;
      widths[widths.length - 1] = sorted[sorted.length - 2]! - sorted[sorted.length - 3]!;
    }
    order.forEach((i, j) => (sigmas[i] = widths[j]!));
  }
  // The "magic clip": no kernel narrower than the range over min(100, n + 1), none wider than it.
  const minimum = width / Math.min(100, 1 + m);
  for (let i = 0; i < m; i++) sigmas[i] = Math.min(width, Math.max(minimum, sigmas[i]!));
  sigmas[m - 1] = width;
  const logMass = Float64Array.from(mus, (mu, i) => logGaussMass((low - mu) / sigmas[i]!, (high - mu) / sigmas[i]!));
  return { kind: 'numeric', dim, mus, sigmas, logMass };
}

function categoricalKernels(size: number, observed: readonly number[], priorWeight: number): CategoricalKernels {
  const n = observed.length;
  // Every category starts at the prior's share; an observation adds 1 to its own.
  const base = priorWeight / (n + 1);
  const probs: Float64Array[] = [];
  for (let k = 0; k <= n; k++) {
    const row = new Float64Array(size).fill(base);
    if (k < n) row[observed[k]!]! += 1;
    const total = row.reduce((a, b) => a + b, 0);
    probs.push(row.map((p) => p / total));
  }
  return { kind: 'categorical', size, probs, logProbs: probs.map((row) => row.map(Math.log)) };
}

/** The index whose cumulative weight first exceeds `u` (weights summing to 1). */
function pick(weights: ArrayLike<number>, u: number): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i]!;
    if (u < total) return i;
  }
  return weights.length - 1;
}

function logSumExp(values: Float64Array): number {
  let max = -Infinity;
  for (const v of values) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}
