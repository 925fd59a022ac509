/**
 * Turns a `--storage` value into a {@link Storage}.
 */
import { UsageError } from '../errors.js';
import { MemoryStorage } from './memory.js';
import { SqliteStorage } from './sqlite.js';
import type { Storage } from './storage.js';

/** Where studies are kept when no `--storage` is given, relative to the working directory. */
export const DEFAULT_STORAGE_PATH = 'results/hpsearch.db';

/** A parsed storage URL. */
export type StorageTarget = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'memory' };

const ACCEPTED_FORMS = 'sqlite:PATH, a path ending in .db, .sqlite or .sqlite3, or memory:';
const SQLITE_SUFFIX = /\.(db|sqlite|sqlite3)$/i;

/**
 * Parses a storage URL: `sqlite:PATH`, a bare `PATH` ending in `.db`/`.sqlite`/`.sqlite3`, or
 * `memory:`. `undefined` means {@link DEFAULT_STORAGE_PATH}.
 * @throws {UsageError} for PostgreSQL URLs (not available yet) and anything else.
 */
export function parseStorageUrl(url: string | undefined): StorageTarget {
  if (url === undefined) return { kind: 'sqlite', path: DEFAULT_STORAGE_PATH };
  if (url === 'memory:') return { kind: 'memory' };
  if (/^postgres(ql)?:\/\//i.test(url)) {
    throw new UsageError('PostgreSQL storage is not available yet', `use a SQLite file instead: ${ACCEPTED_FORMS}`);
  }
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path !== '') return { kind: 'sqlite', path };
  } else if (SQLITE_SUFFIX.test(url) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    return { kind: 'sqlite', path: url };
  }
  throw new UsageError(`unknown storage "${redact(url)}": expected ${ACCEPTED_FORMS}`);
}

/**
 * Opens the storage a URL names (see {@link parseStorageUrl}).
 * @throws {UsageError} for a URL that names no available backend.
 * @throws {StorageError} when the database cannot be opened (see {@link SqliteStorage.open}).
 */
export async function openStorage(url: string | undefined, options: { readonly?: boolean } = {}): Promise<Storage> {
  const target = parseStorageUrl(url);
  if (target.kind === 'memory') return new MemoryStorage(options);
  return SqliteStorage.open(target.path, options);
}

/** The URL with any password replaced by `***`, safe to print. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}
