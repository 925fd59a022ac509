/**
 * The PostgreSQL backend of {@link Storage}, on `pg`: the same rules, errors and records as
 * SQLite (rules.ts, sqlite-rows.ts), one connection per storage, writes issued together
 * committed in one transaction. Many processes on many hosts may use one database at once:
 * single-writer paths take the study lock as with SQLite, and the `coordination` capability
 * (postgres-coordination.ts) lets many workers run one study through claims and leases.
 */
import type { StudySpec } from '../space/spec.js';
import type { Direction, Params, PromotionChange, StudyStatus, TrialStatus } from '../core/types.js';
import { type CountRow, badRankQuery, rankOrderSql, toTrialCount } from './rank-sql.js';
import type { StudyCoordination } from './coordination.js';
import { PgGate, first, studyRow, trialRow } from './postgres-access.js';
import { type Db, PgConnection } from './postgres-connection.js';
import { PostgresCoordination } from './postgres-coordination.js';
import { checkVersion, migrate, schemaVersion } from './postgres-schema.js';
import { PG } from './postgres-sql.js';
import { redactUrl, redactor } from './postgres-url.js';
import {
  StorageErrors,
  checkEpoch,
  checkOperation,
  checkKeepEpochs,
  checkPromotion,
  checkTransition,
  isOwner,
  studyFinishedAt,
} from './rules.js';
import { runStarts, touch, writeEpoch, writeFinish, writePromotion, writeRequeue, writeRetry } from './postgres-writes.js';
import {
  type EpochRow,
  type LockRow,
  type PromotionRow,
  type RunRow,
  toRunRecord,
  type StudyRow,
  type SummaryRow,
  type TrialRow,
  toEpochRecord,
  toPromotionRecord,
  toStudyLock,
  toStudyRecord,
  toStudySummary,
  toTrialRecord,
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

/** A study's trials counted by status, bracket and rung (see Storage.countTrials). */
const COUNT_TRIALS = `SELECT status, bracket, rung, count(*) AS trials, sum(epochs) AS epochs,
    sum(greatest(target_epochs - epochs, 0)) AS remaining_epochs
  FROM hpsearch.trials WHERE study_id = $1 GROUP BY status, bracket, rung`;

export interface PostgresOpenOptions {
  /** Open for reading only: never creates, migrates or writes anything. */
  readonly readonly?: boolean;
}

export class PostgresStorage implements Storage {
  /** The URL with its password replaced by `***`. */
  readonly location: string;
  readonly coordination: StudyCoordination;
  readonly #coordination: PostgresCoordination;
  readonly #gate: PgGate;
  /** Read-only on a database where hpsearch never ran: every read finds nothing. */
  readonly #empty: boolean;

  private constructor(gate: PgGate, empty: boolean) {
    this.#gate = gate;
    this.location = gate.location;
    this.#empty = empty;
    this.#coordination = new PostgresCoordination(gate);
    this.coordination = this.#coordination;
  }

  /**
   * Connects to the database a `postgres://` URL names (missing parts from the PG* environment
   * variables) and creates or migrates the schema unless read-only.
   * @throws {StorageError} (exit code 2) when it cannot connect, or the schema is newer than this code.
   */
  static async open(url: string, options: PostgresOpenOptions = {}): Promise<PostgresStorage> {
    const readonly = options.readonly ?? false;
    const location = redactUrl(url);
    const connection = await PgConnection.connect({ url, location, redact: redactor(url) });
    try {
      const version = await connection.direct((db) => schemaVersion(db));
      if (readonly) checkVersion(location, version, true);
      else await connection.direct((db) => migrate(db, location));
      return new PostgresStorage(new PgGate(connection, location, readonly), readonly && version === 0);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  createStudy(spec: StudySpec, backend: string | null): Promise<StudyRecord> {
    return this.#gate.write(async (db) => {
      if (await first(db, PG.studyByName, [spec.name])) throw StorageErrors.studyExists(spec.name, this.location);
      const now = Date.now();
      const { objective } = spec;
      const row = await first<StudyRow>(db, PG.insertStudy, [
        spec.name,
        JSON.stringify(spec),
        spec.strategy,
        spec.seed,
        objective.direction,
        objective.metric,
        backend,
        now,
        now,
      ]);
      return toStudyRecord(row!);
    });
  }

  getStudy(name: string): Promise<StudyRecord | null> {
    return this.#read(null, async (db) => {
      const row = await first<StudyRow>(db, PG.studyByName, [name]);
      return row ? toStudyRecord(row) : null;
    });
  }

  listStudies(): Promise<StudySummary[]> {
    return this.#read([], async (db) => (await db.query<SummaryRow>(PG.listStudies)).rows.map(toStudySummary));
  }

  updateStudySpec(studyId: number, spec: StudySpec): Promise<void> {
    return this.#gate.write(async (db) => {
      await studyRow(db, studyId, true);
      await db.query(PG.setStudySpec, [JSON.stringify(spec), spec.strategy, Date.now(), studyId]);
    });
  }

  acquireStudyLock(studyId: number, owner: LockOwner, canTakeOver: (holder: StudyLock) => boolean): Promise<StudyLock | null> {
    return this.#gate.write(async (db) => {
      await studyRow(db, studyId, true);
      const row = await first<LockRow>(db, PG.lock, [studyId]);
      const holder = row === undefined ? null : toStudyLock(row);
      if (holder !== null && !isOwner(holder, owner) && !canTakeOver(holder)) return holder;
      const now = Date.now();
      await db.query(PG.upsertLock, [studyId, owner.pid, owner.host, now, now]);
      return null;
    });
  }

  renewStudyLock(studyId: number, owner: LockOwner): Promise<boolean> {
    return this.#gate.write(async (db) => (await db.query(PG.renewLock, [Date.now(), studyId, owner.pid, owner.host])).rowCount === 1);
  }

  releaseStudyLock(studyId: number, owner: LockOwner): Promise<void> {
    return this.#gate.write(async (db) => {
      await db.query(PG.releaseLock, [studyId, owner.pid, owner.host]);
    });
  }

  getStudyLock(studyId: number): Promise<StudyLock | null> {
    return this.#read(null, async (db) => {
      const row = await first<LockRow>(db, PG.lock, [studyId]);
      return row === undefined ? null : toStudyLock(row);
    });
  }

  setStudyStatus(studyId: number, status: StudyStatus): Promise<void> {
    return this.#gate.write(async (db) => {
      await studyRow(db, studyId, true);
      const now = Date.now();
      await db.query(PG.setStudyStatus, [status, studyFinishedAt(status, now), now, studyId]);
    });
  }

  addTrial(studyId: number, trial: NewTrial): Promise<TrialRecord> {
    return this.#gate.write(async (db) => {
      const study = await studyRow(db, studyId);
      if (await first(db, PG.trial, [studyId, trial.number])) throw StorageErrors.trialExists(study.name, trial.number);
      const now = Date.now();
      const row = await first<TrialRow>(db, PG.insertTrial, [
        studyId,
        trial.number,
        JSON.stringify(trial.params),
        trial.seed,
        trial.targetEpochs,
        trial.bracket ?? null,
        trial.rung ?? null,
        now,
        trial.proposedBy ?? null,
      ]);
      await touch(db, studyId, now);
      return toTrialRecord(row!);
    });
  }

  startTrial(studyId: number, number: number, info: StartInfo): Promise<void> {
    return this.#gate.write(async (db) => {
      const study = await studyRow(db, studyId);
      checkOperation(study.name, await trialRow(db, study, number), 'start');
      const now = Date.now();
      await db.query(PG.startTrial, [now, info.worker, info.backend, info.device ?? null, null, null, studyId, number]);
      await db.script(runStarts(studyId, [{ number, info }], now));
      await touch(db, studyId, now);
    });
  }

  recordEpoch(studyId: number, number: number, epoch: NewEpoch): Promise<void> {
    return this.#gate.write(async (db) => {
      const study = await studyRow(db, studyId);
      checkEpoch(study.name, await trialRow(db, study, number), epoch.epoch);
      await writeEpoch(db, studyId, number, epoch);
    });
  }

  finishTrial(studyId: number, number: number, info: FinishInfo): Promise<void> {
    return this.#gate.write(async (db) => {
      const study = await studyRow(db, studyId);
      const trial = await trialRow(db, study, number);
      checkTransition(study.name, trial, info.status);
      await writeFinish(db, studyId, trial, info);
    });
  }

  requeueTrial(studyId: number, number: number, keepEpochs: number, durationMs: number | null = null, crashed = false): Promise<void> {
    return this.#gate.write(async (db) => {
      const study = await studyRow(db, studyId);
      const trial = await trialRow(db, study, number);
      checkOperation(study.name, trial, 'requeue');
      checkKeepEpochs(study.name, trial, keepEpochs);
      await writeRequeue(db, studyId, trial, keepEpochs, durationMs, crashed);
    });
  }

  promoteTrial(studyId: number, number: number, rung: number, targetEpochs: number, change?: PromotionChange): Promise<void> {
    return this.#gate.write(async (db) => {
      const study = await studyRow(db, studyId);
      checkPromotion(study.name, await trialRow(db, study, number), change);
      await writePromotion(db, studyId, number, rung, targetEpochs, change);
    });
  }

  pruneTrial(studyId: number, number: number): Promise<void> {
    return this.#gate.write(async (db) => {
      const study = await studyRow(db, studyId);
      checkOperation(study.name, await trialRow(db, study, number), 'prune');
      const now = Date.now();
      await db.query(PG.pruneTrial, [now, studyId, number]);
      await touch(db, studyId, now);
    });
  }

  retryTrial(studyId: number, number: number, seed: number, params?: Params): Promise<void> {
    return this.#gate.write(async (db) => {
      const study = await studyRow(db, studyId);
      checkOperation(study.name, await trialRow(db, study, number), 'retry');
      await writeRetry(db, studyId, number, seed, params);
    });
  }

  getTrials(studyId: number): Promise<TrialRecord[]> {
    return this.#read([], async (db) => (await db.query<TrialRow>(PG.trials, [studyId])).rows.map(toTrialRecord));
  }

  bestTrials(studyId: number, direction: Direction, limit: number, statuses?: readonly TrialStatus[]): Promise<TrialRecord[]> {
    const bad = badRankQuery(limit, statuses);
    if (bad !== null) return bad;
    if (statuses?.length === 0) return this.#read([], async () => []);
    const only = statuses === undefined ? '' : ' AND status = ANY($3::text[])';
    const query = `SELECT * FROM hpsearch.trials WHERE study_id = $1${only} ORDER BY ${rankOrderSql(direction)} LIMIT $2`;
    const values = statuses === undefined ? [studyId, limit] : [studyId, limit, statuses];
    return this.#read([], async (db) => (await db.query<TrialRow>(query, values)).rows.map(toTrialRecord));
  }

  countTrials(studyId: number): Promise<TrialCount[]> {
    return this.#read([], async (db) => (await db.query<CountRow>(COUNT_TRIALS, [studyId])).rows.map(toTrialCount));
  }

  getEpochs(studyId: number, trial?: number): Promise<EpochRecord[]> {
    return this.#read([], async (db) => {
      const { rows } =
        trial === undefined
          ? await db.query<EpochRow>(PG.studyEpochs, [studyId])
          : await db.query<EpochRow>(PG.trialEpochs, [studyId, trial]);
      return rows.map(toEpochRecord);
    });
  }

  getRuns(studyId: number): Promise<RunRecord[]> {
    return this.#read([], async (db) => (await db.query<RunRow>(PG.runs, [studyId])).rows.map(toRunRecord));
  }

  getPromotions(studyId: number): Promise<PromotionRecord[]> {
    return this.#read([], async (db) => (await db.query<PromotionRow>(PG.promotions, [studyId])).rows.map(toPromotionRecord));
  }

  epochValues(studyId: number, epoch: number, below: number, except: number): Promise<EpochValues> {
    return this.#read({ values: [], completed: 0, running: 0 }, async (db) => {
      const limit = Math.min(below, 2 ** 31 - 1);
      const values = (await db.query<{ value: number | null }>(PG.valuesAtEpoch, [studyId, epoch, limit, except])).rows.map(
        (row) => row.value,
      );
      const seen = (await db.query<{ completed: number; running: number }>(PG.seenTrials, [studyId, limit, except])).rows[0]!;
      return { values, completed: seen.completed, running: seen.running };
    });
  }

  async close(): Promise<void> {
    // A dashboard attached to the study sees the last changes.
    if (!this.#gate.closed) await this.#coordination.flush();
    await this.#gate.close();
  }

  #read<T>(empty: T, run: (db: Db) => Promise<T>): Promise<T> {
    if (this.#empty && !this.#gate.closed) return Promise.resolve(empty);
    return this.#gate.read(run);
  }
}
