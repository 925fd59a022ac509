/**
 * The in-memory backend of {@link Storage}: same rules and errors as SQLite, nothing persisted.
 * For tests and for throw-away studies (`--storage memory:`).
 */
import type { StudySpec } from '../space/spec.js';
import type { CopySource, Direction, Metrics, Params, PromotionChange, StudyStatus, TrialStatus } from '../core/types.js';
import { compareRanked } from '../core/rank.js';
import { badRankQuery } from './rank-sql.js';
import {
  StorageErrors,
  addDuration,
  checkEpoch,
  checkKeepEpochs,
  checkOperation,
  checkPromotion,
  checkTransition,
  runEndedAt,
  deepFreeze,
  isOwner,
  keptCheckpoint,
  keptEpochs,
  newTrialRecord,
  requireTrial,
  studyFinishedAt,
} from './rules.js';
import { finiteOrNull } from '../core/scores.js';
import {
  type ClaimDecision,
  type ClaimRequest,
  type ClaimResult,
  type ClaimState,
  type FinishSummary,
  type Lease,
  type LeasedFinish,
  LeaseLostError,
  type StudyCoordination,
  type Takeover,
} from './coordination.js';
import type {
  EpochRecord,
  EpochValues,
  FinishInfo,
  LockOwner,
  NewEpoch,
  NewTrial,
  PromotionRecord,
  RunRecord,
  StartInfo,
  Storage,
  StudyLock,
  StudyRecord,
  StudySummary,
  TrialCount,
  TrialRecord,
} from './storage.js';
import { runSlot } from './records.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface StudyEntry {
  record: StudyRecord;
  readonly trials: Map<number, Mutable<TrialRecord>>;
  /** Epoch records by trial number, then epoch number. */
  readonly epochs: Map<number, Map<number, EpochRecord>>;
  readonly promotions: PromotionRecord[];
  lock: StudyLock | null;
  /** Coordination: each running trial's lease, the checkpoints storage knows of, the takeovers. */
  readonly leases: Map<number, Lease>;
  readonly checkpoints: Map<number, Map<number, Uint8Array | null>>;
  readonly takeovers: Takeover[];
  /** Every run, in the order they started; the open one of a trial is its last with no end. */
  readonly runs: Mutable<RunRecord>[];
}

/** What every connection to one in-memory database shares. */
interface MemoryData {
  readonly studies: Map<number, StudyEntry>;
  nextId: number;
  /** Makes each lease owner unique. */
  nonce: number;
}

/** Options of {@link MemoryStorage}. */
export interface MemoryStorageOptions {
  /** Reject every write, as a read-only SQLite connection does. */
  readonly readonly?: boolean;
  /**
   * Also a {@link StudyCoordination}: many study loops (each with its own connection from
   * {@link MemoryStorage.connect}) work on one study at once, with claims, leases and takeovers,
   * as on PostgreSQL, all in this process. For tests of the distributed loop.
   */
  readonly coordination?: boolean;
}

/**
 * {@link Storage} in the process's memory. Writes apply at once (a batch of one), so every read
 * sees them; returned records are frozen copies.
 */
export class MemoryStorage implements Storage {
  readonly location = 'memory:';
  readonly coordination?: StudyCoordination;
  readonly #data: MemoryData;
  readonly #studies: Map<number, StudyEntry>;
  readonly #options: MemoryStorageOptions;
  #closed = false;

  constructor(options: MemoryStorageOptions = {}, data: MemoryData = { studies: new Map(), nextId: 1, nonce: 0 }) {
    this.#options = options;
    this.#data = data;
    this.#studies = data.studies;
    if (options.coordination === true) this.coordination = this.#coordination();
  }

