/**
 * The history of the best value as trials completed: what the curves panel draws as a sparkline.
 */
import type { Direction } from '../../core/types.js';
import type { TrialRecord } from '../../storage/storage.js';
import { toScore } from '../../core/scores.js';

/** The best value after each completed trial, by completion time (ties by trial number). */
export function bestSoFar(trials: readonly TrialRecord[], direction: Direction): number[] {
  const completed = trials.filter((t) => t !== undefined && t.status === 'completed' && toScore(t.value, direction) !== null);
  completed.sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || a.number - b.number);
  const history: number[] = [];
  let best: number | null = null;
  for (const trial of completed) {
    if (best === null || toScore(trial.value, direction)! > toScore(best, direction)!) best = trial.value;
    history.push(best!);
  }
  return history;
}
