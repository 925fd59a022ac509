/**
 * The coordination capability of the PostgreSQL storage (see coordination.ts): claims in one
 * transaction under the study's advisory lock, leases judged by the server's clock, and writes
 * for leased trials that change nothing unless the writer still holds the lease.
 */
import { randomUUID } from 'node:crypto';
import {
  type ClaimDecision,
  type ClaimFinish,
  type ClaimRequest,
  type ClaimResult,
  type ClaimState,
  type CheckpointUpload,
  type FinishSummary,
  type Lease,
  LeaseLostError,
  type LeasedFinish,
  type LeasedRequeue,
  type StudyCoordination,
  type Takeover,
} from './coordination.js';
import { type PgGate, first, studyRow } from './postgres-access.js';
import { type Db, type Literal, inline, literal } from './postgres-connection.js';
import { LOCK_CLASS } from './postgres-schema.js';
import { PG, PG_LEASE, claimTrials } from './postgres-sql.js';
import { promotionWrites, runStarts, writeRequeue, writeRetry } from './postgres-writes.js';
import {
  StorageErrors,
  checkEpoch,
  checkOperation,
  checkPromotion,
  checkTransition,
  keptCheckpoint,
  requireTrial,
  studyFinishedAt,
} from './rules.js';
import { finiteOrNull } from '../core/scores.js';
import { type StudyRow, type TrialRow, encodeMetrics, toStudyRecord, toTrialRecord } from './sqlite-rows.js';
import { type NewEpoch, OPERATIONS, type StartInfo, type StudyRecord, type TrialRecord, canTransition } from './storage.js';
import { type Direction, type StudyStatus } from '../core/types.js';

/**
 * Epochs, finishes and claims set a study's updatedAt (what an attached dashboard polls) at most
 * this often per connection: every writer updating that one row would queue on its lock. A
 * change inside the interval is followed by a touch at its end, so none goes unseen for longer.
 */
const TOUCH_EVERY_MS = 200;

export class PostgresCoordination implements StudyCoordination {
  readonly #gate: PgGate;
  /** When this connection last set each study's updatedAt for an epoch. */
  readonly #touched = new Map<number, number>();
  /** The catch-up touch of each study, when one is due. */
  readonly #later = new Map<number, NodeJS.Timeout>();
  /** Each study's objective direction (it never changes), for the best value. */
  readonly #directions = new Map<number, Direction>();

  constructor(gate: PgGate) {
    this.#gate = gate;
  }

  /** Whether a write at `now` sets the study's updatedAt; when it may not yet, a touch follows at the interval's end. */
  #touch(studyId: number, now: number): boolean {
    const last = this.#touched.get(studyId) ?? 0;
    if (now - last >= TOUCH_EVERY_MS) {
      this.#touched.set(studyId, now);
      return true;
    }
    if (!this.#later.has(studyId)) {
      const timer = setTimeout(() => void this.#catchUp(studyId), last + TOUCH_EVERY_MS - now);
      timer.unref();
      this.#later.set(studyId, timer);
    }
    return false;
  }

