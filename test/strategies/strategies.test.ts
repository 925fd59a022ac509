import { describe, expect, it } from 'vitest';
import { gridCells } from '../../src/space/grid.js';
import { sampleParams } from '../../src/space/sample.js';
import type { ParamSpec } from '../../src/space/types.js';
import { planFor } from '../../src/strategies/create.js';
import { createStrategy } from '../../src/study/search.js';
import { gridStrategy } from '../../src/strategies/grid.js';
import { planStudy } from '../../src/strategies/plan.js';
import { randomStrategy } from '../../src/strategies/random.js';
import type { Strategy, TrialRequest, TrialSnapshot } from '../../src/strategies/types.js';
import { rngFor } from '../../src/util/random.js';
import { makeSpec } from '../fixtures/spec.js';

const PARAMS: ParamSpec[] = [
  { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: [1e-3, 1e-2] } },
  { name: 'batch_size', dist: { kind: 'categorical', choices: [16, 32, 64] } },
];

function snapshot(number: number, request: TrialRequest, status: TrialSnapshot['status'] = 'completed'): TrialSnapshot {
  const params = request.kind === 'new' ? request.params : {};
  return { number, params, status, score: 0, epochs: 3, curve: [0, 0, 0], bracket: null, rung: null, copiedFrom: null };
}

/** Runs a strategy to exhaustion, every trial completing at once. */
function drain(strategy: Strategy): TrialRequest[] {
  const history: TrialSnapshot[] = [];
  const requests: TrialRequest[] = [];
  for (let request = strategy.ask(history); request !== null; request = strategy.ask(history)) {
    requests.push(request);
    history.push(snapshot(history.length, request));
  }
  return requests;
}

const random = (seed: number, trials = 5) =>
  randomStrategy(planStudy({ strategy: 'random', eta: 3, minEpochs: 1, maxEpochs: 3, trials }), trials, {
    propose: (trial) => ({ params: sampleParams(PARAMS, rngFor(seed, 'params', trial)), proposedBy: 'random' }),
  });

const grid = (trials: number | null) => {
  const plan = planFor({ strategy: 'grid', eta: 3, minEpochs: 1, maxEpochs: 4, trials, params: PARAMS });
  return gridStrategy(plan, gridCells(PARAMS));
};

describe('random strategy', () => {
  it('asks for exactly `trials` new configurations over the full budget, then nothing', () => {
    const requests = drain(random(1));
    expect(requests).toHaveLength(5);
    expect(requests.every((r) => r.kind === 'new' && r.budget.from === 0 && r.budget.to === 3 && r.rung === null)).toBe(true);
  });

  it('is a function of the seed and the trial number only', () => {
    expect(drain(random(1))).toEqual(drain(random(1)));
    expect(drain(random(1))).not.toEqual(drain(random(2)));
    // A strategy rebuilt mid-study from the stored history asks for what the original would have.
    const full = drain(random(1, 5));
    const history = full.slice(0, 3).map((r, number) => snapshot(number, r, number === 1 ? 'running' : 'completed'));
    expect(random(1, 5).ask(history)).toEqual(full[3]);
  });

  it('never stops a trial and drops nothing', () => {
    const strategy = random(1);
    expect(strategy.tell({ trial: 0, epoch: 1, score: -1e9 }, [])).toEqual({ kind: 'continue' });
    expect(strategy.dropped([])).toEqual([]);
  });
});

describe('grid strategy', () => {
  it('visits every cell once, in grid order', () => {
    const requests = drain(grid(null));
    expect(requests.map((r) => (r.kind === 'new' ? r.params : null))).toEqual([
      { learning_rate: 1e-3, batch_size: 16 },
      { learning_rate: 1e-3, batch_size: 32 },
      { learning_rate: 1e-3, batch_size: 64 },
      { learning_rate: 1e-2, batch_size: 16 },
      { learning_rate: 1e-2, batch_size: 32 },
      { learning_rate: 1e-2, batch_size: 64 },
    ]);
    expect(grid(null).plan.totalEpochs).toBe(24);
  });

  it('stops after `trials` cells when fewer are asked for', () => {
    const strategy = grid(4);
    expect(drain(strategy)).toHaveLength(4);
    expect(strategy.plan.totalEpochs).toBe(16);
  });
});

describe('createStrategy', () => {
  it.each(['grid', 'random', 'sha', 'hyperband', 'asha'] as const)('builds %s with the plan of its spec', (name) => {
    const spec = makeSpec({ strategy: name, params: PARAMS, trials: name === 'hyperband' ? null : 6, maxEpochs: 9 });
    const strategy = createStrategy(spec);
    expect(strategy.name).toBe(name);
    expect(strategy.plan).toEqual(planFor(spec));
    expect(strategy.ask([])?.kind).toBe('new');
  });
});
