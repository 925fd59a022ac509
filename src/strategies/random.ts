/**
 * Random search (Bergstra & Bengio, JMLR 2012): each configuration drawn independently.
 */
import type { Plan } from './plan.js';
import { CONTINUE, type Decision, type Sampler, type Strategy, type TrialRequest, type TrialSnapshot } from './types.js';

/**
 * `sample` draws trial `number`'s configuration from a generator keyed by that number rather
 * than a shared one, so a configuration does not depend on how many workers ran or in which
 * order trials finished.
 */
export function randomStrategy(plan: Plan, trials: number, sample: Sampler): Strategy {
  return {
    name: 'random',
    plan,
    ask(history: readonly TrialSnapshot[]): TrialRequest | null {
      const number = history.length;
      if (number >= trials) return null;
      return { kind: 'new', params: sample(number), budget: { from: 0, to: plan.maxEpochs }, bracket: null, rung: null };
    },
    tell: (): Decision => CONTINUE,
    dropped: () => [],
  };
}
