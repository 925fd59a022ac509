/**
 * Random search (Bergstra & Bengio, JMLR 2012), or any sampler's proposals trained to the full
 * budget: each configuration trains once, to `max_epochs`.
 */
import type { Plan } from './plan.js';
import { CONTINUE, type ConfigSampler, type Decision, type Strategy, type TrialRequest, type TrialSnapshot } from './types.js';

/**
 * Every configuration trains to the full budget; `sampler` proposes them (at random: each from a
 * generator keyed by its trial number, so a configuration does not depend on how many workers
 * ran or in which order trials finished).
 */
export function randomStrategy(plan: Plan, trials: number, sampler: ConfigSampler): Strategy {
  return {
    name: 'random',
    plan,
    ask(history: readonly TrialSnapshot[]): TrialRequest | null {
      const number = history.length;
      if (number >= trials) return null;
      const proposal = sampler.propose(number, history);
      if (proposal === null) return null;
      return { kind: 'new', ...proposal, budget: { from: 0, to: plan.maxEpochs }, bracket: null, rung: null };
    },
    tell: (): Decision => CONTINUE,
    dropped: () => [],
  };
}
