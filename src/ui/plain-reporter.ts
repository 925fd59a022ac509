/**
 * The plain-line reporter: one line per finished trial, for pipes, CI and `--no-dashboard`; under
 * population based training, also a line each time a member copies another.
 */
import type { Params } from '../core/types.js';
import { formatDuration, formatNumber, formatParam } from '../report/format.js';
import { plannedRuns } from '../report/plan.js';
import type { StudySpec } from '../space/spec.js';
import type { TrialRecord } from '../storage/storage.js';
import type { Plan } from '../strategies/plan.js';
import type { StudyEvents, TrialView } from '../study/events.js';
import { copyText, paramChanges } from './model/copies.js';

export interface LineWriter {
  write(text: string): unknown;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** What a rung is called: pbt trains its population interval by interval. */
export type RungWord = 'rung' | 'interval';

/** `interval` for pbt, `rung` for the others. */
export function rungWord(plan: Pick<Plan, 'strategy'>): RungWord {
  return plan.strategy === 'pbt' ? 'interval' : 'rung';
}

/** `trial 3  completed  val_accuracy 0.9611  best 0.9611 (#3)  8 epochs  4.1s  learning_rate=3.2e-3 ...` */
export function trialLine(
  trial: TrialView,
  best: TrialView | null,
  spec: Pick<StudySpec, 'objective'>,
  progress: string,
  word: RungWord = 'rung',
): string {
  const parts = [
    progress,
    `trial ${trial.number}`,
    trial.status.padEnd(9),
    trial.rung === null ? '' : `${trial.bracket === null ? '' : `bracket ${trial.bracket} `}${word} ${trial.rung}`,
    `${spec.objective.metric} ${formatNumber(trial.value)}`,
    `best ${best === null ? formatNumber(null) : `${formatNumber(best.value)} (#${best.number})`}`,
    plural(trial.epochs, 'epoch'),
    formatDuration(trial.durationMs),
    Object.entries(trial.params)
      .map(([name, value]) => `${name}=${formatParam(value)}`)
      .join(' '),
  ];
  let line = parts.filter((p) => p !== '').join('  ');
  if (trial.status === 'failed' && trial.error !== null) line += `\n    error: ${trial.error.split('\n', 1)[0]}`;
  return line;
}

/**
 * One line per finished run: a trial that completes, or, under a multi-fidelity strategy, each
 * rung a trial finishes (pbt: each interval a member finishes). The progress counts runs against
 * the plan. Under pbt, a member that starts an interval from another's checkpoint gets a line
 * saying whom it copied and which parameters changed; `known` are the trials stored before this
 * session (a resumed study), so that a member's parameters before its copy are known.
 */
export function createPlainReporter(
  out: LineWriter,
  spec: Pick<StudySpec, 'objective'>,
  plan: Plan,
  alreadyDone = 0,
  known: readonly TrialRecord[] = [],
): StudyEvents {
  let finished = alreadyDone;
  const planned = plannedRuns(plan);
  const width = String(planned).length;
  const word = rungWord(plan);
  const pbt = plan.strategy === 'pbt';
  // pbt: each member's parameters and rung as last seen, to tell a copy and what it changed.
  const seen = new Map<number, { readonly params: Params; readonly rung: number | null }>();
  for (const trial of known) if (trial !== undefined) seen.set(trial.number, { params: trial.params, rung: trial.rung });
  // An end is told once it is stored, which may be after the member's next interval started: an older rung is not taken.
  const see = (trial: TrialView) => {
    if (pbt && (trial.rung ?? -1) >= (seen.get(trial.number)?.rung ?? -1))
      seen.set(trial.number, { params: trial.params, rung: trial.rung });
  };
  return {
    onTrialStart(trial) {
      const before = seen.get(trial.number);
      see(trial);
      // A copy is told once, when the member starts the interval it copied for (not when it resumes it).
      const copy = trial.copiedFrom;
      if (!pbt || copy === null || trial.rung === null || trial.epochs !== copy.epoch || trial.rung <= (before?.rung ?? -1)) return;
      const changes = before === undefined ? null : paramChanges(before.params, trial.params);
      out.write(`${copyText(trial.number, copy, changes, trial.params)}\n`);
    },
    onTrialEnd(trial, best) {
      see(trial);
      if (trial.status === 'queued') {
        out.write(`trial ${trial.number} interrupted after ${plural(trial.epochs, 'epoch')}; it is queued to run again\n`);
        return;
      }
      finished++;
      out.write(`${trialLine(trial, best, spec, `[${String(finished).padStart(width)}/${planned}]`, word)}\n`);
    },
    onNotice(message) {
      out.write(`note: ${message}\n`);
    },
    onTrialPruned(trial) {
      out.write(
        `trial ${trial.number} stopped at ${plural(trial.epochs, 'epoch')}${trial.rung === null ? '' : ` (${word} ${trial.rung})`}: not promoted\n`,
      );
    },
  };
}
