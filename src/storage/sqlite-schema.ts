/**
 * Opening an hpsearch SQLite file: recognizing it (`PRAGMA application_id`), refusing foreign
 * files, and bringing its schema up to date (`PRAGMA user_version`).
 */
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { IO_ERROR_EXIT_CODE, StorageError, firstLine } from '../errors.js';

/** `PRAGMA application_id` of hpsearch files: "HPSR" in ASCII. */
export const APPLICATION_ID = 0x48505352;

/**
 * Schema migrations, in order: entry `i` takes a database from `user_version` i to i + 1. Never
 * edit a released entry; append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE studies (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    strategy TEXT NOT NULL,
    seed INTEGER NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('minimize', 'maximize')),
    metric TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
    backend TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    finished_at INTEGER
  ) STRICT;

  CREATE TABLE trials (
    study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    params TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL
      CHECK (status IN ('queued', 'running', 'paused', 'completed', 'pruned', 'diverged', 'failed')),
    value REAL,
    metrics TEXT,
    epochs INTEGER NOT NULL DEFAULT 0,
    target_epochs INTEGER NOT NULL,
    bracket INTEGER,
    rung INTEGER,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    finished_at INTEGER,
    duration_ms REAL,
    error TEXT,
    backend TEXT,
    worker INTEGER,
    device TEXT,
    tensors_after INTEGER,
    interruptions INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (study_id, number)
  ) STRICT;

  -- Counts and best value per study (hpsearch list) without reading every trial row.
  CREATE INDEX trials_by_status ON trials (study_id, status, value);

  CREATE TABLE epochs (
    study_id INTEGER NOT NULL,
    trial INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    value REAL,
    duration_ms REAL NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (study_id, trial, epoch),
    FOREIGN KEY (study_id, trial) REFERENCES trials (study_id, number) ON DELETE CASCADE
  ) STRICT;

  -- The process that runs a study: one writer per study.
  CREATE TABLE locks (
    study_id INTEGER PRIMARY KEY REFERENCES studies (id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    acquired_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE promotions (
    study_id INTEGER NOT NULL,
    trial INTEGER NOT NULL,
    rung INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (study_id, trial, rung),
    FOREIGN KEY (study_id, trial) REFERENCES trials (study_id, number) ON DELETE CASCADE
  ) STRICT;
  `,
  // 2: who proposed each configuration (a sampler's model, or a random draw; null for grid cells).
  `ALTER TABLE trials ADD COLUMN proposed_by TEXT CHECK (proposed_by IN ('model', 'random'));`,
  // 3: population based training: a promotion may change a trial's parameters (the first ones are
  // kept) and make it continue from another trial's checkpoint (JSON {"trial", "epoch"}).
  `ALTER TABLE trials ADD COLUMN first_params TEXT;
  ALTER TABLE trials ADD COLUMN copied_from TEXT;
  ALTER TABLE promotions ADD COLUMN params TEXT;
  ALTER TABLE promotions ADD COLUMN source TEXT;`,
  // 4: one row per run of a trial (where and when it ran), for the report's worker timeline.
  `CREATE TABLE runs (
    study_id INTEGER NOT NULL,
    trial INTEGER NOT NULL,
    host TEXT NOT NULL,
    slot TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    from_epoch INTEGER NOT NULL,
    to_epoch INTEGER,
    outcome TEXT CHECK (outcome IN ('queued', 'paused', 'completed', 'pruned', 'diverged', 'failed')),
    FOREIGN KEY (study_id, trial) REFERENCES trials (study_id, number) ON DELETE CASCADE
  ) STRICT;
  CREATE INDEX runs_by_trial ON runs (study_id, trial);`,
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** How much of a database a read-only connection maps into memory (address space, not memory used). */
const READ_MMAP_BYTES = 1024 * 1024 * 1024;