  /** Another connection to the same data, closed on its own (as a second client of a database). */
  connect(options: MemoryStorageOptions = this.#options): MemoryStorage {
    return new MemoryStorage(options, this.#data);
  }

  createStudy(spec: StudySpec, backend: string | null): Promise<StudyRecord> {
    return this.#write(() => {
      if (this.#byName(spec.name)) throw StorageErrors.studyExists(spec.name, this.location);
      const now = Date.now();
      const record: StudyRecord = Object.freeze({
        id: this.#data.nextId++,
        name: spec.name,
        spec: deepFreeze(structuredClone(spec)),
        status: 'running',
        backend,
        createdAt: now,
        updatedAt: now,
        finishedAt: null,
      });
      this.#studies.set(record.id, {
        record,
        trials: new Map(),
        epochs: new Map(),
        promotions: [],
        lock: null,
        leases: new Map(),
        checkpoints: new Map(),
        takeovers: [],
        runs: [],
      });
      return record;
    });
  }

  getStudy(name: string): Promise<StudyRecord | null> {
    return this.#read(() => this.#byName(name)?.record ?? null);
  }

  listStudies(): Promise<StudySummary[]> {
    return this.#read(() =>
      [...this.#studies.values()].map(({ record, trials }) => {
        const sign = record.spec.objective.direction === 'maximize' ? 1 : -1;
        let completed = 0;
        let best: number | null = null;
        for (const trial of trials.values()) {
          if (trial.status !== 'completed') continue;
          completed += 1;
          if (trial.value !== null && (best === null || sign * trial.value > sign * best)) best = trial.value;
        }
        return Object.freeze({
          name: record.name,
          status: record.status,
          strategy: record.spec.strategy,
          direction: record.spec.objective.direction,
          metric: record.spec.objective.metric,
          trials: trials.size,
          completed,
          best,
          createdAt: record.createdAt,
          sampler: record.spec.sampler,
          pruner: record.spec.pruner,
          pbt: record.spec.pbt,
        });
      }),
    );
  }

  updateStudySpec(studyId: number, spec: StudySpec): Promise<void> {
    return this.#write(() => {
      const entry = this.#study(studyId);
      entry.record = Object.freeze({ ...entry.record, spec: deepFreeze(structuredClone(spec)), updatedAt: Date.now() });
    });
  }

  acquireStudyLock(studyId: number, owner: LockOwner, canTakeOver: (holder: StudyLock) => boolean): Promise<StudyLock | null> {
    return this.#write(() => {
      const entry = this.#study(studyId);
      const holder = entry.lock;
      if (holder !== null && !isOwner(holder, owner) && !canTakeOver(holder)) return holder;
      const now = Date.now();
      entry.lock = Object.freeze({ pid: owner.pid, host: owner.host, acquiredAt: now, heartbeatAt: now });
      return null;
    });
  }

  renewStudyLock(studyId: number, owner: LockOwner): Promise<boolean> {
    return this.#write(() => {
      const entry = this.#studies.get(studyId);
      if (!entry?.lock || !isOwner(entry.lock, owner)) return false;
      entry.lock = Object.freeze({ ...entry.lock, heartbeatAt: Date.now() });
      return true;
    });
  }

  releaseStudyLock(studyId: number, owner: LockOwner): Promise<void> {
    return this.#write(() => {
      const entry = this.#studies.get(studyId);
      if (entry?.lock && isOwner(entry.lock, owner)) entry.lock = null;
    });
  }

  getStudyLock(studyId: number): Promise<StudyLock | null> {
    return this.#read(() => this.#studies.get(studyId)?.lock ?? null);
  }

  setStudyStatus(studyId: number, status: StudyStatus): Promise<void> {
    return this.#write(() => setStatus(this.#study(studyId), status, Date.now()));
  }

  addTrial(studyId: number, trial: NewTrial): Promise<TrialRecord> {
    return this.#write(() => Object.freeze({ ...addTo(this.#study(studyId), trial, Date.now()) }));
  }

  startTrial(studyId: number, number: number, info: StartInfo): Promise<void> {
    return this.#write(() => start(...this.#trial(studyId, number), info, Date.now()));
  }

  recordEpoch(studyId: number, number: number, epoch: NewEpoch): Promise<void> {
    return this.#write(() => recordEpochOf(...this.#trial(studyId, number), epoch, Date.now()));
  }

  finishTrial(studyId: number, number: number, info: FinishInfo): Promise<void> {
    return this.#write(() => finishOf(...this.#trial(studyId, number), info, Date.now()));
  }

  requeueTrial(studyId: number, number: number, keepEpochs: number, durationMs: number | null = null, crashed = false): Promise<void> {
    return this.#write(() => requeue(...this.#trial(studyId, number), keepEpochs, durationMs, Date.now(), crashed));
  }

  promoteTrial(studyId: number, number: number, rung: number, targetEpochs: number, change?: PromotionChange): Promise<void> {
    return this.#write(() => promote(...this.#trial(studyId, number), rung, targetEpochs, change, Date.now()));
  }

  pruneTrial(studyId: number, number: number): Promise<void> {
    return this.#write(() => prune(...this.#trial(studyId, number), Date.now()));
  }

  retryTrial(studyId: number, number: number, seed: number, params?: Params): Promise<void> {
    return this.#write(() => retry(...this.#trial(studyId, number), seed, params, Date.now()));
  }

  getRuns(studyId: number): Promise<RunRecord[]> {
    return this.#read(() => (this.#studies.get(studyId)?.runs ?? []).map((run) => Object.freeze({ ...run })));
  }

  getPromotions(studyId: number): Promise<PromotionRecord[]> {
    return this.#read(() => [...(this.#studies.get(studyId)?.promotions ?? [])].sort((a, b) => a.trial - b.trial || a.rung - b.rung));
  }

  getTrials(studyId: number): Promise<TrialRecord[]> {
    return this.#read(() => {
      const trials = [...(this.#studies.get(studyId)?.trials.values() ?? [])];
      return trials.sort((a, b) => a.number - b.number).map((trial) => Object.freeze({ ...trial }));
    });
  }

  bestTrials(studyId: number, direction: Direction, limit: number, statuses?: readonly TrialStatus[]): Promise<TrialRecord[]> {
    const bad = badRankQuery(limit, statuses);
    if (bad !== null) return bad;
    return this.#read(() => {
      const trials = [...(this.#studies.get(studyId)?.trials.values() ?? [])].filter(
        (trial) => statuses === undefined || statuses.includes(trial.status),
      );
      return trials
        .sort(compareRanked(direction))
        .slice(0, limit)
        .map((trial) => Object.freeze({ ...trial }));
    });
  }

  countTrials(studyId: number): Promise<TrialCount[]> {
    return this.#read(() => {
      const counts = new Map<string, Mutable<TrialCount>>();
      for (const trial of this.#studies.get(studyId)?.trials.values() ?? []) {
        const key = `${trial.status} ${trial.bracket} ${trial.rung}`;
        let count = counts.get(key);
        if (count === undefined) {
          count = { status: trial.status, bracket: trial.bracket, rung: trial.rung, trials: 0, epochs: 0, remainingEpochs: 0 };
          counts.set(key, count);
        }
        count.trials++;
        count.epochs += trial.epochs;
        count.remainingEpochs += Math.max(0, trial.targetEpochs - trial.epochs);
      }
      return [...counts.values()].map((count) => Object.freeze(count));
    });
  }

  getEpochs(studyId: number, trial?: number): Promise<EpochRecord[]> {
    return this.#read(() => {
      const byTrial = this.#studies.get(studyId)?.epochs ?? new Map<number, Map<number, EpochRecord>>();
      const rows = [...byTrial.values()].flatMap((epochs) => [...epochs.values()]);
      return rows.filter((row) => trial === undefined || row.trial === trial).sort((a, b) => a.trial - b.trial || a.epoch - b.epoch);
    });
  }

  epochValues(studyId: number, epoch: number, below: number, except: number): Promise<EpochValues> {
    return this.#read(() => {
      const entry = this.#studies.get(studyId);
      const now = Date.now();
      const values: (number | null)[] = [];
      let completed = 0;
      let running = 0;
      const trials = [...(entry?.trials.values() ?? [])].sort((a, b) => a.number - b.number);
      for (const trial of trials) {
        if (trial.number >= below || trial.number === except) continue;
        if (trial.status === 'completed') {
          completed++;
          const row = entry!.epochs.get(trial.number)?.get(epoch);
          if (row !== undefined) values.push(row.value);
        }
        // A trial whose lease ran out (its worker died) is not waited for.
        if (trial.status === 'running' && !((entry!.leases.get(trial.number)?.expiresAt ?? Infinity) < now)) running++;
      }
      return { values, completed, running };
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  async #write<T>(run: () => T): Promise<T> {
    if (this.#closed) throw StorageErrors.closed(this.location);
    if (this.#options.readonly === true) throw StorageErrors.readonly(this.location);
    return run();
  }

  async #read<T>(run: () => T): Promise<T> {
    if (this.#closed) throw StorageErrors.closed(this.location);
    return run();
  }

  /**
   * The coordination of {@link MemoryStorageOptions.coordination}, with the semantics of
   * PostgreSQL's (postgres-coordination.ts): every operation runs as one synchronous step, which
   * in one process is what the study's lock and a transaction give there.
   */
  #coordination(): StudyCoordination {
    const data = this.#data;
    /** The trial, when `owner` holds its lease. @throws {LeaseLostError} otherwise. */
    const leased = (studyId: number, number: number, owner: string): [StudyEntry, Mutable<TrialRecord>] => {
      const [entry, trial] = this.#trial(studyId, number);
      if (trial.status !== 'running' || entry.leases.get(number)?.owner !== owner)
        throw new LeaseLostError(entry.record.name, number, owner);
      return [entry, trial];
    };
    const save = (
      entry: StudyEntry,
      number: number,
      checkpoint: { readonly epoch: number; readonly data: Uint8Array | null } | null | undefined,
    ) => {
      if (checkpoint == null) return;
      const checkpoints = entry.checkpoints.get(number) ?? new Map<number, Uint8Array | null>();
      entry.checkpoints.set(number, checkpoints);
      checkpoints.set(checkpoint.epoch, checkpoint.data === null ? null : new Uint8Array(checkpoint.data));
    };
    /** {@link StudyCoordination.finishLeased} as one synchronous step. */
    const finishLeased = (studyId: number, number: number, owner: string, finish: LeasedFinish): FinishSummary => {
      const { info } = finish;
      const [entry, trial] = leased(studyId, number, owner);
      finishOf(entry, trial, info, Date.now());
      entry.leases.delete(number);
      const keep = keptCheckpoint(info);
      keepCheckpoint(entry, number, keep);
      if (keep !== null) save(entry, number, finish.checkpoint);
      if (finish.retry != null && info.status === 'failed') retry(entry, trial, finish.retry.seed, finish.retry.params, Date.now());
      const sign = entry.record.spec.objective.direction === 'maximize' ? 1 : -1;
      let best: { number: number; value: number } | null = null;
      for (const t of [...entry.trials.values()].sort((a, b) => a.number - b.number)) {
        if (t.status === 'completed' && t.value !== null && (best === null || sign * t.value > sign * best.value))
          best = { number: t.number, value: t.value };
      }
      return { best };
    };
    return {
      claimJobs: <D extends ClaimDecision>(
        studyId: number,
        request: ClaimRequest,
        decide: (state: ClaimState) => D,
      ): Promise<ClaimResult<D>> =>
        this.#write(() => {
          const entry = this.#study(studyId);
          // The runs that ended first, each only for its lease's owner; undone when the claim fails.
          const undo = undoFinishes(entry, request.finishes ?? []);
          try {
            const finished = (request.finishes ?? []).map(({ number, owner, info }) => {
              try {
                return finishLeased(studyId, number, owner, { info });
              } catch (error) {
                if (error instanceof LeaseLostError) return null;
                throw error;
              }
            });
            const now = Date.now();
            const takeovers: Takeover[] = [];
            for (const trial of entry.trials.values()) {
              const lease = entry.leases.get(trial.number);
              if (trial.status !== 'running' || lease === undefined || lease.expiresAt >= now) continue;
              const keep = keepOnRequeue(entry, trial);
              requeue(entry, trial, keep, null, now, true);
              keepCheckpoint(entry, trial.number, keep === 0 ? null : keep);
              entry.leases.delete(trial.number);
              takeovers.push(Object.freeze({ trial: trial.number, owner: lease.owner, keptEpochs: keep, createdAt: now }));
            }
            entry.takeovers.push(...takeovers);
            const trials = [...entry.trials.values()].sort((a, b) => a.number - b.number).map((t) => Object.freeze({ ...t }));
            const epochs =
              request.curves === false
                ? []
                : [...entry.epochs.values()].flatMap((byEpoch) =>
                    [...byEpoch.values()].map(({ trial, epoch, value }) => ({ trial, epoch, value })),
                  );
            const sorted = epochs.sort((a, b) => a.trial - b.trial || a.epoch - b.epoch);
            // In one process reading everything costs no round trip: every state is full.
            const decision = decide({ study: entry.record, trials, epochs: sorted, full: true });
            // Checked before anything is applied: a decision that breaks a rule changes nothing.
            const name = entry.record.name;
            for (const claim of decision.claims) {
              if (claim.kind === 'new') {
                if (entry.trials.has(claim.trial.number)) throw StorageErrors.trialExists(name, claim.trial.number);
              } else {
                const trial = requireTrial(name, claim.number, entry.trials.get(claim.number));
                if (claim.kind === 'promote') checkPromotion(name, trial, claim.change);
                else checkOperation(name, trial, 'start');
              }
            }
            for (const number of decision.drop) checkOperation(name, requireTrial(name, number, entry.trials.get(number)), 'prune');
            const leases = decision.claims.map((claim): Lease => {
              const trial = claim.kind === 'new' ? addTo(entry, claim.trial, now) : entry.trials.get(claim.number)!;
              if (claim.kind === 'promote') promote(entry, trial, claim.rung, claim.targetEpochs, claim.change, now);
              const device = request.deviceOf?.(claim.slot) ?? request.start.device ?? null;
              start(entry, trial, { ...request.start, worker: claim.slot, device }, now);
              const lease = Object.freeze({
                owner: `${request.worker}:${claim.slot}:${(++data.nonce).toString(16).padStart(8, '0')}`,
                expiresAt: now + request.leaseMs,
              });
              entry.leases.set(trial.number, lease);
              return lease;
            });
            for (const number of decision.drop) {
              prune(entry, entry.trials.get(number)!, now);
              keepCheckpoint(entry, number, null);
            }
            if (decision.status !== null && decision.status !== entry.record.status) setStatus(entry, decision.status, now);
            return { decision, leases, takeovers, finished, study: entry.record };
          } catch (error) {
            undo();
            throw error;
          }
        }),
      renewLeases: (studyId, leases, leaseMs) =>
        this.#write(() => {
          const entry = this.#study(studyId);
          const now = Date.now();
          return leases
            .filter(({ trial, owner }) => {
              const lease = entry.leases.get(trial);
              if (entry.trials.get(trial)?.status !== 'running' || lease?.owner !== owner) return true;
              entry.leases.set(trial, Object.freeze({ owner, expiresAt: now + leaseMs }));
              return false;
            })
            .map(({ trial }) => trial);
        }),
      recordLeasedEpoch: (studyId, number, owner, epoch) =>
        this.#write(() => recordEpochOf(...leased(studyId, number, owner), epoch, Date.now())),
      finishLeased: (studyId, number, owner, finish) => this.#write(() => finishLeased(studyId, number, owner, finish)),
      requeueLeased: (studyId, number, owner, request) =>
        this.#write(() => {
          const [entry, trial] = leased(studyId, number, owner);
          const checkpoint = request.checkpoint != null && request.checkpoint.epoch <= trial.epochs ? request.checkpoint : null;
          save(entry, number, checkpoint);
          const keep = checkpoint?.epoch ?? keepOnRequeue(entry, trial);
          requeue(entry, trial, keep, request.durationMs ?? null, Date.now());
          keepCheckpoint(entry, number, keep === 0 ? null : keep);
          entry.leases.delete(number);
          return keep;
        }),
      leaveStudy: (studyId) =>
        this.#write(() => {
          const entry = this.#study(studyId);
          const running = [...entry.trials.values()].some((t) => t.status === 'running');
          if (running || entry.record.status !== 'running') return entry.record.status;
          setStatus(entry, 'interrupted', Date.now());
          return 'interrupted' as const;
        }),
      getCheckpoint: (studyId, number, epoch) => this.#read(() => this.#studies.get(studyId)?.checkpoints.get(number)?.get(epoch) ?? null),
      listCheckpoints: (studyId, number) =>
        this.#read(() => [...(this.#studies.get(studyId)?.checkpoints.get(number)?.keys() ?? [])].sort((a, b) => a - b)),
      getTakeovers: (studyId) =>
        this.#read(() => [...(this.#studies.get(studyId)?.takeovers ?? [])].sort((a, b) => a.createdAt - b.createdAt || a.trial - b.trial)),
    };
  }

  #byName(name: string): StudyEntry | undefined {
    for (const entry of this.#studies.values()) if (entry.record.name === name) return entry;
    return undefined;
  }

  #study(studyId: number): StudyEntry {
    const entry = this.#studies.get(studyId);
    if (!entry) throw StorageErrors.noStudy(studyId);
    return entry;
  }

  #trial(studyId: number, number: number): [StudyEntry, Mutable<TrialRecord>] {
    const entry = this.#study(studyId);
    return [entry, requireTrial(entry.record.name, number, entry.trials.get(number))];
  }
}

