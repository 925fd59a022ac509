/**
 * SQLite-only behaviour: the file format, foreign files, schema versions, read-only access and
 * a second connection at work.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from '../../src/storage/sqlite-schema.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { makeSpec } from '../fixtures/spec.js';

const root = mkdtempSync(join(tmpdir(), 'hpsearch-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(root, 'case-'));
  path = join(dir, 'results', 'study.db');
});

function raw(file: string, options?: Database.Options): Database.Database {
  return new Database(file, options);
}

function pragma(file: string, name: string): unknown {
  const db = raw(file, { readonly: true });
  try {
    return db.pragma(name, { simple: true });
  } finally {
    db.close();
  }
}

/** The error `open` throws, checked to be a StorageError with exit code 2. */
function openError(file: string, readonly = false): { message: string; hint: string | undefined } {
  let error: unknown;
  try {
    SqliteStorage.open(file, { readonly }).close();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).exitCode).toBe(2);
  return { message: (error as StorageError).message, hint: (error as StorageError).hint };
}

async function seed(storage: SqliteStorage): Promise<number> {
  const study = await storage.createStudy(makeSpec({ name: 'kept' }), 'cpu');
  await storage.addTrial(study.id, { number: 0, params: { lr: 0.01, act: 'relu' }, seed: 3, targetEpochs: 2 });
  await storage.startTrial(study.id, 0, { worker: 1, host: 'h', backend: 'cpu' });
  await storage.recordEpoch(study.id, 0, { epoch: 1, metrics: { loss: NaN, acc: 0.5 }, value: NaN, durationMs: 12.5 });
  return study.id;
}

describe('a new database', () => {
  test('is created with its folder, in WAL mode, marked as hpsearch, at the latest schema', async () => {
    await SqliteStorage.open(path).close();
    expect([pragma(path, 'journal_mode'), pragma(path, 'application_id'), pragma(path, 'user_version')]).toEqual([
      'wal',
      0x48505352,
      SCHEMA_VERSION,
    ]);
    expect(APPLICATION_ID).toBe(0x48505352);
    expect(SCHEMA_VERSION).toBe(4);
  });

  test('keeps its data across a reopen, NaN metrics included', async () => {
    const first = SqliteStorage.open(path);
    const id = await seed(first);
    const before = [await first.getStudy('kept'), await first.getTrials(id), await first.getEpochs(id)];
    await first.close();
    const second = SqliteStorage.open(path);
    const after = [await second.getStudy('kept'), await second.getTrials(id), await second.getEpochs(id)];
    expect(after).toEqual(before);
    expect(Number.isNaN((await second.getEpochs(id))[0]!.metrics.loss)).toBe(true);
    await second.close();
  });

  test('close commits the writes still pending', async () => {
    const first = SqliteStorage.open(path);
    const id = await seed(first);
    const pending = first.finishTrial(id, 0, {
      status: 'diverged',
      value: null,
      metrics: { loss: NaN },
      epochs: 1,
      durationMs: 40,
      error: null,
      tensorsAfter: 0,
    });
    await first.close();
    await pending;
    const second = SqliteStorage.open(path);
    expect((await second.getTrials(id))[0]).toMatchObject({
      status: 'diverged',
      durationMs: 40,
      tensorsAfter: 0,
      metrics: { loss: NaN },
    });
    await second.close();
  });
});

describe('a database of schema 2', () => {
  /** A file as hpsearch wrote it before population based training: a study, a trial and a promotion. */
  function schema2(file: string): void {
    const db = raw(file);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    for (const migration of MIGRATIONS.slice(0, 2)) db.exec(migration);
    db.pragma('user_version = 2');
    // A declaration stored before pbt, trial seeds (and samplers) existed.
    const { pbt: _pbt, trialSeed: _seed, sampler: _sampler, ...old } = makeSpec({ name: 'old', strategy: 'sha' });
    db.prepare(
      `INSERT INTO studies (id, name, spec, strategy, seed, direction, metric, status, backend, created_at, updated_at)
       VALUES (1, 'old', ?, 'sha', 42, 'minimize', 'val_loss', 'running', 'cpu', 10, 20)`,
    ).run(JSON.stringify(old));
    db.prepare(
      `INSERT INTO trials (study_id, number, params, seed, status, epochs, target_epochs, bracket, rung, created_at, proposed_by)
       VALUES (1, 0, '{"lr":0.1}', 7, 'paused', 3, 3, 0, 1, 30, 'random')`,
    ).run();
    db.prepare('INSERT INTO promotions (study_id, trial, rung, created_at) VALUES (1, 0, 1, 40)').run();
    db.close();
  }

  test('opens read-write, migrates, and reads its rows with no change nor copy', async () => {
    const file = join(dir, 'v2.db');
    schema2(file);
    expect(openError(file, true).message).toBe(`${file} has schema version 2, but this hpsearch reads version 4`);
    const storage = SqliteStorage.open(file);
    expect(pragma(file, 'user_version')).toBe(4);
    const study = await storage.getStudy('old');
    expect(study?.spec).toMatchObject({ strategy: 'sha', sampler: { name: 'random' }, pbt: null, trialSeed: null });
    expect((await storage.listStudies())[0]?.sampler).toEqual({ name: 'random' });
    expect(await storage.getTrials(1)).toMatchObject([
      { number: 0, status: 'paused', params: { lr: 0.1 }, initialParams: { lr: 0.1 }, copiedFrom: null, proposedBy: 'random' },
    ]);
    expect(await storage.getPromotions(1)).toEqual([{ trial: 0, rung: 1, createdAt: 40, params: null, source: null }]);
    // And it takes the new writes.
    await storage.promoteTrial(1, 0, 2, 9, { params: { lr: 0.2 }, source: { trial: 0, epoch: 3 } });
    expect((await storage.getTrials(1))[0]).toMatchObject({
      status: 'queued',
      rung: 2,
      params: { lr: 0.2 },
      initialParams: { lr: 0.1 },
      copiedFrom: { trial: 0, epoch: 3 },
    });
    await storage.close();
    const reader = SqliteStorage.open(file, { readonly: true });
    expect((await reader.getPromotions(1)).map((p) => [p.rung, p.params, p.source])).toEqual([
      [1, null, null],
      [2, { lr: 0.2 }, { trial: 0, epoch: 3 }],
    ]);
    await reader.close();
  });
});