/** How to open a database file. */
export interface OpenDatabaseOptions {
  readonly readonly: boolean;
  /** How long to wait for another connection's lock, in ms. */
  readonly timeoutMs: number;
}

/**
 * Opens (and, unless read-only, creates or migrates) an hpsearch database.
 * @throws {StorageError} (exit code 2) when there is no database at a read-only path, when the
 *   file belongs to something else, or when its schema version is not one this code can use.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions): Database.Database {
  if (options.readonly && !existsSync(path)) throw new StorageError(`no database at ${path}`, { exitCode: 2 });
  if (!options.readonly) {
    makeFolder(dirname(path), path);
    checkWritable(path);
  }
  let db: Database.Database;
  try {
    db = options.readonly ? openReadonly(path, options.timeoutMs) : new Database(path, { timeout: options.timeoutMs });
  } catch (error) {
    throw new StorageError(`cannot open ${path}: ${firstLine(error)}`, { exitCode: 2, cause: error });
  }
  try {
    // Identify before anything else: switching a foreign file to WAL would already modify it.
    identify(db, path, options.readonly);
    db.pragma('foreign_keys = ON');
    if (options.readonly) {
      checkVersion(path, userVersion(db), true);
      // A reader scans whole tables (a leaderboard, the dashboard's counts): mapped, a large
      // study is read without a system call per page. Writers keep SQLite's default.
      db.pragma(`mmap_size = ${READ_MMAP_BYTES}`);
    } else {
      db.pragma('journal_mode = WAL');
      migrate(db, path);
    }
    return db;
  } catch (error) {
    db.close();
    if (error instanceof StorageError) throw error;
    throw new StorageError(`cannot open ${path}: ${firstLine(error)}`, { exitCode: 2, cause: error });
  }
}

/**
 * Opens a database to read it. A WAL database on read-only media cannot be opened in place
 * (SQLite must create its shared-memory file beside it): it is then read from a snapshot of the
 * file in memory, which is the whole database when no write-ahead log is left beside it.
 */
function openReadonly(path: string, timeoutMs: number): Database.Database {
  const db = openInPlace(path, timeoutMs);
  if (db !== null) return db;
  const bytes = readFileSync(path);
  // Header bytes 18 and 19 say WAL (2); an in-memory database reads it as a rollback one (1).
  if (bytes.length >= 20 && bytes[18] === 2 && bytes[19] === 2) bytes[18] = bytes[19] = 1;
  return new Database(bytes, { readonly: true });
}

/** The database opened read-only where it lies, or null when read-only media keep SQLite from it. */
function openInPlace(path: string, timeoutMs: number): Database.Database | null {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: timeoutMs });
    // The first read is where a WAL database on read-only media fails.
    db.pragma('schema_version');
    return db;
  } catch (error) {
    const blocked = (error as { code?: string }).code === 'SQLITE_CANTOPEN' && !existsSync(`${path}-wal`);
    if (blocked) db?.close();
    // Anything else (a file that is not a database...) is for the caller to name.
    else if (db !== null) return db;
    else throw error;
    return null;
  }
}

