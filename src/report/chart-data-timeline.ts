/**
 * The data behind the report's worker timeline: one lane per worker slot, one bar per run of a
 * trial on it, in milliseconds since the study was created. Plain values, no markup.
 */
import type { RunRecord } from '../storage/storage.js';
import type { StudyData } from './study-view.js';

/**
 * How a run ended: the status its trial left `running` for (`queued` is an interruption), or
 * `running` when no end is recorded (it still runs, or its worker died without a word).
 */
export type RunOutcome = 'completed' | 'paused' | 'pruned' | 'diverged' | 'failed' | 'interrupted' | 'running';

/** Outcomes in the order legends list them. */
export const RUN_OUTCOMES: readonly RunOutcome[] = ['completed', 'paused', 'pruned', 'diverged', 'failed', 'interrupted', 'running'];

export interface TimelineRun {
  readonly trial: number;
  /** Milliseconds from the study's creation to the run's start. */
  readonly from: number;
  /** ... to its end; for a run with no end, to the study's last write. */
  readonly to: number;
  readonly outcome: RunOutcome;
  /** Epochs the trial had when the run started, and when it ended (null: no end recorded). */
  readonly fromEpoch: number;
  readonly toEpoch: number | null;
}

export interface TimelineLane {
  readonly host: string;
  readonly slot: string;
  /** Its runs, in the order they started. */
  readonly runs: readonly TimelineRun[];
}

export interface TimelineView {
  /** By host, then slot (numbers in numeric order). */
  readonly lanes: readonly TimelineLane[];
  /** How many hosts the lanes are on. */
  readonly hosts: number;
  /** Where the time axis ends: the study's end (or last write), or the last run's end if later. */
  readonly endMs: number;
}

export function runOutcome(run: Pick<RunRecord, 'endedAt' | 'outcome'>): RunOutcome {
  if (run.endedAt === null || run.outcome === null || run.outcome === 'running') return 'running';
  return run.outcome === 'queued' ? 'interrupted' : run.outcome;
}

const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** The study's runs by worker slot; null when it has none (studies stored before runs were recorded). */
export function timelineView(data: Pick<StudyData, 'study' | 'runs'>): TimelineView | null {
  if (data.runs.length === 0) return null;
  const { study } = data;
  const last = study.finishedAt ?? study.updatedAt;
  const lanes = new Map<string, { host: string; slot: string; runs: TimelineRun[] }>();
  for (const run of data.runs) {
    const key = JSON.stringify([run.host, run.slot]);
    const lane = lanes.get(key) ?? { host: run.host, slot: run.slot, runs: [] };
    lanes.set(key, lane);
    const end = run.endedAt ?? Math.max(last, run.startedAt);
    lane.runs.push({
      trial: run.trial,
      from: run.startedAt - study.createdAt,
      to: end - study.createdAt,
      outcome: runOutcome(run),
      fromEpoch: run.fromEpoch,
      toEpoch: run.toEpoch,
    });
  }
  const sorted = [...lanes.values()]
    .map((l) => ({ ...l, runs: l.runs.sort((a, b) => a.from - b.from || a.trial - b.trial) }))
    .sort((a, b) => natural(a.host, b.host) || natural(a.slot, b.slot));
  const endMs = Math.max(last - study.createdAt, ...sorted.flatMap((l) => l.runs.map((r) => r.to)));
  return { lanes: sorted, hosts: new Set(sorted.map((l) => l.host)).size, endMs };
}
