/**
 * Turns a `--storage` value into a {@link Storage}.
 */
import { UsageError } from '../errors.js';
import { MemoryStorage } from './memory.js';
import { isPostgresUrl, redactUrl } from './postgres-url.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './storage.js';

/** Where studies are kept when no `--storage` is given, relative to the working directory. */
export const DEFAULT_STORAGE_PATH = 'results/hpsearch.db';

/** A parsed storage URL. */
export type StorageTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'memory' }
  /** `url` may hold a password: print `location` (the URL with the password replaced by `***`). */
  | { readonly kind: 'postgres'; readonly url: string; readonly location: string };

const ACCEPTED_FORMS = 'sqlite:PATH, a path ending in .db, .sqlite or .sqlite3, postgres://USER:PASSWORD@HOST:PORT/DATABASE, or memory:';
const SQLITE_SUFFIX = /\.(db|sqlite|sqlite3)$/i;

/**
 * Parses a storage URL: `sqlite:PATH`, a bare `PATH` ending in `.db`/`.sqlite`/`.sqlite3`,
 * `postgres://…` (or `postgresql://…`; parts left out come from the PG* environment variables),
 * or `memory:`. `undefined` means {@link DEFAULT_STORAGE_PATH}.
 * @throws {UsageError} for anything else.
 */
export function parseStorageUrl(url: string | undefined): StorageTarget {
  if (url === undefined) return { kind: 'sqlite', path: DEFAULT_STORAGE_PATH };
  if (url === 'memory:') return { kind: 'memory' };
  if (isPostgresUrl(url)) return { kind: 'postgres', url, location: redactUrl(url) };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== '') return { kind: 'sqlite', path };
  } else if (SQLITE_SUFFIX.test(url) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    return { kind: 'sqlite', path: url };
  }
  throw new UsageError(`unknown storage "${redactUrl(url)}": expected ${ACCEPTED_FORMS}`);
}

/**
 * Opens the storage a URL names (see {@link parseStorageUrl}).
 * @throws {UsageError} for a URL that names no available backend.
 * @throws {StorageError} when the database cannot be opened (see {@link SqliteStorage.open}).
 */
export async function openStorage(url: string | undefined, options: { readonly?: boolean } = {}): Promise<Storage> {
  const target = parseStorageUrl(url);
  if (target.kind === 'memory') return new MemoryStorage(options);
  if (target.kind === 'postgres') {
    // Loaded only here: the driver takes a good part of a short command's start-up.
    const { PostgresStorage } = await import('./postgres.js');
    return PostgresStorage.open(target.url, options);
  }
  return SqliteStorage.open(target.path, options);
}
