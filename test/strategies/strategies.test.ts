import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../src/space/types.js';
import { gridStrategy } from '../../src/strategies/grid.js';
import { randomStrategy } from '../../src/strategies/random.js';
import type { Strategy, TrialRequest, TrialSnapshot } from '../../src/strategies/types.js';
import { rngFor } from '../../src/util/random.js';

const PARAMS: ParamSpec[] = [
  { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: [1e-3, 1e-2] } },
  { name: 'batch_size', dist: { kind: 'categorical', choices: [16, 32, 64] } },
];

/** Runs a strategy to exhaustion, asking as if trials finished in the given order of completion. */
function drain(strategy: Strategy): TrialRequest[] {
  const history: TrialSnapshot[] = [];
  const requests: TrialRequest[] = [];
  for (let request = strategy.ask(history); request !== null; request = strategy.ask(history)) {
    requests.push(request);
    if (request.kind === 'new') history.push({ number: history.length, params: request.params, status: 'completed', score: 0, epochs: 3 });
  }
  return requests;
}

const random = (seed: number, trials = 5) =>
  randomStrategy({ params: PARAMS, trials, maxEpochs: 3, rngFor: (trial) => rngFor(seed, 'params', trial) });

describe('random strategy', () => {
  it('asks for exactly `trials` new configurations over the full budget, then nothing', () => {
    const requests = drain(random(1));
    expect(requests).toHaveLength(5);
    expect(requests.every((r) => r.kind === 'new' && r.budget.from === 0 && r.budget.to === 3)).toBe(true);
  });

  it('is a function of the seed and the trial number only', () => {
    expect(drain(random(1))).toEqual(drain(random(1)));
    expect(drain(random(1))).not.toEqual(drain(random(2)));
    // A strategy rebuilt mid-study from the stored history asks for what the original would have.
    const full = drain(random(1, 5));
    const history: TrialSnapshot[] = full.slice(0, 3).map((r, number) => ({
      number,
      params: (r as Extract<TrialRequest, { kind: 'new' }>).params,
      status: number === 1 ? 'running' : 'completed',
      score: null,
      epochs: 0,
    }));
    expect(random(1, 5).ask(history)).toEqual(full[3]);
  });

  it('never stops a trial', () => {
    expect(random(1).tell({ trial: 0, epoch: 1, score: -1e9 }, [])).toEqual({ kind: 'continue' });
  });
});

describe('grid strategy', () => {
  it('visits every cell once, in grid order', () => {
    const requests = drain(gridStrategy({ params: PARAMS, trials: null, maxEpochs: 4 }));
    expect(requests.map((r) => (r.kind === 'new' ? r.params : null))).toEqual([
      { learning_rate: 1e-3, batch_size: 16 },
      { learning_rate: 1e-3, batch_size: 32 },
      { learning_rate: 1e-3, batch_size: 64 },
      { learning_rate: 1e-2, batch_size: 16 },
      { learning_rate: 1e-2, batch_size: 32 },
      { learning_rate: 1e-2, batch_size: 64 },
    ]);
    expect(gridStrategy({ params: PARAMS, trials: null, maxEpochs: 4 }).plannedTrials).toBe(6);
  });

  it('stops after `trials` cells when fewer are asked for', () => {
    const strategy = gridStrategy({ params: PARAMS, trials: 4, maxEpochs: 4 });
    expect(drain(strategy)).toHaveLength(4);
    expect(strategy.plannedEpochs).toBe(16);
  });
});
