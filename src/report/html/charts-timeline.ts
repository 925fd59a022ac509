/**
 * The report's worker timeline: what each worker slot ran, when, and how each run ended.
 */
import { type RunOutcome, RUN_OUTCOMES, type TimelineRun, timelineView } from '../chart-data-timeline.js';
import { formatDuration } from '../format.js';
import type { StudyData } from '../study-view.js';
import { MUTED } from '../svg/palette.js';
import { timelineChart } from '../svg/timeline.js';
import type { Figure } from './figure.js';

/** Said instead of the timeline for a study without run records. */
export const NO_RUNS_NOTE = 'This study has no run records (it was stored before hpsearch recorded runs).';

/** Colours by outcome (Okabe and Ito's palette); a failure and a divergence alike. */
export const OUTCOME_COLORS: Readonly<Record<RunOutcome, string>> = {
  completed: '#009e73',
  paused: '#56b4e9',
  pruned: '#e69f00',
  diverged: '#d55e00',
  failed: '#d55e00',
  interrupted: MUTED,
  running: '#0072b2',
};

const OUTCOME_LABELS: Readonly<Record<RunOutcome, string>> = {
  completed: 'completed',
  paused: 'paused at a rung',
  pruned: 'pruned',
  diverged: 'diverged or failed',
  failed: 'diverged or failed',
  interrupted: 'interrupted (queued again)',
  running: 'no end recorded (still running, or its worker stopped)',
};

function epochsText(run: TimelineRun): string {
  if (run.toEpoch === null) return `from epoch ${run.fromEpoch + 1}`;
  if (run.toEpoch <= run.fromEpoch) return 'no epoch';
  return run.toEpoch === run.fromEpoch + 1 ? `epoch ${run.toEpoch}` : `epochs ${run.fromEpoch + 1}–${run.toEpoch}`;
}

function tip(run: TimelineRun, lane: string): string {
  const ended =
    run.outcome === 'running'
      ? `no end recorded; ${formatDuration(run.to - run.from)} up to the study's last write`
      : `${run.outcome === 'paused' ? 'paused at its rung' : run.outcome} after ${formatDuration(run.to - run.from)}`;
  const started = run.from === 0 ? 'from the start' : `from ${formatDuration(run.from)}`;
  return `trial ${run.trial}, ${epochsText(run)}: ${ended} (${lane}, ${started})`;
}

/** One lane per worker slot, a bar per run; null (and a note) for a study without run records. */
export function timelineFigure(data: StudyData, notes: string[]): Figure | null {
  const view = timelineView(data);
  if (view === null) {
    notes.push(NO_RUNS_NOTE);
    return null;
  }
  const lanes = view.lanes.map((lane) => {
    const name = view.hosts > 1 ? `${lane.host} · slot ${lane.slot}` : `slot ${lane.slot}`;
    return {
      name,
      bars: lane.runs.map((run) => ({
        from: run.from,
        to: run.to,
        color: OUTCOME_COLORS[run.outcome],
        text: String(run.trial),
        tip: tip(run, name),
        open: run.outcome === 'running',
      })),
    };
  });
  const present = new Set(view.lanes.flatMap((l) => l.runs.map((r) => r.outcome)));
  const labels = [...new Set(RUN_OUTCOMES.filter((o) => present.has(o)).map((o) => OUTCOME_LABELS[o]))];
  const slots = view.lanes.length;
  return {
    kind: 'worker-timeline',
    title: 'Worker timeline',
    svg: timelineChart(lanes, {
      label: `what each of the ${slots} worker slot${slots === 1 ? '' : 's'} ran, against the time since the study was created`,
      xTitle: 'time since the study was created',
      end: view.endMs,
    }),
    legend: labels.map((label) => ({
      label,
      color: OUTCOME_COLORS[RUN_OUTCOMES.find((o) => OUTCOME_LABELS[o] === label)!],
      shape: 'bar' as const,
    })),
    caption:
      `One lane per worker slot${view.hosts > 1 ? `, by host (${view.hosts} hosts)` : ''}; a bar per run of a trial from its start to its end, with the trial's number where it fits, coloured by how the run ended. ` +
      `A run with no recorded end is drawn lighter, with a dashed outline, up to the study's last write. ` +
      `Gaps are idle time: a trial waiting at a rung for others, a pruning decision, a worker starting or waiting for work.`,
    wide: true,
  };
}
