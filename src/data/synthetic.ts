/**
 * Seeded synthetic data sets: the same options and seed give the same examples, bit for bit,
 * on every machine (seedrandom, no `Math.random`).
 */
import { type Rng, rngFor } from '../util/random.js';
import type { Examples } from './types.js';

/** A standard normal draw (Box–Muller); `1 - rng()` keeps the logarithm's argument above 0. */
function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function classNames(classes: number): string[] {
  return Array.from({ length: classes }, (_, i) => String(i));
}

/** Options of {@link spirals}. */
export interface SpiralsOptions {
  readonly samples: number;
  readonly classes: number;
  /** Standard deviation of the gaussian noise added to each coordinate (the arms reach radius 1). */
  readonly noise: number;
}

/**
 * `classes` interleaved spiral arms in the plane. Example `i` belongs to arm `c = i mod k`; at
 * position `t ∈ [0, 1)` along its arm it lies at radius `0.1 + 0.9·t` and angle
 * `2π·c/k + 3π·t` (one and a half turns), plus gaussian noise of deviation `noise`.
 */
export function spirals(options: SpiralsOptions, seed: number): Examples {
  const { samples, classes, noise } = options;
  const rng = rngFor(seed, 'spirals');
  const x = new Float32Array(samples * 2);
  const y = new Float32Array(samples);
  const perArm = Math.ceil(samples / classes);
  for (let i = 0; i < samples; i++) {
    const arm = i % classes;
    const t = Math.floor(i / classes) / perArm;
    const radius = 0.1 + 0.9 * t;
    const angle = (2 * Math.PI * arm) / classes + 3 * Math.PI * t;
    x[2 * i] = radius * Math.cos(angle) + noise * gaussian(rng);
    x[2 * i + 1] = radius * Math.sin(angle) + noise * gaussian(rng);
    y[i] = arm;
  }
  return { name: 'spirals', task: 'classification', features: 2, classNames: classNames(classes), x, y, rows: samples };
}

/** Options of {@link blobs}. */
export interface BlobsOptions {
  readonly samples: number;
  readonly classes: number;
  readonly features: number;
  /** Standard deviation of each blob around its centre. */
  readonly spread: number;
}

/**
 * Gaussian blobs, one per class, as scikit-learn's `make_blobs`: centres drawn uniformly in
 * `[-10, 10]^features`, each example its class centre plus gaussian noise of deviation `spread`.
 * Example `i` belongs to class `i mod classes`.
 */
export function blobs(options: BlobsOptions, seed: number): Examples {
  const { samples, classes, features, spread } = options;
  const rng = rngFor(seed, 'blobs');
  const centres = Float64Array.from({ length: classes * features }, () => 20 * rng() - 10);
  const x = new Float32Array(samples * features);
  const y = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    const c = i % classes;
    for (let f = 0; f < features; f++) {
      x[i * features + f] = centres[c * features + f] + spread * gaussian(rng);
    }
    y[i] = c;
  }
  return { name: 'blobs', task: 'classification', features, classNames: classNames(classes), x, y, rows: samples };
}

/** Options of {@link linear}. */
export interface LinearOptions {
  readonly samples: number;
  readonly features: number;
  /** Standard deviation of the gaussian noise added to each target. */
  readonly noise: number;
}

/**
 * A linear regression problem `y = θ·x + ε`: θ and x standard normal (θ drawn once from the
 * seed), ε gaussian with deviation `noise`. No intercept.
 */
export function linear(options: LinearOptions, seed: number): Examples {
  const { samples, features, noise } = options;
  const rng = rngFor(seed, 'linear');
  const theta = Float64Array.from({ length: features }, () => gaussian(rng));
  const x = new Float32Array(samples * features);
  const y = new Float32Array(samples);
  for (let i = 0; i < samples; i++) {
    let target = 0;
    for (let f = 0; f < features; f++) {
      x[i * features + f] = gaussian(rng);
      target += theta[f] * x[i * features + f];
    }
    y[i] = target + noise * gaussian(rng);
  }
  return { name: 'linear', task: 'regression', features, classNames: [], x, y, rows: samples };
}
