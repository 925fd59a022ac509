/**
 * The Tree-structured Parzen Estimator's proposal (Bergstra et al., NeurIPS 2011), after Optuna's
 * TPESampler: the observed configurations are split into the best γ(n) and the rest; a Parzen
 * estimator l(x) is fitted to the good ones and g(x) to the others; candidates are drawn from l
 * and the one with the highest l(x)/g(x) is kept. The space is a tree: a conditional choice's
 * children are modelled only from the trials in which they exist, and sampled only under the
 * option chosen. Univariate mode models each parameter alone; multivariate mode models together
 * the parameters that always appear together (the root's, and each option's children).
 */
import type { ParamSpec } from '../../space/types.js';
import type { ParamValue, Params } from '../../core/types.js';
import type { Rng } from '../../util/random.js';
import { type Dim, ParzenEstimator } from './parzen.js';

/**
 * How an observation ranks, lower first: `[tier, a, b]` compared in order. Completed trials come
 * first by score, then trials stopped early (by how far they got, then their last score), then
 * diverged ones, then the trials treated as running (the "liars").
 */
export type RankKey = readonly [number, number, number];

export interface TpeEntry {
  readonly number: number;
  readonly params: Params;
  readonly key: RankKey;
}

export interface TpeSettings {
  readonly candidates: number;
  readonly multivariate: boolean;
  readonly priorWeight: number;
  /** Kernels weighed by their width in the density (`widthWeighted` in parzen.ts). */
  readonly widthWeighted: boolean;
}

/** Liars, ranked after everything observed: what a running trial counts as. */
export const LIAR_KEY: RankKey = [3, 0, 0];

/** Optuna's γ(n): the number of observations in the good group. */
export function goodCount(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

function compareKeys(a: RankKey, b: RankKey): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * Splits `entries` (in trial order) into the good γ(n) and the rest, n counting the observed
 * ones (not the liars); both keep trial order. Ties go to the earlier trial.
 */
export function splitEntries(entries: readonly TpeEntry[]): { good: TpeEntry[]; bad: TpeEntry[] } {
  const observed = entries.filter((e) => e.key[0] !== LIAR_KEY[0]).length;
  const ranked = entries.map((entry, i) => ({ entry, i })).sort((a, b) => compareKeys(a.entry.key, b.entry.key) || a.i - b.i);
  const goodIndices = new Set(ranked.slice(0, goodCount(observed)).map((r) => r.i));
  return { good: entries.filter((_, i) => goodIndices.has(i)), bad: entries.filter((_, i) => !goodIndices.has(i)) };
}

/** A searched parameter in the estimator's own space: its dimension, and the maps to and from it. */
interface Axis {
  readonly spec: ParamSpec;
  readonly dim: Dim;
  /** The internal value of an observed value, or undefined when it does not fit the space (a retry's halved batch). */
  toInternal(value: ParamValue | undefined): number | undefined;
  toValue(x: number): ParamValue;
}

function axisOf(spec: ParamSpec): Axis | null {
  const { dist } = spec;
  switch (dist.kind) {
    case 'constant':
      return null;
    case 'categorical':
    case 'conditional': {
      const values: readonly ParamValue[] = dist.kind === 'categorical' ? dist.choices : dist.options.map((o) => o.name);
      return {
        spec,
        dim: { kind: 'categorical', size: values.length },
        toInternal: (value) => {
          const index = values.indexOf(value as never);
          return index < 0 ? undefined : index;
        },
        toValue: (x) => values[x]!,
      };
    }
    case 'float': {
      const { low, high, log } = dist;
      const dim: Dim = log
        ? { kind: 'numeric', low: Math.log(low), high: Math.log(high), step: null }
        : { kind: 'numeric', low, high, step: null };
      return {
        spec,
        dim,
        toInternal: (value) => (typeof value === 'number' && value >= low && value <= high ? (log ? Math.log(value) : value) : undefined),
        toValue: (x) => Math.min(high, Math.max(low, log ? Math.exp(x) : x)),
      };
    }
    case 'int': {
      const { low, high, log } = dist;
      // Widened by half a step on each side, so that each integer has its own unit interval.
      const dim: Dim = log
        ? { kind: 'numeric', low: Math.log(low - 0.5), high: Math.log(high + 0.5), step: null }
        : { kind: 'numeric', low: low - 0.5, high: high + 0.5, step: 1 };
      return {
        spec,
        dim,
        toInternal: (value) =>
          typeof value === 'number' && Number.isInteger(value) && value >= low && value <= high
            ? log
              ? Math.log(value)
              : value
            : undefined,
        toValue: (x) => Math.min(high, Math.max(low, Math.round(log ? Math.exp(x) : x))),
      };
    }
  }
}

/** The rows of `entries` that have every axis, in internal values. */
function rows(entries: readonly TpeEntry[], axes: readonly Axis[]): number[][] {
  const out: number[][] = [];
  for (const entry of entries) {
    const row = axes.map((axis) => axis.toInternal(entry.params[axis.spec.name]));
    if (row.every((x) => x !== undefined)) out.push(row as number[]);
  }
  return out;
}

/**
 * Draws `settings.candidates` points from l (fitted to `good`) over `axes` and keeps the one with
 * the highest l/g (g fitted to `bad`); the first wins a tie.
 */
function bestCandidate(
  axes: readonly Axis[],
  good: readonly TpeEntry[],
  bad: readonly TpeEntry[],
  settings: TpeSettings,
  rng: Rng,
): number[] {
  const dims = axes.map((a) => a.dim);
  const options = {
    priorWeight: settings.priorWeight,
    multivariate: settings.multivariate && axes.length > 1,
    widthWeighted: settings.widthWeighted,
  };
  const l = new ParzenEstimator(dims, rows(good, axes), options);
  const g = new ParzenEstimator(dims, rows(bad, axes), options);
  const candidates = l.sample(rng, settings.candidates);
  const logL = l.logPdf(candidates);
  const logG = g.logPdf(candidates);
  let best = 0;
  for (let i = 1; i < candidates.length; i++) if (logL[i]! - logG[i]! > logL[best]! - logG[best]!) best = i;
  return candidates[best]!;
}

/**
 * TPE's proposal for the searched parameters of `params` (constants left out), given the
 * observations in `entries` (trial order, liars included).
 */
export function proposeTpe(
  params: readonly ParamSpec[],
  entries: readonly TpeEntry[],
  settings: TpeSettings,
  rng: Rng,
): Record<string, ParamValue> {
  const { good, bad } = splitEntries(entries);
  const out: Record<string, ParamValue> = {};
  const visit = (group: readonly ParamSpec[], inGood: readonly TpeEntry[], inBad: readonly TpeEntry[]): void => {
    const axes = group.map(axisOf).filter((a): a is Axis => a !== null);
    if (settings.multivariate) {
      if (axes.length > 0)
        bestCandidate(axes, inGood, inBad, settings, rng).forEach((x, i) => (out[axes[i]!.spec.name] = axes[i]!.toValue(x)));
    } else {
      for (const axis of axes) out[axis.spec.name] = axis.toValue(bestCandidate([axis], inGood, inBad, settings, rng)[0]!);
    }
    // The children of each conditional choice, modelled from the trials that took the same option.
    for (const axis of axes) {
      const { dist, name } = axis.spec;
      if (dist.kind !== 'conditional') continue;
      const option = dist.options.find((o) => o.name === out[name])!;
      const took = (entry: TpeEntry) => entry.params[name] === option.name;
      visit(option.params, inGood.filter(took), inBad.filter(took));
    }
  };
  visit(params, good, bad);
  return out;
}
