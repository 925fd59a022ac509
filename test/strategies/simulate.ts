/**
 * A discrete-event simulation of a study, for strategy tests: `workers` slots, trials whose
 * run from epoch a to b takes `duration` time units, scores from `score`. It drives a strategy
 * exactly as the orchestrator does (ask while a slot is free, record the curve, pause or
 * complete, drop what the strategy drops, drop what is left paused at the end), and records
 * every decision for the tests to check.
 */
import type { Params } from '../../src/core/types.js';
import type { Strategy, TrialRequest, TrialSnapshot } from '../../src/strategies/types.js';

export interface Simulation {
  readonly history: TrialSnapshot[];
  /** Every request the strategy made, in order, with the time and the history it was made from. */
  readonly requests: { time: number; request: TrialRequest; history: TrialSnapshot[] }[];
  /** Epochs trained in all. */
  readonly epochs: number;
  /** Moments when a slot was free, the strategy had nothing, and the study was not over. */
  readonly idle: { time: number; history: TrialSnapshot[] }[];
  readonly endTime: number;
}

export interface SimulationOptions {
  readonly workers: number;
  readonly maxEpochs: number;
  /** Score of a configuration after `epoch` epochs (null: diverged at that epoch). */
  readonly score: (params: Params, epoch: number, trial: number) => number | null;
  /** Time a run of `trial` from epoch `from` to `to` takes (default: to − from). */
  readonly duration?: (trial: number, from: number, to: number) => number;
}

export function simulate(strategy: Strategy, options: SimulationOptions): Simulation {
  const history: TrialSnapshot[] = [];
  const requests: Simulation['requests'] = [];
  const idle: Simulation['idle'] = [];
  const runningUntil = new Map<number, { end: number; from: number; to: number }>();
  let time = 0;
  let epochs = 0;
  const duration = options.duration ?? ((_t, from, to) => to - from);
  for (;;) {
    while (runningUntil.size < options.workers) {
      const request = strategy.ask(history);
      if (request === null) break;
      requests.push({ time, request, history: history.map((t) => ({ ...t })) });
      const number = request.kind === 'new' ? history.length : request.trial;
      const previous = history[number];
      history[number] = {
        number,
        params: request.kind === 'new' ? request.params : previous!.params,
        status: 'running',
        score: previous?.score ?? null,
        epochs: request.budget.from,
        curve: previous?.curve ?? [],
        bracket: request.kind === 'new' ? request.bracket : previous!.bracket,
        rung: request.rung,
        copiedFrom: null,
      };
      runningUntil.set(number, { end: time + duration(number, request.budget.from, request.budget.to), ...request.budget });
    }
    if (runningUntil.size < options.workers && runningUntil.size > 0) idle.push({ time, history: history.map((t) => ({ ...t })) });
    if (runningUntil.size === 0) break;
    // The next run to end (ties: lower trial number first).
    const [number, run] = [...runningUntil].sort((a, b) => a[1].end - b[1].end || a[0] - b[0])[0]!;
    runningUntil.delete(number);
    time = run.end;
    const trial = history[number]!;
    const curve = [...trial.curve];
    let status: TrialSnapshot['status'] = run.to < options.maxEpochs ? 'paused' : 'completed';
    let last = run.from;
    for (let epoch = run.from + 1; epoch <= run.to; epoch++) {
      const score = options.score(trial.params, epoch, number);
      curve[epoch - 1] = score;
      epochs++;
      last = epoch;
      if (score === null) {
        status = 'diverged';
        break;
      }
    }
    history[number] = { ...trial, status, curve, epochs: last, score: curve[last - 1] ?? null };
    for (const dropped of strategy.dropped(history)) {
      if (history[dropped]!.status === 'paused') history[dropped] = { ...history[dropped]!, status: 'pruned' };
    }
  }
  for (const trial of history) if (trial.status === 'paused') history[trial.number] = { ...trial, status: 'pruned' };
  return { history, requests, epochs, idle, endTime: time };
}
