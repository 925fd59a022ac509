/**
 * `--storage` values: which backend each one opens, and the errors for the others.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { StorageError, UsageError } from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { DEFAULT_STORAGE_PATH, openStorage, parseStorageUrl } from '../../src/storage/open.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { makeSpec } from '../fixtures/spec.js';

const ACCEPTED = 'expected sqlite:PATH, a path ending in .db, .sqlite or .sqlite3, postgres://USER:PASSWORD@HOST:PORT/DATABASE, or memory:';

function usageError(url: string): UsageError {
  try {
    parseStorageUrl(url);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    return error as UsageError;
  }
  throw new Error(`parseStorageUrl accepted ${url}`);
}

describe('parseStorageUrl', () => {
  test.each([
    [undefined, { kind: 'sqlite', path: 'results/hpsearch.db' }],
    ['sqlite:runs/a.db', { kind: 'sqlite', path: 'runs/a.db' }],
    ['sqlite:/abs/store', { kind: 'sqlite', path: '/abs/store' }],
    ['runs/b.sqlite', { kind: 'sqlite', path: 'runs/b.sqlite' }],
    ['/abs/c.sqlite3', { kind: 'sqlite', path: '/abs/c.sqlite3' }],
    ['memory:', { kind: 'memory' }],
  ])('%s', (url, target) => {
    expect(parseStorageUrl(url)).toEqual(target);
  });

  test.each([
    ['postgres://u:secret@db/hp', 'postgres://u:***@db/hp'],
    ['postgresql://db:5433/hp?sslmode=disable', 'postgresql://db:5433/hp?sslmode=disable'],
    ['POSTGRES://u:p%40ss:word@db/hp', 'POSTGRES://u:***@db/hp'],
    ['postgres://', 'postgres://'],
  ])('%s is PostgreSQL, printed as %s', (url, location) => {
    expect(parseStorageUrl(url)).toEqual({ kind: 'postgres', url, location });
  });

  test.each([
    ['results/run.txt', 'results/run.txt'],
    ['sqlite:', 'sqlite:'],
    ['mysql://root:hunter2@db/x.db', 'mysql://root:***@db/x.db'],
  ])('%s is rejected with the accepted forms', (url, shown) => {
    expect(usageError(url).message).toBe(`unknown storage "${shown}": ${ACCEPTED}`);
  });
});

describe('openStorage', () => {
  const home = process.cwd();
  let dir: string | undefined;
  afterEach(() => {
    process.chdir(home);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('with no URL opens results/hpsearch.db under the working directory', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpsearch-open-'));
    process.chdir(dir);
    const storage = await openStorage(undefined);
    expect([storage instanceof SqliteStorage, storage.location]).toEqual([true, DEFAULT_STORAGE_PATH]);
    await storage.close();
    expect(existsSync(join(dir, 'results', 'hpsearch.db'))).toBe(true);
  });

  test('read-only SQLite passes the option through', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpsearch-open-'));
    const error = await openStorage(`sqlite:${join(dir, 'none.db')}`, { readonly: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toBe(`no database at ${join(dir, 'none.db')}`);
  });

  test('memory: opens a MemoryStorage, read-only on request', async () => {
    const storage = await openStorage('memory:');
    expect(storage).toBeInstanceOf(MemoryStorage);
    expect((await storage.createStudy(makeSpec(), null)).name).toBe('spirals-random');
    const readonly = await openStorage('memory:', { readonly: true });
    const error = await readonly.createStudy(makeSpec(), null).catch((e: unknown) => e);
    expect((error as Error).message).toBe('storage memory: is open read-only: cannot write');
  });
});
