/**
 * Grid search: every cell of the cartesian product, in a fixed order.
 */
import type { Params } from '../core/types.js';
import type { Plan } from './plan.js';
import { CONTINUE, type Decision, type Strategy, type TrialRequest, type TrialSnapshot } from './types.js';

/** Visits `cells` in order (the plan's single rung says how many). */
export function gridStrategy(plan: Plan, cells: readonly Params[]): Strategy {
  const total = plan.brackets[0]!.rungs[0]!.configs;
  return {
    name: 'grid',
    plan,
    ask(history: readonly TrialSnapshot[]): TrialRequest | null {
      const number = history.length;
      if (number >= total) return null;
      return { kind: 'new', params: cells[number]!, proposedBy: null, budget: { from: 0, to: plan.maxEpochs }, bracket: null, rung: null };
    },
    tell: (): Decision => CONTINUE,
    dropped: () => [],
  };
}