function touch(entry: StudyEntry, now: number): void {
  entry.record = Object.freeze({ ...entry.record, updatedAt: now });
}

// Each write as one synchronous step over a study's entry: checked first, then applied, so that
// a rejected write changes nothing. The Storage methods and the coordination share them.

function setStatus(entry: StudyEntry, status: StudyStatus, now: number): void {
  entry.record = Object.freeze({ ...entry.record, status, finishedAt: studyFinishedAt(status, now), updatedAt: now });
}

function addTo(entry: StudyEntry, trial: NewTrial, now: number): Mutable<TrialRecord> {
  if (entry.trials.has(trial.number)) throw StorageErrors.trialExists(entry.record.name, trial.number);
  const params = deepFreeze(structuredClone(trial.params));
  // The same object as params: a retry with new parameters replaces both until a promotion changes them.
  const stored: Mutable<TrialRecord> = { ...newTrialRecord(entry.record.id, trial, now), params, initialParams: params };
  entry.trials.set(trial.number, stored);
  touch(entry, now);
  return stored;
}

function start(entry: StudyEntry, trial: Mutable<TrialRecord>, info: StartInfo, now: number): void {
  checkOperation(entry.record.name, trial, 'start');
  Object.assign(trial, { status: 'running', startedAt: now, worker: info.worker, backend: info.backend, device: info.device ?? null });
  entry.runs.push({
    trial: trial.number,
    host: info.host,
    slot: runSlot(info),
    startedAt: now,
    endedAt: null,
    fromEpoch: trial.epochs,
    toEpoch: null,
    outcome: null,
  });
  touch(entry, now);
}

