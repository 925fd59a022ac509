/**
 * TPE as a study's sampler: startup trials, direction, conditional spaces, the outcomes it learns
 * from, the reproducible rule (what trial n sees, and when it waits), BOHB's budget, and that a
 * proposal is a pure function of the seed, the number and the history.
 */
import { describe, expect, it } from 'vitest';
import { tpeSampler } from '../../src/samplers/tpe-sampler.js';
import type { StudySpec, TpeSamplerSpec } from '../../src/space/spec.js';
import type { ParamSpec } from '../../src/space/types.js';
import type { Params, TrialStatus } from '../../src/core/types.js';
import { planFor, randomSampler } from '../../src/strategies/create.js';
import type { Proposal, TrialSnapshot } from '../../src/strategies/types.js';
import { makeSpec } from '../fixtures/spec.js';

const X: ParamSpec = { name: 'x', dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } };
const TPE: TpeSamplerSpec = {
  name: 'tpe',
  startupTrials: 10,
  candidates: 24,
  multivariate: false,
  randomFraction: 0,
  parallel: 'reproducible',
  lag: 0,
};

function study(params: readonly ParamSpec[], sampler: Partial<TpeSamplerSpec> = {}, fields: Partial<StudySpec> = {}) {
  const spec = makeSpec({ params, trials: 100, maxEpochs: 1, seed: 7, sampler: { ...TPE, ...sampler }, ...fields });
  return { spec, sampler: tpeSampler({ ...spec, sampler: spec.sampler as TpeSamplerSpec }, planFor(spec)) };
}

function snapshot(
  number: number,
  params: Params,
  status: TrialStatus,
  score: number | null,
  more: Partial<TrialSnapshot> = {},
): TrialSnapshot {
  return {
    number,
    params,
    status,
    score,
    epochs: status === 'running' ? 0 : 1,
    curve: score === null ? [] : [score],
    bracket: null,
    copiedFrom: null,
    rung: null,
    ...more,
  };
}

