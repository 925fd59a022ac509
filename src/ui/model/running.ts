/**
 * The running panel's view-model: one row per trial in training, with its epoch progress and
 * last metrics, then the trials waiting to run or to be promoted, each with why it waits.
 */
import { formatNumber } from '../../report/format.js';
import type { TrialRecord } from '../../storage/storage.js';
import type { DashboardData } from './data.js';
import type { RungRow } from './rungs.js';
import { type TrialIndex, indexTrials } from './trial-index.js';

export interface RunningRow {
  readonly kind: 'running';
  readonly trial: number;
  /** The worker slot it runs in. */
  readonly slot: number | null;
  readonly epoch: number;
  /** Epochs it is to reach in this run. */
  readonly target: number;
  /** Share of this run done: epochs since it (re)started over epochs it is to train. */
  readonly fraction: number;
  readonly loss: string;
  /** The objective metric. */
  readonly value: string;
  readonly lr: string;
  /** `rung 1`, `bracket 2 rung 0`, `interval 1 (copied #0)` (pbt), or empty for single-fidelity strategies. */
  readonly rung: string;
}

export interface WaitingRow {
  readonly kind: 'waiting';
  readonly trial: number;
  readonly reason: string;
}

export interface RunningView {
  readonly metric: string;
  readonly running: number;
  /** Trials queued or paused at a rung. */
  readonly waiting: number;
  /** The rows that fit, running ones first. */
  readonly rows: readonly (RunningRow | WaitingRow)[];
  /** Trials left out for lack of room. */
  readonly hidden: number;
}

function rungLabel(trial: TrialRecord, pbt: boolean): string {
  if (trial.rung === null) return '';
  if (pbt) return `interval ${trial.rung}${trial.copiedFrom === null ? '' : ` (copied #${trial.copiedFrom.trial})`}`;
  return trial.bracket === null ? `rung ${trial.rung}` : `bracket ${trial.bracket} rung ${trial.rung}`;
}

/** `runStart`: the epochs it had when this run began (a promoted trial continues from its last rung). */
function runningRow(trial: TrialRecord, metric: string, runStart: number, pbt: boolean): RunningRow {
  const metrics = trial.metrics ?? {};
  const from = Math.min(trial.epochs, runStart);
  const span = trial.targetEpochs - from;
  return {
    kind: 'running',
    trial: trial.number,
    slot: trial.worker,
    epoch: trial.epochs,
    target: trial.targetEpochs,
    fraction: span <= 0 ? 1 : (trial.epochs - from) / span,
    loss: formatNumber(metrics.loss),
    value: formatNumber(metrics[metric]),
    lr: formatNumber(metrics.lr),
    rung: rungLabel(trial, pbt),
  };
}

/** pbt: members done with each interval (trained to its end, or ended before it), by interval. */
function intervalsDone(data: DashboardData): number[] {
  const done = data.plan.brackets[0]!.rungs.map(() => 0);
  for (const trial of data.trials) {
    if (trial === undefined) continue;
    const rung = trial.rung ?? 0;
    const over = trial.status !== 'running' && trial.status !== 'queued';
    for (let k = 0; k < done.length && (k < rung || (k === rung && over)); k++) done[k]!++;
  }
  return done;
}

/** Why a pbt member waits: for a worker at its next interval's start, or for the population to end its interval. */
function pbtWaitingReason(trial: TrialRecord, data: DashboardData, done: readonly number[]): string {
  const rung = trial.rung ?? 0;
  const ends = data.plan.brackets[0]!.rungs;
  if (trial.status === 'queued') {
    const why = data.paused ? 'dispatching paused' : 'waits for a free worker';
    if (rung > 0 && trial.copiedFrom !== null && trial.epochs === trial.copiedFrom.epoch)
      return `copies #${trial.copiedFrom.trial} after ${trial.copiedFrom.epoch} epochs for interval ${rung}; ${why}`;
    if (rung > 0 && trial.epochs === ends[rung - 1]?.epochs) return `goes on to interval ${rung} (${trial.targetEpochs} epochs); ${why}`;
    if (trial.interruptions > 0)
      return `interrupted; resumes ${trial.epochs > 0 ? `after epoch ${trial.epochs}` : 'from the start'}; ${why}`;
    return why;
  }
  const members = ends[rung]?.configs ?? done[rung] ?? 0;
  return `interval ${rung} done (${trial.epochs} epochs); waits for the population: ${done[rung] ?? 0}/${members} done`;
}

function waitingReason(trial: TrialRecord, data: DashboardData, rungs: ReadonlyMap<string, RungRow>): string {
  if (trial.status === 'queued') {
    const why = data.paused ? 'dispatching paused' : 'waits for a free worker';
    if (trial.rung !== null && trial.rung > 0 && trial.epochs > 0)
      return `promoted to rung ${trial.rung} (${trial.targetEpochs} epochs); ${why}`;
    if (trial.interruptions > 0)
      return `interrupted; resumes ${trial.epochs > 0 ? `after epoch ${trial.epochs}` : 'from the start'}; ${why}`;
    return why;
  }
  const rung = trial.rung ?? 0;
  const row = rungs.get(`${trial.bracket}:${rung}`);
  const at = `rung ${rung} reached (${trial.epochs} epochs)`;
  if (data.plan.strategy === 'asha') return `${at}; promoted if in the top 1/${data.plan.eta} of its rung`;
  if (row === undefined) return `${at}; waits for its rung to fill`;
  const done = row.reached + row.lost;
  // A complete rung has dropped its losers already: the trials left at it wait for a worker.
  if (done >= row.planned) return `${at}; promoted, waits for a free worker`;
  return `${at}; waits for the rung to fill: ${done}/${row.planned} have a result`;
}

/** Running trials by worker, then queued ones, then those paused at a rung; at most `limit` rows. */
export function buildRunning(data: DashboardData, limit: number, index: TrialIndex = indexTrials(data)): RunningView {
  const metric = data.study.spec.objective.metric;
  const byRung = new Map(index.rungs.map((row) => [`${row.bracket}:${row.rung}`, row]));
  const pbt = data.plan.strategy === 'pbt';
  const runStart = (trial: TrialRecord) =>
    trial.rung === null || trial.rung === 0
      ? 0
      : pbt
        ? (data.plan.brackets[0]!.rungs[trial.rung - 1]?.epochs ?? 0)
        : (byRung.get(`${trial.bracket}:${trial.rung - 1}`)?.epochs ?? 0);
  const ordered = [...index.running, ...index.queued, ...index.paused];
  // During a preview the waiting trials are counted, not read: they are among those not shown.
  const total = index.running.length + index.waiting;
  const room = Math.max(0, limit);
  // The last line says how many more there are when not all fit.
  const shown = total <= room ? ordered : ordered.slice(0, Math.max(0, room - 1));
  const done = pbt && shown.length > 0 ? intervalsDone(data) : [];
  return {
    metric,
    running: index.running.length,
    waiting: index.waiting,
    rows: shown.map((number) => {
      const trial = data.trials[number]!;
      if (trial.status === 'running') return runningRow(trial, metric, runStart(trial), pbt);
      return { kind: 'waiting', trial: number, reason: pbt ? pbtWaitingReason(trial, data, done) : waitingReason(trial, data, byRung) };
    }),
    hidden: total - shown.length,
  };
}
