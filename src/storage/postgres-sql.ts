/**
 * The SQL statements of the PostgreSQL backend (tables in the `hpsearch` schema, see
 * postgres-schema.ts). Rows come back with the same column names as SQLite's, so the same
 * converters (sqlite-rows.ts) turn them into records.
 */

/** The database server's clock, in ms since the epoch: leases are judged by it, whatever the hosts' clocks say. */
export const SERVER_NOW = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

export const PG = {
  studyById: 'SELECT * FROM hpsearch.studies WHERE id = $1',
  studyByIdForUpdate: 'SELECT * FROM hpsearch.studies WHERE id = $1 FOR UPDATE',
  studyByName: 'SELECT * FROM hpsearch.studies WHERE name = $1',
  insertStudy: `INSERT INTO hpsearch.studies
      (name, spec, strategy, seed, direction, metric, status, backend, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9) RETURNING *`,
  setStudyStatus: 'UPDATE hpsearch.studies SET status = $1, finished_at = $2, updated_at = $3 WHERE id = $4',
  touchStudy: 'UPDATE hpsearch.studies SET updated_at = $1 WHERE id = $2',
  setStudySpec: 'UPDATE hpsearch.studies SET spec = $1, strategy = $2, updated_at = $3 WHERE id = $4',
  listStudies: `SELECT s.name, s.status, s.strategy, s.direction, s.metric, s.created_at, s.spec,
      count(t.number) AS trials,
      count(*) FILTER (WHERE t.status = 'completed') AS completed,
      CASE s.direction
        WHEN 'maximize' THEN max(t.value) FILTER (WHERE t.status = 'completed')
        ELSE min(t.value) FILTER (WHERE t.status = 'completed')
      END AS best
    FROM hpsearch.studies s LEFT JOIN hpsearch.trials t ON t.study_id = s.id
    GROUP BY s.id ORDER BY s.id`,

  trial: 'SELECT * FROM hpsearch.trials WHERE study_id = $1 AND number = $2',
  trialForUpdate: 'SELECT * FROM hpsearch.trials WHERE study_id = $1 AND number = $2 FOR UPDATE',
  trials: 'SELECT * FROM hpsearch.trials WHERE study_id = $1 ORDER BY number',
  insertTrial: `INSERT INTO hpsearch.trials (study_id, number, params, seed, status, target_epochs, bracket, rung, created_at, proposed_by)
    VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, $8, $9) RETURNING *`,
  startTrial: `UPDATE hpsearch.trials SET status = 'running', started_at = $1, worker = $2, backend = $3, device = $4,
      lease_owner = $5, lease_expires_at = $6
    WHERE study_id = $7 AND number = $8`,
  setProgress: 'UPDATE hpsearch.trials SET value = $1, metrics = $2, epochs = $3 WHERE study_id = $4 AND number = $5',
  finishTrial: `UPDATE hpsearch.trials SET status = $1, value = $2, metrics = $3, epochs = $4, duration_ms = $5, error = $6,
      tensors_after = $7, finished_at = $8, lease_owner = NULL, lease_expires_at = NULL
    WHERE study_id = $9 AND number = $10`,
  requeueTrial: `UPDATE hpsearch.trials SET status = 'queued', epochs = $1, value = $2, metrics = $3, duration_ms = $4,
      started_at = NULL, interruptions = interruptions + 1, lease_owner = NULL, lease_expires_at = NULL
    WHERE study_id = $5 AND number = $6`,
  retryTrial: `UPDATE hpsearch.trials SET status = 'queued', seed = $1, params = coalesce($2, params), epochs = 0, value = NULL,
      metrics = NULL, error = NULL, started_at = NULL, finished_at = NULL, retries = retries + 1, copied_from = NULL
    WHERE study_id = $3 AND number = $4`,
  promoteTrial: `UPDATE hpsearch.trials SET status = 'queued', rung = $1, target_epochs = $2, started_at = NULL, copied_from = NULL
    WHERE study_id = $3 AND number = $4`,
  /** A promotion's new parameters (the first ones kept) and the checkpoint it copies, or NULL. */
  changeTrial: `UPDATE hpsearch.trials SET first_params = coalesce(first_params, params), params = $1, copied_from = $2
    WHERE study_id = $3 AND number = $4`,
  /** A trial continuing from a copied checkpoint after that many epochs (its later epochs are deleted apart). */
  exploitTrial: 'UPDATE hpsearch.trials SET epochs = $1, error = NULL WHERE study_id = $2 AND number = $3',
  insertPromotion: 'INSERT INTO hpsearch.promotions (study_id, trial, rung, created_at, params, source) VALUES ($1, $2, $3, $4, $5, $6)',
  promotions: 'SELECT trial, rung, created_at, params, source FROM hpsearch.promotions WHERE study_id = $1 ORDER BY trial, rung',
  /** As SQLite's endRun: at $1, or when crashed ($2) at the run's last stored epoch (or its start). */
  endRun: `UPDATE hpsearch.runs SET
      ended_at = CASE WHEN $2::boolean THEN GREATEST(started_at, coalesce(
        (SELECT max(e.created_at) FROM hpsearch.epochs e WHERE e.study_id = runs.study_id AND e.trial = runs.trial), started_at)) ELSE $1 END,
      to_epoch = $3, outcome = $4
    WHERE id = (SELECT max(id) FROM hpsearch.runs WHERE study_id = $5 AND trial = $6) AND ended_at IS NULL`,
  runs: 'SELECT trial, host, slot, started_at, ended_at, from_epoch, to_epoch, outcome FROM hpsearch.runs WHERE study_id = $1 ORDER BY id',
  pruneTrial: `UPDATE hpsearch.trials SET status = 'pruned', finished_at = $1 WHERE study_id = $2 AND number = $3`,

  upsertEpoch: `INSERT INTO hpsearch.epochs (study_id, trial, epoch, metrics, value, duration_ms, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (study_id, trial, epoch) DO UPDATE SET metrics = excluded.metrics, value = excluded.value,
      duration_ms = excluded.duration_ms, created_at = excluded.created_at`,
  epoch: 'SELECT * FROM hpsearch.epochs WHERE study_id = $1 AND trial = $2 AND epoch = $3',
  deleteEpochs: 'DELETE FROM hpsearch.epochs WHERE study_id = $1 AND trial = $2',
  deleteEpochsAfter: 'DELETE FROM hpsearch.epochs WHERE study_id = $1 AND trial = $2 AND epoch > $3',
  studyEpochs: 'SELECT * FROM hpsearch.epochs WHERE study_id = $1 ORDER BY trial, epoch',
  trialEpochs: 'SELECT * FROM hpsearch.epochs WHERE study_id = $1 AND trial = $2 ORDER BY epoch',
  valuesAtEpoch: `SELECT e.value FROM hpsearch.epochs e JOIN hpsearch.trials t ON t.study_id = e.study_id AND t.number = e.trial
    WHERE e.study_id = $1 AND e.epoch = $2 AND e.trial < $3 AND e.trial <> $4 AND t.status = 'completed' ORDER BY e.trial`,
  // A trial whose lease ran out (its worker died) is not waited for.
  seenTrials: `SELECT count(*) FILTER (WHERE status = 'completed')::int AS completed,
      count(*) FILTER (WHERE status = 'running' AND (lease_expires_at IS NULL OR lease_expires_at >= ${SERVER_NOW}))::int AS running
    FROM hpsearch.trials WHERE study_id = $1 AND number < $2 AND number <> $3`,

  lock: 'SELECT * FROM hpsearch.locks WHERE study_id = $1',
  upsertLock: `INSERT INTO hpsearch.locks (study_id, pid, host, acquired_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (study_id) DO UPDATE SET pid = excluded.pid, host = excluded.host,
      acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`,
  renewLock: 'UPDATE hpsearch.locks SET heartbeat_at = $1 WHERE study_id = $2 AND pid = $3 AND host = $4',
  releaseLock: 'DELETE FROM hpsearch.locks WHERE study_id = $1 AND pid = $2 AND host = $3',
} as const;