/** Closes the trial's open run, if it has one (see {@link runEndedAt} for `seen`). */
function endRun(entry: StudyEntry, trial: TrialRecord, outcome: TrialStatus, now: number, seen: boolean): void {
  const run = entry.runs.findLast((r) => r.trial === trial.number);
  if (run === undefined || run.endedAt !== null) return;
  const epochs = [...(entry.epochs.get(trial.number)?.values() ?? [])];
  const lastEpochAt = epochs.length === 0 ? null : Math.max(...epochs.map((e) => e.createdAt));
  Object.assign(run, { endedAt: runEndedAt(now, seen, run.startedAt, lastEpochAt), toEpoch: trial.epochs, outcome });
}

function recordEpochOf(entry: StudyEntry, trial: Mutable<TrialRecord>, epoch: NewEpoch, now: number): void {
  checkEpoch(entry.record.name, trial, epoch.epoch);
  const metrics = frozenMetrics(epoch.metrics);
  const value = finiteOrNull(epoch.value);
  const epochs = entry.epochs.get(trial.number) ?? new Map<number, EpochRecord>();
  entry.epochs.set(trial.number, epochs);
  epochs.set(
    epoch.epoch,
    Object.freeze({ trial: trial.number, epoch: epoch.epoch, metrics, value, durationMs: epoch.durationMs, createdAt: now }),
  );
  Object.assign(trial, { value, metrics, epochs: epoch.epoch });
  touch(entry, now);
}