  async #catchUp(studyId: number): Promise<void> {
    clearTimeout(this.#later.get(studyId));
    this.#later.delete(studyId);
    if (this.#gate.closed) return;
    const now = Date.now();
    this.#touched.set(studyId, now);
    await this.#gate.write((db) => db.query(PG.touchStudy, [now, studyId]).then(() => undefined), 'atomic').catch(() => undefined);
  }

  /** Makes the touches still due now (before the connection closes). */
  async flush(): Promise<void> {
    await Promise.all([...this.#later.keys()].map((studyId) => this.#catchUp(studyId)));
  }

  /** Each study's declaration as last parsed, with its text: a claim reads the study's row every time. */
  readonly #specs = new Map<number, { readonly text: string; readonly record: StudyRecord }>();

  /** The study's record, its declaration parsed once per text. */
  #study(row: StudyRow): StudyRecord {
    const cached = this.#specs.get(row.id);
    const record = toStudyRecord(row, cached?.text === row.spec ? cached.record.spec : undefined);
    this.#specs.set(row.id, { text: row.spec, record });
    return record;
  }

  /** Parsed parameters by study and trial, with the texts they were parsed from: a claim reads every trial. */
  readonly #params = new Map<number, Map<number, CachedParams>>();

  /** A trial's record, its parameters parsed once (the lock is held while claims read them). */
  #record(studyId: number, row: TrialRow): TrialRecord {
    let cache = this.#params.get(studyId);
    if (cache === undefined) this.#params.set(studyId, (cache = new Map()));
    const cached = cache.get(row.number);
    const first = row.first_params ?? null;
    if (cached !== undefined && cached.text === row.params && cached.first === first) {
      const record = toTrialRecord({ ...row, params: 'null', first_params: null });
      return Object.freeze({ ...record, params: cached.params, initialParams: cached.initialParams });
    }
    const record = toTrialRecord(row);
    cache.set(row.number, { text: row.params, first, params: record.params, initialParams: record.initialParams });
    return record;
  }

  async #direction(db: Db, studyId: number): Promise<Direction> {
    let direction = this.#directions.get(studyId);
    if (direction === undefined) {
      direction = ((await studyRow(db, studyId)) as StudyRow & { readonly direction: Direction }).direction;
      this.#directions.set(studyId, direction);
    }
    return direction;
  }

