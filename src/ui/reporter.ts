/**
 * How a running study is shown by the command that runs it: the live dashboard on a terminal,
 * plain lines otherwise (a pipe, CI, TERM=dumb, `--no-dashboard`). The command sees one
 * interface either way.
 */
import { compareTrials } from '../report/leaderboard.js';
import type { Storage, StudyRecord, TrialRecord } from '../storage/storage.js';
import type { Plan } from '../strategies/plan.js';
import { DispatchControl } from '../study/control.js';
import type { StudyEvents } from '../study/events.js';
import { finiteOrNull } from '../core/scores.js';
import { CURVE_GLYPHS } from './model/curves.js';
import { eventsFromRecords } from './model/events.js';
import { topK } from './model/top-k.js';
import { type LineWriter, createPlainReporter } from './plain-reporter.js';
import { createLiveDashboard } from './store/live.js';
import { colorsWanted, prepareInk, wantsDashboard } from './terminal.js';

export interface StudyReporter {
  /** Pass to `runStudy`. */
  readonly events: StudyEvents;
  /** Pass to `runStudy`: the dashboard's `p` pauses and resumes dispatching. */
  readonly control?: DispatchControl;
  /** Says that a stop was asked for: `graceful` first, `abort` the second time. */
  stopping(kind: 'graceful' | 'abort'): void;
  /** Takes the display down (the dashboard gives the screen back) before the summary is printed. */
  close(): Promise<void>;
}

export interface ReporterOptions {
  readonly stdout: LineWriter & { readonly isTTY?: boolean };
  readonly stderr: LineWriter;
  readonly env?: NodeJS.ProcessEnv;
  /** False with `--no-dashboard`. */
  readonly dashboard: boolean;
  readonly storage: Storage;
  readonly study: StudyRecord;
  readonly plan: Plan;
  readonly workers: number;
  /** Runs finished before this session (a resumed study), for the plain progress count. */
  readonly done: number;
  /** What `q` and Ctrl-C in the dashboard do: the same as SIGINT (graceful, then at once). */
  readonly requestStop: () => void;
}

/**
 * One line per finished run, and a line on stderr when a graceful stop begins. `known`: the
 * trials stored before this session (pbt tells what a member's copy changed from them).
 */
export function plainReporter(
  options: Pick<ReporterOptions, 'stdout' | 'stderr' | 'study' | 'plan' | 'done'>,
  known: readonly TrialRecord[] = [],
): StudyReporter {
  return {
    events: createPlainReporter(options.stdout, options.study.spec, options.plan, options.done, known),
    stopping(kind) {
      if (kind === 'graceful')
        options.stderr.write('stopping: running trials end after their current epoch (press Ctrl-C again to stop at once)\n');
    },
    close: async () => undefined,
  };
}

/** The live dashboard, fed by the study's events; what the study already has is read once. */
export async function dashboardReporter(options: ReporterOptions): Promise<StudyReporter> {
  const { storage, study } = options;
  const live = createLiveDashboard({ study, plan: options.plan, workers: options.workers });
  const trials = await storage.getTrials(study.id);
  if (trials.length > 0) {
    // A resumed study: its trials so far, the curves of the best, and its events.
    const promotions = await storage.getPromotions(study.id);
    live.store.setTrials(trials);
    live.store.setPromotions(promotions);
    live.store.setEvents(eventsFromRecords(trials, promotions, study.spec.objective.direction, undefined, study.spec.strategy));
    for (const trial of topK(trials, CURVE_GLYPHS.length, compareTrials(study.spec.objective.direction))) {
      const epochs = await storage.getEpochs(study.id, trial.number);
      live.store.setCurve(
        trial.number,
        epochs.map((e) => ({ epoch: e.epoch, value: e.value, loss: finiteOrNull(e.metrics.loss) })),
      );
    }
  }
  const control = new DispatchControl();
  control.onChange(() => live.store.setPaused(control.paused));
  const { mountDashboard } = await prepareInk();
  const mounted = mountDashboard({
    store: live.store,
    color: colorsWanted(options.env ?? process.env),
    onQuit: options.requestStop,
    onTogglePause: () => (control.paused ? control.resume() : control.pause()),
  });
  return {
    events: live.events,
    control,
    stopping: (kind) => live.store.setStop(kind),
    async close() {
      live.store.flush();
      await mounted.close();
      live.store.close();
    },
  };
}

/** The dashboard when stdout is a terminal that can show it, plain lines otherwise. */
export async function openReporter(options: ReporterOptions): Promise<StudyReporter> {
  const env = options.env ?? process.env;
  if (wantsDashboard({ dashboard: options.dashboard, stdoutIsTTY: options.stdout.isTTY === true, env })) return dashboardReporter(options);
  // pbt's copy lines compare a member's parameters with those it had: a resumed study's are stored.
  const known = options.plan.strategy === 'pbt' ? await options.storage.getTrials(options.study.id) : [];
  return plainReporter(options, known);
}