function finishOf(entry: StudyEntry, trial: Mutable<TrialRecord>, info: FinishInfo, now: number): void {
  checkTransition(entry.record.name, trial, info.status);
  if (trial.status === 'running') endRun(entry, { ...trial, epochs: info.epochs }, info.status, now, true);
  Object.assign(trial, {
    status: info.status,
    value: finiteOrNull(info.value),
    metrics: info.metrics === null ? null : frozenMetrics(info.metrics),
    epochs: info.epochs,
    durationMs: addDuration(trial.durationMs, info.durationMs),
    error: info.error,
    tensorsAfter: info.tensorsAfter,
    finishedAt: now,
  });
  touch(entry, now);
}

function requeue(
  entry: StudyEntry,
  trial: Mutable<TrialRecord>,
  keepEpochs: number,
  durationMs: number | null,
  now: number,
  crashed = false,
): void {
  checkOperation(entry.record.name, trial, 'requeue');
  checkKeepEpochs(entry.record.name, trial, keepEpochs);
  endRun(entry, trial, 'queued', now, !crashed);
  const epochs = entry.epochs.get(trial.number);
  for (const epoch of epochs?.keys() ?? []) if (epoch > keepEpochs) epochs?.delete(epoch);
  const kept = epochs?.get(keepEpochs);
  Object.assign(trial, {
    status: 'queued',
    epochs: keepEpochs,
    value: kept?.value ?? null,
    metrics: kept?.metrics ?? null,
    durationMs: addDuration(trial.durationMs, durationMs),
    startedAt: null,
    interruptions: trial.interruptions + 1,
  });
  touch(entry, now);
}