/**
 * Statements of the coordination capability (claims, leases, checkpoints). A condition on a
 * trial's status beside its number is written `(…) IS TRUE`, a filter no index serves, so that
 * the primary key finds the one row: trials_by_status would read every trial of that status.
 */
export const PG_LEASE = {
  studyLock: 'SELECT pg_advisory_xact_lock($1, $2)',
  /**
   * A claim's first read after the lock: the study, the server's clock, where the next claim's
   * read of what changed starts (the oldest transaction still running now: any trial written by a
   * transaction not visible to a read after this one carries an id at or above it, so the next
   * claim, reading from it, misses nothing), and the running trials whose lease has expired
   * (through the trials_by_status index).
   */
  claimStudy: `SELECT s.*, ${SERVER_NOW} AS server_now, pg_snapshot_xmin(pg_current_snapshot())::text AS cursor,
      ARRAY(SELECT t.number FROM hpsearch.trials t
        WHERE t.study_id = s.id AND t.status = 'running' AND t.lease_expires_at < ${SERVER_NOW} ORDER BY t.number) AS expired
    FROM hpsearch.studies s WHERE s.id = $1`,
  /** The writing transaction's id, or null when it wrote nothing (yet). */
  ownXid: 'SELECT pg_current_xact_id_if_assigned()::text AS own',
  /** A running trial whose lease has expired, locked (none when its owner wrote its end or renewed its lease meanwhile). */
  expiredTrial: `SELECT * FROM hpsearch.trials WHERE study_id = $1 AND number = $2
    AND (status = 'running' AND lease_expires_at < ${SERVER_NOW}) IS TRUE FOR UPDATE`,
  leased: `SELECT * FROM hpsearch.trials WHERE study_id = $1 AND number = $2 AND (status = 'running' AND lease_owner = $3) IS TRUE FOR UPDATE`,
  /**
   * An epoch of a leased trial, in one statement: nothing happens unless `$6` holds the lease. The
   * study's `updated_at` is set only when `$9`: every writer updating that one row would queue on it.
   */
  epoch: `WITH t AS (
      UPDATE hpsearch.trials SET value = $4, metrics = $5, epochs = $3
      WHERE study_id = $1 AND number = $2 AND (status = 'running' AND lease_owner = $6) IS TRUE RETURNING study_id, number
    ), e AS (
      INSERT INTO hpsearch.epochs (study_id, trial, epoch, metrics, value, duration_ms, created_at)
      SELECT study_id, number, $3, $5, $4, $7, $8 FROM t
      ON CONFLICT (study_id, trial, epoch) DO UPDATE SET metrics = excluded.metrics, value = excluded.value,
        duration_ms = excluded.duration_ms, created_at = excluded.created_at
    ), s AS (UPDATE hpsearch.studies SET updated_at = $8 WHERE id = $1 AND $9::boolean AND EXISTS (SELECT 1 FROM t))
    SELECT count(*) AS n FROM t`,
  /**
   * The ends of leased runs (schema 6's function), given as arrays (`$5`… one entry per run): each
   * trial, its open run, and its checkpoints but the one after its `keep` epochs (null: all)
   * deleted, only where its `owner` holds the lease; the study's `updated_at` only when `$3`. It
   * returns the numbers of the trials written and the study's best completed trial after them (the
   * greatest value when `$4`, else the least).
   */
  finish: `SELECT written, best_number, best_value FROM hpsearch.finish_runs($1, $2, $3, $4, $5::int[], $6::text[], $7::text[],
    $8::float8[], $9::text[], $10::int[], $11::float8[], $12::text[], $13::bigint[], $14::int[])`,
  renew: `UPDATE hpsearch.trials SET lease_expires_at = ${SERVER_NOW} + $1
    WHERE study_id = $2 AND status = 'running' AND (number, lease_owner) IN (SELECT * FROM unnest($3::int[], $4::text[]))
    RETURNING number, lease_owner`,
  running: `SELECT count(*) AS running FROM hpsearch.trials WHERE study_id = $1 AND status = 'running'`,
  insertTakeover: 'INSERT INTO hpsearch.takeovers (study_id, trial, owner, kept_epochs, created_at) VALUES ($1, $2, $3, $4, $5)',
  takeovers: 'SELECT trial, owner, kept_epochs, created_at FROM hpsearch.takeovers WHERE study_id = $1 ORDER BY created_at, trial',
  upsertCheckpoint: `INSERT INTO hpsearch.checkpoints (study_id, trial, epoch, data, created_at) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (study_id, trial, epoch) DO UPDATE SET data = excluded.data, created_at = excluded.created_at`,
  checkpoint: 'SELECT data FROM hpsearch.checkpoints WHERE study_id = $1 AND trial = $2 AND epoch = $3',
  checkpointEpochs: 'SELECT epoch FROM hpsearch.checkpoints WHERE study_id = $1 AND trial = $2 ORDER BY epoch',
  lastCheckpoint: 'SELECT max(epoch) AS epoch FROM hpsearch.checkpoints WHERE study_id = $1 AND trial = $2 AND epoch <= $3',
  deleteCheckpointsBut: 'DELETE FROM hpsearch.checkpoints WHERE study_id = $1 AND trial = $2 AND epoch IS DISTINCT FROM $3::int',
  /**
   * Before trial `$2` copies trial `$3`'s checkpoint after `$4` epochs: its own checkpoints go (they
   * hold weights it no longer continues from), but the source's own row when it copies itself.
   */
  dropForCopy: 'DELETE FROM hpsearch.checkpoints WHERE study_id = $1 AND trial = $2 AND NOT (trial = $3::int AND epoch = $4::int)',
  /** Trial `$3`'s checkpoint after `$4` epochs (when there is one) becomes trial `$2`'s, replacing its own. */
  copyCheckpoint: `INSERT INTO hpsearch.checkpoints (study_id, trial, epoch, data, created_at)
    SELECT study_id, $2::int, epoch, data, $5::bigint FROM hpsearch.checkpoints WHERE study_id = $1 AND trial = $3 AND epoch = $4
    ON CONFLICT (study_id, trial, epoch) DO UPDATE SET data = excluded.data, created_at = excluded.created_at`,
} as const;

