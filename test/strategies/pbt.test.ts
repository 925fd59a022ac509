/**
 * Population based training's rules: quantiles, exploit and explore (perturbation, clipping,
 * neighbouring choices, fixed parameters), the synchronous boundaries, the donors' wait, and a
 * population that gives the same result for its seed whatever the worker count and timing.
 * A toy model stands in for training: each member has a state (a distance to the optimum) that
 * an epoch at learning rate lr moves as x ← x·(1 − lr) + c·lr², so a large rate is best early
 * and a small one late; copying a member copies its state.
 */
import { describe, expect, it } from 'vitest';
import type { CopySource, Params } from '../../src/core/types.js';
import { sampleParams } from '../../src/space/sample.js';
import type { ParamSpec } from '../../src/space/types.js';
import { type Plan, planStudy } from '../../src/strategies/plan.js';
import { type PbtSettings, decideBoundary, exploitAndExplore, explore, pbtStrategy, quantileCount } from '../../src/strategies/pbt.js';
import type { ConfigSampler, Strategy, TrialRequest, TrialSnapshot } from '../../src/strategies/types.js';
import { rngFor } from '../../src/util/random.js';

const LR: ParamSpec = { name: 'lr', dist: { kind: 'float', low: 0.001, high: 1, log: true, grid: null } };
const UNITS: ParamSpec = { name: 'units', dist: { kind: 'int', low: 1, high: 10, log: false, grid: null } };
const BATCH: ParamSpec = { name: 'batch', dist: { kind: 'categorical', choices: [16, 32, 64, 128] } };
const MOMENTUM: ParamSpec = { name: 'momentum', dist: { kind: 'float', low: 0, high: 0.99, log: false, grid: null } };

function settings(params: readonly ParamSpec[], overrides: Partial<PbtSettings> = {}): PbtSettings {
  return {
    seed: 7,
    quantile: 0.25,
    resampleProbability: 0,
    perturbationFactors: [0.8, 1.2],
    params,
    mutable: (spec) => spec.mutable !== false,
    ...overrides,
  };
}

function snapshot(number: number, curve: (number | null)[], overrides: Partial<TrialSnapshot> = {}): TrialSnapshot {
  return {
    number,
    params: {},
    status: 'paused',
    score: curve.at(-1) ?? null,
    epochs: curve.length,
    curve,
    bracket: null,
    rung: 0,
    copiedFrom: null,
    ...overrides,
  };
}

describe('quantiles', () => {
  it('are ⌈q·P⌉ members, at most ⌊P/2⌋', () => {
    expect(quantileCount(8, 0.25)).toBe(2);
    expect(quantileCount(10, 0.3)).toBe(3);
    expect(quantileCount(2, 0.25)).toBe(1);
    expect(quantileCount(3, 0.5)).toBe(1);
    expect(quantileCount(5, 0.5)).toBe(2);
    expect(quantileCount(20, 0.05)).toBe(1);
  });

  it('rank members by their score at the boundary, ties to the lower number', () => {
    const members = [0.5, 0.9, 0.1, 0.9, 0.3, 0.7].map((s, i) => snapshot(i, [0, s]));
    expect(decideBoundary(members, 2, 2)).toEqual({ donors: [1, 3], exploiters: [4, 2] });
  });

  it('read the score at the boundary epoch, not the latest', () => {
    const members = [snapshot(0, [0.9, 0.1]), snapshot(1, [0.5, 0.8]), snapshot(2, [0.1, 0.9])];
    expect(decideBoundary(members, 1, 1)).toEqual({ donors: [0], exploiters: [2] });
  });

  it('make every member without a score copy, and nobody copy when no member has one', () => {
    const members = [
      snapshot(0, [0.5]),
      snapshot(1, [null], { status: 'diverged' }),
      snapshot(2, [0.7]),
      snapshot(3, [0.6]),
      snapshot(4, [], { status: 'failed', epochs: 0 }),
      snapshot(5, [0.2]),
    ];
    expect(decideBoundary(members, 1, 1)).toEqual({ donors: [2], exploiters: [1, 4] });
    const dead = [snapshot(0, [null], { status: 'diverged' }), snapshot(1, [null], { status: 'diverged' })];
    expect(decideBoundary(dead, 1, 1)).toEqual({ donors: [], exploiters: [] });
  });
});

