/**
 * The PostgreSQL schema of hpsearch: its tables live in their own schema, `hpsearch`, so that they
 * never meet a database's other tables; `schema_version` says which migrations ran. Migrations
 * run on first use, under an advisory lock, so that many workers starting at once migrate once.
 */
import type pg from 'pg';
import { StorageError } from '../errors.js';

/** The PostgreSQL schema (namespace) that holds hpsearch's tables. */
export const SCHEMA = 'hpsearch';

/** Advisory lock keys (the two-integer form): the first says "hpsearch", the second what is locked. */
export const LOCK_CLASS = 0x48505352;
export const MIGRATION_LOCK = 0;

/**
 * Schema migrations, in order: entry `i` takes the schema from version i to i + 1. Never edit a
 * released entry; append a new one. Times are milliseconds since the Unix epoch (BIGINT);
 * parameters, metrics and declarations are JSON text, written as the SQLite backend writes them.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE studies (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    strategy TEXT NOT NULL,
    seed BIGINT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('minimize', 'maximize')),
    metric TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
    backend TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
  );

  CREATE TABLE trials (
    study_id BIGINT NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    params TEXT NOT NULL,
    seed BIGINT NOT NULL,
    status TEXT NOT NULL
      CHECK (status IN ('queued', 'running', 'paused', 'completed', 'pruned', 'diverged', 'failed')),
    value DOUBLE PRECISION,
    metrics TEXT,
    epochs INTEGER NOT NULL DEFAULT 0,
    target_epochs INTEGER NOT NULL,
    bracket INTEGER,
    rung INTEGER,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    duration_ms DOUBLE PRECISION,
    error TEXT,
    backend TEXT,
    worker INTEGER,
    device TEXT,
    tensors_after BIGINT,
    interruptions INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    -- The lease of a running trial: its owner and when it expires (the server's clock, ms).
    lease_owner TEXT,
    lease_expires_at BIGINT,
    PRIMARY KEY (study_id, number)
  );

  CREATE INDEX trials_by_status ON trials (study_id, status, value);

  CREATE TABLE epochs (
    study_id BIGINT NOT NULL,
    trial INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    value DOUBLE PRECISION,
    duration_ms DOUBLE PRECISION NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (study_id, trial, epoch),
    FOREIGN KEY (study_id, trial) REFERENCES trials (study_id, number) ON DELETE CASCADE
  );

  CREATE TABLE locks (
    study_id BIGINT PRIMARY KEY REFERENCES studies (id) ON DELETE CASCADE,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    acquired_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
  );

  CREATE TABLE promotions (
    study_id BIGINT NOT NULL,
    trial INTEGER NOT NULL,
    rung INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (study_id, trial, rung),
    FOREIGN KEY (study_id, trial) REFERENCES trials (study_id, number) ON DELETE CASCADE
  );

  -- Checkpoints that travel with the study: the bytes, or NULL when the file lies in a shared
  -- folder (--checkpoints DIR); either way storage knows which epochs a trial can continue from.
  CREATE TABLE checkpoints (
    study_id BIGINT NOT NULL,
    trial INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    data BYTEA,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (study_id, trial, epoch),
    FOREIGN KEY (study_id, trial) REFERENCES trials (study_id, number) ON DELETE CASCADE
  );

  -- Trials re-queued because their lease expired (their worker died or went silent).
  CREATE TABLE takeovers (
    study_id BIGINT NOT NULL,
    trial INTEGER NOT NULL,
    owner TEXT NOT NULL,
    kept_epochs INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    FOREIGN KEY (study_id, trial) REFERENCES trials (study_id, number) ON DELETE CASCADE
  );
  CREATE INDEX takeovers_by_study ON takeovers (study_id, created_at);
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
    id BIGSERIAL PRIMARY KEY,
    study_id BIGINT NOT NULL,
    trial INTEGER NOT NULL,
    host TEXT NOT NULL,
    slot TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    from_epoch INTEGER NOT NULL,
    to_epoch INTEGER,
    outcome TEXT CHECK (outcome IN ('queued', 'paused', 'completed', 'pruned', 'diverged', 'failed')),
    FOREIGN KEY (study_id, trial) REFERENCES trials (study_id, number) ON DELETE CASCADE
  );
  CREATE INDEX runs_by_trial ON runs (study_id, trial);`,
  // 5: every write of a trial row stamps it with the writing transaction's id, so that a worker's
  // claim reads only the trials written since its last claim (postgres-coordination.ts).
  `ALTER TABLE trials ADD COLUMN change_xid xid8;
  CREATE FUNCTION stamp_change_xid() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    NEW.change_xid := pg_current_xact_id();
    RETURN NEW;
  END
  $$;
  CREATE TRIGGER trials_change_xid BEFORE INSERT OR UPDATE ON trials FOR EACH ROW EXECUTE FUNCTION stamp_change_xid();
  CREATE INDEX trials_by_change ON trials (study_id, change_xid);`,
  // 6: the ends of leased runs as one function, so that a claim writes those of all its slots in
  // its own script, in statements planned once per connection (postgres-coordination.ts); the
  // study's best trial it returns is the first entry of the completed trials with the best value,
  // however many trials share that value.
  `DROP INDEX trials_by_status;
  CREATE INDEX trials_by_status ON trials (study_id, status, value, number);
  CREATE FUNCTION finish_runs(
    p_study BIGINT, p_now BIGINT, p_touch BOOLEAN, p_maximize BOOLEAN, p_numbers INTEGER[], p_owners TEXT[],
    p_statuses TEXT[], p_values DOUBLE PRECISION[], p_metrics TEXT[], p_epochs INTEGER[],
    p_durations DOUBLE PRECISION[], p_errors TEXT[], p_tensors BIGINT[], p_keeps INTEGER[],
    OUT written INTEGER[], OUT best_number INTEGER, OUT best_value DOUBLE PRECISION
  ) LANGUAGE plpgsql AS $$
  DECLARE
    best DOUBLE PRECISION;
  BEGIN
    written := '{}';
    -- One run at a time: each statement finds its row by the primary key whatever the statistics say.
    FOR i IN 1 .. coalesce(cardinality(p_numbers), 0) LOOP
      UPDATE hpsearch.trials SET status = p_statuses[i], value = p_values[i], metrics = p_metrics[i], epochs = p_epochs[i],
        duration_ms = CASE WHEN p_durations[i] IS NULL THEN duration_ms ELSE coalesce(duration_ms, 0) + p_durations[i] END,
        error = p_errors[i], tensors_after = p_tensors[i], finished_at = p_now, lease_owner = NULL, lease_expires_at = NULL
      WHERE study_id = p_study AND number = p_numbers[i] AND (status = 'running' AND lease_owner = p_owners[i]) IS TRUE;
      CONTINUE WHEN NOT FOUND;
      written := written || p_numbers[i];
      UPDATE hpsearch.runs SET ended_at = p_now, to_epoch = p_epochs[i], outcome = p_statuses[i]
      WHERE id = (SELECT max(id) FROM hpsearch.runs WHERE study_id = p_study AND trial = p_numbers[i]) AND ended_at IS NULL;
      DELETE FROM hpsearch.checkpoints WHERE study_id = p_study AND trial = p_numbers[i] AND epoch IS DISTINCT FROM p_keeps[i];
    END LOOP;
    IF p_touch AND cardinality(written) > 0 THEN
      UPDATE hpsearch.studies SET updated_at = p_now WHERE id = p_study;
    END IF;
    IF p_maximize THEN
      SELECT max(t.value) INTO best FROM hpsearch.trials t WHERE t.study_id = p_study AND t.status = 'completed';
    ELSE
      SELECT min(t.value) INTO best FROM hpsearch.trials t WHERE t.study_id = p_study AND t.status = 'completed';
    END IF;
    SELECT t.number, t.value INTO best_number, best_value FROM hpsearch.trials t
    WHERE t.study_id = p_study AND t.status = 'completed' AND t.value = best ORDER BY t.number LIMIT 1;
  END
  $$;`,
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The schema version of the database: 0 when hpsearch never ran there. */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ found: boolean }>(`SELECT to_regclass('${SCHEMA}.schema_version') IS NOT NULL AS found`);
  if (!exists.rows[0]!.found) return 0;
  const row = await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.schema_version`);
  return row.rows[0]?.version ?? 0;
}

/**
 * Brings the schema up to date, in one transaction under the migration lock (another process
 * may be migrating at the same moment: the version is read again once the lock is held).
 */
export async function migrate(client: pg.ClientBase, location: string): Promise<void> {
  if (checkVersion(location, await schemaVersion(client), false) === SCHEMA_VERSION) return;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_version (version INTEGER NOT NULL)`);
    const from = checkVersion(location, await schemaVersion(client), false);
    // The migrations name their tables unqualified: they are created in hpsearch's own schema.
    await client.query(`SET LOCAL search_path TO ${SCHEMA}`);
    for (let version = from; version < SCHEMA_VERSION; version += 1) await client.query(MIGRATIONS[version]!);
    await client.query(`DELETE FROM ${SCHEMA}.schema_version`);
    await client.query(`INSERT INTO ${SCHEMA}.schema_version (version) VALUES ($1)`, [SCHEMA_VERSION]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Returns the version when this code can use it; a read-only connection needs it exact (or 0: empty). */
export function checkVersion(location: string, version: number, readonly: boolean): number {
  if (version > SCHEMA_VERSION) {
    throw new StorageError(`${location} has schema version ${version}, but this hpsearch only knows versions up to ${SCHEMA_VERSION}`, {
      exitCode: 2,
      hint: 'upgrade hpsearch to read it',
    });
  }
  if (readonly && version !== 0 && version < SCHEMA_VERSION) {
    throw new StorageError(`${location} has schema version ${version}, but this hpsearch reads version ${SCHEMA_VERSION}`, {
      exitCode: 2,
      hint: 'run any command that writes (start, resume, worker) once to upgrade it',
    });
  }
  return version;
}
