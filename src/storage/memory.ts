/**
 * The in-memory backend of {@link Storage}: same rules and errors as SQLite, nothing persisted.
 * For tests and for throw-away studies (`--storage memory:`).
 */
import type { StudySpec } from '../space/spec.js';
import type { Metrics, Params, StudyStatus } from '../core/types.js';
import {
  StorageErrors,
  addDuration,
  checkEpoch,
  checkKeepEpochs,
  checkFrom,
  checkTransition,
  deepFreeze,
  isOwner,
  newTrialRecord,
  requireTrial,
  studyFinishedAt,
} from './rules.js';
import { finiteOrNull } from '../core/scores.js';
import type {
  EpochRecord,
  FinishInfo,
  LockOwner,
  NewEpoch,
  NewTrial,
  PromotionRecord,
  StartInfo,
  Storage,
  StudyLock,
  StudyRecord,
  StudySummary,
  TrialRecord,
} from './storage.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface StudyEntry {
  record: StudyRecord;
  readonly trials: Map<number, Mutable<TrialRecord>>;
  /** Epoch records by trial number, then epoch number. */
  readonly epochs: Map<number, Map<number, EpochRecord>>;
  readonly promotions: PromotionRecord[];
  lock: StudyLock | null;
}

/** Options of {@link MemoryStorage}. */
export interface MemoryStorageOptions {
  /** Reject every write, as a read-only SQLite connection does. */
  readonly readonly?: boolean;
}

/**
 * {@link Storage} in the process's memory. Writes apply at once (a batch of one), so every read
 * sees them; returned records are frozen copies.
 */
export class MemoryStorage implements Storage {
  readonly location = 'memory:';
  readonly #studies = new Map<number, StudyEntry>();
  readonly #readonly: boolean;
  #nextId = 1;
  #closed = false;

  constructor(options: MemoryStorageOptions = {}) {
    this.#readonly = options.readonly ?? false;
  }

