/**
 * Asynchronous successive halving (Li et al., MLSys 2020), promotion type: whenever a worker is
 * free, promote a configuration in the top 1/η of its rung that has not been promoted yet,
 * looking from the top rung down; otherwise start a new configuration at the bottom rung.
 * Nothing waits for a rung to fill, so workers are never idle while there is work.
 */
import type { Plan } from './plan.js';
import { rungOf, rungResult, topAtRung, waitsAt } from './rungs.js';
import { CONTINUE, type ConfigSampler, type Decision, type Strategy, type TrialRequest, type TrialSnapshot } from './types.js';

export function ashaStrategy(plan: Plan, trials: number, sampler: ConfigSampler): Strategy {
  const rungs = plan.brackets[0]!.rungs;
  return {
    name: 'asha',
    plan,
    ask(history: readonly TrialSnapshot[]): TrialRequest | null {
      for (let k = rungs.length - 2; k >= 0; k--) {
        const epochs = rungs[k]!.epochs;
        // Every result recorded at rung k counts, diverged and failed ones too (they rank last).
        const reached = history.filter((t) => rungOf(t) >= k && rungResult(t, epochs) !== undefined);
        const top = topAtRung(reached, epochs, Math.floor(reached.length / plan.eta));
        const candidate = top.find((t) => waitsAt(t, k));
        if (candidate !== undefined) {
          return { kind: 'continue', trial: candidate.number, budget: { from: epochs, to: rungs[k + 1]!.epochs }, rung: k + 1 };
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