describe('explore', () => {
  const rng = () => {
    const draws = [0.1, 0.9, 0.4, 0.6, 0.2, 0.8];
    let i = 0;
    return () => draws[i++ % draws.length]!;
  };

  it('multiplies numbers by a factor (a step of log f for a log-scaled one) and clips them to their range', () => {
    const one = settings([LR, MOMENTUM], { perturbationFactors: [2] });
    const next = explore({ lr: 0.3, momentum: 0.6 }, one, rng());
    expect(next.lr).toBeCloseTo(0.6, 12);
    // 1.2 is clipped to the top of the range.
    expect(next.momentum).toBe(0.99);
    const down = explore({ lr: 0.0015, momentum: 0.3 }, settings([LR, MOMENTUM], { perturbationFactors: [0.5] }), rng());
    expect(down.lr).toBe(0.001);
    expect(down.momentum).toBeCloseTo(0.15, 12);
  });

  it('draws the factor from the list', () => {
    const spec = settings([MOMENTUM], { perturbationFactors: [0.8, 1.2] });
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) seen.add(Number(((explore({ momentum: 0.5 }, spec, rngFor(1, i)).momentum as number) / 0.5).toFixed(9)));
    expect([...seen].sort()).toEqual([0.8, 1.2]);
  });

  it('rounds integers, and moves them by one where rounding would undo the step', () => {
    const spec = settings([UNITS], { perturbationFactors: [1.2] });
    expect(explore({ units: 5 }, spec, rng()).units).toBe(6);
    expect(explore({ units: 2 }, spec, rng()).units).toBe(3);
    expect(explore({ units: 10 }, spec, rng()).units).toBe(10);
    expect(explore({ units: 1 }, settings([UNITS], { perturbationFactors: [0.8] }), rng()).units).toBe(1);
  });

  it('moves a choice to a neighbouring value, from the ends inwards', () => {
    const spec = settings([BATCH]);
    const neighbours = (value: number) => {
      const seen = new Set<unknown>();
      for (let i = 0; i < 40; i++) seen.add(explore({ batch: value }, spec, rngFor(2, i)).batch);
      return [...seen].sort((a, b) => (a as number) - (b as number));
    };
    expect(neighbours(16)).toEqual([32]);
    expect(neighbours(32)).toEqual([16, 64]);
    expect(neighbours(128)).toEqual([64]);
  });

  it('draws a parameter again from its distribution with the resample probability', () => {
    const spec = settings([LR, BATCH], { resampleProbability: 1 });
    const values = Array.from({ length: 200 }, (_, i) => explore({ lr: 0.01, batch: 16 }, spec, rngFor(3, i)));
    expect(values.every((p) => (p.lr as number) >= 0.001 && (p.lr as number) <= 1)).toBe(true);
    // Far beyond what one factor of 0.8 or 1.2 reaches, and every choice, not just the neighbour.
    expect(values.some((p) => (p.lr as number) > 0.1)).toBe(true);
    expect(new Set(values.map((p) => p.batch))).toEqual(new Set([16, 32, 64, 128]));
    const half = Array.from({ length: 400 }, (_, i) => explore({ lr: 0.01 }, settings([LR], { resampleProbability: 0.25 }), rngFor(4, i)));
    const perturbed = half.filter((p) => [0.008, 0.012].some((v) => Math.abs((p.lr as number) - v) < 1e-12)).length;
    expect(perturbed / 400).toBeGreaterThan(0.68);
    expect(perturbed / 400).toBeLessThan(0.82);
  });

  it('never changes a fixed parameter, a constant, or a conditional choice (its children are explored)', () => {
    const schedule: ParamSpec = {
      name: 'schedule',
      dist: {
        kind: 'conditional',
        options: [
          { name: 'constant', params: [] },
          { name: 'step', params: [{ name: 'schedule.gamma', dist: { kind: 'float', low: 0.1, high: 0.9, log: false, grid: null } }] },
        ],
      },
    };
    const fixed: ParamSpec = { ...UNITS, mutable: false };
    const optimizer: ParamSpec = { name: 'optimizer', dist: { kind: 'categorical', choices: ['sgd', 'adam'] } };
    const spec = settings([fixed, schedule, optimizer], {
      resampleProbability: 0.5,
      perturbationFactors: [2],
      mutable: (p) => p.mutable !== false && p.name !== 'optimizer',
    });
    for (let i = 0; i < 30; i++) {
      const next = explore({ units: 4, schedule: 'step', 'schedule.gamma': 0.3, optimizer: 'sgd' }, spec, rngFor(5, i));
      expect(next.units).toBe(4);
      expect(next.schedule).toBe('step');
      expect(next.optimizer).toBe('sgd');
      expect(next['schedule.gamma']).not.toBe(0.3);
    }
  });

  it('picks the donor and the perturbation from the seed, the boundary and the member alone', () => {
    const donors = [snapshot(3, [0.9], { params: { lr: 0.1 } }), snapshot(5, [0.8], { params: { lr: 0.2 } })];
    const spec = settings([LR]);
    const a = exploitAndExplore(1, 2, donors, 6, spec);
    expect(exploitAndExplore(1, 2, donors, 6, spec)).toEqual(a);
    expect(a.source.epoch).toBe(6);
    expect([3, 5]).toContain(a.source.trial);
    const picks = new Set(Array.from({ length: 20 }, (_, member) => exploitAndExplore(member, 2, donors, 6, spec).source.trial));
    expect(picks).toEqual(new Set([3, 5]));
  });
});

