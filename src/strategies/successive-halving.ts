/**
 * Successive halving (Jamieson & Talwalkar, AISTATS 2016), synchronous: n configurations train
 * to r epochs; once all have reported, the best ⌊n/η⌋ continue to r·η from their checkpoints;
 * and so on up to R. Also the bracket engine of Hyperband.
 */
import { CONTINUE, type ConfigSampler, type Decision, type Strategy, type TrialRequest, type TrialSnapshot } from './types.js';
import type { Plan, PlanBracket } from './plan.js';
import { rungComplete, rungOf, topAtRung, waitsAt } from './rungs.js';

/** What one bracket wants next: a new configuration, a promotion, or nothing yet. */
export type BracketStep = { readonly kind: 'new' } | { readonly kind: 'promote'; readonly trial: number; readonly rung: number } | null;

/**
 * The next step of a synchronous successive-halving bracket over its own trials. A rung is
 * decided when every trial that entered it has a result there; its best `configs` of the next
 * rung are then promoted, one per call, best first.
 */
export function bracketStep(bracket: PlanBracket, trials: readonly TrialSnapshot[]): BracketStep {
  const { rungs } = bracket;
  if (trials.length < rungs[0]!.configs) return { kind: 'new' };
  for (let k = 0; k < rungs.length - 1; k++) {
    const members = trials.filter((t) => rungOf(t) >= k);
    if (!rungComplete(members, rungs[k]!.epochs)) return null;
    const winners = topAtRung(members, rungs[k]!.epochs, rungs[k + 1]!.configs);
    const next = winners.find((t) => waitsAt(t, k));
    if (next !== undefined) return { kind: 'promote', trial: next.number, rung: k + 1 };
  }
  return null;
}

/** Paused trials of a bracket that lost a decided rung. */
export function bracketDropped(bracket: PlanBracket, trials: readonly TrialSnapshot[]): number[] {
  const { rungs } = bracket;
  const dropped: number[] = [];
  for (let k = 0; k < rungs.length - 1; k++) {
    const members = trials.filter((t) => rungOf(t) >= k);
    if (members.length === 0 || !rungComplete(members, rungs[k]!.epochs)) break;
    const winners = new Set(topAtRung(members, rungs[k]!.epochs, rungs[k + 1]!.configs));
    for (const trial of members) if (waitsAt(trial, k) && !winners.has(trial)) dropped.push(trial.number);
  }
  return dropped;
}

/** Turns a bracket's step into a request for the orchestrator; null also while the sampler waits. */
export function stepRequest(
  step: BracketStep,
  bracket: PlanBracket,
  history: readonly TrialSnapshot[],
  sampler: ConfigSampler,
  bracketId: number | null,
): TrialRequest | null {
  if (step === null) return null;
  const { rungs } = bracket;
  if (step.kind === 'new') {
    const proposal = sampler.propose(history.length, history);
    if (proposal === null) return null;
    return { kind: 'new', ...proposal, budget: { from: 0, to: rungs[0]!.epochs }, bracket: bracketId, rung: 0 };
  }
  return {
    kind: 'continue',
    trial: step.trial,
    budget: { from: rungs[step.rung - 1]!.epochs, to: rungs[step.rung]!.epochs },
    rung: step.rung,
  };
}

export function successiveHalvingStrategy(plan: Plan, sampler: ConfigSampler): Strategy {
  const bracket = plan.brackets[0]!;
  return {
    name: 'sha',
    plan,
    ask: (history) => stepRequest(bracketStep(bracket, history), bracket, history, sampler, null),
    tell: (): Decision => CONTINUE,
    dropped: (history) => bracketDropped(bracket, history),
  };
}
