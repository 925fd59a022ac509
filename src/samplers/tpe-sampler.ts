/**
 * TPE as a study's sampler, and BOHB under the multi-fidelity strategies: what each proposal sees
 * of the history, and when it waits. Pure: trial n's proposal is a function of the study's
 * declaration, n, and the results the rule below lets it see.
 *
 * `parallel: reproducible` (the default for random, sha and hyperband) fixes what trial n sees
 * whatever the timing and the number of workers or hosts: the results of trials 0 … n − lag − 1
 * (waiting for any that is not in yet), with trials n − lag … n − 1 treated as running. Under
 * random search a trial's result is its final one; under sha and hyperband, its result at its
 * bracket's bottom rung, which no other trial's progress can change. `parallel: fast` (and asha,
 * whose promotions depend on timing anyway) sees whatever results are in, every rung of every
 * trial, and treats the trials still running as running.
 */
import type { Params } from '../core/types.js';
import type { StudySpec, TpeSamplerSpec } from '../space/spec.js';
import type { ParamSpec } from '../space/types.js';
import { randomSampler } from '../strategies/create.js';
import type { Plan } from '../strategies/plan.js';
import { rungResult } from '../strategies/rungs.js';
import type { ConfigSampler, Proposal, TrialSnapshot } from '../strategies/types.js';
import { rngFor } from '../util/random.js';
import { LIAR_KEY, type RankKey, type TpeEntry, proposeTpe } from './tpe/tpe.js';

type TpeStudy = Pick<StudySpec, 'params' | 'seed' | 'strategy' | 'workers'> & { readonly sampler: TpeSamplerSpec };

/** Statuses after which a trial's result under random search is final. */
const FINAL = new Set(['completed', 'pruned', 'diverged', 'failed']);

/** Searched parameters, conditional children included: the dimension BOHB counts. */
export function searchedCount(params: readonly ParamSpec[]): number {
  return params.reduce((n, p) => {
    if (p.dist.kind === 'constant') return n;
    if (p.dist.kind === 'conditional') return n + 1 + p.dist.options.reduce((m, o) => m + searchedCount(o.params), 0);
    return n + 1;
  }, 0);
}

/** The lag of `parallel: reproducible`: stored with the study; for a declaration not yet stored, its workers − 1. */
export function lagOf(spec: Pick<TpeStudy, 'sampler' | 'workers'>): number {
  return spec.sampler.lag ?? (typeof spec.workers === 'number' ? spec.workers - 1 : 0);
}

/** How a trial's final result ranks under random search (lower first), or null when it is no evidence (failed). */
function finalKey(trial: TrialSnapshot): RankKey | null {
  switch (trial.status) {
    case 'completed':
      return trial.score === null ? [2, 0, 0] : [0, 0, -trial.score];
    case 'pruned':
    case 'paused':
      // Stopped early: further is better, then the last score (Optuna ranks pruned trials so).
      return [1, -trial.epochs, trial.score === null ? Infinity : -trial.score];
    case 'diverged':
      return [2, 0, 0];
    default:
      return null;
  }
}

/** How a result at a rung ranks, or null when the trial failed before it (no evidence). */
function rungKey(trial: TrialSnapshot, result: number | null): RankKey | null {
  if (result !== null) return [0, 0, -result];
  return trial.status === 'failed' ? null : [2, 0, 0];
}

const liar = (trial: TrialSnapshot): TpeEntry => ({ number: trial.number, params: trial.params, key: LIAR_KEY });

/** A result the model may use: its entry, and the budget (epochs) it was measured at under a multi-fidelity strategy. */
interface Observed {
  readonly entry: TpeEntry;
  readonly budget: number | null;
}

