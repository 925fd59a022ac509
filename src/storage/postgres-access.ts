/**
 * What the PostgreSQL storage and its coordination capability share: the gate every operation
 * passes (closed, read-only), and reading a study's or a trial's row with its lock.
 */
import type { Db, OpKind, PgConnection } from './postgres-connection.js';
import { PG } from './postgres-sql.js';
import { StorageErrors, requireTrial } from './rules.js';
import type { StudyRow, TrialRow } from './sqlite-rows.js';

/** Runs operations on the connection, or rejects them when the storage is closed or read-only. */
export class PgGate {
  readonly location: string;
  readonly readonly: boolean;
  readonly #connection: PgConnection;
  #closed = false;

  constructor(connection: PgConnection, location: string, readonly: boolean) {
    this.#connection = connection;
    this.location = location;
    this.readonly = readonly;
  }

  get closed(): boolean {
    return this.#closed;
  }

  write<T>(run: (db: Db) => Promise<T>, kind: Exclude<OpKind, 'read'> = 'write'): Promise<T> {
    if (this.#closed) return Promise.reject(StorageErrors.closed(this.location));
    if (this.readonly) return Promise.reject(StorageErrors.readonly(this.location));
    return this.#connection.push(kind, run);
  }

  read<T>(run: (db: Db) => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(StorageErrors.closed(this.location));
    return this.#connection.push('read', run);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#connection.close();
  }
}

/** The study's row, locked until the transaction ends when `lock`. @throws {StorageError} when there is none. */
export async function studyRow(db: Db, studyId: number, lock = false): Promise<StudyRow> {
  const { rows } = await db.query<StudyRow>(lock ? PG.studyByIdForUpdate : PG.studyById, [studyId]);
  if (rows.length === 0) throw StorageErrors.noStudy(studyId);
  return rows[0]!;
}

/** A trial's row, locked until the transaction ends. @throws {StorageError} when there is none. */
export async function trialRow(db: Db, study: StudyRow, number: number): Promise<TrialRow> {
  const { rows } = await db.query<TrialRow>(PG.trialForUpdate, [study.id, number]);
  return requireTrial(study.name, number, rows[0]);
}

/** The first row of a query, or undefined. */
export async function first<R extends object>(db: Db, text: string, values: unknown[]): Promise<R | undefined> {
  const { rows } = await db.query<R>(text, values);
  return rows[0];
}