  /**
   * Two round trips while the study's lock is held, whatever the claim: the lock and the reads
   * in one script, `decide`, then the writes and the commit in another (values inlined as
   * escaped literals). Queued and paused trials change only under this lock, so the checks
   * against what was read stay true until the commit. With a feed, the reads are the trials
   * written since the feed's last claim (by their transactions' ids, see migration 5) and the
   * running ones whose lease expired: the work is the same whatever the study's size. The
   * request's finishes go in the first script, after the lock: a run's end costs no round trip
   * of its own.
   */
  claimJobs<D extends ClaimDecision>(studyId: number, request: ClaimRequest, decide: (state: ClaimState) => D): Promise<ClaimResult<D>> {
    if (!Number.isSafeInteger(studyId)) return Promise.reject(StorageErrors.noStudy(studyId));
    const unfit = request.finishes?.find((f) => !canTransition('running', f.info.status));
    if (unfit !== undefined)
      return Promise.reject(new TypeError(`a claim cannot write trial ${unfit.number}'s end as ${unfit.info.status}`));
    const id = literal(studyId);
    const { feed } = request;
    const curves = request.curves !== false;
    const finishes = request.finishes ?? [];
    return this.#gate.write(async (db) => {
      try {
        const seen = (feed?.seen ?? null) as FeedState | null;
        const full = seen === null || seen.studyId !== studyId || seen.curves !== curves;
        const direction = finishes.length === 0 ? null : await this.#direction(db, studyId);
        const finishedAt = Date.now();
        const reads = await db.script(
          [
            'BEGIN',
            // The lock first, in a statement of its own: the reads after it see what the last holder committed.
            `SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${id})`,
            // Then the runs that ended (under the lock: no row lock is ever held while waiting for it).
            ...(finishes.length === 0 ? [] : [inline(PG_LEASE.finish, finishValues(studyId, finishes, finishedAt, false, direction!))]),
            // Before the trials (with the cursor: what a later read misses was written by a transaction at or after this).
            PG_LEASE.claimStudy.replace('$1', id),
            full
              ? claimTrials('all', curves).replace('$1', id)
              : claimTrials('changed', curves).replace('$1', id).replace('$2', literal(seen.cursor)).replace('$3', literal(seen.own)),
          ].join(';\n'),
        );
        const at = finishes.length === 0 ? 2 : 3;
        const study = reads[at]!.rows[0] as (StudyRow & { readonly server_now: number; cursor: string; expired: number[] }) | undefined;
        if (study === undefined) throw StorageErrors.noStudy(studyId);
        const ended = finishes.length === 0 ? null : (reads[2]!.rows[0] as FinishRow);
        const finished = finishes.map((f) => (ended!.written.includes(f.number) ? finishSummary(ended!) : null));
        const { cursor } = study;
        const rows: Map<number, LeasedRow> = full ? new Map() : seen.rows;
        let changed = reads[at + 1]!.rows as ClaimRow[];
        for (const row of changed) rows.set(row.number, row);
        const takeovers = await requeueExpired(db, studyId, study.expired);
        if (takeovers.length > 0) {
          const numbers = takeovers.map((t) => t.trial);
          const again = (await db.query<ClaimRow>(claimTrials('numbers', curves), [studyId, numbers])).rows;
          for (const row of again) rows.set(row.number, row);
          changed = [...changed.filter((row) => !numbers.includes(row.number)), ...again].sort((a, b) => a.number - b.number);
        }
        const next: FeedState = { studyId, curves, cursor, rows, own: null };
        if (feed !== undefined) feed.seen = next;
        const state: ClaimState = {
          study: this.#study(study),
          trials: (full ? [...rows.values()] : changed).map((row) => this.#record(studyId, row)),
          epochs: curves ? changed.flatMap(epochValuesOf) : [],
          full,
        };
        const decision = decide(state);
        const now = Date.now();
        const trial = (number: number) => requireTrial(study.name, number, rows.get(number));
        const writes: string[] = [];
        const leases: Lease[] = [];
        /** The new trials' rows, and the runs every claim starts: one statement each. */
        const inserts: string[] = [];
        const runs: { number: number; info: Pick<StartInfo, 'host' | 'process' | 'worker'> }[] = [];
        for (const claim of decision.claims) {
          const lease = {
            owner: `${request.worker}:${claim.slot}:${randomUUID().slice(0, 8)}`,
            expiresAt: study.server_now + request.leaseMs,
          };
          const started = [
            now,
            claim.slot,
            request.start.backend,
            request.deviceOf?.(claim.slot) ?? request.start.device ?? null,
            lease.owner,
            lease.expiresAt,
          ].map(literal);
          if (claim.kind === 'new') {
            const { trial: t } = claim;
            if (rows.has(t.number)) throw StorageErrors.trialExists(study.name, t.number);
            const values = [
              studyId,
              t.number,
              JSON.stringify(t.params),
              t.seed,
              'running',
              t.targetEpochs,
              t.bracket ?? null,
              t.rung ?? null,
              now,
              t.proposedBy ?? null,
            ].map(literal);
            inserts.push(`(${[...values, ...started].join(', ')})`);
          } else {
            const promote = claim.kind === 'promote';
            const change = promote ? claim.change : undefined;
            if (promote) checkPromotion(study.name, trial(claim.number), change);
            else checkOperation(study.name, trial(claim.number), 'start');
            const [at, worker, backend, device, owner, expires] = started;
            // A promotion clears copied_from; its change (written after) may set it again.
            const rung = promote
              ? `, rung = ${literal(claim.rung)}, target_epochs = ${literal(claim.targetEpochs)}, copied_from = NULL`
              : '';
            const from = OPERATIONS[!promote ? 'start' : change?.source != null ? 'exploit' : 'promote'].from;
            writes.push(`UPDATE hpsearch.trials SET status = 'running'${rung}, started_at = ${at}, worker = ${worker}, backend = ${backend},
              device = ${device}, lease_owner = ${owner}, lease_expires_at = ${expires}
              WHERE study_id = ${id} AND number = ${literal(claim.number)} AND (status IN (${from.map(literal).join(', ')})) IS TRUE`);
            if (promote)
              writes.push(...promotionWrites(studyId, claim.number, claim.rung, change, now).map(([text, values]) => inline(text, values)));
          }
          runs.push({ number: claim.kind === 'new' ? claim.trial.number : claim.number, info: { ...request.start, worker: claim.slot } });
          leases.push(lease);
        }
        if (inserts.length > 0) {
          writes.unshift(`INSERT INTO hpsearch.trials (study_id, number, params, seed, status, target_epochs, bracket, rung, created_at,
            proposed_by, started_at, worker, backend, device, lease_owner, lease_expires_at) VALUES ${inserts.join(', ')}`);
        }
        // After every promotion: each run starts from the epochs its trial has then.
        if (runs.length > 0) writes.push(runStarts(studyId, runs, now));
        for (const number of decision.drop) {
          checkOperation(study.name, trial(number), 'prune');
          writes.push(
            `UPDATE hpsearch.trials SET status = 'pruned', finished_at = ${literal(now)} WHERE study_id = ${id} AND number = ${literal(number)} AND (status = 'paused') IS TRUE`,
          );
          writes.push(`DELETE FROM hpsearch.checkpoints WHERE study_id = ${id} AND trial = ${literal(number)}`);
        }
        let record = state.study;
        if (decision.status !== null && decision.status !== study.status) {
          const finishedAt = studyFinishedAt(decision.status, now);
          writes.push(
            `UPDATE hpsearch.studies SET status = ${literal(decision.status)}, finished_at = ${literal(finishedAt)}, updated_at = ${literal(now)} WHERE id = ${id}`,
          );
          record = Object.freeze({ ...record, status: decision.status, finishedAt, updatedAt: now });
        } else if ((writes.length > 0 || takeovers.length > 0 || finishes.length > 0) && this.#touch(studyId, now)) {
          writes.push(`UPDATE hpsearch.studies SET updated_at = ${literal(now)} WHERE id = ${id}`);
          record = Object.freeze({ ...record, updatedAt: now });
        }
        const committed = await db.script([...writes, PG_LEASE.ownXid, 'COMMIT'].join(';\n'));
        next.own = (committed[writes.length]!.rows[0] as { own: string | null }).own;
        return { decision, leases, takeovers, finished, study: record };
      } catch (error) {
        // What the holder's decider made of this state was not written: both start over.
        if (feed !== undefined) feed.seen = null;
        await db.script('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }, 'own');
  }

  renewLeases(studyId: number, leases: readonly { readonly trial: number; readonly owner: string }[], leaseMs: number): Promise<number[]> {
    if (leases.length === 0) return Promise.resolve([]);
    return this.#gate.write(async (db) => {
      const { rows } = await db.query<{ number: number; lease_owner: string }>(PG_LEASE.renew, [
        leaseMs,
        studyId,
        leases.map((l) => l.trial),
        leases.map((l) => l.owner),
      ]);
      const held = new Set(rows.map((row) => `${row.number}\n${row.lease_owner}`));
      return leases.filter((l) => !held.has(`${l.trial}\n${l.owner}`)).map((l) => l.trial);
    });
  }

  recordLeasedEpoch(studyId: number, number: number, owner: string, epoch: NewEpoch): Promise<void> {
    return this.#gate.write(async (db) => {
      if (Number.isInteger(epoch.epoch) && epoch.epoch >= 1) {
        const metrics = encodeMetrics(epoch.metrics);
        const now = Date.now();
        // The dashboard polls the study's updatedAt every 0.5 s: a few touches a second are enough.
        const touch = this.#touch(studyId, now);
        const values = [studyId, number, epoch.epoch, finiteOrNull(epoch.value), metrics, owner, epoch.durationMs, now, touch];
        if ((await first<{ n: number }>(db, PG_LEASE.epoch, values))!.n === 1) return;
      }
      // Nothing was written: say why.
      const [study, trial] = await leased(db, studyId, number, owner);
      checkEpoch(study.name, trial, epoch.epoch);
    }, 'atomic');
  }

  finishLeased(studyId: number, number: number, owner: string, finish: LeasedFinish): Promise<FinishSummary> {
    const { info } = finish;
    const retry = finish.retry != null && info.status === 'failed' ? finish.retry : null;
    const kind = finish.checkpoint != null || retry !== null ? 'write' : 'atomic';
    return this.#gate.write(async (db) => {
      const now = Date.now();
      const keep = keptCheckpoint(info);
      if (!canTransition('running', info.status)) {
        const [study, trial] = await leased(db, studyId, number, owner);
        checkTransition(study.name, trial, info.status);
      }
      const direction = await this.#direction(db, studyId);
      const values = finishValues(studyId, [{ number, owner, info }], now, this.#touch(studyId, now), direction);
      const ended = (await first<FinishRow>(db, PG_LEASE.finish, values))!;
      if (!ended.written.includes(number)) {
        // Nothing was written: say why.
        const [study, trial] = await leased(db, studyId, number, owner);
        checkTransition(study.name, trial, info.status);
      }
      if (keep !== null) await saveCheckpoint(db, studyId, number, finish.checkpoint);
      if (retry !== null) await writeRetry(db, studyId, number, retry.seed, retry.params);
      return finishSummary(ended);
    }, kind);
  }

  requeueLeased(studyId: number, number: number, owner: string, requeue: LeasedRequeue): Promise<number> {
    return this.#gate.write(async (db) => {
      const [, trial] = await leased(db, studyId, number, owner);
      const checkpoint = requeue.checkpoint != null && requeue.checkpoint.epoch <= trial.epochs ? requeue.checkpoint : null;
      await saveCheckpoint(db, studyId, number, checkpoint);
      const keep = checkpoint?.epoch ?? (await lastCheckpoint(db, studyId, trial));
      await writeRequeue(db, studyId, trial, keep, requeue.durationMs ?? null);
      await db.query(PG_LEASE.deleteCheckpointsBut, [studyId, number, keep === 0 ? null : keep]);
      return keep;
    });
  }

  leaveStudy(studyId: number): Promise<StudyStatus> {
    return this.#gate.write(async (db) => {
      await db.query(PG_LEASE.studyLock, [LOCK_CLASS, studyId]);
      const study = await studyRow(db, studyId, true);
      const { running } = (await first<{ running: number }>(db, PG_LEASE.running, [studyId]))!;
      if (running > 0 || study.status !== 'running') return study.status;
      const now = Date.now();
      await db.query(PG.setStudyStatus, ['interrupted', null, now, studyId]);
      return 'interrupted';
    }, 'exclusive');
  }

  getCheckpoint(studyId: number, number: number, epoch: number): Promise<Uint8Array | null> {
    return this.#gate.read(async (db) => {
      const row = await first<{ data: Buffer | null }>(db, PG_LEASE.checkpoint, [studyId, number, epoch]);
      return row?.data == null ? null : new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength);
    });
  }

  listCheckpoints(studyId: number, number: number): Promise<number[]> {
    return this.#gate.read(async (db) =>
      (await db.query<{ epoch: number }>(PG_LEASE.checkpointEpochs, [studyId, number])).rows.map((r) => r.epoch),
    );
  }

  getTakeovers(studyId: number): Promise<Takeover[]> {
    return this.#gate.read(async (db) => {
      const { rows } = await db.query<{ trial: number; owner: string; kept_epochs: number; created_at: number }>(PG_LEASE.takeovers, [
        studyId,
      ]);
      return rows.map((r) => Object.freeze({ trial: r.trial, owner: r.owner, keptEpochs: r.kept_epochs, createdAt: r.created_at }));
    });
  }
}

