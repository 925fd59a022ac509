/**
 * One PostgreSQL connection and the queue of operations over it. Operations run one at a time
 * in the order they were issued, so a read sees every write issued before it. Writes issued
 * together are committed in one transaction; one failing write rejects only its own promise. An `exclusive` operation (a claim, which takes the study's
 * advisory lock) always runs in a transaction of its own, so that no transaction ever holds a row
 * lock while it waits for a study lock.
 */
import pg from 'pg';
import { StorageError, firstLine } from '../errors.js';

/** What an operation runs its queries through: each statement is prepared once per connection. */
export interface Db {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /**
   * Several statements in one round trip (the simple query protocol: no parameters, so every
   * value in `text` must be a literal made safe with {@link literal}); one result per statement.
   */
  script(text: string): Promise<pg.QueryResult[]>;
}

/** A value an SQL literal can be made of: an array becomes an ARRAY[…] of its elements (cast it in the statement). */
export type Literal = string | number | boolean | null | undefined | readonly (string | number | null)[];

/** A value as an SQL literal: numbers must be finite; strings are escaped. */
export function literal(value: Literal): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return `ARRAY[${value.map(literal).join(', ')}]`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
    return String(value);
  }
  return pg.escapeLiteral(value);
}

/**
 * A statement written with `$1`, `$2`... and its values inlined as literals (see {@link literal}),
 * for {@link Db.script}. The statement must have no `$` of its own but its parameters.
 */
export function inline(text: string, values: readonly Literal[]): string {
  return text.replace(/\$(\d+)/g, (_match, n: string) => {
    if (Number(n) < 1 || Number(n) > values.length) throw new RangeError(`no value for $${n}`);
    return literal(values[Number(n) - 1]);
  });
}

/**
 * `read`; `atomic`: at most one statement that writes, safe without a transaction of its own;
 * `write`: several statements, in one transaction; `exclusive`: a transaction of its own, never
 * batched; `own`: never batched, and it begins and ends its transaction itself.
 */
export type OpKind = 'read' | 'atomic' | 'write' | 'exclusive' | 'own';

interface Op {
  readonly kind: OpKind;
  readonly run: (db: Db) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** BIGINT and NUMERIC come back as numbers: ids, times and counts all fit in a double. */
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === 20 || oid === 1700) return (text: string) => (text === null ? null : Number(text));
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export interface ConnectOptions {
  readonly url: string;
  /** The printable location, for messages. */
  readonly location: string;
  /** Removes the connection's secrets from a text. */
  readonly redact: (text: string) => string;
}

export class PgConnection {
  readonly #client: pg.Client;
  readonly #db: Db;
  readonly #location: string;
  readonly #redact: (text: string) => string;
  #pending: Op[] = [];
  #draining = false;
  #scheduled = false;
  #lost: string | null = null;
  #idle: Promise<void> = Promise.resolve();
  #markIdle: () => void = () => undefined;

