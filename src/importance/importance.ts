/**
 * Parameter importance: how much of the variation in a study's scores each searched parameter
 * accounts for, as shares that sum to 1, by fANOVA over a random forest (Hutter, Hoos &
 * Leyton-Brown, ICML 2014, http://proceedings.mlr.press/v32/hutter14.html), after Optuna 3.1's
 * FanovaImportanceEvaluator.
 *
 * A pure function of (params, trials, options): no clock, no I/O, no Math.random; the forest's
 * randomness comes from `options.seed`, so the same input gives bit-identical output.
 */
import type { ParamValue } from '../core/types.js';
import type { ParamSpec } from '../space/types.js';
import { type Column, Encoding, type Table } from './encode.js';
import { decomposeTree } from './fanova.js';
import { fitForest } from './forest.js';

/** A completed trial as importance sees it: its parameters and its score (higher is better). */
export interface ImportanceTrial {
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly score: number;
}

/** One parameter's share of the explained variation, in [0, 1]. */
export interface ParamImportance {
  readonly param: string;
  readonly importance: number;
}

export interface ImportanceOptions {
  /** Seeds the forest: its bootstrap samples, feature orders and the values absent children are given. Default 0. */
  readonly seed?: number;
  /** Trees in the forest. Default 64 (Optuna's n_trees). */
  readonly trees?: number;
  /** Deepest a tree grows. Default 64 (Optuna's max_depth). */
  readonly maxDepth?: number;
  /** Fewest distinct trials a node must hold to be split. Default 2 (Optuna's). */
  readonly minSamplesSplit?: number;
  /** Fewest distinct trials each side of a split must get. Default 1 (Optuna's). */
  readonly minSamplesLeaf?: number;
}

/**
 * The fewest trials {@link parameterImportance} accepts: 10. Optuna's evaluator runs on 2, but
 * a forest over fewer than about 10 points ranks parameters by noise (one trial moves a share by
 * tens of percent); 10 is also the number of random trials TPE (Optuna's and hpsearch's default
 * `startupTrials`) wants before it trusts a model of the scores.
 */
export const MIN_IMPORTANCE_TRIALS = 10;

const DEFAULTS = { seed: 0, trees: 64, maxDepth: 64, minSamplesSplit: 2, minSamplesLeaf: 1 } as const;

/**
 * Each searched parameter's importance (constants have none), best first, ties by name; the
 * importances sum to 1 (the largest absorbs the last rounding). Conditional parents and their
 * children are included; an empty list when nothing is searched.
 *
 * Method. The trials are encoded (`encode.ts`: log-scaled ranges in log10, each value of a choice
 * an equal share of its domain) and a random forest of regression trees is fitted to the scores
 * (`forest.ts`: `trees` trees on bootstrap samples, Optuna's defaults; a choice is split into sets
 * of values, so the order its values are listed in does not matter). Each tree's
 * variance V over the whole space (uniform in the encoded scale, which is the sampling measure)
 * is decomposed (`fanova.ts`) into main effects V_i and pairwise interactions V_ij. A parameter's
 * raw importance in a tree is (V_i + ½ Σ_j V_ij) / V, its main effect plus half of every pairwise
 * interaction it takes part in; raw importances are averaged over the trees with V > 0 and
 * normalized to sum to 1.
 *
 * Why interactions count: Optuna 3.1 reports main effects only, so a parameter that matters only
 * together with another (the best learning rate depends on the optimizer; a sign that flips
 * another parameter's effect) gets about as little as a parameter that does nothing. Splitting
 * each pairwise interaction evenly between its two parameters is the Shapley value of the
 * decomposition truncated at order 2 (Owen 2014, "Sobol' indices and Shapley value"): a share of
 * the variance that single parameters and pairs explain, where the full total effect (main plus
 * every interaction) would count each interaction twice and, on noisy scores, give every
 * parameter the high-order variance the forest fits to noise. Interactions of three or more
 * parameters are left out.
 *
 * Conditionals. The parent is a choice among its options, and each child (`<parent>.<child>`) a
 * parameter over its own domain. Where a child does not exist (its parent took another option),
 * each tree is given a value for it drawn as the space samples it, a value the score does not
 * follow: the forest sees the score flat along the child outside its branch, which is what "does
 * not exist" means for the score. So the variance from taking one option or another is the
 * parent's, and a child's is what its value changes inside its branch, over the whole space: a
 * little main effect (diluted by the other options) and an interaction with its parent, of which
 * it gets half. The child's domain is its own range; it has no "absent" region, whose presence
 * split would mimic the parent's choice and take the parent's variance.
 *
 * Equal scores. When every trial has the same score (or no tree has any variance), nothing
 * explains anything: every parameter gets 1 / (number of parameters).
 *
 * @throws Error when there are fewer than {@link MIN_IMPORTANCE_TRIALS} trials, a score is not
 *   finite, or a trial lacks a parameter it should have or holds a value outside its domain.
 * @throws RangeError naming the option when an option is not a positive integer (or a finite seed).
 */
