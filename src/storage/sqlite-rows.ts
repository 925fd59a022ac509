/**
 * SQLite rows as read from the tables, their conversion into frozen records, and the JSON
 * encoding of metrics that keeps NaN and ±Infinity.
 */
import type { StudySpec } from '../space/spec.js';
import type { CopySource, Metrics, Params, StudyStatus, TrialStatus } from '../core/types.js';
import { deepFreeze } from './rules.js';
import type { EpochRecord, PromotionRecord, RunRecord, StudyLock, StudyRecord, StudySummary, TrialRecord } from './storage.js';

/** A `studies` row. */
export interface StudyRow {
  readonly id: number;
  readonly name: string;
  readonly spec: string;
  readonly status: StudyStatus;
  readonly backend: string | null;
  readonly created_at: number;
  readonly updated_at: number;
  readonly finished_at: number | null;
}

/** A `trials` row. */
export interface TrialRow {
  readonly study_id: number;
  readonly number: number;
  readonly params: string;
  readonly seed: number;
  readonly status: TrialStatus;
  readonly value: number | null;
  readonly metrics: string | null;
  readonly epochs: number;
  readonly target_epochs: number;
  readonly bracket: number | null;
  readonly rung: number | null;
  readonly created_at: number;
  readonly started_at: number | null;
  readonly finished_at: number | null;
  readonly duration_ms: number | null;
  readonly error: string | null;
  readonly backend: string | null;
  readonly worker: number | null;
  readonly device: string | null;
  readonly tensors_after: number | null;
  readonly interruptions: number;
  readonly retries: number;
  /** Absent from a row read through a query that does not select it. */
  readonly proposed_by?: 'model' | 'random' | null;
  /** The parameters it was created with, once a promotion changed them (JSON); else null. */
  readonly first_params?: string | null;
  /** The checkpoint its current rung continues from, when it copied another trial's (JSON); else null. */
  readonly copied_from?: string | null;
}

/** An `epochs` row. */
export interface EpochRow {
  readonly trial: number;
  readonly epoch: number;
  readonly metrics: string;
  readonly value: number | null;
  readonly duration_ms: number;
  readonly created_at: number;
}

/** A row of the `listStudies` query. */
export interface SummaryRow {
  readonly name: string;
  readonly status: StudyStatus;
  readonly strategy: string;
  readonly direction: StudySummary['direction'];
  readonly metric: string;
  readonly trials: number;
  readonly completed: number;
  readonly best: number | null;
  readonly created_at: number;
  readonly spec: string;
}

const NON_FINITE: Readonly<Record<string, number>> = { NaN, Infinity, '-Infinity': -Infinity };

/**
 * Metrics as JSON. JSON has no NaN or Infinity (`JSON.stringify` writes null), so a non-finite
 * metric is stored as the string `"NaN"`, `"Infinity"` or `"-Infinity"`; metrics are numbers,
 * so a string can only mean one of these.
 */
export function encodeMetrics(metrics: Metrics): string {
  return JSON.stringify(metrics, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? String(value) : value));
}

/** The inverse of {@link encodeMetrics}; the result is frozen. */
export function decodeMetrics(text: string): Metrics {
  return Object.freeze(
    JSON.parse(text, (key, value: unknown) =>
      key !== '' && typeof value === 'string' && Object.hasOwn(NON_FINITE, value) ? NON_FINITE[value] : value,
    ) as Metrics,
  );
}

/** A frozen {@link StudyRecord} from its row. */
export function toStudyRecord(row: StudyRow, parsed?: StudySpec): StudyRecord {
  return Object.freeze({
    id: row.id,
    name: row.name,
    spec: parsed ?? deepFreeze(storedSpec(row.spec)),
    status: row.status,
    backend: row.backend,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  });
}

/** A frozen {@link StudySummary} from its row. */
export function toStudySummary(row: SummaryRow): StudySummary {
  return Object.freeze({
    name: row.name,
    status: row.status,
    strategy: row.strategy,
    direction: row.direction,
    metric: row.metric,
    trials: row.trials,
    completed: row.completed,
    best: row.best,
    createdAt: row.created_at,
    ...pick(storedSpec(row.spec)),
  });
}

/** The settings a study summary carries. */
function pick(spec: StudySpec): Pick<StudySummary, 'sampler' | 'pruner' | 'pbt'> {
  return { sampler: spec.sampler, pruner: spec.pruner, pbt: spec.pbt };
}