  private constructor(client: pg.Client, options: ConnectOptions) {
    this.#client = client;
    const names = new Map<string, string>();
    this.#db = {
      query: <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
        let name = names.get(text);
        if (name === undefined) names.set(text, (name = `hp${names.size}`));
        return client.query<R>({ name, text, values });
      },
      script: async (text: string) => {
        const results = (await client.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
        return Array.isArray(results) ? results : [results];
      },
    };
    this.#location = options.location;
    this.#redact = options.redact;
    // An error event (the server went away) must not crash the process: later operations fail.
    client.on('error', (error) => {
      this.#lost = this.#redact(firstLine(error));
    });
  }

  /**
   * Connects (credentials from the URL, or else the PG* environment variables).
   * @throws {StorageError} (exit code 2) naming the location, never the password.
   */
  static async connect(options: ConnectOptions): Promise<PgConnection> {
    const client = new pg.Client({
      connectionString: options.url,
      types: TYPES,
      application_name: 'hpsearch',
      connectionTimeoutMillis: 15_000,
      keepAlive: true,
    });
    const connection = new PgConnection(client, options);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new StorageError(`cannot connect to ${options.location}: ${options.redact(firstLine(error))}`, {
        exitCode: 2,
        hint: 'check that the server runs and the URL (user, password, host, port, database), or the PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE variables',
      });
    }
    return connection;
  }

  /** Runs one operation on the connection outside the queue (opening: migrations). */
  async direct<T>(run: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    try {
      return await run(this.#client);
    } catch (error) {
      throw this.#asStorageError(error, 'use');
    }
  }

  /** Queues an operation; it runs after every operation issued before it. */
  push<T>(kind: OpKind, run: (db: Db) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#lost !== null) {
        reject(this.#lostError());
        return;
      }
      if (this.#pending.length === 0 && !this.#draining) this.#idle = new Promise((res) => (this.#markIdle = res));
      this.#pending.push({ kind, run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#draining && !this.#scheduled) {
        // Operations issued in the same tick join one batch.
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          void this.#drain();
        });
      }
    });
  }

  /** Waits for every queued operation, then closes the connection. */
  async close(): Promise<void> {
    await this.#idle;
    await this.#client.end().catch(() => undefined);
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#takeBatch();
        if (this.#lost !== null) {
          for (const op of batch) op.reject(this.#lostError());
        } else if (batch.length === 1) {
          await this.#runOne(batch[0]!);
        } else {
          await this.#runBatch(batch);
        }
      }
    } finally {
      this.#draining = false;
      this.#markIdle();
    }
  }

  /** An exclusive operation alone, or the run of non-exclusive ones at the head of the queue. */
  #takeBatch(): Op[] {
    const alone = (op: Op) => op.kind === 'exclusive' || op.kind === 'own';
    if (alone(this.#pending[0]!)) return this.#pending.splice(0, 1);
    const end = this.#pending.findIndex(alone);
    return this.#pending.splice(0, end === -1 ? this.#pending.length : end);
  }

  async #runOne(op: Op): Promise<void> {
    if (op.kind === 'read' || op.kind === 'atomic' || op.kind === 'own') {
      try {
        op.resolve(await op.run(this.#db));
      } catch (error) {
        op.reject(this.#asStorageError(error, op.kind === 'read' ? 'read' : 'write'));
      }
      return;
    }
    try {
      await this.#client.query('BEGIN');
      const value = await op.run(this.#db);
      await this.#client.query('COMMIT');
      op.resolve(value);
    } catch (error) {
      await this.#client.query('ROLLBACK').catch(() => undefined);
      op.reject(this.#asStorageError(error, 'write'));
    }
  }

  /**
   * Runs a batch in one transaction. Should one operation fail, the transaction is rolled back and
   * each operation runs again in a transaction of its own, so that only the failing one rejects
   * (failures are rare: this costs less than a savepoint around every operation).
   */
  async #runBatch(batch: readonly Op[]): Promise<void> {
    const values: unknown[] = [];
    try {
      await this.#client.query('BEGIN');
      for (const op of batch) values.push(await op.run(this.#db));
      await this.#client.query('COMMIT');
    } catch {
      await this.#client.query('ROLLBACK').catch(() => undefined);
      for (const op of batch) {
        if (this.#lost !== null) op.reject(this.#lostError());
        else await this.#runOne(op);
      }
      return;
    }
    batch.forEach((op, i) => op.resolve(values[i]));
  }

  #lostError(): StorageError {
    return new StorageError(`lost the connection to ${this.#location}: ${this.#lost ?? 'closed'}`);
  }

  #asStorageError(error: unknown, what: 'read' | 'write' | 'use'): StorageError {
    if (error instanceof StorageError) return error;
    if (this.#lost !== null) return this.#lostError();
    const verb = what === 'read' ? 'could not read' : what === 'write' ? 'could not write to' : 'could not use';
    return new StorageError(`${verb} ${this.#location}: ${this.#redact(firstLine(error))}`);
  }
}