  createStudy(spec: StudySpec, backend: string | null): Promise<StudyRecord> {
    return this.#write(() => {
      if (this.#byName(spec.name)) throw StorageErrors.studyExists(spec.name, this.location);
      const now = Date.now();
      const record: StudyRecord = Object.freeze({
        id: this.#nextId++,
        name: spec.name,
        spec: deepFreeze(structuredClone(spec)),
        status: 'running',
        backend,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
      });
      this.#studies.set(record.id, { record, trials: new Map(), epochs: new Map(), promotions: [], lock: null });
      return record;
    });
  }

  getStudy(name: string): Promise<StudyRecord | null> {
    return this.#read(() => this.#byName(name)?.record ?? null);
  }

  listStudies(): Promise<StudySummary[]> {
    return this.#read(() =>
      [...this.#studies.values()].map(({ record, trials }) => {
        const sign = record.spec.objective.direction === 'maximize' ? 1 : -1;
        let completed = 0;
        let best: number | null = null;
        for (const trial of trials.values()) {
          if (trial.status !== 'completed') continue;
          completed += 1;
          if (trial.value !== null && (best === null || sign * trial.value > sign * best)) best = trial.value;
        }
        return Object.freeze({
          name: record.name,
          status: record.status,
          strategy: record.spec.strategy,
          direction: record.spec.objective.direction,
          metric: record.spec.objective.metric,
          trials: trials.size,
          completed,
          best,
          createdAt: record.createdAt,
          sampler: record.spec.sampler,
        });
      }),
    );
  }

  updateStudySpec(studyId: number, spec: StudySpec): Promise<void> {
    return this.#write(() => {
      const entry = this.#study(studyId);
      entry.record = Object.freeze({ ...entry.record, spec: deepFreeze(structuredClone(spec)), updatedAt: Date.now() });
    });
  }

  acquireStudyLock(studyId: number, owner: LockOwner, canTakeOver: (holder: StudyLock) => boolean): Promise<StudyLock | null> {
    return this.#write(() => {
      const entry = this.#study(studyId);
      const holder = entry.lock;
      if (holder !== null && !isOwner(holder, owner) && !canTakeOver(holder)) return holder;
      const now = Date.now();
      entry.lock = Object.freeze({ pid: owner.pid, host: owner.host, acquiredAt: now, heartbeatAt: now });
      return null;
    });
  }

  renewStudyLock(studyId: number, owner: LockOwner): Promise<boolean> {
    return this.#write(() => {
      const entry = this.#studies.get(studyId);
      if (!entry?.lock || !isOwner(entry.lock, owner)) return false;
      entry.lock = Object.freeze({ ...entry.lock, heartbeatAt: Date.now() });
      return true;
    });
  }

  releaseStudyLock(studyId: number, owner: LockOwner): Promise<void> {
    return this.#write(() => {
      const entry = this.#studies.get(studyId);
      if (entry?.lock && isOwner(entry.lock, owner)) entry.lock = null;
    });
  }

  getStudyLock(studyId: number): Promise<StudyLock | null> {
    return this.#read(() => this.#studies.get(studyId)?.lock ?? null);
  }

  setStudyStatus(studyId: number, status: StudyStatus): Promise<void> {
    return this.#write(() => {
      const entry = this.#study(studyId);
      const now = Date.now();
      const finishedAt = studyFinishedAt(status, now);
      entry.record = Object.freeze({ ...entry.record, status, finishedAt, updatedAt: now });
    });
  }

  addTrial(studyId: number, trial: NewTrial): Promise<TrialRecord> {
    return this.#write(() => {
      const entry = this.#study(studyId);
      if (entry.trials.has(trial.number)) throw StorageErrors.trialExists(entry.record.name, trial.number);
      const now = Date.now();
      const stored: Mutable<TrialRecord> = { ...newTrialRecord(studyId, trial, now), params: deepFreeze(structuredClone(trial.params)) };
      entry.trials.set(trial.number, stored);
      touch(entry, now);
      return Object.freeze({ ...stored });
    });
  }

  startTrial(studyId: number, number: number, info: StartInfo): Promise<void> {
    return this.#write(() => {
      const [entry, trial] = this.#trial(studyId, number);
      checkTransition(entry.record.name, trial, 'running');
      const now = Date.now();
      Object.assign(trial, { status: 'running', startedAt: now, worker: info.worker, backend: info.backend, device: info.device ?? null });
      touch(entry, now);
    });
  }

  recordEpoch(studyId: number, number: number, epoch: NewEpoch): Promise<void> {
    return this.#write(() => {
      const [entry, trial] = this.#trial(studyId, number);
      checkEpoch(entry.record.name, trial, epoch.epoch);
      const now = Date.now();
      const metrics = frozenMetrics(epoch.metrics);
      const value = finiteOrNull(epoch.value);
      const epochs = entry.epochs.get(number) ?? new Map<number, EpochRecord>();
      entry.epochs.set(number, epochs);
      const record = { trial: number, epoch: epoch.epoch, metrics, value, durationMs: epoch.durationMs, createdAt: now };
      epochs.set(epoch.epoch, Object.freeze(record));
      Object.assign(trial, { value, metrics, epochs: epoch.epoch });
      touch(entry, now);
    });
  }

  finishTrial(studyId: number, number: number, info: FinishInfo): Promise<void> {
    return this.#write(() => {
      const [entry, trial] = this.#trial(studyId, number);
      checkTransition(entry.record.name, trial, info.status);
      const now = Date.now();
      Object.assign(trial, {
        status: info.status,
        value: finiteOrNull(info.value),
        metrics: info.metrics === null ? null : frozenMetrics(info.metrics),
        epochs: info.epochs,
        durationMs: addDuration(trial.durationMs, info.durationMs),
        error: info.error,
        tensorsAfter: info.tensorsAfter,
        finishedAt: now,
      });
      touch(entry, now);
    });
  }

  requeueTrial(studyId: number, number: number, keepEpochs: number, durationMs: number | null = null): Promise<void> {
    return this.#write(() => {
      const [entry, trial] = this.#trial(studyId, number);
      checkFrom(entry.record.name, trial, ['running'], 'queued');
      checkKeepEpochs(entry.record.name, trial, keepEpochs);
      const epochs = entry.epochs.get(number);
      for (const epoch of epochs?.keys() ?? []) if (epoch > keepEpochs) epochs?.delete(epoch);
      const kept = epochs?.get(keepEpochs);
      Object.assign(trial, {
        status: 'queued',
        epochs: keepEpochs,
        value: kept?.value ?? null,
        metrics: kept?.metrics ?? null,
        durationMs: addDuration(trial.durationMs, durationMs),
        startedAt: null,
        interruptions: trial.interruptions + 1,
      });
      touch(entry, Date.now());
    });
  }

  promoteTrial(studyId: number, number: number, rung: number, targetEpochs: number): Promise<void> {
    return this.#write(() => {
      const [entry, trial] = this.#trial(studyId, number);
      checkFrom(entry.record.name, trial, ['paused'], 'queued');
      const now = Date.now();
      Object.assign(trial, { status: 'queued', rung, targetEpochs, startedAt: null });
      entry.promotions.push(Object.freeze({ trial: number, rung, createdAt: now }));
      touch(entry, now);
    });
  }

  pruneTrial(studyId: number, number: number): Promise<void> {
    return this.#write(() => {
      const [entry, trial] = this.#trial(studyId, number);
      checkFrom(entry.record.name, trial, ['paused'], 'pruned');
      const now = Date.now();
      Object.assign(trial, { status: 'pruned', finishedAt: now });
      touch(entry, now);
    });
  }

  retryTrial(studyId: number, number: number, seed: number, params?: Params): Promise<void> {
    return this.#write(() => {
      const [entry, trial] = this.#trial(studyId, number);
      checkFrom(entry.record.name, trial, ['failed', 'diverged'], 'queued');
      entry.epochs.delete(number);
      Object.assign(trial, {
        status: 'queued',
        seed,
        params: params === undefined ? trial.params : deepFreeze(structuredClone(params)),
        epochs: 0,
        value: null,
        metrics: null,
        error: null,
        startedAt: null,
        finishedAt: null,
        retries: trial.retries + 1,
      });
      touch(entry, Date.now());
    });
  }

  getPromotions(studyId: number): Promise<PromotionRecord[]> {
    return this.#read(() => [...(this.#studies.get(studyId)?.promotions ?? [])].sort((a, b) => a.trial - b.trial || a.rung - b.rung));
  }

  getTrials(studyId: number): Promise<TrialRecord[]> {
    return this.#read(() => {
      const trials = [...(this.#studies.get(studyId)?.trials.values() ?? [])];
      return trials.sort((a, b) => a.number - b.number).map((trial) => Object.freeze({ ...trial }));
    });
  }

  getEpochs(studyId: number, trial?: number): Promise<EpochRecord[]> {
    return this.#read(() => {
      const byTrial = this.#studies.get(studyId)?.epochs ?? new Map<number, Map<number, EpochRecord>>();
      const rows = [...byTrial.values()].flatMap((epochs) => [...epochs.values()]);
      return rows.filter((row) => trial === undefined || row.trial === trial).sort((a, b) => a.trial - b.trial || a.epoch - b.epoch);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #write<T>(run: () => T): Promise<T> {
    if (this.#closed) throw StorageErrors.closed(this.location);
    if (this.#readonly) throw StorageErrors.readonly(this.location);
    return run();
  }

  async #read<T>(run: () => T): Promise<T> {
    if (this.#closed) throw StorageErrors.closed(this.location);
    return run();
  }

  #byName(name: string): StudyEntry | undefined {
    for (const entry of this.#studies.values()) if (entry.record.name === name) return entry;
    return undefined;
  }

  #study(studyId: number): StudyEntry {
    const entry = this.#studies.get(studyId);
    if (!entry) throw StorageErrors.noStudy(studyId);
    return entry;
  }

  #trial(studyId: number, number: number): [StudyEntry, Mutable<TrialRecord>] {
    const entry = this.#study(studyId);
    return [entry, requireTrial(entry.record.name, number, entry.trials.get(number))];
  }
}

function touch(entry: StudyEntry, now: number): void {
  entry.record = Object.freeze({ ...entry.record, updatedAt: now });
}

function frozenMetrics(metrics: Metrics): Metrics {
  return Object.freeze({ ...metrics });
}
