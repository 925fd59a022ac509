/**
 * Pure view-models of one study, shared by `show`, the exports and the HTML report: its
 * summary, one trial in full with its rung history, and the rung funnel of multi-fidelity plans.
 */
import type { StudySpec } from '../space/spec.js';
import type { EpochRecord, PromotionRecord, RunRecord, StudyRecord, TrialRecord } from '../storage/storage.js';
import type { CopySource, TrialStatus } from '../core/types.js';
import { planFor } from '../strategies/create.js';
import { type Plan, type PlanBracket, isMultiFidelity } from '../strategies/plan.js';
import { toScore } from '../core/scores.js';
import { buildLeaderboard, type LeaderboardRow } from './leaderboard.js';
import { type Segment, ancestry, lineageOf, studySegments } from './lineage.js';

/** Everything stored about a study, as read from storage. */
export interface StudyData {
  readonly study: StudyRecord;
  readonly trials: readonly TrialRecord[];
  readonly epochs: readonly EpochRecord[];
  readonly promotions: readonly PromotionRecord[];
  /** Every run of every trial, in the order they started (empty for studies stored before schema 4). */
  readonly runs: readonly RunRecord[];
}

/** Statuses in the order summaries list them. */
export const STATUS_LIST: readonly TrialStatus[] = ['completed', 'pruned', 'paused', 'running', 'queued', 'diverged', 'failed'];

export interface StudyOverview {
  readonly name: string;
  readonly status: StudyRecord['status'];
  readonly spec: StudySpec;
  readonly plan: Plan;
  readonly backend: string | null;
  readonly createdAt: number;
  readonly finishedAt: number | null;
  /** From creation to the end (or the last write, while it runs or after an interruption). */
  readonly wallMs: number;
  /** Training time summed over trials (more than the wall time with several workers). */
  readonly trainingMs: number;
  readonly trials: number;
  /** Trials by status, the statuses present only, in {@link STATUS_LIST} order. */
  readonly counts: readonly { readonly status: TrialStatus; readonly count: number }[];
  readonly epochsTrained: number;
  /** The best completed trial, or null when none has completed. */
  readonly best: LeaderboardRow | null;
}

/** Wall time of a study: from its creation to its end, or to its last write when it has none. */
export function wallTime(study: StudyRecord): number {
  return (study.finishedAt ?? study.updatedAt) - study.createdAt;
}

/** The best completed trial's row, or null. */
export function bestCompleted(trials: readonly TrialRecord[], spec: Pick<StudySpec, 'objective'>): LeaderboardRow | null {
  const best = buildLeaderboard(trials, spec.objective.direction, 1)[0];
  return best !== undefined && best.status === 'completed' ? best : null;
}

export function studyOverview(data: StudyData): StudyOverview {
  const { study, trials } = data;
  return {
    name: study.name,
    status: study.status,
    spec: study.spec,
    plan: planFor(study.spec),
    backend: study.backend,
    createdAt: study.createdAt,
    finishedAt: study.finishedAt,
    wallMs: wallTime(study),
    trainingMs: trials.reduce((sum, t) => sum + (t.durationMs ?? 0), 0),
    trials: trials.length,
    counts: countByStatus(trials),
    epochsTrained: trials.reduce((sum, t) => sum + t.epochs, 0),
    best: bestCompleted(trials, study.spec),
  };
}

/** How many trials have each status, in lifecycle order, leaving out those with none. */
export function countByStatus(trials: readonly TrialRecord[]): StudyOverview['counts'] {
  return STATUS_LIST.map((status) => ({ status, count: trials.filter((t) => t.status === status).length })).filter((c) => c.count > 0);
}

/** `28 completed, 2 diverged` */
export function countsText(counts: StudyOverview['counts']): string {
  return counts.map((c) => `${c.count} ${c.status}`).join(', ');
}

/** The plan's bracket a trial belongs to: Hyperband's by its s, the single one otherwise. */
export function bracketOf(plan: Plan, bracket: number | null): PlanBracket {
  return (bracket === null ? undefined : plan.brackets.find((b) => b.s === bracket)) ?? plan.brackets[0]!;
}

/** One rung of a trial's way up: where it stood at the rung's epochs and what happened next. */
export interface RungStep {
  readonly rung: number;
  readonly epochs: number;
  /** The objective at the rung's last epoch, or null when not reached or not finite. */
  readonly value: number | null;
  readonly reached: boolean;
  /** When it was promoted from this rung to the next, or null. */
  readonly promotedAt: number | null;
}

