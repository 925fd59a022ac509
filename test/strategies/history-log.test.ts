/**
 * Incremental bookkeeping (src/strategies/history-log.ts): ASHA's rung index follows a study's
 * history through its change log, and must answer exactly what the definition gives from the
 * whole history, on random histories with every kind of change (new trials, epochs, pauses,
 * promotions, divergences, failures, requeues, retries, ties).
 */
import { describe, expect, it } from 'vitest';
import type { TrialStatus } from '../../src/core/types.js';
import { ashaStrategy } from '../../src/strategies/asha.js';
import { anyActive, logOf, queuedNumbers } from '../../src/strategies/history-log.js';
import { planStudy } from '../../src/strategies/plan.js';
import { rungResult, topAtRung } from '../../src/strategies/rungs.js';
import type { ConfigSampler, TrialRequest, TrialSnapshot } from '../../src/strategies/types.js';
import type { TrialView } from '../../src/study/events.js';
import { StudyHistory } from '../../src/study/history.js';
import { rngFor } from '../../src/util/random.js';

const sample: ConfigSampler = { propose: (number) => ({ params: { n: number }, proposedBy: 'random' }) };

/** ASHA's ask by its definition, over the whole history (the code before the index). */
function ashaByDefinition(
  history: readonly TrialSnapshot[],
  rungs: readonly { epochs: number }[],
  eta: number,
  trials: number,
): TrialRequest | null {
  for (let k = rungs.length - 2; k >= 0; k--) {
    const epochs = rungs[k]!.epochs;
    const reached = history.filter((t) => (t.rung ?? 0) >= k && rungResult(t, epochs) !== undefined);
    const top = topAtRung(reached, epochs, Math.floor(reached.length / eta));
    const candidate = top.find((t) => t.status === 'paused' && (t.rung ?? 0) === k);
    if (candidate !== undefined) {
      return { kind: 'continue', trial: candidate.number, budget: { from: epochs, to: rungs[k + 1]!.epochs }, rung: k + 1 };
    }
  }
  if (history.length >= trials) return null;
  return { kind: 'new', ...sample.propose(history.length, history)!, budget: { from: 0, to: rungs[0]!.epochs }, bracket: null, rung: 0 };
}

function view(number: number, status: TrialStatus, epochs: number, rung: number, value: number | null): TrialView {
  return {
    number,
    params: { n: number },
    status,
    value,
    epochs,
    budget: { from: 0, to: epochs },
    bracket: null,
    rung,
    slot: 0,
    durationMs: null,
    error: null,
    seed: number,
    retries: 0,
    proposedBy: 'random',
    copiedFrom: null,
  };
}

describe('ASHA over a logged history', () => {
  it.each([1, 2, 3, 4, 5])('asks what its definition asks, at every step of a random study (seed %i)', (seed) => {
    const trials = 150;
    const plan = planStudy({ strategy: 'asha', eta: 3, minEpochs: 1, maxEpochs: 27, trials });
    const rungs = plan.brackets[0]!.rungs;
    const followed = ashaStrategy(plan, trials, sample);
    const rebuilt = ashaStrategy(plan, trials, sample);
    const history = new StudyHistory('maximize');
    expect(logOf(history.snapshots)).toBeDefined();
    const rng = rngFor(seed, 'asha-log');
    // Few distinct values: ties at a rung are common.
    const value = () => (rng() < 0.1 ? null : Math.floor(rng() * 12) / 4);
    const running = new Map<number, { rung: number; to: number }>();
    let steps = 0;
    for (;;) {
      const asked = followed.ask(history.snapshots);
      steps += 1;
      expect(asked).toEqual(ashaByDefinition(history.snapshots, rungs, 3, trials));
      // A copy has no log: the index is built from scratch, with the same answer.
      expect(rebuilt.ask([...history.snapshots])).toEqual(asked);
      expect(queuedNumbers(history.snapshots)).toEqual(queuedNumbers([...history.snapshots]));
      expect(anyActive(history.snapshots)).toBe(anyActive([...history.snapshots]));
      if (asked !== null && (running.size === 0 || (running.size < 4 && rng() < 0.7))) {
        const number = asked.kind === 'new' ? history.size : asked.trial;
        const before = asked.kind === 'new' ? undefined : history.view(number);
        const rung = asked.rung ?? 0;
        history.start({ ...(before ?? view(number, 'running', 0, rung, null)), status: 'running', epochs: asked.budget.from, rung });
        running.set(number, { rung, to: asked.budget.to });
        continue;
      }
      const queued = queuedNumbers(history.snapshots);
      if (running.size === 0 && queued.length > 0) {
        const number = queued[0]!;
        const trial = history.snapshot(number);
        history.start({ ...history.view(number), status: 'running', epochs: trial.epochs });
        running.set(number, { rung: trial.rung ?? 0, to: rungs[trial.rung ?? 0]!.epochs });
        continue;
      }
      if (running.size === 0) break;
      const numbers = [...running.keys()];
      const number = numbers[Math.floor(rng() * numbers.length)]!;
      const { rung, to } = running.get(number)!;
      const from = history.snapshot(number).epochs;
      const roll = rng();
      if (roll < 0.08) {
        // Interrupted: back to the queue, keeping none of this run's epochs.
        running.delete(number);
        history.end({ ...history.view(number), status: 'queued', epochs: 0, value: null });
        continue;
      }
      let last: number | null = null;
      const stop = roll < 0.16 ? from + 1 : to;
      for (let epoch = from + 1; epoch <= Math.min(stop, to); epoch += 1) history.epoch(number, epoch, (last = value()));
      running.delete(number);
      const status: TrialStatus = roll < 0.12 ? 'diverged' : roll < 0.16 ? 'failed' : to >= 27 ? 'completed' : 'paused';
      history.end(view(number, status, Math.min(stop, to), rung, last));
    }
    expect(steps).toBeGreaterThan(trials);
    expect(history.size).toBe(trials);
  });
});
