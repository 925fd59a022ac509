/**
 * The SQLite backend of {@link Storage}, on better-sqlite3: one WAL-mode file, writes batched
 * per tick into one transaction, readers in other processes never blocked.
 */
import type Database from 'better-sqlite3';
import { StorageError, firstLine } from '../errors.js';
import type { StudySpec } from '../space/spec.js';
import type { Direction, Params, PromotionChange, StudyStatus, TrialStatus } from '../core/types.js';
import { type CountRow, badRankQuery, rankOrderSql, toTrialCount } from './rank-sql.js';
import {
  StorageErrors,
  addDuration,
  checkEpoch,
  checkKeepEpochs,
  checkOperation,
  checkPromotion,
  checkTransition,
  deepFreeze,
  encodeCopySource,
  isOwner,
  newTrialRecord,
  requireTrial,
  studyFinishedAt,
} from './rules.js';
import { finiteOrNull } from '../core/scores.js';
import { openDatabase } from './sqlite-schema.js';
import {
  encodeMetrics,
  toEpochRecord,
  toStudyRecord,
  toStudySummary,
  toPromotionRecord,
  type RunRow,
  toRunRecord,
  toStudyLock,
  toTrialRecord,
  type LockRow,
  type TrialStateRow,
  type EpochRow,
  type PromotionRow,
  type StudyRow,
  type SummaryRow,
  type TrialRow,
} from './sqlite-rows.js';
import type {
  EpochRecord,
  EpochValues,
  FinishInfo,
  LockOwner,
  NewEpoch,
  NewTrial,
  PromotionRecord,
  RunRecord,
  StartInfo,
  Storage,
  StudyLock,
  StudyRecord,
  StudySummary,
  TrialCount,
  TrialRecord,
} from './storage.js';
import { SQL } from './sqlite-sql.js';
import { runSlot } from './records.js';
import { WriteQueue } from './write-queue.js';

interface StudyIdentity {
  readonly id: number;
  readonly name: string;
}

/** Options of {@link SqliteStorage.open}. */
export interface SqliteOpenOptions {
  /** Open for reading only: never creates, migrates or writes anything. */
  readonly readonly?: boolean;
  /** How long to wait for another connection's write lock, in ms (default 5000). */
  readonly timeoutMs?: number;
}

/**
 * {@link Storage} in a SQLite file. Open it with {@link SqliteStorage.open}. Writes issued in
 * one tick are committed together on `setImmediate`; reads commit pending writes first.
 */
export class SqliteStorage implements Storage {
  readonly location: string;
  readonly #db: Database.Database;
  readonly #queue: WriteQueue;
  readonly #readonly: boolean;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #studies = new Map<number, StudyIdentity>();
  readonly #touched = new Set<number>();
  #closed = false;

  private constructor(db: Database.Database, location: string, readonly: boolean) {
    this.#db = db;
    this.location = location;
    this.#readonly = readonly;
    this.#queue = new WriteQueue(db, location, () => this.#touchAll());
  }

  /**
   * Opens the database at `path`, creating it (and its folder) and migrating it unless read-only.
   * @throws {StorageError} (exit code 2) when a read-only path does not exist, the file is not an
   *   hpsearch database, or its schema is newer than this code.
   */
  static open(path: string, options: SqliteOpenOptions = {}): SqliteStorage {
    const readonly = options.readonly ?? false;
    const db = openDatabase(path, { readonly, timeoutMs: options.timeoutMs ?? 5000 });
    return new SqliteStorage(db, path, readonly);
  }