/** Distance to the optimum after an epoch at rate lr: fast with a large rate, down to a floor of C·lr. */
const C = 0.5;
const stepState = (x: number, lr: number) => x * (1 - lr) + C * lr * lr;
const START = 1;

interface PbtRun {
  readonly history: TrialSnapshot[];
  readonly requests: TrialRequest[];
  /** Each member's state after each epoch it trained (index e: after e epochs). */
  readonly states: Map<number, number[]>;
  /** Violations of the donors' wait: a donor continued before a member copying it had its copy. */
  readonly earlyDonors: string[];
}

/** Drives a pbt strategy as the loops do: a slot runs an interval; a copy takes the donor's state at the boundary. */
function runPbt(strategy: Strategy, workers: number, duration: (trial: number, from: number) => number): PbtRun {
  const history: TrialSnapshot[] = [];
  const requests: TrialRequest[] = [];
  const states = new Map<number, number[]>();
  const running = new Map<number, { end: number; from: number; to: number }>();
  const earlyDonors: string[] = [];
  /** Copies made, by boundary epoch: which members copied whom. */
  const copies = new Map<number, { member: number; donor: number }[]>();
  let time = 0;
  for (;;) {
    while (running.size < workers) {
      const request = strategy.ask(history);
      if (request === null) break;
      requests.push(request);
      const number = request.kind === 'new' ? history.length : request.trial;
      const previous = history[number];
      let params: Params = request.kind === 'new' ? request.params : previous!.params;
      let copiedFrom: CopySource | null = null;
      if (request.kind === 'continue') {
        // A donor going on: every member copying it at this boundary must have its copy already.
        for (const copy of copies.get(request.budget.from) ?? []) {
          if (copy.donor === number && history[copy.member]!.epochs <= request.budget.from && running.has(copy.member))
            earlyDonors.push(`${number} before ${copy.member}`);
        }
        if (request.change !== undefined) {
          params = request.change.params;
          copiedFrom = request.change.source;
          const source = copiedFrom!;
          const own = states.get(number)!.slice(0, source.epoch + 1);
          own[source.epoch] = states.get(source.trial)![source.epoch]!;
          states.set(number, own);
          copies.set(source.epoch, [...(copies.get(source.epoch) ?? []), { member: number, donor: source.trial }]);
        }
      } else {
        states.set(number, [START]);
      }
      history[number] = {
        number,
        params,
        status: 'running',
        score: previous?.score ?? null,
        epochs: request.budget.from,
        curve: Array.from({ length: request.budget.from }, (_, i) => previous?.curve[i] ?? null),
        bracket: null,
        rung: request.rung,
        copiedFrom,
      };
      running.set(number, { end: time + duration(number, request.budget.from), ...request.budget });
    }
    if (running.size === 0) break;
    const [number, run] = [...running].sort((a, b) => a[1].end - b[1].end || a[0] - b[0])[0]!;
    running.delete(number);
    time = run.end;
    const trial = history[number]!;
    const curve = [...trial.curve];
    const state = states.get(number)!;
    for (let epoch = run.from + 1; epoch <= run.to; epoch++) {
      state[epoch] = stepState(state[epoch - 1]!, trial.params.lr as number);
      curve[epoch - 1] = -state[epoch]!;
    }
    history[number] = { ...trial, status: run.to < 12 ? 'paused' : 'completed', curve, epochs: run.to, score: curve[run.to - 1]! };
  }
  return { history, requests, states, earlyDonors };
}

