/**
 * Rung arithmetic shared by the multi-fidelity strategies: small pure functions over trial
 * snapshots, as Optuna's pruners and Ray's ASHA keep theirs.
 */
import type { TrialSnapshot } from './types.js';

/**
 * A trial's result at the rung of `epochs` epochs: its score after that epoch; null when it
 * diverged or failed before or there (a bad outcome, ranked last); undefined while it has not
 * got there yet.
 */
export function rungResult(trial: TrialSnapshot, epochs: number): number | null | undefined {
  if (trial.curve.length >= epochs) return trial.curve[epochs - 1] ?? null;
  if (trial.status === 'diverged' || trial.status === 'failed') return null;
  return undefined;
}

/** The trial's rung, 0 for a trial that has not been promoted. */
export function rungOf(trial: TrialSnapshot): number {
  return trial.rung ?? 0;
}

/**
 * The best `k` trials by their result at a rung: highest score first, ties to the lower trial
 * number (so the choice never depends on timing); trials without a score are never among them.
 */
export function topAtRung(trials: readonly TrialSnapshot[], epochs: number, k: number): TrialSnapshot[] {
  return trials
    .map((trial) => ({ trial, score: rungResult(trial, epochs) }))
    .filter((entry): entry is { trial: TrialSnapshot; score: number } => typeof entry.score === 'number')
    .sort((a, b) => b.score - a.score || a.trial.number - b.trial.number)
    .slice(0, k)
    .map((entry) => entry.trial);
}

/** Whether every one of `trials` has a result at the rung of `epochs` epochs. */
export function rungComplete(trials: readonly TrialSnapshot[], epochs: number): boolean {
  return trials.every((trial) => rungResult(trial, epochs) !== undefined);
}

/** A trial waiting at rung `k` for a promotion that has not come yet. */
export function waitsAt(trial: TrialSnapshot, k: number): boolean {
  return trial.status === 'paused' && rungOf(trial) === k;
}

/**
 * Trials in the order {@link topAtRung} ranks them (highest score first, ties to the lower
 * number), kept sorted as trials come and go: a binary search finds where one belongs, so its
 * rank is known without sorting the rung again.
 */
export class RankedTrials {
  readonly #scores: number[] = [];
  readonly #numbers: number[] = [];

  get size(): number {
    return this.#numbers.length;
  }

  /** How many trials rank before (`score`, `number`). */
  rank(score: number, number: number): number {
    let low = 0;
    let high = this.#numbers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const s = this.#scores[mid]!;
      if (s > score || (s === score && this.#numbers[mid]! < number)) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  add(score: number, number: number): void {
    const at = this.rank(score, number);
    this.#scores.splice(at, 0, score);
    this.#numbers.splice(at, 0, number);
  }

  delete(score: number, number: number): void {
    const at = this.rank(score, number);
    if (this.#numbers[at] !== number) return;
    this.#scores.splice(at, 1);
    this.#numbers.splice(at, 1);
  }

  /** The best-ranked trial: its number and score; undefined when empty. */
  first(): { readonly number: number; readonly score: number } | undefined {
    return this.#numbers.length === 0 ? undefined : { number: this.#numbers[0]!, score: this.#scores[0]! };
  }
}
