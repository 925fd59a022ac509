/**
 * The writes the PostgreSQL storage and its coordination share, each applied once its caller has
 * checked the preconditions (inside the same transaction, with the rows locked).
 */
import type { Params, PromotionChange, TrialStatus } from '../core/types.js';
import { type Db, literal } from './postgres-connection.js';
import { first } from './postgres-access.js';
import { PG, PG_LEASE } from './postgres-sql.js';
import { addDuration, encodeCopySource } from './rules.js';
import { finiteOrNull } from '../core/scores.js';
import { type EpochRow, type TrialRow, encodeMetrics } from './sqlite-rows.js';
import type { FinishInfo, NewEpoch, StartInfo } from './storage.js';
import { runSlot } from './records.js';

/** Sets the study's `updatedAt` (what the dashboard polls for). */
export async function touch(db: Db, studyId: number, now: number): Promise<void> {
  await db.query(PG.touchStudy, [now, studyId]);
}

/** Stores an epoch and the trial's progress (preconditions checked by the caller). */
export async function writeEpoch(db: Db, studyId: number, number: number, epoch: NewEpoch): Promise<void> {
  const now = Date.now();
  const metrics = encodeMetrics(epoch.metrics);
  const value = finiteOrNull(epoch.value);
  await db.query(PG.upsertEpoch, [studyId, number, epoch.epoch, metrics, value, epoch.durationMs, now]);
  await db.query(PG.setProgress, [value, metrics, epoch.epoch, studyId, number]);
  await touch(db, studyId, now);
}

/**
 * Opens a run of each trial that was just set running, with the epochs it has, in one statement
 * whose values are inlined (for {@link Db.script}), numbered in the order given. Each run reads
 * its trial's epochs through the primary key (a join could scan the whole study when the table's
 * statistics are behind).
 */
export function runStarts(
  studyId: number,
  starts: readonly { readonly number: number; readonly info: Pick<StartInfo, 'host' | 'process' | 'worker'> }[],
  now: number,
): string {
  const [study, at] = [literal(studyId), literal(now)];
  const rows = starts.map(({ number, info }) => {
    const trial = literal(number);
    const epochs = `(SELECT epochs FROM hpsearch.trials WHERE study_id = ${study} AND number = ${trial})`;
    return `(${study}, ${trial}, ${literal(info.host)}, ${literal(runSlot(info))}, ${at}, ${epochs})`;
  });
  return `INSERT INTO hpsearch.runs (study_id, trial, host, slot, started_at, from_epoch) VALUES ${rows.join(', ')}`;
}

/** Closes a trial's open run, if it has one: see `requeueTrial` in storage.ts for `crashed`. */
export async function writeRunEnd(db: Db, studyId: number, number: number, epochs: number, outcome: TrialStatus, crashed: boolean) {
  await db.query(PG.endRun, [Date.now(), crashed, epochs, outcome, studyId, number]);
}

export async function writeFinish(db: Db, studyId: number, trial: TrialRow, info: FinishInfo): Promise<void> {
  const now = Date.now();
  const metrics = info.metrics === null ? null : encodeMetrics(info.metrics);
  if (trial.status === 'running') await writeRunEnd(db, studyId, trial.number, info.epochs, info.status, false);
  await db.query(PG.finishTrial, [
    info.status,
    finiteOrNull(info.value),
    metrics,
    info.epochs,
    addDuration(trial.duration_ms, info.durationMs),
    info.error,
    info.tensorsAfter,
    now,
    studyId,
    trial.number,
  ]);
  await touch(db, studyId, now);
}

export async function writeRequeue(
  db: Db,
  studyId: number,
  trial: TrialRow,
  keepEpochs: number,
  durationMs: number | null,
  crashed = false,
): Promise<void> {
  await writeRunEnd(db, studyId, trial.number, trial.epochs, 'queued', crashed);
  await db.query(PG.deleteEpochsAfter, [studyId, trial.number, keepEpochs]);
  const kept = await first<EpochRow>(db, PG.epoch, [studyId, trial.number, keepEpochs]);
  await db.query(PG.requeueTrial, [
    keepEpochs,
    kept?.value ?? null,
    kept?.metrics ?? null,
    addDuration(trial.duration_ms, durationMs),
    studyId,
    trial.number,
  ]);
  await touch(db, studyId, Date.now());
}

export async function writePromotion(
  db: Db,
  studyId: number,
  number: number,
  rung: number,
  targetEpochs: number,
  change: PromotionChange | undefined,
): Promise<void> {
  const now = Date.now();
  await db.query(PG.promoteTrial, [rung, targetEpochs, studyId, number]);
  for (const [text, values] of promotionWrites(studyId, number, rung, change, now)) await db.query(text, values);
  await touch(db, studyId, now);
}

/** A statement and its values. */
export type Statement = readonly [text: string, values: (string | number | null)[]];

/**
 * What a promotion writes after the trial's status, rung and target (which also clear its
 * `copied_from`): the change's parameters and source; with a source, its epochs after the source's
 * deleted and its checkpoints replaced by the source's (when storage has it), so that it is the
 * one a later takeover or requeue keeps; and the promotion's row. Preconditions checked by the caller.
 */
export function promotionWrites(
  studyId: number,
  number: number,
  rung: number,
  change: PromotionChange | undefined,
  now: number,
): Statement[] {
  const params = change === undefined ? null : JSON.stringify(change.params);
  const source = change?.source ?? null;
  const encoded = source === null ? null : encodeCopySource(source);
  const writes: Statement[] = [];
  if (params !== null) writes.push([PG.changeTrial, [params, encoded, studyId, number]]);
  if (source !== null) {
    writes.push(
      [PG.deleteEpochsAfter, [studyId, number, source.epoch]],
      [PG.exploitTrial, [source.epoch, studyId, number]],
      [PG_LEASE.dropForCopy, [studyId, number, source.trial, source.epoch]],
      [PG_LEASE.copyCheckpoint, [studyId, number, source.trial, source.epoch, now]],
    );
  }
  writes.push([PG.insertPromotion, [studyId, number, rung, now, params, encoded]]);
  return writes;
}

export async function writeRetry(db: Db, studyId: number, number: number, seed: number, params: Params | undefined): Promise<void> {
  await db.query(PG.deleteEpochs, [studyId, number]);
  await db.query(PG.retryTrial, [seed, params === undefined ? null : JSON.stringify(params), studyId, number]);
  await touch(db, studyId, Date.now());
}