function promote(
  entry: StudyEntry,
  trial: Mutable<TrialRecord>,
  rung: number,
  targetEpochs: number,
  change: PromotionChange | undefined,
  now: number,
): void {
  checkPromotion(entry.record.name, trial, change);
  const params = change === undefined ? null : deepFreeze(structuredClone(change.params));
  const source = change?.source == null ? null : copySource(change.source);
  Object.assign(trial, { status: 'queued', rung, targetEpochs, startedAt: null, copiedFrom: source });
  // initialParams stays the object the trial was created with (or retried with before any change).
  if (params !== null) trial.params = params;
  if (source !== null) exploit(entry, trial, source);
  entry.promotions.push(Object.freeze({ trial: trial.number, rung, createdAt: now, params, source }));
  touch(entry, now);
}

/**
 * The trial continues from `source`'s checkpoint: its epochs after it are dropped, its error
 * cleared, and the source's checkpoint (when storage has it) becomes its only one, so that a
 * later takeover or requeue keeps that epoch and never one of its own earlier weights.
 */
function exploit(entry: StudyEntry, trial: Mutable<TrialRecord>, source: CopySource): void {
  const epochs = entry.epochs.get(trial.number);
  for (const epoch of [...(epochs?.keys() ?? [])]) if (epoch > source.epoch) epochs!.delete(epoch);
  Object.assign(trial, { epochs: source.epoch, error: null });
  const donor = entry.checkpoints.get(source.trial);
  const copied = donor?.has(source.epoch) === true ? donor.get(source.epoch)! : undefined;
  entry.checkpoints.delete(trial.number);
  if (copied !== undefined) entry.checkpoints.set(trial.number, new Map([[source.epoch, copied === null ? null : new Uint8Array(copied)]]));
}