/** The study and the trial, when `owner` holds its lease. @throws {LeaseLostError} otherwise. */
async function leased(db: Db, studyId: number, number: number, owner: string): Promise<[StudyRow, TrialRow]> {
  const study = await studyRow(db, studyId);
  const trial = await first<TrialRow>(db, PG_LEASE.leased, [studyId, number, owner]);
  if (trial !== undefined) return [study, trial];
  requireTrial(study.name, number, await first<TrialRow>(db, PG.trial, [studyId, number]));
  throw new LeaseLostError(study.name, number, owner);
}

async function saveCheckpoint(db: Db, studyId: number, number: number, checkpoint: CheckpointUpload | null | undefined): Promise<void> {
  if (checkpoint == null) return;
  const data =
    checkpoint.data === null ? null : Buffer.from(checkpoint.data.buffer, checkpoint.data.byteOffset, checkpoint.data.byteLength);
  await db.query(PG_LEASE.upsertCheckpoint, [studyId, number, checkpoint.epoch, data, Date.now()]);
}

/**
 * The epochs an interrupted trial keeps (keptEpochs in rules.ts): all of them when they reach its
 * target, else those of its last checkpoint storage knows of that its stored epochs reach, or 0.
 */
async function lastCheckpoint(db: Db, studyId: number, trial: TrialRow): Promise<number> {
  if (trial.epochs >= trial.target_epochs) return trial.epochs;
  return (await first<{ epoch: number | null }>(db, PG_LEASE.lastCheckpoint, [studyId, trial.number, trial.epochs]))?.epoch ?? 0;
}

