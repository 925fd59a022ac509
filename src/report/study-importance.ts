/**
 * A study's parameter importance, for `hpsearch importance`, `show`, `compare`, the dashboard and
 * the HTML report: fANOVA (src/importance) over the study's completed trials, each one's final
 * value as its result, seeded with the study's seed so that every place shows the same numbers.
 */
import { toScore } from '../core/scores.js';
import { permutation } from '../data/load.js';
import { rngFor } from '../util/random.js';
import { MIN_IMPORTANCE_TRIALS, type ParamImportance, parameterImportance } from '../importance/importance.js';
import type { StudyRecord, TrialRecord } from '../storage/storage.js';
import { searchedParamNames } from './leaderboard.js';

export { MIN_IMPORTANCE_TRIALS, type ParamImportance };

export type StudyImportance =
  | {
      readonly kind: 'ranked';
      /** Best first; the importances sum to 1. */
      readonly importances: readonly ParamImportance[];
      /** The completed trials it was computed from (a seeded sample of {@link IMPORTANCE_SAMPLE} in a larger study). */
      readonly trials: number;
      /** The study's completed trials. */
      readonly completed: number;
    }
  | {
      readonly kind: 'unavailable';
      /** Why, as a sentence. */
      readonly reason: string;
      /** With too few completed trials: how many it needs, and how many there are. */
      readonly needed: number | null;
      readonly have: number | null;
    };

const unavailable = (reason: string, needed: number | null = null, have: number | null = null): StudyImportance => ({
  kind: 'unavailable',
  reason,
  needed,
  have,
});

/**
 * The most completed trials importance is computed from. A larger study gives a sample of this
 * many, drawn with the study's seed: the shares move by less than the forest's own spread, and
 * `show`, `compare`, the report and the dashboard stay fast at 100,000 trials (the forest's cost
 * grows a little faster than the trials).
 */
export const IMPORTANCE_SAMPLE = 2000;

/** `size` of `trials` chosen with the seed (the first of a seeded permutation), in their order. */
function sample(trials: readonly TrialRecord[], size: number, seed: number): TrialRecord[] {
  if (trials.length <= size) return [...trials];
  const chosen = permutation(trials.length, rngFor(seed, 'importance', 'sample'))
    .subarray(0, size)
    .sort();
  return Array.from(chosen, (i) => trials[i]!);
}

/** The trials importance learns from: completed at the full budget, with a finite value. */
function usable(trials: readonly TrialRecord[]): TrialRecord[] {
  return trials.filter((t) => t.status === 'completed' && t.value !== null && Number.isFinite(t.value));
}

/**
 * Each searched parameter's importance for the study, or why there is none: pbt (a member's
 * hyperparameters change while it trains, so no configuration owns its result), nothing
 * searched, or fewer than {@link MIN_IMPORTANCE_TRIALS} completed trials. Pruned trials and
 * trials stopped at a lower rung are left out: their values are at fewer epochs than the others'.
 */
export function studyImportance(data: {
  readonly study: Pick<StudyRecord, 'spec'>;
  readonly trials: readonly TrialRecord[];
}): StudyImportance {
  const { spec } = data.study;
  if (spec.strategy === 'pbt') {
    return unavailable("Parameter importance is not computed for pbt: a member's hyperparameters change while it trains.");
  }
  if (searchedParamNames(spec.params).length === 0)
    return unavailable('Parameter importance needs searched parameters; this study has none.');
  const trials = usable(data.trials);
  if (trials.length < MIN_IMPORTANCE_TRIALS) {
    return unavailable(
      `Parameter importance needs at least ${MIN_IMPORTANCE_TRIALS} completed trials; ${trials.length} ${trials.length === 1 ? 'has' : 'have'} completed.`,
      MIN_IMPORTANCE_TRIALS,
      trials.length,
    );
  }
  const chosen = sample(trials, IMPORTANCE_SAMPLE, spec.seed);
  const importances = parameterImportance(
    spec.params,
    chosen.map((t) => ({ params: t.params, score: toScore(t.value, spec.objective.direction)! })),
    { seed: spec.seed },
  );
  return { kind: 'ranked', importances, trials: chosen.length, completed: trials.length };
}

/** What a ranking was computed from: `12 completed trials`, or `a sample of 2000 of 10000 completed trials`. */
export function importanceBasis(importance: Extract<StudyImportance, { kind: 'ranked' }>): string {
  return importance.trials === importance.completed
    ? `${importance.trials} completed trials`
    : `a sample of ${importance.trials} of ${importance.completed} completed trials`;
}

/** `learning_rate 61%, optimizer 20%, …`, or the reason there is none. */
export function importanceLine(importance: StudyImportance): string {
  if (importance.kind === 'unavailable') return importance.reason;
  return importance.importances.map((p) => `${p.param} ${percent(p.importance)}`).join(', ');
}

/** A share as a whole percentage, `<1%` for a small non-zero one. */
export function percent(share: number): string {
  const rounded = Math.round(share * 100);
  return rounded === 0 && share > 0 ? '<1%' : `${rounded}%`;
}
