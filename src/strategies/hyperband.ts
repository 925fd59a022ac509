/**
 * Hyperband (Li et al., JMLR 2018): successive-halving brackets from the most aggressive
 * (s = s_max, many configurations, few epochs) to plain full-budget training (s = 0). Brackets
 * run side by side: while one waits for a rung to complete, the next one hands out work, so a
 * worker never waits for a bracket boundary.
 */
import { bracketDropped, bracketStep, stepRequest } from './successive-halving.js';
import type { Plan } from './plan.js';
import { CONTINUE, type ConfigSampler, type Decision, type Strategy, type TrialRequest, type TrialSnapshot } from './types.js';

export function hyperbandStrategy(plan: Plan, sampler: ConfigSampler): Strategy {
  const inBracket = (history: readonly TrialSnapshot[], s: number) => history.filter((t) => t.bracket === s);
  return {
    name: 'hyperband',
    plan,
    ask(history): TrialRequest | null {
      for (const bracket of plan.brackets) {
        const step = bracketStep(bracket, inBracket(history, bracket.s));
        // A bracket still handing out new configurations comes before every later one: when its
        // sampler waits, nothing after it can start either.
        if (step !== null) return stepRequest(step, bracket, history, sampler, bracket.s);
      }
      return null;
    },
    tell: (): Decision => CONTINUE,
    dropped: (history) => plan.brackets.flatMap((bracket) => bracketDropped(bracket, inBracket(history, bracket.s))),
  };
}
