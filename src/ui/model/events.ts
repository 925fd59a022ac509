/**
 * The recent-events panel's view-model: diverged and failed trials, promotions (pbt: members
 * copying others), trials stopped at a rung, new bests, interruptions, retries and the study's
 * notices, newest first.
 */
import { firstLine } from '../../errors.js';
import { formatNumber } from '../../report/format.js';
import type { StrategyName } from '../../space/spec.js';
import type { Direction } from '../../core/types.js';
import type { PromotionRecord, TrialRecord } from '../../storage/storage.js';
import { toScore } from '../../core/scores.js';
import { paramChanges, paramsAt, promotionsByTrial, shortCopyText } from './copies.js';
import { type DashboardData, type DashboardEvent, MAX_EVENTS } from './data.js';
import { formatClock, plural } from './text.js';

export interface EventRow {
  /** Time since the study was created, as a clock (`1:05`). */
  readonly time: string;
  readonly kind: DashboardEvent['kind'];
  readonly text: string;
}

/**
 * The events a study's stored records tell, oldest first (for a dashboard attached to a study it
 * did not see start). Interruptions leave no time stamp in storage and are not among them. Under
 * pbt a promotion is an event only when the member copied another (every member goes on to every
 * interval).
 */
export function eventsFromRecords(
  trials: readonly TrialRecord[],
  promotions: readonly PromotionRecord[],
  direction: Direction,
  limit = MAX_EVENTS,
  strategy: StrategyName | null = null,
): DashboardEvent[] {
  const events: DashboardEvent[] = strategy === 'pbt' ? copyEvents(trials, promotions) : [];
  if (strategy !== 'pbt') for (const p of promotions) events.push({ kind: 'promoted', at: p.createdAt, trial: p.trial, rung: p.rung });
  const completed: TrialRecord[] = [];
  for (const trial of trials) {
    if (trial === undefined || trial.finishedAt === null) continue;
    const at = trial.finishedAt;
    if (trial.status === 'diverged') events.push({ kind: 'diverged', at, trial: trial.number, epochs: trial.epochs });
    else if (trial.status === 'failed') events.push({ kind: 'failed', at, trial: trial.number, error: trial.error });
    else if (trial.status === 'pruned') events.push({ kind: 'stopped', at, trial: trial.number, rung: trial.rung, epochs: trial.epochs });
    else if (trial.status === 'completed') completed.push(trial);
  }
  completed.sort((a, b) => a.finishedAt! - b.finishedAt! || a.number - b.number);
  let best: number | null = null;
  for (const trial of completed) {
    const score = toScore(trial.value, direction);
    if (score === null || (best !== null && score <= best)) continue;
    best = score;
    events.push({ kind: 'best', at: trial.finishedAt!, trial: trial.number, value: trial.value });
  }
  events.sort((a, b) => a.at - b.at || (a.trial ?? -1) - (b.trial ?? -1));
  return events.slice(-limit);
}

/** pbt's copies as events, each with the parameters it changed from those of the member's interval before. */
function copyEvents(trials: readonly TrialRecord[], promotions: readonly PromotionRecord[]): DashboardEvent[] {
  const byTrial = promotionsByTrial(promotions);
  const events: DashboardEvent[] = [];
  for (const p of promotions) {
    const trial = trials[p.trial];
    if (p.source === null || trial === undefined) continue;
    const own = byTrial.get(p.trial);
    const changes = paramChanges(paramsAt(trial, own, p.rung - 1), p.params ?? paramsAt(trial, own, p.rung));
    events.push({ kind: 'copied', at: p.createdAt, trial: p.trial, rung: p.rung, source: p.source, changes });
  }
  return events;
}

function describe(event: DashboardEvent, metric: string): string {
  if (event.kind === 'notice') return event.message;
  const who = `#${event.trial}`;
  switch (event.kind) {
    case 'diverged':
      return `${who} diverged after ${plural(event.epochs, 'epoch')} (loss not finite)`;
    case 'failed':
      return `${who} failed: ${event.error === null ? 'unknown error' : firstLine(event.error)}`;
    case 'promoted':
      return `${who} promoted to rung ${event.rung}`;
    case 'copied':
      return shortCopyText(event.trial, event.source, event.changes);
    case 'stopped':
      return `${who} stopped at ${event.rung === null ? '' : `rung ${event.rung}, `}${plural(event.epochs, 'epoch')}`;
    case 'best':
      return `${who} new best ${metric} ${formatNumber(event.value)}`;
    case 'interrupted':
      return `${who} interrupted after ${plural(event.epochs, 'epoch')}; queued again`;
    case 'retried':
      return `${who} failed, retry ${event.retry}: ${event.error === null ? 'unknown error' : firstLine(event.error)}`;
  }
}

/** The newest `limit` events, newest first. */
export function buildEvents(data: Pick<DashboardData, 'events' | 'study'>, limit: number): EventRow[] {
  const start = data.study.createdAt;
  const metric = data.study.spec.objective.metric;
  const recent = limit <= 0 ? [] : data.events.slice(-limit);
  return recent.reverse().map((event) => ({ time: formatClock(event.at - start), kind: event.kind, text: describe(event, metric) }));
}