export function tpeSampler(spec: TpeStudy, plan: Plan): ConfigSampler {
  const settings = spec.sampler;
  const random = randomSampler(spec);
  const multiFidelity = spec.strategy === 'sha' || spec.strategy === 'hyperband' || spec.strategy === 'asha';
  const reproducible = settings.parallel === 'reproducible' && spec.strategy !== 'asha';
  const lag = lagOf(spec);
  // BOHB fits a model once a budget has at least as many results as dimensions + 1.
  const minPoints = multiFidelity ? Math.max(settings.startupTrials, searchedCount(spec.params) + 1) : settings.startupTrials;
  const tpe = { candidates: settings.candidates, multivariate: settings.multivariate, priorWeight: 1, widthWeighted: true };
  const firstRungEpochs = (trial: TrialSnapshot) =>
    (plan.brackets.find((b) => b.s === trial.bracket) ?? plan.brackets[0]!).rungs[0]!.epochs;
  const budgets = [...new Set(plan.brackets.flatMap((b) => b.rungs.map((r) => r.epochs)))].sort((a, b) => b - a);

  /** The model's entries for budget-less results, or for the highest budget with enough results; 'random' when none has enough. */
  const modelEntries = (observed: readonly Observed[], liars: readonly TrialSnapshot[]): TpeEntry[] | 'random' => {
    let chosen: Observed[];
    if (multiFidelity) {
      const budget = budgets.find((b) => observed.filter((o) => o.budget === b).length >= minPoints);
      if (budget === undefined) return 'random';
      chosen = observed.filter((o) => o.budget === budget);
    } else {
      if (observed.length < minPoints) return 'random';
      chosen = [...observed];
    }
    const seen = new Set(chosen.map((o) => o.entry.number));
    return [...chosen.map((o) => o.entry), ...liars.filter((t) => !seen.has(t.number)).map(liar)].sort((a, b) => a.number - b.number);
  };

  /** What a proposal for trial `number` models from: its entries, null while it waits, or 'random'. */
  const entriesFor = (number: number, history: readonly TrialSnapshot[]): TpeEntry[] | null | 'random' => {
    const trials = history.slice(0, number).filter((t): t is TrialSnapshot => t !== undefined);
    const observed: Observed[] = [];
    if (reproducible) {
      const seen = Math.max(0, number - lag);
      // Fewer trials than the model needs can be seen: random at once, without waiting.
      if (seen < minPoints) return 'random';
      for (const trial of trials.slice(0, seen)) {
        if (multiFidelity) {
          const budget = firstRungEpochs(trial);
          const result = rungResult(trial, budget);
          if (result === undefined) return null;
          const key = rungKey(trial, result);
          if (key !== null) observed.push({ entry: { number: trial.number, params: trial.params, key }, budget });
        } else {
          if (!FINAL.has(trial.status)) return null;
          const key = finalKey(trial);
          if (key !== null) observed.push({ entry: { number: trial.number, params: trial.params, key }, budget: null });
        }
      }
      return modelEntries(observed, trials.slice(seen));
    }
    // What is in now: every result, and the trials still running as running.
    for (const trial of trials) {
      if (multiFidelity) {
        for (const budget of budgets) {
          const result = rungResult(trial, budget);
          const key = result === undefined ? null : rungKey(trial, result);
          if (key !== null) observed.push({ entry: { number: trial.number, params: trial.params, key }, budget });
        }
      } else {
        const key = FINAL.has(trial.status) ? finalKey(trial) : null;
        if (key !== null) observed.push({ entry: { number: trial.number, params: trial.params, key }, budget: null });
      }
    }
    return modelEntries(
      observed,
      trials.filter((t) => t.status === 'running' || t.status === 'queued'),
    );
  };

  /**
   * The last model proposals, by trial number, with the entries each was drawn from: asked again
   * from equal entries, a proposal is not computed again (it would be the same). A worker asks
   * outside the claim's lock from the history it has, and the claim, inside, finds the proposal
   * ready when nothing it depends on changed meanwhile.
   */
  const proposed = new Map<number, { readonly entries: readonly TpeEntry[]; readonly params: Params }>();

  return {
    propose(number: number, history: readonly TrialSnapshot[]): Proposal | null {
      // A share of proposals stays random (decided first: it never waits).
      if (settings.randomFraction > 0 && rngFor(spec.seed, 'tpe-explore', number)() < settings.randomFraction)
        return random.propose(number, history);
      const entries = entriesFor(number, history);
      if (entries === null) return null;
      if (entries === 'random') return random.propose(number, history);
      const ready = proposed.get(number);
      if (ready !== undefined && sameEntries(ready.entries, entries)) return { params: ready.params, proposedBy: 'model' };
      const params = proposeTpe(spec.params, entries, tpe, rngFor(spec.seed, 'tpe', number));
      proposed.delete(number);
      proposed.set(number, { entries, params });
      // The oldest first (a Map keeps insertion order).
      if (proposed.size > KEPT_PROPOSALS) proposed.delete(proposed.keys().next().value!);
      return { params, proposedBy: 'model' };
    },
  };
}

/** How many proposals a sampler keeps for being asked again. */
const KEPT_PROPOSALS = 16;

/** Whether two lists of entries are equal in everything a proposal depends on. */
function sameEntries(a: readonly TpeEntry[], b: readonly TpeEntry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.number !== y.number || x.key.length !== y.key.length || !x.key.every((k, j) => k === y.key[j])) return false;
    if (x.params !== y.params && !sameParams(x.params, y.params)) return false;
  }
  return true;
}

function sameParams(a: Params, b: Params): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => {
    const [x, y] = [a[key], b[key]];
    return x === y || (typeof x === 'object' && JSON.stringify(x) === JSON.stringify(y));
  });
}