describe('a population', () => {
  const plan: Plan = planStudy({ strategy: 'pbt', eta: 3, minEpochs: 1, maxEpochs: 12, trials: 8, perturbationInterval: 3 });
  const spec = settings([LR], { resampleProbability: 0.25 });
  const sampler: ConfigSampler = {
    propose: (number) => ({ params: sampleParams([LR], rngFor(11, 'params', number)), proposedBy: 'random' }),
  };
  const strategy = () => pbtStrategy(plan, sampler, spec);

  it('trains interval by interval, all members reaching each boundary before any goes on', () => {
    const run = runPbt(strategy(), 3, (trial) => 1 + (trial % 3));
    expect(plan.brackets[0]!.rungs.map((r) => r.epochs)).toEqual([3, 6, 9, 12]);
    expect(run.history).toHaveLength(8);
    expect(run.history.every((t) => t.status === 'completed' && t.epochs === 12)).toBe(true);
    // Every continue at boundary k comes after the eighth result at k.
    const continues = run.requests.filter((r) => r.kind === 'continue');
    expect(continues).toHaveLength(8 * 3);
    for (const boundary of [3, 6, 9]) expect(continues.filter((r) => r.budget.from === boundary)).toHaveLength(8);
  });

  it('lets the bottom quantile copy the top one at every boundary, then perturb what it copied', () => {
    const run = runPbt(strategy(), 2, () => 1);
    const copies = run.requests.filter(
      (r): r is Extract<TrialRequest, { kind: 'continue' }> => r.kind === 'continue' && r.change !== undefined,
    );
    expect(copies).toHaveLength(2 * 3);
    for (const copy of copies) {
      const donor = copy.change!.source!;
      expect(donor.epoch).toBe(copy.budget.from);
      expect(donor.trial).not.toBe(copy.trial);
      // The copier's state at the boundary is its donor's.
      expect(run.states.get(copy.trial)![donor.epoch]).toBe(run.states.get(donor.trial)![donor.epoch]);
    }
    // Copiers are asked for first at each boundary.
    const first = run.requests.filter((r) => r.kind === 'continue').slice(0, 2);
    expect(first.every((r) => r.kind === 'continue' && r.change !== undefined)).toBe(true);
  });

  it('decides a boundary only once every run up to it is over, not at its last report (the checkpoint is saved after it)', () => {
    const members = [0.9, 0.5, 0.4, 0.1, 0.3, 0.35, 0.6, 0.2].map((score, i) => snapshot(i, [0.2, 0.3, score], { params: { lr: 0.1 } }));
    const reported = members.map((m, i) => (i === 0 ? { ...m, status: 'running' as const } : m));
    expect(strategy().ask(reported)).toBeNull();
    const request = strategy().ask(members);
    expect(request).toMatchObject({ kind: 'continue', trial: 3, budget: { from: 3, to: 6 }, change: { source: { epoch: 3 } } });
    expect([0, 6]).toContain((request as Extract<TrialRequest, { kind: 'continue' }>).change!.source!.trial);
  });

  it('never lets a donor go on before the members copying it have their copy', () => {
    for (const workers of [1, 2, 3, 8]) expect(runPbt(strategy(), workers, (t, from) => 1 + ((t * 7 + from) % 5)).earlyDonors).toEqual([]);
  });

  it('gives the same population for its seed whatever the worker count and the timing', () => {
    const outcome = (run: PbtRun) => run.history.map((t) => ({ params: t.params, curve: t.curve }));
    const reference = outcome(runPbt(strategy(), 1, () => 1));
    expect(outcome(runPbt(strategy(), 2, (t) => 1 + (t % 2)))).toEqual(reference);
    expect(outcome(runPbt(strategy(), 4, (t, from) => 1 + ((t * 13 + from * 7) % 11)))).toEqual(reference);
    expect(outcome(runPbt(strategy(), 8, (t) => 10 - t))).toEqual(reference);
  });

  it('finds a falling learning rate that beats each member it started from', () => {
    const run = runPbt(strategy(), 2, () => 1);
    const best = Math.max(...run.history.map((t) => t.score!));
    // Each configuration trained alone at its first rate.
    // Each configuration trained alone at its first rate.
    const starts = run.requests.filter((r): r is Extract<TrialRequest, { kind: 'new' }> => r.kind === 'new');
    expect(starts).toHaveLength(8);
    const alone = starts.map((start) => {
      let x = START;
      for (let e = 0; e < 12; e++) x = stepState(x, start.params.lr as number);
      return -x;
    });
    expect(best).toBeGreaterThan(Math.max(...alone));
  });
});
