/**
 * Population based training (Jaderberg et al., 2017), synchronous: a population of P members
 * trains interval by interval (the plan's rungs, every `perturbation_interval` epochs). Once
 * every member has reported its result at a boundary, the bottom quantile of the population
 * copies the checkpoint and hyperparameters of a member of the top quantile (exploit) and
 * perturbs the hyperparameters (explore); everyone then trains the next interval.
 *
 * Every decision is a pure function of the members' results at the boundary and of the study
 * seed (a generator per boundary and member), so a study gives the same population whatever the
 * worker count, the timing, or a resume after a crash. The cost: members that finish an
 * interval early wait for the slowest before the next one starts.
 *
 * Two rules keep the copies sound whatever the order the jobs run in: a boundary is decided only
 * once every member's run up to it is over (its checkpoint saved, not just its last epoch
 * reported), and a member that is copied (a donor) goes on only after every member copying it at
 * that boundary has started its next interval past the copied epoch, so its checkpoint at the
 * boundary is still there when the copy is made.
 */
import type { CopySource, Params, ParamValue, Scalar } from '../core/types.js';
import { sampleValue } from '../space/sample.js';
import type { StudySpec } from '../space/spec.js';
import type { Distribution, ParamSpec } from '../space/types.js';
import { trainerParamMutable } from '../trial/trainer-params.js';
import { type Rng, rngFor } from '../util/random.js';
import type { Plan } from './plan.js';
import { rungComplete, rungOf, rungResult } from './rungs.js';
import { CONTINUE, type ConfigSampler, type Strategy, type TrialRequest, type TrialSnapshot } from './types.js';

export interface PbtSettings {
  readonly seed: number;
  readonly quantile: number;
  readonly resampleProbability: number;
  readonly perturbationFactors: readonly number[];
  /** The space's parameters, as declared. */
  readonly params: readonly ParamSpec[];
  /** Whether a parameter may change during training (the space says so, and the trainer allows it). */
  readonly mutable: (spec: ParamSpec) => boolean;
}

/** A study's pbt settings from its declaration. */
export function pbtSettings(spec: StudySpec): PbtSettings {
  const pbt = spec.pbt!;
  const builtin = spec.task.kind === 'builtin';
  return {
    seed: spec.seed,
    quantile: pbt.quantile,
    resampleProbability: pbt.resampleProbability,
    perturbationFactors: pbt.perturbationFactors,
    params: spec.params,
    mutable: (param) => param.mutable !== false && (!builtin || trainerParamMutable(param.name)),
  };
}

/** Members in each quantile: ⌈q·P⌉, at most ⌊P/2⌋ (so no member is both copied and copying). */
export function quantileCount(population: number, quantile: number): number {
  return Math.min(Math.floor(population / 2), Math.ceil(quantile * population - 1e-9));
}

/** What a boundary decided: who is copied, who copies, and each copier's donor. */
export interface BoundaryDecision {
  /** The top of the population by its result at the boundary (members with a result only). */
  readonly donors: readonly number[];
  /** Members that copy a donor: the bottom quantile, and every member without a result. */
  readonly exploiters: readonly number[];
}

/**
 * Ranks the members by their score after `epochs` epochs (best first, ties to the lower number,
 * members without a score last) and splits off the top and the bottom `count`. Members without
 * a score (diverged, failed) always copy, as long as some member has a score to be copied.
 */
export function decideBoundary(members: readonly TrialSnapshot[], epochs: number, count: number): BoundaryDecision {
  const ranked = members
    .map((member) => ({ member, score: rungResult(member, epochs) ?? null }))
    .sort((a, b) => {
      if (a.score === null || b.score === null) return a.score === b.score ? a.member.number - b.member.number : a.score === null ? 1 : -1;
      return b.score - a.score || a.member.number - b.member.number;
    });
  const donors = ranked.slice(0, count).filter((entry) => entry.score !== null);
  if (donors.length === 0) return { donors: [], exploiters: [] };
  const exploiters = ranked.filter((entry, i) => !donors.includes(entry) && (i >= ranked.length - count || entry.score === null));
  return { donors: donors.map((entry) => entry.member.number), exploiters: exploiters.map((entry) => entry.member.number) };
}

/**
 * The explored configuration: each mutable searched parameter of `params` is drawn again from
 * its distribution with probability `resampleProbability`; otherwise a number is multiplied by
 * one of the factors (for a log-scaled parameter a step of log f in log space) and clipped to
 * its range, an integer rounded (and moved by one when rounding would undo the step), and a
 * choice moves to a neighbouring value in its declared order. A conditional choice keeps its
 * option (its children are explored); fixed parameters and constants are kept.
 */
