/**
 * Batches the writes issued in one tick into a single SQLite transaction, each in its own
 * savepoint so that one failing write rejects only its own promise.
 */
import type Database from 'better-sqlite3';
import { StorageError, firstLine } from '../errors.js';

interface PendingWrite {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

/**
 * A queue of write operations against one connection. Each operation runs synchronously inside
 * the batch transaction, checks its preconditions first and throws to reject itself.
 */
export class WriteQueue {
  readonly #location: string;
  readonly #batch: Database.Transaction<(writes: readonly PendingWrite[]) => Outcome[]>;
  #pending: PendingWrite[] = [];
  #scheduled: NodeJS.Immediate | undefined;

  /**
   * @param location the database's printable location, for error messages.
   * @param beforeCommit runs inside each batch's transaction after its writes (bookkeeping that
   *   once per batch is enough for).
   */
  constructor(db: Database.Database, location: string, beforeCommit: () => void = () => {}) {
    this.#location = location;
    // A transaction function called inside another runs as a SAVEPOINT (better-sqlite3).
    const savepoint = db.transaction((run: () => unknown) => run());
    this.#batch = db.transaction((writes: readonly PendingWrite[]) => {
      const outcomes = writes.map((write): Outcome => {
        try {
          return { ok: true, value: savepoint(write.run) };
        } catch (error) {
          return { ok: false, error: this.#asStorageError(error) };
        }
      });
      beforeCommit();
      return outcomes;
    });
  }

  /** Queues a write; it runs in the next batch, which starts on `setImmediate` or {@link flush}. */
  push<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run, resolve: resolve as (value: unknown) => void, reject });
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  /** Commits every queued write now, as one transaction, and settles their promises. */
  flush(): void {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const writes = this.#pending;
    if (writes.length === 0) return;
    this.#pending = [];
    let outcomes: Outcome[];
    try {
      // IMMEDIATE: take the write lock before reading preconditions, so that no other writer
      // can change them between the check and the write.
      outcomes = this.#batch.immediate(writes);
    } catch (error) {
      const failure = new StorageError(`could not write to ${this.#location}: ${firstLine(error)}`, { cause: error });
      for (const write of writes) write.reject(failure);
      return;
    }
    writes.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }

  #asStorageError(error: unknown): unknown {
    if (error instanceof StorageError) return error;
    return new StorageError(`could not write to ${this.#location}: ${firstLine(error)}`, { cause: error });
  }
}
