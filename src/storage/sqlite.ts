/**
 * The SQLite backend of {@link Storage}, on better-sqlite3: one WAL-mode file, writes batched
 * per tick into one transaction, readers in other processes never blocked.
 */
import type Database from 'better-sqlite3';
import { StorageError, firstLine } from '../errors.js';
import type { StudySpec } from '../space/spec.js';
import {
  StorageErrors,
  addDuration,
  checkEpoch,
  checkKeepEpochs,
  checkFrom,
  checkTransition,
  finiteOrNull,
  requireTrial,
  studyFinishedAt,
} from './rules.js';
import { openDatabase } from './sqlite-schema.js';
import {
  encodeMetrics,
  toEpochRecord,
  toStudyRecord,
  toStudySummary,
  toPromotionRecord,
  toTrialRecord,
  type EpochRow,
  type PromotionRow,
  type StudyRow,
  type SummaryRow,
  type TrialRow,
} from './sqlite-rows.js';
import type {
  EpochRecord,
  FinishInfo,
  NewEpoch,
  NewTrial,
  PromotionRecord,
  StartInfo,
  Storage,
  StudyRecord,
  StudyStatus,
  StudySummary,
  TrialRecord,
} from './storage.js';
import { WriteQueue } from './write-queue.js';

/** Options of {@link SqliteStorage.open}. */
export interface SqliteOpenOptions {
  /** Open for reading only: never creates, migrates or writes anything. */
  readonly readonly?: boolean;
  /** How long to wait for another connection's write lock, in ms (default 5000). */
  readonly timeoutMs?: number;
}

