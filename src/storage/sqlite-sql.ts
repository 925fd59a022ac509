/**
 * The SQL statements of the SQLite backend, prepared once and cached by their text.
 */

export const SQL = {
  studyById: 'SELECT * FROM studies WHERE id = ?',
  studyByName: 'SELECT * FROM studies WHERE name = ?',
  insertStudy: `INSERT INTO studies
      (name, spec, strategy, seed, direction, metric, status, backend, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?) RETURNING *`,
  setStudyStatus: 'UPDATE studies SET status = ?, finished_at = ?, updated_at = ? WHERE id = ?',
  touchStudy: 'UPDATE studies SET updated_at = ? WHERE id = ?',
  listStudies: `SELECT s.name, s.status, s.strategy, s.direction, s.metric, s.created_at, s.spec,
      count(t.number) AS trials,
      count(*) FILTER (WHERE t.status = 'completed') AS completed,
      CASE s.direction
        WHEN 'maximize' THEN max(t.value) FILTER (WHERE t.status = 'completed')
        ELSE min(t.value) FILTER (WHERE t.status = 'completed')
      END AS best
    FROM studies s LEFT JOIN trials t ON t.study_id = s.id
    GROUP BY s.id ORDER BY s.id`,
  trial: 'SELECT * FROM trials WHERE study_id = ? AND number = ?',
  trialState: 'SELECT number, status, epochs, duration_ms FROM trials WHERE study_id = ? AND number = ?',
  trials: 'SELECT * FROM trials WHERE study_id = ? ORDER BY number',
  /** A study's trials counted by status, bracket and rung (see Storage.countTrials). */
  countTrials: `SELECT status, bracket, rung, count(*) AS trials, sum(epochs) AS epochs,
      sum(max(target_epochs - epochs, 0)) AS remaining_epochs
    FROM trials WHERE study_id = ? GROUP BY status, bracket, rung`,
  insertTrial: `INSERT INTO trials (study_id, number, params, seed, status, target_epochs, bracket, rung, created_at, proposed_by)
    VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
  startTrial: `UPDATE trials SET status = 'running', started_at = ?, worker = ?, backend = ?, device = ?
    WHERE study_id = ? AND number = ?`,
  setProgress: 'UPDATE trials SET value = ?, metrics = ?, epochs = ? WHERE study_id = ? AND number = ?',
  finishTrial: `UPDATE trials SET status = ?, value = ?, metrics = ?, epochs = ?, duration_ms = ?, error = ?,
      tensors_after = ?, finished_at = ?
    WHERE study_id = ? AND number = ?`,
  requeueTrial: `UPDATE trials SET status = 'queued', epochs = ?, value = ?, metrics = ?, duration_ms = ?, started_at = NULL,
      interruptions = interruptions + 1
    WHERE study_id = ? AND number = ?`,
  retryTrial: `UPDATE trials SET status = 'queued', seed = ?, params = coalesce(?, params), epochs = 0, value = NULL, metrics = NULL, error = NULL,
      started_at = NULL, finished_at = NULL, retries = retries + 1, copied_from = NULL
    WHERE study_id = ? AND number = ?`,
  deleteEpochs: 'DELETE FROM epochs WHERE study_id = ? AND trial = ?',
  setStudySpec: 'UPDATE studies SET spec = ?, strategy = ?, updated_at = ? WHERE id = ?',
  lock: 'SELECT * FROM locks WHERE study_id = ?',
  upsertLock: `INSERT INTO locks (study_id, pid, host, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (study_id) DO UPDATE SET pid = excluded.pid, host = excluded.host,
      acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`,
  renewLock: 'UPDATE locks SET heartbeat_at = ? WHERE study_id = ? AND pid = ? AND host = ?',
  releaseLock: 'DELETE FROM locks WHERE study_id = ? AND pid = ? AND host = ?',
  promoteTrial: `UPDATE trials SET status = 'queued', rung = ?, target_epochs = ?, started_at = NULL, copied_from = NULL
    WHERE study_id = ? AND number = ?`,
  /** A promotion's new parameters (the first ones kept) and the checkpoint it copies, or NULL. */
  changeTrial: `UPDATE trials SET first_params = coalesce(first_params, params), params = ?, copied_from = ?
    WHERE study_id = ? AND number = ?`,
  /** A trial continuing from a copied checkpoint after that many epochs (its later epochs are deleted apart). */
  exploitTrial: 'UPDATE trials SET epochs = ?, error = NULL WHERE study_id = ? AND number = ?',
  insertPromotion: 'INSERT INTO promotions (study_id, trial, rung, created_at, params, source) VALUES (?, ?, ?, ?, ?, ?)',
  promotions: 'SELECT trial, rung, created_at, params, source FROM promotions WHERE study_id = ? ORDER BY trial, rung',
  insertRun: `INSERT INTO runs (study_id, trial, host, slot, started_at, from_epoch)
    SELECT study_id, number, ?, ?, ?, epochs FROM trials WHERE study_id = ? AND number = ?`,
  /**
   * Closes a trial's open run: when crashed (1) at its last stored epoch (or its start), else at
   * now; `to_epoch` is the epochs the trial has before the write that ends it.
   */
  endRun: `UPDATE runs SET
      ended_at = CASE WHEN ? THEN max(started_at, coalesce(
        (SELECT max(e.created_at) FROM epochs e WHERE e.study_id = runs.study_id AND e.trial = runs.trial), started_at)) ELSE ? END,
      to_epoch = ?, outcome = ?
    WHERE rowid = (SELECT max(rowid) FROM runs WHERE study_id = ? AND trial = ?) AND ended_at IS NULL`,
  runs: 'SELECT * FROM runs WHERE study_id = ? ORDER BY rowid',
  pruneTrial: `UPDATE trials SET status = 'pruned', finished_at = ? WHERE study_id = ? AND number = ?`,
  upsertEpoch: `INSERT INTO epochs (study_id, trial, epoch, metrics, value, duration_ms, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (study_id, trial, epoch) DO UPDATE SET metrics = excluded.metrics, value = excluded.value,
      duration_ms = excluded.duration_ms, created_at = excluded.created_at`,
  epoch: 'SELECT * FROM epochs WHERE study_id = ? AND trial = ? AND epoch = ?',
  deleteEpochsAfter: 'DELETE FROM epochs WHERE study_id = ? AND trial = ? AND epoch > ?',
  studyEpochs: 'SELECT * FROM epochs WHERE study_id = ? ORDER BY trial, epoch',
  trialEpochs: 'SELECT * FROM epochs WHERE study_id = ? AND trial = ? ORDER BY epoch',
  epochValues: `SELECT e.value FROM epochs e JOIN trials t ON t.study_id = e.study_id AND t.number = e.trial
    WHERE e.study_id = ? AND e.epoch = ? AND e.trial < ? AND e.trial <> ? AND t.status = 'completed' ORDER BY e.trial`,
  seenTrials: `SELECT count(*) FILTER (WHERE status = 'completed') AS completed, count(*) FILTER (WHERE status = 'running') AS running
    FROM trials WHERE study_id = ? AND number < ? AND number <> ?`,
} as const;
