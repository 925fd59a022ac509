/**
 * Feeds a {@link DashboardStore} by polling storage (`hpsearch dashboard`), read-only. Each poll
 * reads the study's row; only when its `updatedAt` (or status) moved are the trials read again,
 * and epochs only for the few trials whose curves are shown. The poll interval stretches so that
 * reading never takes more than 1/{@link MAX_READ_SHARE} of the time.
 */
import { compareTrials } from '../../report/leaderboard.js';
import type { Storage, StudyRecord, TrialRecord } from '../../storage/storage.js';
import { planFor } from '../../strategies/create.js';
import { finiteOrNull } from '../../core/scores.js';
import { CURVE_GLYPHS } from '../model/curves.js';
import type { StudyInfo } from '../model/data.js';
import { eventsFromRecords } from '../model/events.js';
import { topK } from '../model/top-k.js';
import { SETTLED_TOP } from '../model/trial-index.js';
import { DashboardStore } from './dashboard-store.js';

/**
 * A study with more trials than this is first shown from a quick read (its counts, its best and
 * its running trials), while every trial is read: the first frame does not wait for a large study.
 */
export const PREVIEW_ABOVE = 5000;

/** Default time between two polls. */
export const POLL_MS = 500;
/** A poll may take at most 1/20 of the time between polls (5% of a core). */
export const MAX_READ_SHARE = 20;

export interface FollowOptions {
  readonly pollMs?: number;
  /** See {@link PREVIEW_ABOVE}. */
  readonly previewAbove?: number;
  readonly now?: () => number;
}

function info(study: StudyRecord): StudyInfo {
  return {
    name: study.name,
    spec: study.spec,
    status: study.status,
    backend: study.backend,
    createdAt: study.createdAt,
    finishedAt: study.finishedAt,
  };
}

/** Follows one study in storage into a store, until closed. */
export class StudyFollower {
  readonly store: DashboardStore;
  readonly #storage: Storage;
  readonly #pollMs: number;
  readonly #previewAbove: number;
  readonly #now: () => number;
  #study: StudyRecord;
  #read = false;
  #watched: number | null = null;
  /** Epoch count each loaded curve was read at. */
  readonly #curveEpochs = new Map<number, number>();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  #lastReadMs = 0;

  constructor(storage: Storage, study: StudyRecord, options: FollowOptions = {}) {
    this.#storage = storage;
    this.#study = study;
    this.#pollMs = options.pollMs ?? POLL_MS;
    this.#previewAbove = options.previewAbove ?? PREVIEW_ABOVE;
    this.#now = options.now ?? Date.now;
    this.store = new DashboardStore({
      source: 'attached',
      study: info(study),
      plan: planFor(study.spec),
      workers: typeof study.spec.workers === 'number' ? study.spec.workers : null,
      now: this.#now,
    });
  }

  /** How long the last full read took, in ms. */
  get lastReadMs(): number {
    return this.#lastReadMs;
  }

  /** Also keep the curve of this trial (the detail view shows it), or of none. */
  watch(trial: number | null): void {
    if (trial === this.#watched) return;
    this.#watched = trial;
    if (trial !== null) void this.#loadCurves([trial], this.store.trials).catch(() => undefined);
  }

  /** Reads what changed since the last call; resolves to whether anything did. */
  async refresh(): Promise<boolean> {
    const study = (await this.#storage.getStudy(this.#study.name)) ?? this.#study;
    if (this.#read && study.updatedAt === this.#study.updatedAt && study.status === this.#study.status) return false;
    const started = performance.now();
    this.#study = study;
    const trials = await this.#storage.getTrials(study.id);
    const promotions = trials.some((t) => (t.rung ?? 0) > 0) ? await this.#storage.getPromotions(study.id) : [];
    await this.#loadCurves(this.#shown(trials), trials);
    this.store.setStudy(info(study));
    this.store.setTrials(trials);
    this.store.setPromotions(promotions);
    this.store.setEvents(eventsFromRecords(trials, promotions, study.spec.objective.direction, undefined, study.spec.strategy));
    this.store.sampleProgress(trials.reduce((sum, t) => sum + t.epochs, 0));
    this.#read = true;
    this.#lastReadMs = performance.now() - started;
    return true;
  }

  /**
   * Shows a large study (more than {@link PREVIEW_ABOVE} trials) from a quick read: its trials
   * counted, its best and its running trials, and their curves; the next {@link refresh} reads
   * every trial. Resolves to whether it did: a smaller study, or a pbt population (drawn from
   * every member), is left for `refresh` alone.
   */
  async preview(): Promise<boolean> {
    const study = (await this.#storage.getStudy(this.#study.name)) ?? this.#study;
    if (study.spec.strategy === 'pbt') return false;
    const counts = await this.#storage.countTrials(study.id);
    const total = counts.reduce((sum, count) => sum + count.trials, 0);
    if (total <= this.#previewAbove) return false;
    const { direction } = study.spec.objective;
    const running = counts.reduce((sum, count) => sum + (count.status === 'running' ? count.trials : 0), 0);
    const best = await this.#storage.bestTrials(study.id, direction, SETTLED_TOP);
    const active = running === 0 ? [] : await this.#storage.bestTrials(study.id, direction, running, ['running']);
    const trials: TrialRecord[] = [];
    for (const trial of [...best, ...active]) trials[trial.number] = trial;
    if (trials.length < total) trials.length = total;
    this.#study = study;
    await this.#loadCurves(this.#shown(trials), trials);
    this.store.setStudy(info(study));
    this.store.setPreview(trials, counts);
    this.store.sampleProgress(counts.reduce((sum, count) => sum + count.epochs, 0));
    return true;
  }

  /**
   * Polls until {@link close}; a failed read is retried at the next poll. The first poll comes at
   * once when only a {@link preview} has been read.
   */
  start(): void {
    const tick = async () => {
      if (this.#closed) return;
      try {
        await this.refresh();
      } catch {
        // The writer may hold the file briefly (a checkpoint); the next poll reads again.
      }
      if (this.#closed) return;
      this.#timer = setTimeout(() => void tick(), Math.max(this.#pollMs, MAX_READ_SHARE * this.#lastReadMs));
    };
    this.#timer = setTimeout(() => void tick(), this.#read ? this.#pollMs : 0);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.store.close();
  }

  /** The trials whose curves are drawn: the best ranked ones (a few more, as ranks shift) and the watched one. */
  #shown(trials: readonly TrialRecord[]): number[] {
    const best = topK(trials, 2 * CURVE_GLYPHS.length, compareTrials(this.#study.spec.objective.direction)).map((t) => t.number);
    return this.#watched === null ? best : [...best, this.#watched];
  }

  async #loadCurves(numbers: readonly number[], trials: readonly TrialRecord[]): Promise<void> {
    for (const number of numbers) {
      const trial = trials[number];
      if (trial === undefined || this.#curveEpochs.get(number) === trial.epochs) continue;
      const epochs = await this.#storage.getEpochs(this.#study.id, number);
      this.store.setCurve(
        number,
        epochs.map((e) => ({ epoch: e.epoch, value: e.value, loss: finiteOrNull(e.metrics.loss) })),
      );
      this.#curveEpochs.set(number, trial.epochs);
    }
  }
}