/** Every column of a trial as a claim reads it: all but the last metrics, which no decision looks at. */
const CLAIM_COLUMNS = `t.study_id, t.number, t.params, t.seed, t.status, t.value, NULL AS metrics, t.epochs, t.target_epochs, t.bracket,
  t.rung, t.created_at, t.started_at, t.finished_at, t.duration_ms, t.error, t.backend, t.worker, t.device, t.tensors_after,
  t.interruptions, t.retries, t.proposed_by, t.first_params, t.copied_from, t.lease_owner, t.lease_expires_at`;

/** With each trial, its epochs' numbers and objective values in one snapshot with the row. */
const CLAIM_CURVES = `LEFT JOIN LATERAL (SELECT array_agg(e.epoch ORDER BY e.epoch) AS curve_epochs, array_agg(e.value ORDER BY e.epoch) AS curve_values
  FROM hpsearch.epochs e WHERE e.study_id = t.study_id AND e.trial = t.number) c ON true`;

/**
 * A claim's read of the trials of study `$1` that `where` selects (with their curves when
 * `curves`), by number: every trial, those written at or after transaction `$2` but by
 * transaction `$3` (trials_by_change index; `$3` may be null), or those numbered in `$2`.
 */
export function claimTrials(where: 'all' | 'changed' | 'numbers', curves: boolean): string {
  const changed = ' AND t.change_xid >= $2::xid8 AND t.change_xid IS DISTINCT FROM $3::xid8';
  const filter = where === 'all' ? '' : where === 'changed' ? changed : ' AND t.number = ANY($2::int[])';
  return `SELECT ${CLAIM_COLUMNS}${curves ? ', c.curve_epochs, c.curve_values' : ''}
    FROM hpsearch.trials t ${curves ? CLAIM_CURVES : ''}
    WHERE t.study_id = $1${filter} ORDER BY t.number`;
}