export function parameterImportance(
  params: readonly ParamSpec[],
  trials: readonly ImportanceTrial[],
  options: ImportanceOptions = {},
): ParamImportance[] {
  const settings = checkedOptions(options);
  if (trials.length < MIN_IMPORTANCE_TRIALS) {
    throw new Error(`parameter importance needs at least ${MIN_IMPORTANCE_TRIALS} completed trials, got ${trials.length}`);
  }
  const encoding = new Encoding(params);
  const { columns } = encoding;
  if (columns.length === 0) return [];
  const table = encoding.encode(trials);
  const y = standardized(table.y);
  return ranked(columns, y === null ? null : rawImportances({ ...table, y }, settings));
}

function checkedOptions(options: ImportanceOptions) {
  // An option given as undefined takes its default.
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const settings: Required<ImportanceOptions> = { ...DEFAULTS, ...given };
  if (!Number.isFinite(settings.seed)) throw new RangeError(`options.seed must be a finite number, got ${settings.seed}`);
  const atLeast = { trees: 1, maxDepth: 1, minSamplesSplit: 2, minSamplesLeaf: 1 } as const;
  for (const [key, min] of Object.entries(atLeast) as [keyof typeof atLeast, number][]) {
    const value = settings[key];
    if (!Number.isInteger(value) || value < min) throw new RangeError(`options.${key} must be an integer ≥ ${min}, got ${value}`);
  }
  return settings;
}

/** Scores shifted and scaled to mean 0 and variance 1 (importances do not change), or null when all are equal. */
function standardized(y: Float64Array): Float64Array | null {
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  const variance = y.reduce((s, v) => s + (v - mean) ** 2, 0) / y.length;
  if (!(variance > 0) || y.every((v) => v === y[0])) return null;
  const sd = Math.sqrt(variance);
  return y.map((v) => (v - mean) / sd);
}

/** The forest's mean share per column, or null when no tree has any variance to share. */
function rawImportances(table: Table, settings: Required<ImportanceOptions>): Float64Array | null {
  const { d, columns } = table;
  const trees = fitForest(table, { ...settings, maxFeatures: d });
  const sum = new Float64Array(d);
  let counted = 0;
  for (const tree of trees) {
    const { variance, main, pairs } = decomposeTree(tree, columns);
    if (!(variance > 0)) continue;
    counted++;
    for (let i = 0; i < d; i++) {
      let share = main[i]!;
      for (let j = 0; j < d; j++) if (j !== i) share += 0.5 * pairs[Math.min(i, j) * d + Math.max(i, j)]!;
      sum[i]! += share / variance;
    }
  }
  const total = sum.reduce((s, v) => s + v, 0);
  return counted === 0 || !(total > 0) ? null : sum.map((v) => v / total);
}

/** Sorted best first (ties by name), summing to 1; equal shares when `shares` is null. */
function ranked(columns: readonly Column[], shares: Float64Array | null): ParamImportance[] {
  const list = columns.map((c, i) => ({ param: c.param, importance: shares === null ? 1 / columns.length : shares[i]! }));
  list.sort((a, b) => b.importance - a.importance || (a.param < b.param ? -1 : a.param > b.param ? 1 : 0));
  // Summed in the order returned, the shares make exactly 1: the largest takes the rounding left over.
  for (let round = 0; round < 4; round++) {
    const total = list.reduce((s, p) => s + p.importance, 0);
    if (total === 1) break;
    list[0] = { param: list[0]!.param, importance: list[0]!.importance + (1 - total) };
  }
  return list;
}
