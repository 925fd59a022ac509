/**
 * What a leaderboard is ranked by: the study's objective, or another final metric named with
 * `--metric`, whose direction is inferred from its name as in a space file.
 */
import { UsageError } from '../errors.js';
import { inferDirection } from '../space/parse.js';
import type { ObjectiveSpec } from '../space/spec.js';
import type { Direction } from '../core/types.js';
import type { TrialRecord } from '../storage/storage.js';
import { closest } from '../util/suggest.js';

/** The metric trials are ranked by and which way is better. */
export interface Ranking {
  readonly metric: string;
  readonly direction: Direction;
  /** Whether it is the study's own objective (then a trial's value is its ranking value). */
  readonly objective: boolean;
}

/** Every metric named in the trials' last epochs, sorted by name. */
export function knownMetrics(trials: readonly TrialRecord[]): string[] {
  const names = new Set<string>();
  for (const trial of trials) for (const name of Object.keys(trial.metrics ?? {})) names.add(name);
  return [...names].sort();
}

/**
 * The ranking for `--metric name` (or the objective when `name` is undefined or is the objective).
 * @param known the metrics that may be named (see {@link knownMetrics}).
 * @throws {UsageError} for a metric no trial reported, or one whose direction cannot be inferred.
 */
export function resolveRanking(objective: ObjectiveSpec, known: readonly string[], name?: string): Ranking {
  if (name === undefined || name === objective.metric) return { ...objective, objective: true };
  if (!known.includes(name)) {
    const near = closest(name, known);
    throw new UsageError(
      `--metric: no trial reported a metric named "${name}"${near === undefined ? '' : `; did you mean "${near}"?`}`,
      known.length === 0 ? 'no trial has reported any metric yet' : `known metrics: ${known.join(', ')}`,
    );
  }
  const direction = inferDirection(name);
  if (direction === undefined) {
    throw new UsageError(
      `--metric: cannot tell whether a higher or a lower "${name}" is better`,
      'the direction is inferred from the name: higher is better for acc, auc, f1, precision, recall, r2, score; lower for loss, mae, mse, rmse, error, perplexity',
    );
  }
  return { metric: name, direction, objective: false };
}