/** Runs `trials` proposals one after another, each scored by `score` (higher is better) before the next. */
function run(
  sampler: { propose(n: number, h: readonly TrialSnapshot[]): Proposal | null },
  trials: number,
  score: (p: Params) => number | 'diverged' | 'failed',
): { history: TrialSnapshot[]; proposals: Proposal[] } {
  const history: TrialSnapshot[] = [];
  const proposals: Proposal[] = [];
  for (let n = 0; n < trials; n++) {
    const proposal = sampler.propose(n, history)!;
    proposals.push(proposal);
    const s = score(proposal.params);
    history.push(
      s === 'diverged'
        ? snapshot(n, proposal.params, 'diverged', null)
        : s === 'failed'
          ? snapshot(n, proposal.params, 'failed', null)
          : snapshot(n, proposal.params, 'completed', s),
    );
  }
  return { history, proposals };
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

describe('tpe sampler', () => {
  it('a proposal asked again is the one a fresh sampler gives, whatever was asked before and however the history changed', () => {
    const params: ParamSpec[] = [X, { name: 'k', dist: { kind: 'categorical', choices: ['a', 'b', 'c'] } }];
    const { sampler: asked } = study(params, { parallel: 'fast' });
    const { history } = run(study(params).sampler, 30, (p) => -(((p.x as number) - 0.3) ** 2));
    // Trial 30 from the history as it is, then (same number) after trial 29's result changed and
    // after trial 28's parameters changed to equal values in a new object: each time what a sampler
    // that was never asked gives.
    const changed = [...history.slice(0, 29), { ...history[29]!, score: 5 }];
    const copied = [...changed.slice(0, 28), { ...changed[28]!, params: { ...changed[28]!.params } }, changed[29]!];
    const running = [...history, snapshot(30, { x: 0.9, k: 'a' }, 'running', null)];
    for (const h of [history, history, changed, copied, history, running]) {
      const n = h === running ? 31 : 30;
      expect(asked.propose(n, h)).toEqual(study(params, { parallel: 'fast' }).sampler.propose(n, h));
    }
    expect(asked.propose(30, changed)).not.toEqual(asked.propose(30, history));
  });

  it("proposes at random (the random sampler's configurations) until it has its startup results, then from its model", () => {
    const { spec, sampler } = study([X]);
    const random = randomSampler(spec);
    const { proposals } = run(sampler, 14, (p) => -(((p.x as number) - 0.3) ** 2));
    for (let n = 0; n < 10; n++) expect(proposals[n]).toEqual(random.propose(n, []));
    expect(proposals.slice(10).map((p) => p.proposedBy)).toEqual(['model', 'model', 'model', 'model']);
  });

  it('finds the optimum of a bowl, whichever way the score runs: far closer than random draws', () => {
    const { sampler } = study([X]);
    const { spec } = study([X]);
    const near = (proposals: readonly Proposal[]) => median(proposals.slice(20).map((p) => Math.abs((p.params.x as number) - 0.3)));
    // Scores are higher-is-better at this boundary: a minimized loss arrives negated.
    const model = run(sampler, 50, (p) => -(((p.x as number) - 0.3) ** 2));
    const random = run(randomSampler(spec), 50, (p) => -(((p.x as number) - 0.3) ** 2));
    expect(Math.min(...model.proposals.map((p) => Math.abs((p.params.x as number) - 0.3)))).toBeLessThan(0.005);
    expect(near(model.proposals)).toBeLessThan(near(random.proposals) / 3);
    // The opposite direction: the best is now far from 0.3.
    const flipped = run(study([X]).sampler, 50, (p) => ((p.x as number) - 0.3) ** 2);
    expect(median(flipped.proposals.slice(20).map((p) => p.params.x as number))).toBeGreaterThan(0.8);
  });

  it("models a conditional choice's children only from the trials that took their option, and proposes them only under it", () => {
    const params: ParamSpec[] = [
      {
        name: 'opt',
        dist: {
          kind: 'conditional',
          options: [
            { name: 'a', params: [{ name: 'opt.u', dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } }] },
            { name: 'b', params: [{ name: 'opt.v', dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } }] },
            { name: 'c', params: [] },
          ],
        },
      },
    ];
    for (const multivariate of [false, true]) {
      const { sampler } = study(params, { multivariate });
      const loss = (p: Params) =>
        p.opt === 'a' ? 1 + ((p['opt.u'] as number) - 0.5) ** 2 : p.opt === 'b' ? ((p['opt.v'] as number) - 0.8) ** 2 : 2;
      const { proposals } = run(sampler, 60, (p) => -loss(p));
      for (const { params: p } of proposals) {
        expect(Object.keys(p).sort()).toEqual(p.opt === 'a' ? ['opt', 'opt.u'] : p.opt === 'b' ? ['opt', 'opt.v'] : ['opt']);
      }
      const late = proposals.slice(30).filter((p) => p.proposedBy === 'model');
      expect(late.filter((p) => p.params.opt === 'b').length / late.length).toBeGreaterThan(0.7);
      expect(median(late.filter((p) => p.params.opt === 'b').map((p) => Math.abs((p.params['opt.v'] as number) - 0.8)))).toBeLessThan(0.1);
    }
  });

  it('learns from diverged trials (the worst results) and not from failed ones', () => {
    // Flat everywhere, diverged above 0.6: the model steers away from where trials diverge.
    const diverging = run(study([X]).sampler, 60, (p) => ((p.x as number) > 0.6 ? 'diverged' : 0));
    const share = (proposals: readonly Proposal[]) => proposals.slice(20).filter((p) => (p.params.x as number) > 0.6).length / 40;
    expect(share(diverging.proposals)).toBeLessThan(0.15);
    // Failed trials are no evidence: ten of them leave the model at its startup.
    const { sampler } = study([X]);
    const history = Array.from({ length: 10 }, (_, n) => snapshot(n, { x: n / 10 }, 'failed', null));
    expect(sampler.propose(10, history)!.proposedBy).toBe('random');
    const completed = [...history, ...Array.from({ length: 10 }, (_, i) => snapshot(10 + i, { x: i / 10 }, 'completed', -i))];
    expect(sampler.propose(20, completed)!.proposedBy).toBe('model');
  });

  it('reproducible: trial n sees trials 0 … n − lag − 1, waits for them, and treats the last lag trials as running whatever they did', () => {
    const { sampler } = study([X], { lag: 2 });
    const done = Array.from({ length: 13 }, (_, n) => snapshot(n, { x: n / 13 }, 'completed', -Math.abs(n / 13 - 0.4)));
    const a = sampler.propose(15, [...done, snapshot(13, { x: 0.9 }, 'running', null), snapshot(14, { x: 0.1 }, 'queued', null)]);
    const b = sampler.propose(15, [...done, snapshot(13, { x: 0.9 }, 'completed', 5), snapshot(14, { x: 0.1 }, 'diverged', null)]);
    expect(a).not.toBeNull();
    expect(b).toEqual(a);
    // A result it must see that is not in yet: it waits.
    const waiting = [
      ...done.slice(0, 12),
      snapshot(12, { x: 12 / 13 }, 'running', null),
      snapshot(13, { x: 0.9 }, 'running', null),
      snapshot(14, { x: 0.1 }, 'running', null),
    ];
    expect(sampler.propose(15, waiting)).toBeNull();
    // Fewer trials than its startup can be seen: random at once, nothing to wait for.
    expect(
      sampler.propose(11, done.slice(0, 3).concat(Array.from({ length: 8 }, (_, i) => snapshot(3 + i, { x: 0.5 }, 'running', null))))!
        .proposedBy,
    ).toBe('random');
  });

  it('fast: sees every result now in and treats the running trials as running', () => {
    const { sampler } = study([X], { parallel: 'fast', lag: null });
    const done = Array.from({ length: 12 }, (_, n) => snapshot(n, { x: n / 12 }, 'completed', -Math.abs(n / 12 - 0.4)));
    const running = sampler.propose(14, [...done, snapshot(12, { x: 0.41 }, 'running', null), snapshot(13, { x: 0.39 }, 'running', null)]);
    const none = sampler.propose(12, done);
    expect(running!.proposedBy).toBe('model');
    expect(none!.proposedBy).toBe('model');
    expect(running!.params).not.toEqual(none!.params);
  });

  it('BOHB: fits on the highest budget with enough results (bottom rungs only when reproducible), and keeps a random share', () => {
    const spec = makeSpec({
      params: [X],
      strategy: 'hyperband',
      trials: null,
      maxEpochs: 9,
      minEpochs: 1,
      eta: 3,
      seed: 7,
      sampler: { ...TPE, lag: 0 },
    });
    const plan = planFor(spec);
    expect(plan.brackets.map((b) => [b.s, b.rungs[0]!.epochs])).toEqual([
      [2, 1],
      [1, 3],
      [0, 9],
    ]);
    const sampler = tpeSampler({ ...spec, sampler: spec.sampler as TpeSamplerSpec }, plan);
    // Bracket 2's trials (1 epoch) favour x near 0.2; bracket 1's (3 epochs) favour x near 0.8.
    const cheap = Array.from({ length: 12 }, (_, n) =>
      snapshot(n, { x: n / 12 }, 'paused', -Math.abs(n / 12 - 0.2), { bracket: 2, rung: 0, curve: [-Math.abs(n / 12 - 0.2)] }),
    );
    const dear = Array.from({ length: 12 }, (_, i) => {
      const x = (i + 0.5) / 12;
      const s = -Math.abs(x - 0.8);
      return snapshot(12 + i, { x }, 'completed', s, { bracket: 1, rung: 0, epochs: 3, curve: [s - 1, s - 0.5, s] });
    });
    const proposals = Array.from({ length: 12 }, (_, k) => sampler.propose(24 + k, [...cheap, ...dear])!);
    expect(proposals.every((p) => p.proposedBy === 'model')).toBe(true);
    expect(median(proposals.map((p) => p.params.x as number))).toBeGreaterThan(0.6);
    const lowOnly = Array.from({ length: 6 }, (_, k) => sampler.propose(12 + k, cheap)!);
    expect(median(lowOnly.map((p) => p.params.x as number))).toBeLessThan(0.4);
    // With a random share of 1/2, about half the proposals stay random, decided by seed and number.
    const half = tpeSampler({ ...spec, sampler: { ...(spec.sampler as TpeSamplerSpec), randomFraction: 0.5 } }, plan);
    const kinds = Array.from({ length: 200 }, (_, k) => half.propose(24 + k, [...cheap, ...dear])!.proposedBy);
    expect(kinds.filter((k) => k === 'random').length).toBeGreaterThan(70);
    expect(kinds.filter((k) => k === 'random').length).toBeLessThan(130);
    expect(Array.from({ length: 200 }, (_, k) => half.propose(24 + k, [...cheap, ...dear])!.proposedBy)).toEqual(kinds);
  });

  it('is a pure function of the seed, the number and the history', () => {
    const history = Array.from({ length: 20 }, (_, n) =>
      snapshot(n, { x: ((n * 7) % 20) / 20 }, 'completed', -((((n * 7) % 20) / 20 - 0.3) ** 2)),
    );
    const { sampler } = study([X]);
    const again = study([X]).sampler;
    expect(again.propose(20, history)).toEqual(sampler.propose(20, history));
    const other = tpeSampler({ ...makeSpec({ params: [X], seed: 8, sampler: TPE }), sampler: TPE }, planFor(makeSpec({ params: [X] })));
    expect(other.propose(20, history)).not.toEqual(sampler.propose(20, history));
  });
});
