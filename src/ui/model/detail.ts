/**
 * The trial detail view-model (Enter on a selected trial): every parameter, its last metrics,
 * its learning curve and its way through the rungs (pbt: its intervals, and whom it copied).
 */
import { formatDuration, formatNumber, formatParam } from '../../report/format.js';
import { searchedParamNames } from '../../report/leaderboard.js';
import { constantParams } from '../../space/sample.js';
import type { TrialRecord } from '../../storage/storage.js';
import type { TrialStatus } from '../../core/types.js';
import type { DashboardData } from './data.js';
import { formatClock } from './text.js';

export interface RungStep {
  readonly rung: number;
  readonly epochs: number;
  /** The objective at the rung's last epoch, when known. */
  readonly value: string;
  /** `promoted at 1:05`, `waits for a promotion`, `stopped`... */
  readonly outcome: string;
}

export interface TrialDetailView {
  readonly trial: number;
  readonly status: TrialStatus;
  readonly metric: string;
  readonly value: string;
  /** `12/20` */
  readonly epochs: string;
  readonly time: string;
  readonly seed: number;
  readonly worker: string;
  readonly interruptions: number;
  /** Who proposed the configuration: `model` or `random`; null for grid cells and random-sampler studies (where every one is random). */
  readonly proposedBy: 'model' | 'random' | null;
  /** Sampled parameters (searched order), then the study's constants. */
  readonly params: readonly { readonly name: string; readonly value: string; readonly constant: boolean }[];
  readonly metrics: readonly { readonly name: string; readonly value: string }[];
  readonly error: readonly string[];
  /** `curve[e - 1]`: the objective after epoch e (empty when not loaded). */
  readonly curve: readonly (number | null)[];
  readonly xMax: number;
  /** Empty for single-fidelity strategies. */
  readonly rungs: readonly RungStep[];
  /** What a rung is called: pbt trains its population interval by interval. */
  readonly rungWord: 'rung' | 'interval';
}

function atRung(trial: TrialRecord, pbt: boolean): string {
  switch (trial.status) {
    case 'running':
      return `running (epoch ${trial.epochs})`;
    case 'paused':
      return pbt ? 'waits for the population' : 'waits for a promotion';
    case 'pruned':
      return 'stopped here';
    case 'queued':
      return 'queued to train to this rung';
    default:
      return trial.status;
  }
}

function rungSteps(data: DashboardData, trial: TrialRecord, curve: readonly (number | null)[]): RungStep[] {
  if (trial.rung === null) return [];
  const bracket = data.plan.brackets.find((b) => data.plan.strategy !== 'hyperband' || b.s === trial.bracket);
  if (bracket === undefined) return [];
  const steps: RungStep[] = [];
  for (let k = 0; k <= Math.min(trial.rung, bracket.rungs.length - 1); k++) {
    const epochs = bracket.rungs[k]!.epochs;
    const promotion = data.promotions.find((p) => p.trial === trial.number && p.rung === k + 1);
    const pbt = data.plan.strategy === 'pbt';
    let outcome: string;
    if (k < trial.rung && pbt)
      // pbt: every member goes on; what matters is whether it copied another for the next interval.
      outcome = promotion?.source == null ? 'went on' : `then copied #${promotion.source.trial} after ${promotion.source.epoch} ep`;
    else if (k < trial.rung)
      outcome = promotion === undefined ? 'promoted' : `promoted at ${formatClock(promotion.createdAt - data.study.createdAt)}`;
    else outcome = atRung(trial, pbt);
    steps.push({ rung: k, epochs, value: formatNumber(trial.epochs >= epochs ? curve[epochs - 1] : null), outcome });
  }
  return steps;
}

/** The detail of trial `number`, or null when the study has no such trial. */
export function buildTrialDetail(data: DashboardData, number: number): TrialDetailView | null {
  const trial = data.trials[number];
  if (trial === undefined) return null;
  const { spec } = data.study;
  const curve: (number | null)[] = [];
  for (const point of data.curves.get(number) ?? []) curve[point.epoch - 1] = point.value;
  const dense = Array.from(curve, (v) => v ?? null);
  const searched = searchedParamNames(spec.params).filter((name) => name in trial.params);
  const others = Object.keys(trial.params).filter((name) => !searched.includes(name));
  const constants = Object.entries(constantParams(spec.params));
  return {
    trial: number,
    status: trial.status,
    metric: spec.objective.metric,
    value: formatNumber(trial.value),
    epochs: `${trial.epochs}/${trial.targetEpochs}`,
    time: formatDuration(trial.durationMs),
    seed: trial.seed,
    worker: trial.worker === null ? '-' : String(trial.worker),
    interruptions: trial.interruptions,
    proposedBy: spec.sampler.name === 'random' ? null : trial.proposedBy,
    params: [
      ...[...searched, ...others].map((name) => ({ name, value: formatParam(trial.params[name]), constant: false })),
      ...constants.map(([name, value]) => ({ name, value: formatParam(value), constant: true })),
    ],
    metrics: Object.entries(trial.metrics ?? {}).map(([name, value]) => ({ name, value: formatNumber(value) })),
    error: trial.error === null ? [] : trial.error.split('\n'),
    curve: dense,
    xMax: spec.maxEpochs,
    rungs: rungSteps(data, trial, dense),
    rungWord: data.plan.strategy === 'pbt' ? 'interval' : 'rung',
  };
}