export function explore(params: Params, settings: PbtSettings, rng: Rng): Params {
  const out: Record<string, ParamValue> = { ...params };
  const visit = (specs: readonly ParamSpec[]) => {
    for (const spec of specs) {
      const dist = spec.dist;
      const value = params[spec.name];
      if (value === undefined || dist.kind === 'constant') continue;
      if (dist.kind === 'conditional') {
        visit(dist.options.find((option) => option.name === value)?.params ?? []);
        continue;
      }
      if (!settings.mutable(spec)) continue;
      out[spec.name] =
        rng() < settings.resampleProbability ? sampleValue(dist, rng) : perturb(dist, value, settings.perturbationFactors, rng);
    }
  };
  visit(settings.params);
  return out;
}

type Leaf = Exclude<Distribution, { kind: 'conditional' } | { kind: 'constant' }>;

function perturb(dist: Leaf, value: ParamValue, factors: readonly number[], rng: Rng): ParamValue {
  if (dist.kind === 'categorical') {
    const i = dist.choices.findIndex((choice) => choice === value);
    const n = dist.choices.length;
    if (n === 1 || i < 0) return dist.choices[Math.max(0, i)] as Scalar;
    const up = i === 0 ? true : i === n - 1 ? false : rng() < 0.5;
    return dist.choices[up ? i + 1 : i - 1]!;
  }
  const factor = factors[Math.floor(rng() * factors.length)]!;
  const x = value as number;
  const scaled = dist.log ? Math.exp(Math.log(x) + Math.log(factor)) : x * factor;
  if (dist.kind === 'float') return Math.min(dist.high, Math.max(dist.low, scaled));
  let next = Math.round(scaled);
  if (next === x && factor !== 1) next = x + (factor > 1 ? 1 : -1);
  return Math.min(dist.high, Math.max(dist.low, next));
}

/** Who member `number` copies at boundary `k` (one of `donors`), and its explored parameters. */
export function exploitAndExplore(
  number: number,
  k: number,
  donors: readonly TrialSnapshot[],
  epochs: number,
  settings: PbtSettings,
): { readonly params: Params; readonly source: CopySource } {
  const rng = rngFor(settings.seed, 'pbt', k, number);
  const donor = donors[Math.floor(rng() * donors.length)]!;
  return { params: explore(donor.params, settings, rng), source: { trial: donor.number, epoch: epochs } };
}

/** Whether a member is in the queue or running. */
function active(member: TrialSnapshot): boolean {
  return member.status === 'queued' || member.status === 'running';
}

/** Whether a member that copies at the boundary of `epochs` has its copy: it trains past it, or its interval is over. */
function copied(member: TrialSnapshot, k: number, epochs: number): boolean {
  if (rungOf(member) <= k) return false;
  return !active(member) || member.epochs > epochs;
}

export function pbtStrategy(plan: Plan, sampler: ConfigSampler, settings: PbtSettings): Strategy {
  const { rungs } = plan.brackets[0]!;
  const population = rungs[0]!.configs;

  const ask = (history: readonly TrialSnapshot[]): TrialRequest | null => {
    if (history.length < population) {
      const proposal = sampler.propose(history.length, history);
      if (proposal === null) return null;
      return { kind: 'new', ...proposal, budget: { from: 0, to: rungs[0]!.epochs }, bracket: null, rung: 0 };
    }
    for (let k = 0; k < rungs.length - 1; k++) {
      const epochs = rungs[k]!.epochs;
      // The members that trained interval k (all of them, unless the whole population once had no result to copy).
      const members = history.filter((member) => rungOf(member) >= k);
      // Decided once every member has its result there and its run is over: a member that has
      // reported the boundary epoch may still be saving the checkpoint another will copy.
      if (!rungComplete(members, epochs) || members.some((member) => rungOf(member) === k && active(member))) return null;
      const decision = decideBoundary(members, epochs, quantileCount(members.length, settings.quantile));
      const exploiters = new Set(decision.exploiters);
      const budget = { from: epochs, to: rungs[k + 1]!.epochs };
      const waiting = members.filter((member) => rungOf(member) === k);
      // Copiers first: their donors wait for them.
      for (const member of waiting) {
        if (!exploiters.has(member.number)) continue;
        const donors = decision.donors.map((number) => history[number]!);
        const change = exploitAndExplore(member.number, k, donors, epochs, settings);
        return { kind: 'continue', trial: member.number, budget, rung: k + 1, change };
      }
      const allCopied = decision.exploiters.every((number) => copied(history[number]!, k, epochs));
      for (const member of waiting) {
        // A member without a result continues only by copying another (none to copy: it stays as it ended).
        if (member.status !== 'paused') continue;
        if (decision.donors.includes(member.number) && !allCopied) continue;
        return { kind: 'continue', trial: member.number, budget, rung: k + 1 };
      }
      if (members.some((member) => rungOf(member) === k && member.status === 'paused')) return null;
    }
    return null;
  };

  return {
    name: 'pbt',
    plan,
    ask,
    tell: () => CONTINUE,
    // Every paused member goes on to its next interval: none is ever dropped.
    dropped: () => [],
  };
}
