/**
 * The header panel's view-model: who the study is, how busy the pool is, how far the plan has
 * got and when it should end.
 */
import { plannedConfigs } from '../../report/plan.js';
import { trainsInRungs } from '../../strategies/plan.js';
import { samplerText } from '../../report/sampler.js';
import type { StudyStatus } from '../../core/types.js';
import type { DashboardData, ProgressSample } from './data.js';
import { type TrialIndex, indexTrials, runningNow } from './trial-index.js';

export interface HeaderView {
  readonly study: string;
  readonly strategy: string;
  readonly backend: string;
  /** `maximize val_accuracy` */
  readonly objective: string;
  readonly status: StudyStatus;
  readonly source: DashboardData['source'];
  readonly workersBusy: number;
  /** Null when the study does not say (declared `workers: auto` and watched from outside). */
  readonly workersTotal: number | null;
  readonly elapsedMs: number;
  /** Estimated time to the end of the plan; null when unknown, paused, stopping or not running. */
  readonly etaMs: number | null;
  /** Trials in a final status (completed, pruned, diverged, failed). */
  readonly trialsDone: number;
  /** Configurations the plan starts. */
  readonly trialsPlanned: number;
  readonly epochsUsed: number;
  readonly epochsPlanned: number;
  /**
   * What the progress bar counts: epochs; or trials, for a study whose objective returns its
   * value without reporting epochs (single-fidelity, no epoch reported by a finished trial).
   */
  readonly progressIn: 'epochs' | 'trials';
  /** The best completed trial. */
  readonly best: { readonly trial: number; readonly value: number | null } | null;
  /** What the user should know now: a stop under way, dispatching paused. */
  readonly notice: string | null;
}

/** How far back the ETA looks for the current throughput. */
export const ETA_WINDOW_MS = 60_000;

/**
 * Time left for `remainingEpochs` at the throughput of the last `windowMs` (at least a second
 * of samples and one epoch needed), or null.
 */
export function estimateRemainingMs(progress: readonly ProgressSample[], remainingEpochs: number, windowMs = ETA_WINDOW_MS): number | null {
  const last = progress.at(-1);
  if (last === undefined) return null;
  if (remainingEpochs <= 0) return 0;
  const first = progress.find((sample) => sample.at >= last.at - windowMs)!;
  const elapsed = last.at - first.at;
  const epochs = last.epochs - first.epochs;
  if (elapsed < 1000 || epochs <= 0) return null;
  return (remainingEpochs * elapsed) / epochs;
}

function notice(data: DashboardData): string | null {
  if (data.preview !== null)
    return `reading all ${data.preview.total.toLocaleString('en-US')} trials: counts and the best trials shown meanwhile`;
  if (data.stop === 'abort') return 'stopping at once: running trials are aborted and queued again';
  if (data.stop === 'graceful') return 'stopping: running trials end after their current epoch (q again stops at once)';
  if (data.paused) return 'dispatching paused: running trials go on, no new trial starts (p resumes)';
  return null;
}

export function buildHeader(data: DashboardData, index: TrialIndex = indexTrials(data)): HeaderView {
  const { study, plan } = data;
  const running = runningNow(data, index);
  const used = index.settledEpochs + running.reduce((sum, t) => sum + t.epochs, 0);
  const top = index.settledTop[0];
  const live = study.status === 'running';
  const end = live || study.finishedAt === null ? data.now : study.finishedAt;
  return {
    study: study.name,
    // A model-based sampler is named beside the strategy, with its settings (cut to the width).
    strategy: study.spec.sampler.name === 'random' ? study.spec.strategy : `${study.spec.strategy} + ${samplerText(study.spec.sampler)}`,
    backend: study.backend ?? '-',
    objective: `${study.spec.objective.direction} ${study.spec.objective.metric}`,
    status: study.status,
    source: data.source,
    workersBusy: running.length,
    workersTotal: data.workers,
    elapsedMs: Math.max(0, end - study.createdAt),
    etaMs:
      live && data.stop === 'none' && !data.paused ? estimateRemainingMs(data.progress, plan.totalEpochs - used - index.lostEpochs) : null,
    trialsDone: index.done,
    trialsPlanned: plannedConfigs(plan),
    epochsUsed: used,
    epochsPlanned: plan.totalEpochs,
    progressIn: used === 0 && index.done > 0 && !trainsInRungs(plan.strategy) ? 'trials' : 'epochs',
    best: top !== undefined && top.status === 'completed' ? { trial: top.number, value: top.value } : null,
    notice: notice(data),
  };
}
