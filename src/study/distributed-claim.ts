/**
 * What a worker claims, decided from the study's stored history alone: the same pure chooser as
 * the local loop (next-job.ts) over a strategy rebuilt from the study's declaration. It runs
 * inside the claim's transaction (storage holds the study's lock), so no two workers ever get the
 * same configuration, grid cell or promotion, and the study is finished exactly once: by the
 * claim that finds nothing running, queued or left to start.
 */
import { type ClaimAction, type ClaimDecision, type ClaimState, ClaimFeed } from '../storage/coordination.js';
import { anyActive } from '../strategies/history-log.js';
import type { StudySpec } from '../space/spec.js';
import type { Strategy } from '../strategies/types.js';
import type { TrialView } from './events.js';
import { StudyHistory } from './history.js';
import { type Job, chooseJob, newTrialOf, startingView } from './next-job.js';
import { newTrialSeed } from './trial-run.js';

/** A job for one of the claiming worker's free slots. */
export interface PlannedJob {
  readonly slot: number;
  readonly job: Job;
  readonly seed: number;
  /** The trial as it starts, for observers. */
  readonly view: TrialView;
}

export interface WorkerDecision extends ClaimDecision {
  readonly jobs: readonly PlannedJob[];
  /** The study is over (completed now, or before): the worker leaves it. */
  readonly done: boolean;
  /** Views of the dropped trials, for observers. */
  readonly dropped: readonly TrialView[];
  /** The history the decision was taken from (with the claims started), for `strategy.tell`. */
  readonly history: StudyHistory;
}

/**
 * A worker's claims of one study: the feed storage reads only what changed through, and the
 * history those changes are applied to, kept from one claim to the next. The history then holds
 * exactly what a full read of storage would give (what the worker's own decisions added is read
 * back with the next changes; a claim that failed makes both start over).
 */
export class ClaimTracker {
  readonly feed = new ClaimFeed();
  history: StudyHistory | null = null;
}

/**
 * Decides what to claim for `slots` (free slots of the claiming worker, in order): first the
 * paused trials the strategy drops, then one job per slot while the chooser has one. With a slot
 * and no job to give it, and nothing running or queued anywhere, the study is completed (its
 * paused trials dropped). `strategyOf` may cache: strategies are pure functions of the history. With a
 * `tracker` (whose feed the claim read with), the history is kept between claims.
 */
export function decideClaims(
  state: ClaimState,
  slots: readonly number[],
  strategyOf: (spec: StudySpec) => Strategy,
  tracker?: ClaimTracker,
): WorkerDecision {
  const { study } = state;
  let history = tracker?.history ?? null;
  if (state.full || history === null) {
    if (!state.full) throw new Error('a claim read only what changed, but there is no history to apply it to');
    history = new StudyHistory(study.spec.objective.direction);
    if (tracker !== undefined) tracker.history = history;
  }
  history.load(state.trials, state.epochs);
  if (study.status === 'completed' || study.status === 'failed') {
    return { claims: [], drop: [], status: null, jobs: [], done: true, dropped: [], history };
  }
  const strategy = strategyOf(study.spec);
  const dropped = drop(history, strategy.dropped(history.snapshots));
  const jobs: PlannedJob[] = [];
  for (const slot of slots) {
    const job = chooseJob(history.snapshots, strategy, (number) => history.view(number).budget.to);
    if (job === null) break;
    const seed = job.kind === 'new' ? newTrialSeed(study.spec, job.number) : history.view(job.number).seed;
    const view = startingView(job, seed, slot, job.kind === 'new' ? undefined : history.view(job.number));
    history.start(view);
    jobs.push({ slot, job, seed, view });
  }
  // Only a claim for some slot can tell that nothing is left to start.
  if (slots.length > 0 && jobs.length === 0 && !anyActive(history.snapshots)) {
    // Nothing left anywhere: configurations still waiting at a rung will never be promoted.
    const rest = drop(
      history,
      history.withStatus('paused').map((t) => t.number),
    );
    const all = [...dropped, ...rest];
    return { claims: [], drop: all.map((v) => v.number), status: 'completed', jobs, done: true, dropped: all, history };
  }
  return {
    claims: jobs.map(toAction),
    drop: dropped.map((v) => v.number),
    status: jobs.length > 0 && study.status !== 'running' ? 'running' : null,
    jobs,
    done: false,
    dropped,
    history,
  };
}

/** Marks the paused trials among `numbers` pruned in the history; returns their views. */
function drop(history: StudyHistory, numbers: readonly number[]): TrialView[] {
  const views: TrialView[] = [];
  for (const number of numbers) {
    if (history.snapshots[number]?.status !== 'paused') continue;
    const view: TrialView = { ...history.view(number), status: 'pruned' };
    history.end(view);
    views.push(view);
  }
  return views;
}

function toAction({ slot, job, seed }: PlannedJob): ClaimAction {
  if (job.kind === 'new') {
    return { kind: 'new', slot, trial: newTrialOf(job, seed) };
  }
  if (job.kind === 'promote') {
    const promote = { kind: 'promote', slot, number: job.number, rung: job.rung!, targetEpochs: job.budget.to } as const;
    return job.change === null ? promote : { ...promote, change: job.change };
  }
  return { kind: 'resume', slot, number: job.number };
}

/** A strategy per declaration, built once (a resumed study may raise its budget: a new one then). */
export function cachedStrategies(create: (spec: StudySpec) => Strategy): (spec: StudySpec) => Strategy {
  let key = '';
  let strategy: Strategy | null = null;
  return (spec) => {
    const next = JSON.stringify(spec);
    if (strategy === null || next !== key) {
      key = next;
      strategy = create(spec);
    }
    return strategy;
  };
}
