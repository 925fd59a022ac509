/**
 * The plain-line reporter: one line per finished trial, for pipes, CI and `--no-dashboard`.
 */
import { formatDuration, formatNumber, formatParam } from '../report/format.js';
import { plannedRuns } from '../report/plan.js';
import type { StudySpec } from '../space/spec.js';
import type { Plan } from '../strategies/plan.js';
import type { StudyEvents, TrialView } from '../study/events.js';

export interface LineWriter {
  write(text: string): unknown;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** `trial 3  completed  val_accuracy 0.9611  best 0.9611 (#3)  8 epochs  4.1s  learning_rate=3.2e-3 ...` */
export function trialLine(trial: TrialView, best: TrialView | null, spec: Pick<StudySpec, 'objective'>, progress: string): string {
  const parts = [
    progress,
    `trial ${trial.number}`,
    trial.status.padEnd(9),
    trial.rung === null ? '' : `${trial.bracket === null ? '' : `bracket ${trial.bracket} `}rung ${trial.rung}`,
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
 * rung a trial finishes. The progress counts runs against the plan.
 */
export function createPlainReporter(out: LineWriter, spec: Pick<StudySpec, 'objective'>, plan: Plan, alreadyDone = 0): StudyEvents {
  let finished = alreadyDone;
  const planned = plannedRuns(plan);
  const width = String(planned).length;
  return {
    onTrialEnd(trial, best) {
      if (trial.status === 'queued') {
        out.write(`trial ${trial.number} interrupted after ${plural(trial.epochs, 'epoch')}; it is queued to run again\n`);
        return;
      }
      finished++;
      out.write(`${trialLine(trial, best, spec, `[${String(finished).padStart(width)}/${planned}]`)}\n`);
    },
    onNotice(message) {
      out.write(`note: ${message}\n`);
    },
    onTrialPruned(trial) {
      out.write(
        `trial ${trial.number} stopped at ${plural(trial.epochs, 'epoch')}${trial.rung === null ? '' : ` (rung ${trial.rung})`}: not promoted\n`,
      );
    },
  };
}
