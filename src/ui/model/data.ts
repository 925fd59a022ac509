/**
 * What the dashboard knows about a study at one moment: plain, read-only data that the store
 * publishes (at most ten times a second) and that every view-model builder reads. The same shape
 * whether it comes from a running study's events (`start`) or from polling storage (`dashboard`).
 */
import type { StudySpec } from '../../space/spec.js';
import type { PromotionRecord, TrialCount, TrialRecord } from '../../storage/storage.js';
import type { CopySource, StudyStatus } from '../../core/types.js';
import type { Plan } from '../../strategies/plan.js';
import type { ParamChange } from './copies.js';

/** One epoch of a trial's learning curve. */
export interface CurvePoint {
  /** 1-based epoch. */
  readonly epoch: number;
  /** The objective metric; null when not finite. */
  readonly value: number | null;
  readonly loss: number | null;
}

/** Something worth telling in the recent-events panel. */
export type DashboardEvent =
  | { readonly kind: 'diverged'; readonly at: number; readonly trial: number; readonly epochs: number }
  | { readonly kind: 'failed'; readonly at: number; readonly trial: number; readonly error: string | null }
  | { readonly kind: 'promoted'; readonly at: number; readonly trial: number; readonly rung: number }
  /** pbt: a member starts interval `rung` from another's checkpoint; `changes` null when its parameters before are not known. */
  | {
      readonly kind: 'copied';
      readonly at: number;
      readonly trial: number;
      readonly rung: number;
      readonly source: CopySource;
      readonly changes: readonly ParamChange[] | null;
    }
  | { readonly kind: 'stopped'; readonly at: number; readonly trial: number; readonly rung: number | null; readonly epochs: number }
  | { readonly kind: 'best'; readonly at: number; readonly trial: number; readonly value: number | null }
  | { readonly kind: 'interrupted'; readonly at: number; readonly trial: number; readonly epochs: number }
  | { readonly kind: 'retried'; readonly at: number; readonly trial: number; readonly error: string | null; readonly retry: number }
  | { readonly kind: 'notice'; readonly at: number; readonly trial: null; readonly message: string };

/** Epochs trained in all at a moment: the throughput samples the ETA is computed from. */
export interface ProgressSample {
  /** Milliseconds since the Unix epoch. */
  readonly at: number;
  readonly epochs: number;
}

/** The study's own fields the dashboard shows. */
export interface StudyInfo {
  readonly name: string;
  readonly spec: StudySpec;
  readonly status: StudyStatus;
  readonly backend: string | null;
  readonly createdAt: number;
  readonly finishedAt: number | null;
}

/**
 * What a quick first read of a large study gives (`hpsearch dashboard`), shown while every trial
 * is read: its trials counted by status, bracket and rung, with only its best and its running
 * trials in {@link DashboardData.trials}.
 */
export interface TrialPreview {
  readonly counts: readonly TrialCount[];
  /** Trials in the study. */
  readonly total: number;
}

export interface DashboardData {
  /** `live`: fed by the running study's events; `attached`: read from storage, read-only. */
  readonly source: 'live' | 'attached';
  readonly study: StudyInfo;
  readonly plan: Plan;
  /** Worker slots, when known (a study declared with `workers: auto` does not store its count). */
  readonly workers: number | null;
  /** Every trial, indexed by number (during a preview, only the best and the running ones). */
  readonly trials: readonly TrialRecord[];
  /** Set while only a preview of a large study is read; null once `trials` holds every trial. */
  readonly preview: TrialPreview | null;
  /** Learning curves of the trials the store has them for (live: all; attached: those shown). */
  readonly curves: ReadonlyMap<number, readonly CurvePoint[]>;
  readonly promotions: readonly PromotionRecord[];
  /** Oldest first, at most {@link MAX_EVENTS}. */
  readonly events: readonly DashboardEvent[];
  readonly progress: readonly ProgressSample[];
  /** Whether dispatching is paused (`p`). */
  readonly paused: boolean;
  /** `graceful`: no new trials, running ones end their epoch; `abort`: stopping at once. */
  readonly stop: 'none' | 'graceful' | 'abort';
  /** Goes up whenever a trial starts, ends or is added: what rankings depend on, epochs aside. */
  readonly trialsVersion: number;
  /** Goes up with every change. */
  readonly version: number;
  /** Clock time of this snapshot, milliseconds since the Unix epoch. */
  readonly now: number;
}

/** Events kept for the recent-events panel. */
export const MAX_EVENTS = 200;