/** A trial's parsed parameters, with the texts they were parsed from. */
interface CachedParams {
  readonly text: string;
  readonly first: string | null;
  readonly params: TrialRecord['params'];
  readonly initialParams: TrialRecord['initialParams'];
}

/** A trial's row with its lease. */
type LeasedRow = TrialRow & { readonly lease_owner: string | null; readonly lease_expires_at: number | null };

/** A trial's row as a claim reads it, with its curve when the claim asked for curves. */
type ClaimRow = LeasedRow & { readonly curve_epochs?: number[] | null; readonly curve_values?: (number | null)[] | null };

/**
 * What a {@link ClaimFeed} holds for PostgreSQL: where the next read starts, every trial's row as
 * last read, and the last claim's own transaction, whose writes the next read leaves out: they
 * are the claim's decision, which the decider applied to its history (the rows map keeps their
 * rows as read before; the checks of a claim's writes rest on the history's decisions and on the
 * statements' own conditions).
 */
interface FeedState {
  readonly studyId: number;
  readonly curves: boolean;
  readonly cursor: string;
  readonly rows: Map<number, LeasedRow>;
  own: string | null;
}

/** A claimed row's epochs as the claim state lists them. */
function epochValuesOf(row: ClaimRow): { trial: number; epoch: number; value: number | null }[] {
  const epochs = row.curve_epochs ?? [];
  return epochs.map((epoch, i) => ({ trial: row.number, epoch, value: row.curve_values?.[i] ?? null }));
}