describe('a file that is not ours', () => {
  test('a SQLite database of another application is rejected and left untouched', () => {
    const file = join(dir, 'other.db');
    const db = raw(file);
    db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')");
    db.close();
    expect(openError(file)).toEqual({
      message: `${file} is not an hpsearch database`,
      hint: 'it is a SQLite database of another application; choose another file',
    });
    const header = [pragma(file, 'journal_mode'), pragma(file, 'application_id'), pragma(file, 'user_version')];
    expect(header).toEqual(['delete', 0, 0]);
  });

  test('another application_id is rejected even without tables', () => {
    const file = join(dir, 'claimed.db');
    const db = raw(file);
    db.pragma('application_id = 0x12345678');
    db.close();
    expect(openError(file).hint).toBe('it is a SQLite database of another application (application_id 0x12345678); choose another file');
  });

  test('a file that is not SQLite at all is rejected and left untouched', () => {
    const file = join(dir, 'notes.db');
    const text = 'these are not the pages you are looking for\n'.repeat(50);
    writeFileSync(file, text);
    expect(openError(file)).toEqual({
      message: `${file} is not an hpsearch database`,
      hint: 'it is not a SQLite file; choose another file',
    });
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  test('a schema newer than this code is rejected, read-only or not', async () => {
    await SqliteStorage.open(path).close();
    const db = raw(path);
    db.pragma('user_version = 99');
    db.close();
    const message = `${path} has schema version 99, but this hpsearch only knows versions up to 4`;
    expect(openError(path).message).toBe(message);
    expect(openError(path, true).message).toBe(message);
  });
});

describe('read-only', () => {
  test('a missing file is rejected and nothing is created', () => {
    expect(openError(path, true).message).toBe(`no database at ${path}`);
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });

  test('an older schema is not migrated', () => {
    const file = join(dir, 'old.db');
    const db = raw(file);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.close();
    expect(openError(file, true)).toEqual({
      message: `${file} has schema version 0, but this hpsearch reads version 4`,
      hint: 'open it once without read-only access to upgrade it',
    });
    expect(pragma(file, 'user_version')).toBe(0);
    SqliteStorage.open(file).close();
    expect(pragma(file, 'user_version')).toBe(4);
  });

  test('writes are rejected and reads work after the writer has closed', async () => {
    const writer = SqliteStorage.open(path);
    const id = await seed(writer);
    await writer.close();
    const reader = SqliteStorage.open(path, { readonly: true });
    expect((await reader.getTrials(id)).map((t) => t.status)).toEqual(['running']);
    const error = await reader.setStudyStatus(id, 'completed').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toBe(`storage ${path} is open read-only: cannot write`);
    await reader.close();
  });

  test('reads while another connection holds the write lock, without SQLITE_BUSY', async () => {
    const writer = SqliteStorage.open(path);
    const id = await seed(writer);
    // No busy timeout: a read that had to wait for the lock would fail at once with SQLITE_BUSY.
    const reader = SqliteStorage.open(path, { readonly: true, timeoutMs: 0 });
    const other = raw(path);
    other.exec('BEGIN IMMEDIATE');
    other.prepare("UPDATE trials SET status = 'completed'").run();
    expect((await reader.listStudies()).map((s) => [s.name, s.trials, s.completed])).toEqual([['kept', 1, 0]]);
    other.exec('COMMIT');
    // Each read is its own snapshot: the reader now sees the other connection's commit.
    expect((await reader.listStudies())[0]?.completed).toBe(1);
    expect((await writer.getTrials(id))[0]?.status).toBe('completed');
    other.close();
    await Promise.all([reader.close(), writer.close()]);
  });
});

test('when another writer holds the lock, the whole batch is rejected as one and nothing is written', async () => {
  const storage = SqliteStorage.open(path, { timeoutMs: 50 });
  const id = await seed(storage);
  const other = raw(path);
  other.exec('BEGIN IMMEDIATE');
  const results = await Promise.allSettled([
    storage.addTrial(id, { number: 1, params: {}, seed: 1, targetEpochs: 1 }),
    storage.setStudyStatus(id, 'completed'),
    // Would fail its own check, but the batch never started: it gets the batch's error.
    storage.startTrial(id, 9, { worker: 0, host: 'h', backend: 'cpu' }),
  ]);
  const locked = `could not write to ${path}: database is locked`;
  expect(results.map((r) => r.status === 'rejected' && r.reason instanceof StorageError && r.reason.message)).toEqual([
    locked,
    locked,
    locked,
  ]);
  other.exec('ROLLBACK');
  other.close();
  expect([(await storage.getTrials(id)).length, (await storage.getStudy('kept'))?.status]).toEqual([1, 'running']);
  await storage.addTrial(id, { number: 1, params: {}, seed: 1, targetEpochs: 1 });
  expect(await storage.getTrials(id)).toHaveLength(2);
  await storage.close();
});
