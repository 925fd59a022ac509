/**
 * What lets a strategy keep its bookkeeping incrementally while it stays a pure function of the
 * history: the owner of a history array that it updates in place (the study loops' StudyHistory)
 * attaches a log to it, naming every trial whose snapshot was replaced, in order. A strategy that
 * keeps an index (ASHA's rungs) reads only the log entries past the last one it consumed, so an
 * ask costs the same at 100 trials and at 100,000. Without a log (a plain array, as in tests),
 * the index is rebuilt from the whole history on every call: the same answers, more slowly.
 */
import type { TrialSnapshot } from './types.js';

export interface HistoryLog {
  /** Trial numbers whose snapshot was set or replaced, oldest first (a number may repeat). */
  readonly changed: readonly number[];
  /** Trials whose status is `queued` now. */
  readonly queued: ReadonlySet<number>;
  /** How many trials are `running` or `queued` now. */
  readonly active: number;
}

const logs = new WeakMap<readonly TrialSnapshot[], HistoryLog>();

/** Attaches `log` to `history`: the owner promises to record in it every change it makes to the array. */
export function attachLog(history: readonly TrialSnapshot[], log: HistoryLog): void {
  logs.set(history, log);
}

/** The log attached to `history`, if its owner keeps one. */
export function logOf(history: readonly TrialSnapshot[]): HistoryLog | undefined {
  return logs.get(history);
}

/** The queued trials, by number (from the log when there is one, else by a scan). */
export function queuedNumbers(history: readonly TrialSnapshot[]): number[] {
  const log = logOf(history);
  if (log !== undefined) return [...log.queued].sort((a, b) => a - b);
  return history.filter((t) => t !== undefined && t.status === 'queued').map((t) => t.number);
}

/** Whether any trial is running or queued. */
export function anyActive(history: readonly TrialSnapshot[]): boolean {
  const log = logOf(history);
  if (log !== undefined) return log.active > 0;
  return history.some((t) => t !== undefined && (t.status === 'running' || t.status === 'queued'));
}

/**
 * An index over a history kept in step with it: `build` makes it from the whole history, `apply`
 * updates it for one changed trial (given its snapshot before and after). Follows one history
 * array through its log; any other array (or one without a log) gets a fresh build.
 */
export function follower<I>(
  build: () => I,
  apply: (index: I, before: TrialSnapshot | undefined, after: TrialSnapshot) => void,
): (history: readonly TrialSnapshot[]) => I {
  let followed: readonly TrialSnapshot[] | null = null;
  let index: I | null = null;
  let position = 0;
  /** What the index last saw of each trial (the log says which changed, not what they were). */
  let seen: (TrialSnapshot | undefined)[] = [];
  const rebuild = (history: readonly TrialSnapshot[]): I => {
    const fresh = build();
    seen = [];
    for (const trial of history) {
      if (trial === undefined) continue;
      apply(fresh, undefined, trial);
      seen[trial.number] = trial;
    }
    return fresh;
  };
  return (history) => {
    const log = logOf(history);
    if (log === undefined) {
      followed = null;
      return rebuild(history);
    }
    if (followed !== history || index === null) {
      followed = history;
      index = rebuild(history);
      position = log.changed.length;
      return index;
    }
    for (; position < log.changed.length; position++) {
      const number = log.changed[position]!;
      const after = history[number];
      const before = seen[number];
      if (after === undefined || after === before) continue;
      apply(index, before, after);
      seen[number] = after;
    }
    return index;
  };
}
