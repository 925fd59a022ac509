/**
 * Pruner decisions in the loops: what a decision sees of the history (the completed trials
 * numbered below its `seenBelow` and their values at its epoch, and how many of those trials
 * are still running), and the
 * decisions that wait for those trials, answered as they report. The worker waits for the
 * answer to its epoch report meanwhile, as it always does.
 */
import type { EpochView, Pruner } from '../pruners/pruner.js';
import type { TrialSnapshot } from '../strategies/types.js';

const NOTHING: EpochView = { scores: [], completed: 0, running: 0 };

/** What a decision about trial `number` after `epoch` sees in the history. */
export function epochView(history: readonly TrialSnapshot[], pruner: Pruner, number: number, epoch: number): EpochView {
  const below = pruner.seenBelow(number);
  const scores: (number | null)[] = [];
  let completed = 0;
  let running = 0;
  for (const trial of history) {
    if (trial === undefined || trial.number >= below || trial.number === number) continue;
    if (trial.status === 'completed') {
      completed++;
      if (trial.curve.length >= epoch) scores.push(trial.curve[epoch - 1] ?? null);
    } else if (trial.status === 'running') running++;
  }
  return { scores, completed, running };
}

interface Waiting {
  readonly number: number;
  readonly epoch: number;
  readonly curve: readonly (number | null)[];
  readonly resolve: (goOn: boolean) => void;
}

/** Decisions of a pruner, held while they wait. */
export class PendingDecisions {
  readonly #pruner: Pruner | null;
  readonly #view: (number: number, epoch: number) => EpochView;
  #waiting: Waiting[] = [];

  constructor(pruner: Pruner | null, view: (number: number, epoch: number) => EpochView) {
    this.#pruner = pruner;
    this.#view = view;
  }

  /** Whether trial `number` goes on after `epoch` (false: prune it); a promise while the decision waits. */
  decide(number: number, epoch: number, curve: readonly (number | null)[]): boolean | Promise<boolean> {
    const decision = this.#evaluate(number, epoch, curve);
    if (decision !== 'wait') return decision === 'continue';
    return new Promise((resolve) => this.#waiting.push({ number, epoch, curve, resolve }));
  }

  /** Answers the waiting decisions that can be taken now; all of them (going on) once the study stops. */
  recheck(stopping: () => boolean): void {
    if (this.#waiting.length === 0) return;
    const still: Waiting[] = [];
    for (const waiting of this.#waiting) {
      const decision = stopping() ? 'continue' : this.#evaluate(waiting.number, waiting.epoch, waiting.curve);
      if (decision === 'wait') still.push(waiting);
      else waiting.resolve(decision === 'continue');
    }
    this.#waiting = still;
  }

  #evaluate(number: number, epoch: number, curve: readonly (number | null)[]) {
    const pruner = this.#pruner;
    if (pruner === null) return 'continue';
    return pruner.decide(curve.slice(0, epoch), epoch, pruner.checks(epoch) ? this.#view(number, epoch) : NOTHING);
  }
}
