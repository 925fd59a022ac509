/**
 * Running a study from the command line, shared by `start`, `resume` and `retry`: take the
 * study's lock, start the pool, stop gracefully on the first Ctrl-C or SIGTERM and at once on
 * the second, report, and print the summary and leaderboard.
 */
import path from 'node:path';
import { formatDuration, formatNumber } from '../report/format.js';
import { buildLeaderboard, leaderboardTable } from '../report/leaderboard.js';
import { planSummary } from '../report/plan.js';
import { bestCompleted, countByStatus, countsText } from '../report/study-view.js';
import type { StudySpec } from '../space/spec.js';
import { DEFAULT_STORAGE_PATH, type StorageTarget } from '../storage/open.js';
import type { Storage, StudyRecord, TrialRecord } from '../storage/storage.js';
import { checkpointDirFor, executeStudy } from '../study/execute.js';
import { type StudyReporter, openReporter } from '../ui/reporter.js';
import type { CliIO } from './io.js';
import type { CliRunSettings } from './run-flags.js';

/** Exit code after a stop by Ctrl-C or SIGTERM (128 + SIGINT). */
export const INTERRUPTED_EXIT_CODE = 130;
const LEADERBOARD_TOP = 10;

export interface SessionOptions {
  readonly storage: Storage;
  readonly target: StorageTarget;
  readonly study: StudyRecord;
  readonly settings: CliRunSettings;
  readonly io: CliIO;
  /**
   * Changes to make once the study's lock is held (raise its budget, re-queue trials to
   * retry), so that nothing is changed under another process that runs it.
   */
  readonly prepare?: (study: StudyRecord) => Promise<StudyRecord>;
}

/** Runs (or goes on running) a study; resolves to the exit code. */
export async function runSession(options: SessionOptions): Promise<number> {
  const { storage, settings, io } = options;
  const stop = new AbortController();
  const abort = new AbortController();
  let reporter: StudyReporter | null = null;
  const onSignal = () => {
    if (!stop.signal.aborted) {
      reporter?.stopping('graceful');
      stop.abort();
    } else {
      reporter?.stopping('abort');
      abort.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader of stdout that has gone (`| head -3`) stops the study as the first Ctrl-C does.
  const onOutputClosed = () => {
    if (stop.signal.aborted) return;
    io.stderr.write('stdout was closed: stopping the study as on Ctrl-C\n');
    onSignal();
  };
  if (io.outputClosed?.aborted) onOutputClosed();
  io.outputClosed?.addEventListener('abort', onOutputClosed);
  let outcome;
  try {
    outcome = await executeStudy({
      storage,
      study: options.study,
      settings,
      checkpointDir:
        settings.checkpointsDir === null
          ? checkpointDirFor(options.target, options.study.id)
          : path.join(path.resolve(settings.checkpointsDir), `study-${options.study.id}`),
      prepare: options.prepare,
      stopSignal: stop.signal,
      abortSignal: abort.signal,
      attach: async ({ study, plan, executorKind, done }) => {
        const { spec } = study;
        io.stderr.write(
          `study "${spec.name}": ${spec.strategy}, ${planSummary(plan)}, ` +
            `${spec.objective.direction} ${spec.objective.metric}, seed ${spec.seed}\n` +
            `${settings.workers} worker${settings.workers === 1 ? '' : 's'} (${executorKind}), backend ${settings.backend} (${settings.backendNote}), storage ${storage.location}\n`,
        );
        // The live dashboard on a terminal (its q and Ctrl-C keys act as SIGINT), plain lines otherwise.
        const opened = await openReporter({
          stdout: io.stdout,
          stderr: io.stderr,
          dashboard: settings.dashboard,
          storage,
          study,
          plan,
          workers: settings.workers,
          done,
          requestStop: onSignal,
        });
        reporter = opened;
        return { events: opened.events, control: opened.control, close: () => opened.close() };
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.outputClosed?.removeEventListener('abort', onOutputClosed);
  }
  const { spec } = outcome.study;
  io.stdout.write(`\n${summaryLine(spec, outcome.status, outcome.trials, outcome.elapsedMs)}\n\n`);
  const rows = buildLeaderboard(outcome.trials, spec.objective.direction, LEADERBOARD_TOP);
  if (rows.length > 0) io.stdout.write(`${leaderboardTable(rows, spec)}\n`);
  if (outcome.status === 'interrupted') {
    io.stderr.write(
      `study "${spec.name}" interrupted: resume it with hpsearch resume ${JSON.stringify(spec.name)}${storageFlag(options.target)}\n`,
    );
    return INTERRUPTED_EXIT_CODE;
  }
  return 0;
}

/** ` --storage sqlite:PATH` when the storage is not the default one (a PostgreSQL URL without its password). */
export function storageFlag(target: StorageTarget): string {
  if (target.kind === 'memory') return ' --storage memory:';
  if (target.kind === 'postgres') return ` --storage ${target.location}`;
  return target.path === DEFAULT_STORAGE_PATH ? '' : ` --storage sqlite:${target.path}`;
}

/** `study "quick" completed: 12 trials (10 completed, 2 diverged) in 31.2s; best val_accuracy 0.9611 (trial 2)` */
export function summaryLine(spec: StudySpec, status: string, trials: readonly TrialRecord[], elapsedMs: number): string {
  const best = bestCompleted(trials, spec);
  const bestText =
    best === null ? '; no completed trial' : `; best ${spec.objective.metric} ${formatNumber(best.value)} (trial ${best.trial})`;
  return `study "${spec.name}" ${status}: ${trials.length} trials (${countsText(countByStatus(trials))}) in ${formatDuration(elapsedMs)}${bestText}`;
}