/**
 * Re-queues the running trials numbered in `expired` whose lease has expired, each from its last
 * known checkpoint. Each row is read again, locked: its owner, late, may have written its end
 * meanwhile (leased finishes do not wait for the study's lock).
 */
async function requeueExpired(db: Db, studyId: number, expired: readonly number[]): Promise<Takeover[]> {
  const takeovers: Takeover[] = [];
  for (const number of expired) {
    const trial = await first<LeasedRow>(db, PG_LEASE.expiredTrial, [studyId, number]);
    if (trial === undefined) continue;
    const keep = await lastCheckpoint(db, studyId, trial);
    await writeRequeue(db, studyId, trial, keep, null, true);
    await db.query(PG_LEASE.deleteCheckpointsBut, [studyId, trial.number, keep === 0 ? null : keep]);
    const now = Date.now();
    await db.query(PG_LEASE.insertTakeover, [studyId, trial.number, trial.lease_owner, keep, now]);
    takeovers.push(Object.freeze({ trial: trial.number, owner: trial.lease_owner ?? '', keptEpochs: keep, createdAt: now }));
  }
  return takeovers;
}

/** What {@link PG_LEASE.finish} returns: the trials it wrote (those whose lease was the writer's) and the study's best trial after them. */
interface FinishRow {
  readonly written: number[];
  readonly best_number: number | null;
  readonly best_value: number | null;
}

/** The values of {@link PG_LEASE.finish}'s parameters: one array entry per run. */
function finishValues(studyId: number, finishes: readonly ClaimFinish[], now: number, touch: boolean, direction: Direction): Literal[] {
  const column = <T extends string | number | null>(of: (finish: ClaimFinish) => T): T[] => finishes.map(of);
  return [
    studyId,
    now,
    touch,
    direction === 'maximize',
    column((f) => f.number),
    column((f) => f.owner),
    column((f) => f.info.status),
    column((f) => finiteOrNull(f.info.value)),
    column((f) => (f.info.metrics === null ? null : encodeMetrics(f.info.metrics))),
    column((f) => f.info.epochs),
    column((f) => f.info.durationMs),
    column((f) => f.info.error),
    column((f) => f.info.tensorsAfter),
    column((f) => keptCheckpoint(f.info)),
  ];
}

/** The study's best completed trial after a finish, for progress lines. */
function finishSummary(ended: FinishRow): FinishSummary {
  return { best: ended.best_number === null ? null : { number: ended.best_number, value: ended.best_value! } };
}
