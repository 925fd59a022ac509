/**
 * A running study's history in memory: the snapshots its strategy decides from and the views
 * its observers see, kept in step with what is written to storage. Built once from storage
 * (resume) and then updated as events arrive, so the loop never re-reads storage.
 */
import type { Direction, TrialStatus } from '../core/types.js';
import type { EpochRecord, Storage, TrialRecord } from '../storage/storage.js';
import type { TrialSnapshot } from '../strategies/types.js';
import type { TrialView } from './events.js';
import { toScore } from '../core/scores.js';
import { type HistoryLog, attachLog } from '../strategies/history-log.js';

export class StudyHistory {
  /** Indexed by trial number; what strategies see. */
  readonly snapshots: TrialSnapshot[] = [];
  readonly #views = new Map<number, TrialView>();
  readonly #direction: Direction;
  #best: TrialView | null = null;
  /** Every change to `snapshots`, for the strategies' incremental bookkeeping (history-log.ts). */
  readonly #log: { changed: number[]; queued: Set<number>; active: number } = { changed: [], queued: new Set(), active: 0 };

  constructor(direction: Direction) {
    this.#direction = direction;
    attachLog(this.snapshots, this.#log as HistoryLog);
  }

  /** Sets trial `number`'s snapshot, keeping the log and its counts in step. */
  #set(snapshot: TrialSnapshot): void {
    const log = this.#log;
    const previous = this.snapshots[snapshot.number];
    if (previous !== undefined && isActive(previous.status)) log.active -= 1;
    if (isActive(snapshot.status)) log.active += 1;
    if (snapshot.status === 'queued') log.queued.add(snapshot.number);
    else log.queued.delete(snapshot.number);
    this.snapshots[snapshot.number] = snapshot;
    log.changed.push(snapshot.number);
  }

  /** Loads stored trials and their epochs (only their values are read). */
  load(trials: readonly TrialRecord[], epochs: readonly Pick<EpochRecord, 'trial' | 'epoch' | 'value'>[]): void {
    const curves = new Map<number, (number | null)[]>();
    for (const row of epochs) {
      const curve = curves.get(row.trial) ?? [];
      curve[row.epoch - 1] = toScore(row.value, this.#direction);
      curves.set(row.trial, curve);
    }
    for (const trial of trials) {
      const curve = Array.from({ length: trial.epochs }, (_, i) => curves.get(trial.number)?.[i] ?? null);
      this.#set({
        number: trial.number,
        params: trial.params,
        status: trial.status,
        score: toScore(trial.value, this.#direction),
        epochs: trial.epochs,
        curve,
        bracket: trial.bracket,
        rung: trial.rung,
        copiedFrom: trial.copiedFrom,
      });
      const view: TrialView = {
        number: trial.number,
        params: trial.params,
        status: trial.status,
        value: trial.value,
        epochs: trial.epochs,
        budget: { from: 0, to: trial.targetEpochs },
        bracket: trial.bracket,
        rung: trial.rung,
        slot: trial.worker,
        durationMs: trial.durationMs,
        error: trial.error,
        seed: trial.seed,
        retries: trial.retries,
        proposedBy: trial.proposedBy,
        copiedFrom: trial.copiedFrom,
      };
      this.#views.set(trial.number, view);
      this.#considerBest(view);
    }
  }

  get size(): number {
    return this.snapshots.length;
  }

  view(number: number): TrialView {
    return this.#views.get(number)!;
  }

  snapshot(number: number): TrialSnapshot {
    return this.snapshots[number]!;
  }

  get best(): TrialView | null {
    return this.#best;
  }

  /** Trials in a status, by number. */
  withStatus(status: TrialStatus): TrialSnapshot[] {
    return this.snapshots.filter((t) => t !== undefined && t.status === status);
  }

  /** A trial starts (new, promoted or resumed). */
  start(view: TrialView): void {
    const previous = this.snapshots[view.number];
    this.#set({
      number: view.number,
      params: view.params,
      status: 'running',
      score: previous?.score ?? null,
      epochs: view.epochs,
      // A member that copied another at a later epoch than it reached has no scores in between.
      curve: Array.from({ length: view.epochs }, (_, i) => previous?.curve[i] ?? null),
      bracket: view.bracket,
      rung: view.rung,
      copiedFrom: view.copiedFrom,
    });
    this.#views.set(view.number, view);
  }

  /** An epoch of a running trial was reported. */
  epoch(number: number, epoch: number, value: number | null): void {
    const snapshot = this.snapshots[number]!;
    const score = toScore(value, this.#direction);
    const curve = snapshot.curve.slice(0, epoch - 1);
    curve[epoch - 1] = score;
    this.#set({ ...snapshot, epochs: epoch, score, curve });
    this.#views.set(number, { ...this.#views.get(number)!, epochs: epoch, value });
  }

  /** A trial's run ended (or it was dropped): its new status and view. */
  end(view: TrialView): void {
    this.#set(this.ended(view));
    this.#views.set(view.number, view);
    this.#considerBest(view);
  }

  /** Trial `view.number`'s snapshot once its run ended as `view` says, without changing the history. */
  ended(view: TrialView): TrialSnapshot {
    const snapshot = this.snapshots[view.number]!;
    return {
      ...snapshot,
      // A retry at a smaller batch size changes the parameters.
      params: view.params,
      copiedFrom: view.copiedFrom,
      status: view.status,
      epochs: view.epochs,
      score: toScore(view.value, this.#direction),
      curve: snapshot.curve.slice(0, view.epochs),
    };
  }

  #considerBest(view: TrialView): void {
    if (view.status !== 'completed') return;
    const score = toScore(view.value, this.#direction);
    if (score === null) return;
    if (this.#best === null || score > (toScore(this.#best.value, this.#direction) ?? -Infinity)) this.#best = view;
  }
}

function isActive(status: TrialStatus): boolean {
  return status === 'running' || status === 'queued';
}

/** Trials past their last run: where a resumed study's progress count starts. */
export async function runsDone(storage: Storage, studyId: number): Promise<number> {
  return (await storage.getTrials(studyId)).filter((t) => t.status !== 'queued' && t.status !== 'running').length;
}
