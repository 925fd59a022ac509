/**
 * What may change when a study is resumed, and whether a space file still describes a stored
 * study. Pure rules; the commands apply them.
 */
import { UsageError } from '../errors.js';
import type { PercentilePrunerSpec, StudySpec } from '../space/spec.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import { trainsInRungs } from '../strategies/plan.js';

/** The budget a resume may raise. */
export interface BudgetChange {
  readonly trials?: number;
  readonly maxEpochs?: number;
}

/**
 * The declaration of a resumed study with its budget raised.
 * @throws {UsageError} for a lower budget, or a change that the strategy's plan cannot absorb
 * (the rungs of sha, hyperband and asha depend on `max_epochs`; those of sha and hyperband on
 * `trials` too).
 */
export function raiseBudget(spec: StudySpec, change: BudgetChange, trialsSoFar: number): StudySpec {
  let next = spec;
  if (change.trials !== undefined && change.trials !== spec.trials) {
    if (spec.strategy === 'sha' || spec.strategy === 'hyperband' || spec.strategy === 'pbt') {
      throw new UsageError(
        spec.strategy === 'pbt'
          ? 'the population of a pbt study cannot change: its members train together from start to end'
          : `trials cannot change in a ${spec.strategy} study: its rungs were laid out for its configurations`,
        'start a new study with --name',
      );
    }
    const floor = Math.max(trialsSoFar, spec.trials ?? 0);
    if (spec.trials !== null && change.trials < floor) {
      throw new UsageError(`trials can only be raised: study "${spec.name}" has ${floor}, asked for ${change.trials}`);
    }
    next = { ...next, trials: change.trials };
  }
  if (change.maxEpochs !== undefined && change.maxEpochs !== spec.maxEpochs) {
    if (trainsInRungs(spec.strategy)) {
      const what = spec.strategy === 'pbt' ? 'its intervals' : 'its rungs';
      throw new UsageError(`max_epochs cannot change in a ${spec.strategy} study: ${what} depend on it`, 'start a new study with --name');
    }
    if (change.maxEpochs < spec.maxEpochs) {
      throw new UsageError(
        `max_epochs can only be raised: study "${spec.name}" trains ${spec.maxEpochs} epochs, asked for ${change.maxEpochs}`,
      );
    }
    next = { ...next, maxEpochs: change.maxEpochs };
  }
  return next;
}

/** The keys that make a study what it is: a space file must match them to resume it. */
const IDENTITY: readonly (keyof StudySpec)[] = [
  'task',
  'objective',
  'strategy',
  'params',
  'minEpochs',
  'eta',
  'sampler',
  'pbt',
  'trialSeed',
];

/**
 * A new study's declaration with its sampler's lag fixed, from the worker count the run resolved
 * (unless the file set one): stored with the study, so that later runs with other worker counts,
 * or from other hosts, propose the same configurations.
 */
export function withResolvedLag(spec: StudySpec, workers: number): StudySpec {
  const lag = Math.max(0, workers - 1);
  let next = spec;
  if (next.sampler.name === 'tpe' && next.sampler.lag === null) next = { ...next, sampler: { ...next.sampler, lag } };
  const pruner = percentileOf(next.pruner);
  if (pruner !== null && pruner.lag === null) {
    const resolved = { ...pruner, lag };
    next = { ...next, pruner: next.pruner.name === 'patient' ? { ...next.pruner, wrapped: resolved } : resolved };
  }
  return next;
}

/** The percentile pruner a study's pruner is or wraps, or null. */
function percentileOf(pruner: StudySpec['pruner']): PercentilePrunerSpec | null {
  if (pruner.name === 'median' || pruner.name === 'percentile') return pruner;
  if (pruner.name === 'patient' && pruner.wrapped.name !== 'none') return pruner.wrapped;
  return null;
}

/** A file's value of `key`, for comparison with the stored study's: a lag it leaves open is the stored one. */
function comparable(key: keyof StudySpec, stored: StudySpec, fromFile: StudySpec): unknown {
  if (key === 'sampler' && stored.sampler.name === 'tpe' && fromFile.sampler.name === 'tpe' && fromFile.sampler.lag === null) {
    return { ...fromFile.sampler, lag: stored.sampler.lag };
  }
  if (key === 'pruner') {
    const [mine, theirs] = [percentileOf(fromFile.pruner), percentileOf(stored.pruner)];
    if (mine !== null && theirs !== null && mine.lag === null) {
      const resolved = { ...mine, lag: theirs.lag };
      return fromFile.pruner.name === 'patient' ? { ...fromFile.pruner, wrapped: resolved } : resolved;
    }
  }
  return fromFile[key];
}

/**
 * The first key in which a space file's declaration differs from the stored study's, or null
 * when the file still describes it. `seedGiven`: whether the file (or `--seed`) set a seed.
 */
export function specDifference(stored: StudySpec, fromFile: StudySpec, seedGiven: boolean): string | null {
  for (const key of IDENTITY) {
    if (JSON.stringify(stored[key]) !== JSON.stringify(comparable(key, stored, fromFile))) return key === 'minEpochs' ? 'min_epochs' : key;
  }
  if (seedGiven && stored.seed !== fromFile.seed) return 'seed';
  return null;
}

/** A study ready to run: new, or an unfinished one to resume, with what to change once locked. */
export interface OpenedStudy {
  readonly study: StudyRecord;
  readonly resumed: boolean;
  /** How many trials it has already (0 for a new study). */
  readonly trialsSoFar: number;
  readonly prepare?: (study: StudyRecord) => Promise<StudyRecord>;
}

/**
 * Creates the study a declaration describes, or opens the unfinished study of that name to
 * resume it (raising its budget when the declaration raises it).
 * @throws {UsageError} when a finished study has the name, or the declaration no longer
 * describes the stored study; `hint` says what to do instead in each case.
 */
export async function openStudy(
  storage: Storage,
  spec: StudySpec,
  seedGiven: boolean,
  run: { readonly backend: string; readonly workers: number },
  hint: (problem: 'completed' | 'differs') => string,
): Promise<OpenedStudy> {
  const existing = await storage.getStudy(spec.name);
  if (existing === null)
    return { study: await storage.createStudy(withResolvedLag(spec, run.workers), run.backend), resumed: false, trialsSoFar: 0 };
  const name = JSON.stringify(existing.name);
  const differs = specDifference(existing.spec, spec, seedGiven);
  if (differs !== null) {
    throw new UsageError(
      `a study named ${name} already exists in ${storage.location}, and this declaration differs from it in ${differs}`,
      hint('differs'),
    );
  }
  const trialsSoFar = (await storage.getTrials(existing.id)).length;
  let raised: StudySpec;
  try {
    raised = raiseBudget(existing.spec, { trials: spec.trials ?? undefined, maxEpochs: spec.maxEpochs }, trialsSoFar);
  } catch (error) {
    // A lower budget in the file: the way out is another study, or the stored one as it is.
    if (error instanceof UsageError && error.hint === undefined)
      throw new UsageError(error.message, hint(existing.status === 'completed' ? 'completed' : 'differs'));
    throw error;
  }
  if (existing.status === 'completed' && raised === existing.spec) {
    throw new UsageError(`a study named ${name} already exists in ${storage.location} (completed)`, hint('completed'));
  }
  return {
    study: existing,
    resumed: true,
    trialsSoFar,
    prepare: async (locked) => {
      if (raised === locked.spec) return locked;
      await storage.updateStudySpec(locked.id, raised);
      return { ...locked, spec: raised };
    },
  };
}