const SQL = {
  studyById: 'SELECT * FROM studies WHERE id = ?',
  studyByName: 'SELECT * FROM studies WHERE name = ?',
  insertStudy: `INSERT INTO studies
      (name, spec, strategy, seed, direction, metric, status, backend, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?) RETURNING *`,
  setStudyStatus: 'UPDATE studies SET status = ?, finished_at = ?, updated_at = ? WHERE id = ?',
  touchStudy: 'UPDATE studies SET updated_at = ? WHERE id = ?',
  listStudies: `SELECT s.name, s.status, s.strategy, s.direction, s.metric, s.created_at,
      count(t.number) AS trials,
      count(*) FILTER (WHERE t.status = 'completed') AS completed,
      CASE s.direction
        WHEN 'maximize' THEN max(t.value) FILTER (WHERE t.status = 'completed')
        ELSE min(t.value) FILTER (WHERE t.status = 'completed')
      END AS best
    FROM studies s LEFT JOIN trials t ON t.study_id = s.id
    GROUP BY s.id ORDER BY s.id`,
  trial: 'SELECT * FROM trials WHERE study_id = ? AND number = ?',
  trials: 'SELECT * FROM trials WHERE study_id = ? ORDER BY number',
  insertTrial: `INSERT INTO trials (study_id, number, params, seed, status, target_epochs, bracket, rung, created_at)
    VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?) RETURNING *`,
  startTrial: `UPDATE trials SET status = 'running', started_at = ?, worker = ?, backend = ?
    WHERE study_id = ? AND number = ?`,
  setProgress: 'UPDATE trials SET value = ?, metrics = ?, epochs = ? WHERE study_id = ? AND number = ?',
  finishTrial: `UPDATE trials SET status = ?, value = ?, metrics = ?, epochs = ?, duration_ms = ?, error = ?,
      tensors_after = ?, finished_at = ?
    WHERE study_id = ? AND number = ?`,
  requeueTrial: `UPDATE trials SET status = 'queued', epochs = ?, value = ?, metrics = ?, started_at = NULL,
      interruptions = interruptions + 1
    WHERE study_id = ? AND number = ?`,
  promoteTrial: `UPDATE trials SET status = 'queued', rung = ?, target_epochs = ?, started_at = NULL
    WHERE study_id = ? AND number = ?`,
  insertPromotion: 'INSERT INTO promotions (study_id, trial, rung, created_at) VALUES (?, ?, ?, ?)',
  promotions: 'SELECT trial, rung, created_at FROM promotions WHERE study_id = ? ORDER BY trial, rung',
  pruneTrial: `UPDATE trials SET status = 'pruned', finished_at = ? WHERE study_id = ? AND number = ?`,
  upsertEpoch: `INSERT INTO epochs (study_id, trial, epoch, metrics, value, duration_ms, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (study_id, trial, epoch) DO UPDATE SET metrics = excluded.metrics, value = excluded.value,
      duration_ms = excluded.duration_ms, created_at = excluded.created_at`,
  epoch: 'SELECT * FROM epochs WHERE study_id = ? AND trial = ? AND epoch = ?',
  deleteEpochsAfter: 'DELETE FROM epochs WHERE study_id = ? AND trial = ? AND epoch > ?',
  studyEpochs: 'SELECT * FROM epochs WHERE study_id = ? ORDER BY trial, epoch',
  trialEpochs: 'SELECT * FROM epochs WHERE study_id = ? AND trial = ? ORDER BY epoch',
} as const;

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
  #closed = false;

  private constructor(db: Database.Database, location: string, readonly: boolean) {
    this.#db = db;
    this.location = location;
    this.#readonly = readonly;
    this.#queue = new WriteQueue(db, location);
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
      const row = this.#get<StudyRow>(SQL.insertStudy, spec.name, JSON.stringify(spec), spec.strategy, spec.seed,
        objective.direction, objective.metric, backend, now, now);
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
      if (this.#get<TrialRow>(SQL.trial, studyId, trial.number)) {
        throw StorageErrors.trialExists(study.name, trial.number);
      }
      const now = Date.now();
      const row = this.#get<TrialRow>(SQL.insertTrial, studyId, trial.number, JSON.stringify(trial.params), trial.seed,
        trial.targetEpochs, trial.bracket ?? null, trial.rung ?? null, now);
      this.#run(SQL.touchStudy, now, studyId);
      return toTrialRecord(row!);
    });
  }

  startTrial(studyId: number, number: number, info: StartInfo): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      checkTransition(study.name, this.#trial(study, number), 'running');
      const now = Date.now();
      this.#run(SQL.startTrial, now, info.worker, info.backend, studyId, number);
      this.#run(SQL.touchStudy, now, studyId);
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
      this.#run(SQL.touchStudy, now, studyId);
    });
  }

  finishTrial(studyId: number, number: number, info: FinishInfo): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      const trial = this.#trial(study, number);
      checkTransition(study.name, trial, info.status);
      const now = Date.now();
      const metrics = info.metrics === null ? null : encodeMetrics(info.metrics);
      this.#run(SQL.finishTrial, info.status, finiteOrNull(info.value), metrics, info.epochs,
        addDuration(trial.duration_ms, info.durationMs), info.error, info.tensorsAfter, now, studyId, number);
      this.#run(SQL.touchStudy, now, studyId);
    });
  }

  requeueTrial(studyId: number, number: number, keepEpochs: number): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      const trial = this.#trial(study, number);
      checkFrom(study.name, trial, ['running'], 'queued');
      checkKeepEpochs(study.name, trial, keepEpochs);
      this.#run(SQL.deleteEpochsAfter, studyId, number, keepEpochs);
      const kept = this.#get<EpochRow>(SQL.epoch, studyId, number, keepEpochs);
      this.#run(SQL.requeueTrial, keepEpochs, kept?.value ?? null, kept?.metrics ?? null, studyId, number);
      this.#run(SQL.touchStudy, Date.now(), studyId);
    });
  }

  promoteTrial(studyId: number, number: number, rung: number, targetEpochs: number): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      checkFrom(study.name, this.#trial(study, number), ['paused'], 'queued');
      const now = Date.now();
      this.#run(SQL.promoteTrial, rung, targetEpochs, studyId, number);
      this.#run(SQL.insertPromotion, studyId, number, rung, now);
      this.#run(SQL.touchStudy, now, studyId);
    });
  }

  pruneTrial(studyId: number, number: number): Promise<void> {
    return this.#write(() => {
      const study = this.#study(studyId);
      const trial = this.#trial(study, number);
      checkFrom(study.name, trial, ['paused'], 'pruned');
      const now = Date.now();
      this.#run(SQL.pruneTrial, now, studyId, number);
      this.#run(SQL.touchStudy, now, studyId);
    });
  }

  getPromotions(studyId: number): Promise<PromotionRecord[]> {
    return this.#read(() => this.#all<PromotionRow>(SQL.promotions, studyId).map(toPromotionRecord));
  }

  getTrials(studyId: number): Promise<TrialRecord[]> {
    return this.#read(() => this.#all<TrialRow>(SQL.trials, studyId).map(toTrialRecord));
  }

  getEpochs(studyId: number, trial?: number): Promise<EpochRecord[]> {
    return this.#read(() => {
      const rows = trial === undefined
        ? this.#all<EpochRow>(SQL.studyEpochs, studyId)
        : this.#all<EpochRow>(SQL.trialEpochs, studyId, trial);
      return rows.map(toEpochRecord);
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

  #study(studyId: number): StudyRow {
    const row = this.#get<StudyRow>(SQL.studyById, studyId);
    if (!row) throw StorageErrors.noStudy(studyId);
    return row;
  }

  #trial(study: StudyRow, number: number): TrialRow {
    return requireTrial(study.name, number, this.#get<TrialRow>(SQL.trial, study.id, number));
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