function copySource(source: CopySource): CopySource {
  return Object.freeze({ trial: source.trial, epoch: source.epoch });
}

function prune(entry: StudyEntry, trial: Mutable<TrialRecord>, now: number): void {
  checkOperation(entry.record.name, trial, 'prune');
  Object.assign(trial, { status: 'pruned', finishedAt: now });
  touch(entry, now);
}

function retry(entry: StudyEntry, trial: Mutable<TrialRecord>, seed: number, params: Params | undefined, now: number): void {
  checkOperation(entry.record.name, trial, 'retry');
  entry.epochs.delete(trial.number);
  const replaced = params === undefined ? trial.params : deepFreeze(structuredClone(params));
  // Until a promotion changes them, the parameters a trial was created with are its current ones.
  if (trial.initialParams === trial.params) trial.initialParams = replaced;
  Object.assign(trial, {
    status: 'queued',
    seed,
    params: replaced,
    copiedFrom: null,
    epochs: 0,
    value: null,
    metrics: null,
    error: null,
    startedAt: null,
    finishedAt: null,
    retries: trial.retries + 1,
  });
  touch(entry, now);
}

/**
 * What the finishes of a claim may change (their trials, leases, checkpoints and last runs, and
 * the study's record), kept so that a claim that fails changes nothing, as its transaction would.
 */