/** File system errors that say the place cannot be written: an environment failure, exit code 74. */
const UNWRITABLE = new Set(['EROFS', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT']);

/** @throws {StorageError} (exit code 74) when the database, or the folder it is to be created in, cannot be written. */
function checkWritable(path: string): void {
  const target = existsSync(path) ? path : dirname(path);
  try {
    accessSync(target, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (!UNWRITABLE.has(code)) return;
    const what = target === path ? path : `the folder ${target}`;
    throw new StorageError(
      `cannot write ${path}: ${what} is ${code === 'EROFS' ? 'on a read-only file system' : 'not writable'} (${code})`,
      {
        exitCode: IO_ERROR_EXIT_CODE,
        hint: 'choose another place with --storage sqlite:PATH',
        cause: error,
      },
    );
  }
}

const FOLDER_PROBLEMS: Readonly<Record<string, string>> = {
  EEXIST: 'a file of that name is in the way',
  ENOTDIR: 'a file is in the way of the path',
  EACCES: 'permission denied: the folder is not writable',
  EPERM: 'permission denied: the folder is not writable',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  ENOENT: 'the folder cannot be created there',
};

/**
 * Creates a folder and its missing parents, one level at a time: Node 20's recursive mkdirSync
 * loops forever where a parent exists but refuses children with ENOENT (under /proc).
 */
function makeFolders(folder: string): void {
  if (existsSync(folder)) {
    if (statSync(folder).isDirectory()) return;
    throw Object.assign(new Error(`${folder} is a file`), { code: 'EEXIST' });
  }
  const parent = dirname(folder);
  if (parent !== folder) makeFolders(parent);
  mkdirSync(folder);
}

/** Creates the database's folder, with a message that says why it cannot be. */
function makeFolder(folder: string, path: string): void {
  try {
    makeFolders(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    const why = FOLDER_PROBLEMS[code] ?? firstLine(error);
    const exitCode = UNWRITABLE.has(code) ? IO_ERROR_EXIT_CODE : 2;
    throw new StorageError(`cannot create the folder ${folder} for ${path}: ${why}`, {
      exitCode,
      hint: 'choose another place with --storage sqlite:PATH',
      cause: error,
    });
  }
}

function identify(db: Database.Database, path: string, readonly: boolean): void {
  let applicationId: number;
  let objects: number;
  try {
    applicationId = db.pragma('application_id', { simple: true }) as number;
    objects = db.prepare<[], number>('SELECT count(*) FROM sqlite_schema').pluck().get() ?? 0;
  } catch (error) {
    if (sqliteCode(error) === 'SQLITE_NOTADB') throw notOurs(path, 'it is not a SQLite file', error);
    throw error;
  }
  if (applicationId === APPLICATION_ID) return;
  // An empty database (or empty file) becomes ours, unless we may not write to it.
  if (applicationId === 0 && objects === 0 && !readonly) return;
  if (applicationId !== 0) {
    const id = `0x${(applicationId >>> 0).toString(16).padStart(8, '0')}`;
    throw notOurs(path, `it is a SQLite database of another application (application_id ${id})`);
  }
  throw notOurs(path, objects === 0 ? 'it is empty' : 'it is a SQLite database of another application');
}

function migrate(db: Database.Database, path: string): void {
  if (checkVersion(path, userVersion(db), false) === SCHEMA_VERSION) return;
  db.transaction(() => {
    // Read again under the write lock: another process may have migrated it meanwhile.
    const from = checkVersion(path, userVersion(db), false);
    for (let version = from; version < SCHEMA_VERSION; version += 1) db.exec(MIGRATIONS[version]!);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    db.pragma(`application_id = ${APPLICATION_ID}`);
  }).immediate();
}

/** Returns the version when this code can use it; a read-only connection needs it exact. */
function checkVersion(path: string, version: number, readonly: boolean): number {
  if (version > SCHEMA_VERSION) {
    throw new StorageError(`${path} has schema version ${version}, but this hpsearch only knows versions up to ${SCHEMA_VERSION}`, {
      exitCode: 2,
      hint: 'upgrade hpsearch to read it',
    });
  }
  if (readonly && version < SCHEMA_VERSION) {
    throw new StorageError(`${path} has schema version ${version}, but this hpsearch reads version ${SCHEMA_VERSION}`, {
      exitCode: 2,
      hint: 'open it once without read-only access to upgrade it',
    });
  }
  return version;
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function notOurs(path: string, why: string, cause?: unknown): StorageError {
  return new StorageError(`${path} is not an hpsearch database`, {
    exitCode: 2,
    hint: `${why}; choose another file`,
    cause,
  });
}

function sqliteCode(error: unknown): string | undefined {
  return error instanceof Database.SqliteError ? (error as { code: string }).code : undefined;
}
