/**
 * Asynchronous successive halving (Li et al., MLSys 2020), promotion type: whenever a worker is
 * free, promote a configuration in the top 1/η of its rung that has not been promoted yet,
 * looking from the top rung down; otherwise start a new configuration at the bottom rung.
 * Nothing waits for a rung to fill, so workers are never idle while there is work.
 */
import type { Plan } from './plan.js';
import { follower } from './history-log.js';
import { RankedTrials, rungOf, rungResult, waitsAt } from './rungs.js';
import { CONTINUE, type ConfigSampler, type Decision, type Strategy, type TrialRequest, type TrialSnapshot } from './types.js';

export function ashaStrategy(plan: Plan, trials: number, sampler: ConfigSampler): Strategy {
  const rungs = plan.brackets[0]!.rungs;
  const indexOf = follower(
    () => rungs.slice(0, -1).map(() => new RungIndex()),
    (index, before, after) => {
      index.forEach((rung, k) => {
        if (before !== undefined) rung.leave(before, k, rungs[k]!.epochs);
        rung.enter(after, k, rungs[k]!.epochs);
      });
    },
  );
  return {
    name: 'asha',
    plan,
    ask(history: readonly TrialSnapshot[]): TrialRequest | null {
      const index = indexOf(history);
      for (let k = rungs.length - 2; k >= 0; k--) {
        const candidate = index[k]!.candidate(plan.eta);
        if (candidate !== undefined) {
          const epochs = rungs[k]!.epochs;
          return { kind: 'continue', trial: candidate, budget: { from: epochs, to: rungs[k + 1]!.epochs }, rung: k + 1 };
        }
      }
      if (history.length >= trials) return null;
      const proposal = sampler.propose(history.length, history);
      if (proposal === null) return null;
      return { kind: 'new', ...proposal, budget: { from: 0, to: rungs[0]!.epochs }, bracket: null, rung: 0 };
    },
    tell: (): Decision => CONTINUE,
    // A paused trial may still be promoted while rungs below it grow; it is dropped at the end.
    dropped: () => [],
  };
}

/**
 * One rung's bookkeeping: how many trials have a result there (every result counts, diverged and
 * failed ones too: they rank last), those with a score in rank order, and those of them waiting
 * at the rung for a promotion. The rung's top 1/η are the first ⌊results/η⌋ ranked; the
 * promotion, when there is one, is the best-ranked waiting trial if it is among them.
 */
class RungIndex {
  #results = 0;
  readonly #ranked = new RankedTrials();
  readonly #waiting = new RankedTrials();

  enter(trial: TrialSnapshot, k: number, epochs: number): void {
    this.#change(trial, k, epochs, 1);
  }

  leave(trial: TrialSnapshot, k: number, epochs: number): void {
    this.#change(trial, k, epochs, -1);
  }

  #change(trial: TrialSnapshot, k: number, epochs: number, sign: 1 | -1): void {
    if (rungOf(trial) < k) return;
    const score = rungResult(trial, epochs);
    if (score === undefined) return;
    this.#results += sign;
    if (score === null) return;
    const waits = waitsAt(trial, k);
    if (sign === 1) {
      this.#ranked.add(score, trial.number);
      if (waits) this.#waiting.add(score, trial.number);
    } else {
      this.#ranked.delete(score, trial.number);
      if (waits) this.#waiting.delete(score, trial.number);
    }
  }

  /** The trial to promote from this rung, if any. */
  candidate(eta: number): number | undefined {
    const best = this.#waiting.first();
    if (best === undefined) return undefined;
    return this.#ranked.rank(best.score, best.number) < Math.floor(this.#results / eta) ? best.number : undefined;
  }
}