function undoFinishes(entry: StudyEntry, finishes: readonly { readonly number: number }[]): () => void {
  const record = entry.record;
  const kept = finishes.map(({ number }) => {
    const trial = entry.trials.get(number);
    const run = entry.runs.findLast((r) => r.trial === number);
    return {
      number,
      trial: trial === undefined ? undefined : { ...trial },
      lease: entry.leases.get(number),
      checkpoints: new Map(entry.checkpoints.get(number) ?? []),
      run: run === undefined ? undefined : { ...run },
    };
  });
  return () => {
    entry.record = record;
    for (const { number, trial, lease, checkpoints, run } of kept.reverse()) {
      if (trial !== undefined) Object.assign(entry.trials.get(number)!, trial);
      if (lease === undefined) entry.leases.delete(number);
      else entry.leases.set(number, lease);
      entry.checkpoints.set(number, checkpoints);
      if (run !== undefined)
        Object.assign(
          entry.runs.findLast((r) => r.trial === number)!,
          run,
        );
    }
  };
}

/** Deletes a trial's checkpoints, all of them or all but the one after `keep` epochs. */
function keepCheckpoint(entry: StudyEntry, number: number, keep: number | null): void {
  const checkpoints = entry.checkpoints.get(number);
  for (const epoch of [...(checkpoints?.keys() ?? [])]) if (epoch !== keep) checkpoints!.delete(epoch);
}

/** The epochs an interrupted trial keeps: all when they reach its target, else its last checkpoint storage knows of. */
function keepOnRequeue(entry: StudyEntry, trial: TrialRecord): number {
  return keptEpochs(trial.epochs, trial.targetEpochs, [...(entry.checkpoints.get(trial.number)?.keys() ?? [])]);
}

function frozenMetrics(metrics: Metrics): Metrics {
  return Object.freeze({ ...metrics });
}