/** A frozen {@link TrialRecord} from its row. */
export function toTrialRecord(row: TrialRow): TrialRecord {
  const params = deepFreeze(JSON.parse(row.params) as Params);
  return Object.freeze({
    studyId: row.study_id,
    number: row.number,
    params,
    initialParams: row.first_params == null ? params : deepFreeze(JSON.parse(row.first_params) as Params),
    copiedFrom: decodeCopySource(row.copied_from),
    seed: row.seed,
    status: row.status,
    value: row.value,
    metrics: row.metrics === null ? null : decodeMetrics(row.metrics),
    epochs: row.epochs,
    targetEpochs: row.target_epochs,
    bracket: row.bracket,
    rung: row.rung,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    error: row.error,
    backend: row.backend,
    worker: row.worker,
    device: row.device,
    tensorsAfter: row.tensors_after,
    interruptions: row.interruptions,
    retries: row.retries,
    proposedBy: row.proposed_by ?? null,
  });
}

/** A `locks` row. */
export interface LockRow {
  readonly pid: number;
  readonly host: string;
  readonly acquired_at: number;
  readonly heartbeat_at: number;
}

/** A frozen {@link StudyLock} from its row. */
export function toStudyLock(row: LockRow): StudyLock {
  return Object.freeze({ pid: row.pid, host: row.host, acquiredAt: row.acquired_at, heartbeatAt: row.heartbeat_at });
}

/** A `promotions` row. */
export interface PromotionRow {
  readonly trial: number;
  readonly rung: number;
  readonly created_at: number;
  /** The parameters from this rung on, when the promotion changed them (JSON); else null. */
  readonly params: string | null;
  /** The checkpoint it continued from, when it copied one (JSON); else null. */
  readonly source: string | null;
}

/** A frozen {@link PromotionRecord} from its row. */
export function toPromotionRecord(row: PromotionRow): PromotionRecord {
  return Object.freeze({
    trial: row.trial,
    rung: row.rung,
    createdAt: row.created_at,
    params: row.params == null ? null : deepFreeze(JSON.parse(row.params) as Params),
    source: decodeCopySource(row.source),
  });
}

/** A `runs` row (PostgreSQL returns its BIGINT times as numbers too: see postgres-connection.ts). */
export interface RunRow {
  readonly trial: number;
  readonly host: string;
  readonly slot: string;
  readonly started_at: number;
  readonly ended_at: number | null;
  readonly from_epoch: number;
  readonly to_epoch: number | null;
  readonly outcome: TrialStatus | null;
}

/** A frozen {@link RunRecord} from its row. */
export function toRunRecord(row: RunRow): RunRecord {
  return Object.freeze({
    trial: row.trial,
    host: row.host,
    slot: row.slot,
    startedAt: Number(row.started_at),
    endedAt: row.ended_at === null ? null : Number(row.ended_at),
    fromEpoch: row.from_epoch,
    toEpoch: row.to_epoch,
    outcome: row.outcome,
  });
}

/** A stored copy source (see encodeCopySource in rules.ts), frozen; null for NULL. */
export function decodeCopySource(text: string | null | undefined): CopySource | null {
  if (text == null) return null;
  const { trial, epoch } = JSON.parse(text) as CopySource;
  return Object.freeze({ trial, epoch });
}

/** A frozen {@link EpochRecord} from its row. */
export function toEpochRecord(row: EpochRow): EpochRecord {
  return Object.freeze({
    trial: row.trial,
    epoch: row.epoch,
    metrics: decodeMetrics(row.metrics),
    value: row.value,
    durationMs: row.duration_ms,
    createdAt: row.created_at,
  });
}

/** The columns of a trial its write rules read. */
export type TrialStateRow = Pick<TrialRow, 'number' | 'status' | 'epochs' | 'duration_ms'>;

/**
 * A stored declaration, with the defaults of fields added since: one written before samplers
 * existed drew its configurations at random; one written before pruners, pbt and trial seeds has none.
 */
function storedSpec(text: string): StudySpec {
  const spec = JSON.parse(text) as Omit<StudySpec, 'sampler' | 'pruner' | 'pbt' | 'trialSeed'> &
    Partial<Pick<StudySpec, 'sampler' | 'pruner' | 'pbt' | 'trialSeed'>>;
  return {
    ...spec,
    sampler: spec.sampler ?? { name: 'random' },
    pruner: spec.pruner ?? { name: 'none' },
    pbt: spec.pbt ?? null,
    trialSeed: spec.trialSeed ?? null,
  };
}