  createStudy(spec: StudySpec, backend: string | null): Promise<StudyRecord> {
    return this.#write(() => {
      if (this.#get<StudyRow>(SQL.studyByName, spec.name)) throw StorageErrors.studyExists(spec.name, this.location);
      const now = Date.now();
      const { objective } = spec;
      const row = this.#get<StudyRow>(
        SQL.insertStudy,
        spec.name,
        JSON.stringify(spec),
        spec.strategy,
        spec.seed,
        objective.direction,
        objective.metric,
        backend,
        now,
        now,
      );
      return toStudyRecord(row!);
    });
  }

  getStudy(name: string): Promise<StudyRecord | null> {
    return this.#read(() => {
      const row = this.#get<StudyRow>(SQL.studyByName, name);
      return row ? toStudyRecord(row) : null;
    });
  }

  listStudies(): Promise<StudySummary[]> {
    return this.#read(() => this.#all<SummaryRow>(SQL.listStudies).map(toStudySummary));
  }

  updateStudySpec(studyId: number, spec: StudySpec): Promise<void> {
    return this.#write(() => {
      this.#study(studyId);
      this.#run(SQL.setStudySpec, JSON.stringify(spec), spec.strategy, Date.now(), studyId);
    });
  }

  acquireStudyLock(studyId: number, owner: LockOwner, canTakeOver: (holder: StudyLock) => boolean): Promise<StudyLock | null> {
    return this.#write(() => {
      this.#study(studyId);
      const row = this.#get<LockRow>(SQL.lock, studyId);
      const holder = row === undefined ? null : toStudyLock(row);
      if (holder !== null && !isOwner(holder, owner) && !canTakeOver(holder)) return holder;
      const now = Date.now();
      this.#run(SQL.upsertLock, studyId, owner.pid, owner.host, now, now);
      return null;
    });
  }

  renewStudyLock(studyId: number, owner: LockOwner): Promise<boolean> {
    return this.#write(() => this.#statement(SQL.renewLock).run(Date.now(), studyId, owner.pid, owner.host).changes === 1);
  }

  releaseStudyLock(studyId: number, owner: LockOwner): Promise<void> {
    return this.#write(() => {
      this.#run(SQL.releaseLock, studyId, owner.pid, owner.host);
    });
  }

  getStudyLock(studyId: number): Promise<StudyLock | null> {
    return this.#read(() => {
      const row = this.#get<LockRow>(SQL.lock, studyId);
      return row === undefined ? null : toStudyLock(row);
    });
  }

  setStudyStatus(studyId: number, status: StudyStatus): Promise<void> {
    return this.#write(() => {
      this.#study(studyId);
      const now = Date.now();
      this.#run(SQL.setStudyStatus, status, studyFinishedAt(status, now), now, studyId);
    });
  }

  addTrial(studyId: number, trial: NewTrial): Promise<TrialRecord> {
    return this.#write(() => {
      const study = this.#study(studyId);
      if (this.#get<TrialStateRow>(SQL.trialState, studyId, trial.number)) {
        throw StorageErrors.trialExists(study.name, trial.number);
      }
      const now = Date.now();
      const params = JSON.stringify(trial.params);
      const bracket = trial.bracket ?? null;
      const rung = trial.rung ?? null;
      this.#run(
        SQL.insertTrial,
        studyId,
        trial.number,
        params,
        trial.seed,
        trial.targetEpochs,
        bracket,
        rung,
        now,
        trial.proposedBy ?? null,
      );
      this.#touch(studyId);
      const copy = structuredClone(trial.params);
      return deepFreeze({ ...newTrialRecord(studyId, trial, now), params: copy, initialParams: copy });
    });
  }

  startTrial(studyId: number, number: number, info: StartInfo): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      checkOperation(study.name, this.#trial(study, number), 'start');
      const now = Date.now();
      this.#run(SQL.startTrial, now, info.worker, info.backend, info.device ?? null, studyId, number);
      this.#run(SQL.insertRun, info.host, runSlot(info), now, studyId, number);
      this.#touch(studyId);
    });
  }

  recordEpoch(studyId: number, number: number, epoch: NewEpoch): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      checkEpoch(study.name, this.#trial(study, number), epoch.epoch);
      const now = Date.now();
      const metrics = encodeMetrics(epoch.metrics);
      const value = finiteOrNull(epoch.value);
      this.#run(SQL.upsertEpoch, studyId, number, epoch.epoch, metrics, value, epoch.durationMs, now);
      this.#run(SQL.setProgress, value, metrics, epoch.epoch, studyId, number);
      this.#touch(studyId);
    });
  }

  finishTrial(studyId: number, number: number, info: FinishInfo): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      const trial = this.#trial(study, number);
      checkTransition(study.name, trial, info.status);
      const now = Date.now();
      const metrics = info.metrics === null ? null : encodeMetrics(info.metrics);
      if (trial.status === 'running') this.#run(SQL.endRun, 0, now, info.epochs, info.status, studyId, number);
      this.#run(
        SQL.finishTrial,
        info.status,
        finiteOrNull(info.value),
        metrics,
        info.epochs,
        addDuration(trial.duration_ms, info.durationMs),
        info.error,
        info.tensorsAfter,
        now,
        studyId,
        number,
      );
      this.#touch(studyId);
    });
  }

  requeueTrial(studyId: number, number: number, keepEpochs: number, durationMs: number | null = null, crashed = false): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      const trial = this.#trial(study, number);
      checkOperation(study.name, trial, 'requeue');
      checkKeepEpochs(study.name, trial, keepEpochs);
      this.#run(SQL.endRun, crashed ? 1 : 0, Date.now(), trial.epochs, 'queued', studyId, number);
      this.#run(SQL.deleteEpochsAfter, studyId, number, keepEpochs);
      const kept = this.#get<EpochRow>(SQL.epoch, studyId, number, keepEpochs);
      this.#run(
        SQL.requeueTrial,
        keepEpochs,
        kept?.value ?? null,
        kept?.metrics ?? null,
        addDuration(trial.duration_ms, durationMs),
        studyId,
        number,
      );
      this.#touch(studyId);
    });
  }

  promoteTrial(studyId: number, number: number, rung: number, targetEpochs: number, change?: PromotionChange): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      checkPromotion(study.name, this.#trial(study, number), change);
      const now = Date.now();
      const params = change === undefined ? null : JSON.stringify(change.params);
      const source = change?.source == null ? null : encodeCopySource(change.source);
      this.#run(SQL.promoteTrial, rung, targetEpochs, studyId, number);
      if (params !== null) this.#run(SQL.changeTrial, params, source, studyId, number);
      if (change?.source != null) {
        this.#run(SQL.deleteEpochsAfter, studyId, number, change.source.epoch);
        this.#run(SQL.exploitTrial, change.source.epoch, studyId, number);
      }
      this.#run(SQL.insertPromotion, studyId, number, rung, now, params, source);
      this.#touch(studyId);
    });
  }

  pruneTrial(studyId: number, number: number): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      const trial = this.#trial(study, number);
      checkOperation(study.name, trial, 'prune');
      const now = Date.now();
      this.#run(SQL.pruneTrial, now, studyId, number);
      this.#touch(studyId);
    });
  }

  retryTrial(studyId: number, number: number, seed: number, params?: Params): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      checkOperation(study.name, this.#trial(study, number), 'retry');
      this.#run(SQL.deleteEpochs, studyId, number);
      this.#run(SQL.retryTrial, seed, params === undefined ? null : JSON.stringify(params), studyId, number);
      this.#touch(studyId);
    });
  }

  getRuns(studyId: number): Promise<RunRecord[]> {
    return this.#read(() => this.#all<RunRow>(SQL.runs, studyId).map(toRunRecord));
  }

  getPromotions(studyId: number): Promise<PromotionRecord[]> {
    return this.#read(() => this.#all<PromotionRow>(SQL.promotions, studyId).map(toPromotionRecord));
  }

  getTrials(studyId: number): Promise<TrialRecord[]> {
    return this.#read(() => this.#all<TrialRow>(SQL.trials, studyId).map(toTrialRecord));
  }

  bestTrials(studyId: number, direction: Direction, limit: number, statuses?: readonly TrialStatus[]): Promise<TrialRecord[]> {
    const bad = badRankQuery(limit, statuses);
    if (bad !== null) return bad;
    return this.#read(() => {
      if (statuses?.length === 0) return [];
      const only = statuses === undefined ? '' : ` AND status IN (${statuses.map(() => '?').join(', ')})`;
      const query = `SELECT * FROM trials WHERE study_id = ?${only} ORDER BY ${rankOrderSql(direction)} LIMIT ?`;
      return this.#all<TrialRow>(query, studyId, ...(statuses ?? []), limit).map(toTrialRecord);
    });
  }

  countTrials(studyId: number): Promise<TrialCount[]> {
    return this.#read(() => this.#all<CountRow>(SQL.countTrials, studyId).map(toTrialCount));
  }

  getEpochs(studyId: number, trial?: number): Promise<EpochRecord[]> {
    return this.#read(() => {
      const rows =
        trial === undefined ? this.#all<EpochRow>(SQL.studyEpochs, studyId) : this.#all<EpochRow>(SQL.trialEpochs, studyId, trial);
      return rows.map(toEpochRecord);
    });
  }

  epochValues(studyId: number, epoch: number, below: number, except: number): Promise<EpochValues> {
    return this.#read(() => {
      const limit = Math.min(below, Number.MAX_SAFE_INTEGER);
      const values = this.#all<{ value: number | null }>(SQL.epochValues, studyId, epoch, limit, except).map((row) => row.value);
      const { completed, running } = this.#all<{ completed: number; running: number }>(SQL.seenTrials, studyId, limit, except)[0]!;
      return { values, completed, running };
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#queue.flush();
    this.#closed = true;
    this.#db.close();
  }

  #write<T>(run: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(StorageErrors.closed(this.location));
    if (this.#readonly) return Promise.reject(StorageErrors.readonly(this.location));
    return this.#queue.push(run);
  }

  async #read<T>(run: () => T): Promise<T> {
    if (this.#closed) throw StorageErrors.closed(this.location);
    this.#queue.flush();
    try {
      return run();
    } catch (error) {
      throw new StorageError(`could not read ${this.location}: ${firstLine(error)}`, { cause: error });
    }
  }

  /** A study's id and name: studies are never renamed or deleted, so one read per connection. */
  #study(studyId: number): StudyIdentity {
    let study = this.#studies.get(studyId);
    if (study === undefined) {
      const row = this.#get<StudyRow>(SQL.studyById, studyId);
      if (!row) throw StorageErrors.noStudy(studyId);
      study = { id: row.id, name: row.name };
      this.#studies.set(studyId, study);
    }
    return study;
  }

  /** What the write rules need of a trial: a narrow read, on every write's path. */
  #trial(study: StudyIdentity, number: number): TrialStateRow {
    return requireTrial(study.name, number, this.#get<TrialStateRow>(SQL.trialState, study.id, number));
  }

  /** Marks a study written in this batch: its `updated_at` is set once, when the batch commits. */
  #touch(studyId: number): void {
    this.#touched.add(studyId);
  }

  #touchAll(): void {
    if (this.#touched.size === 0) return;
    const now = Date.now();
    for (const studyId of this.#touched) this.#run(SQL.touchStudy, now, studyId);
    this.#touched.clear();
  }

  #statement(source: string): Database.Statement {
    let statement = this.#statements.get(source);
    if (statement === undefined) {
      statement = this.#db.prepare(source);
      this.#statements.set(source, statement);
    }
    return statement;
  }

  #get<R>(source: string, ...params: unknown[]): R | undefined {
    return this.#statement(source).get(...params) as R | undefined;
  }

  #all<R>(source: string, ...params: unknown[]): R[] {
    return this.#statement(source).all(...params) as R[];
  }

  #run(source: string, ...params: unknown[]): void {
    this.#statement(source).run(...params);
  }
}