/** The rungs a multi-fidelity trial was sent to, from the bottom; empty for other trials. */
export function rungHistory(
  plan: Plan,
  trial: TrialRecord,
  epochs: readonly EpochRecord[],
  promotions: readonly PromotionRecord[],
): RungStep[] {
  if (trial.rung === null) return [];
  const rungs = bracketOf(plan, trial.bracket).rungs;
  return rungs.slice(0, Math.min(trial.rung, rungs.length - 1) + 1).map((r, k) => ({
    rung: k,
    epochs: r.epochs,
    value: epochs.find((e) => e.trial === trial.number && e.epoch === r.epochs)?.value ?? null,
    reached: trial.epochs >= r.epochs,
    promotedAt: promotions.find((p) => p.trial === trial.number && p.rung === k + 1)?.createdAt ?? null,
  }));
}

/** One trial in full. */
export interface TrialDetail {
  readonly trial: TrialRecord;
  /** Its place in the leaderboard, and the number of trials. */
  readonly rank: number;
  readonly of: number;
  readonly epochs: readonly EpochRecord[];
  readonly rungs: readonly RungStep[];
  /** Every metric name of its epochs, sorted. */
  readonly metricNames: readonly string[];
  /** pbt: its own intervals (what it trained each with, and whom it copied), else empty. */
  readonly intervals: readonly Segment[];
  /**
   * pbt: the schedule that trained its final weights, from its first epoch, each stretch with
   * the objective's value at its end (as the member that trained it reported it); else empty.
   */
  readonly schedule: readonly (Segment & { readonly value: number | null })[];
  /** pbt: the copies behind its final weights, the latest first. */
  readonly ancestry: readonly { readonly trial: number; readonly copied: CopySource }[];
}

/** The trial numbered `number`, or null when the study has none. */
export function trialDetail(data: StudyData, number: number): TrialDetail | null {
  const trial = data.trials.find((t) => t.number === number);
  if (trial === undefined) return null;
  const board = buildLeaderboard(data.trials, data.study.spec.objective.direction);
  const epochs = data.epochs.filter((e) => e.trial === number);
  const plan = planFor(data.study.spec);
  return {
    trial,
    rank: board.find((r) => r.trial === number)!.rank,
    of: board.length,
    epochs,
    rungs: rungHistory(plan, trial, epochs, data.promotions),
    metricNames: [...new Set(epochs.flatMap((e) => Object.keys(e.metrics)))].sort(),
    ...lineageDetail(data, number),
  };
}

/** A member's intervals, schedule and ancestry under pbt; empty for other strategies. */
function lineageDetail(data: StudyData, number: number): Pick<TrialDetail, 'intervals' | 'schedule' | 'ancestry'> {
  if (data.study.spec.strategy !== 'pbt') return { intervals: [], schedule: [], ancestry: [] };
  const segments = studySegments(data);
  const values = new Map(data.epochs.map((e) => [`${e.trial}/${e.epoch}`, e.value]));
  const schedule = lineageOf(number, segments).map((s) => ({ ...s, value: values.get(`${s.trainedBy}/${s.to}`) ?? null }));
  return { intervals: segments.get(number) ?? [], schedule, ancestry: ancestry(number, segments) };
}

/** One rung of the funnel: configurations planned, reached, and the best value there. */
export interface FunnelStep {
  readonly epochs: number;
  readonly planned: number;
  readonly reached: number;
  readonly best: number | null;
}

export interface FunnelView {
  /** Hyperband's s, or null for the single bracket of sha and asha. */
  readonly bracket: number | null;
  readonly rungs: readonly FunnelStep[];
}

/** For each bracket of a multi-fidelity plan, how many configurations reached each rung; empty for grid and random. */
export function rungFunnelView(data: StudyData): FunnelView[] {
  const spec = data.study.spec;
  const plan = planFor(spec);
  if (!isMultiFidelity(plan.strategy)) return [];
  const hyperband = plan.strategy === 'hyperband';
  return plan.brackets.map((bracket) => {
    const members = data.trials.filter((t) => !hyperband || t.bracket === bracket.s);
    const numbers = new Set(members.map((t) => t.number));
    return {
      bracket: hyperband ? bracket.s : null,
      rungs: bracket.rungs.map((rung) => {
        let best: number | null = null;
        for (const e of data.epochs) {
          if (e.epoch !== rung.epochs || !numbers.has(e.trial)) continue;
          if ((toScore(e.value, spec.objective.direction) ?? -Infinity) > (toScore(best, spec.objective.direction) ?? -Infinity))
            best = e.value;
        }
        return { epochs: rung.epochs, planned: rung.configs, reached: members.filter((t) => t.epochs >= rung.epochs).length, best };
      }),
    };
  });
}
