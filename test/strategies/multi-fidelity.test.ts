/**
 * Successive halving, Hyperband and ASHA on synthetic objectives whose ranking is known:
 * configuration i has quality QUALITY[i], and its score after e epochs rises towards it.
 */
import { describe, expect, it } from 'vitest';
import type { Params } from '../../src/core/types.js';
import { ashaStrategy } from '../../src/strategies/asha.js';
import { hyperbandStrategy } from '../../src/strategies/hyperband.js';
import { type Plan, planStudy } from '../../src/strategies/plan.js';
import { rungResult, topAtRung } from '../../src/strategies/rungs.js';
import { successiveHalvingStrategy } from '../../src/strategies/successive-halving.js';
import type { ConfigSampler, Strategy, TrialSnapshot } from '../../src/strategies/types.js';
import { simulate } from './simulate.js';

/** A fixed pseudo-random permutation of qualities: configuration i is the (QUALITY[i])-th best. */
const QUALITY = Array.from({ length: 200 }, (_, i) => ((i * 37) % 200) / 200);
const sample: ConfigSampler = { propose: (trial) => ({ params: { q: QUALITY[trial]! }, proposedBy: 'random' }) };
/** Rises with epochs, ordered by quality at every epoch. */
const score = (params: Params, epoch: number) => (params.q as number) * (1 - Math.exp(-epoch / 4));

const plan = (strategy: Plan['strategy'], trials: number, maxEpochs = 27, minEpochs = 1, eta = 3) =>
  planStudy({ strategy, eta, minEpochs, maxEpochs, trials });

const ranked = (numbers: number[]) => [...numbers].sort((a, b) => QUALITY[b]! - QUALITY[a]! || a - b);

describe('successive halving', () => {
  const strategy = () => successiveHalvingStrategy(plan('sha', 27), sample);

  it('keeps the best ⌊n/η⌋ of each rung: the known top configurations survive', () => {
    const run = simulate(strategy(), { workers: 4, maxEpochs: 27, score });
    const all = ranked([...Array(27).keys()]);
    // reduction_factor=3: 27 at 1 epoch, the best 9 continue to 3, the best 3 to 9, the best 1 to 27.
    const reached = (k: number) =>
      run.history
        .filter((t) => (t.rung ?? 0) >= k)
        .map((t) => t.number)
        .sort((a, b) => a - b);
    expect(reached(1)).toEqual(all.slice(0, 9).sort((a, b) => a - b));
    expect(run.history.filter((t) => t.status === 'completed')).toHaveLength(1);
    expect(reached(2)).toEqual(all.slice(0, 3).sort((a, b) => a - b));
    expect(reached(3)).toEqual([all[0]]);
    expect(run.history.filter((t) => t.status === 'completed').map((t) => t.number)).toEqual([all[0]]);
    expect(run.history.filter((t) => t.status === 'pruned')).toHaveLength(26);
  });

  it('trains exactly the planned epochs: promoted configurations continue, they do not restart', () => {
    const run = simulate(strategy(), { workers: 3, maxEpochs: 27, score });
    expect(run.epochs).toBe(plan('sha', 27).totalEpochs);
    expect(run.epochs).toBe(81);
    for (const { request } of run.requests) {
      if (request.kind === 'continue') expect(request.budget.from).toBe([1, 3, 9][request.rung - 1]);
    }
  });

  it('is synchronous: no promotion before every trial of the rung has reported', () => {
    // Uneven durations: trial 5 is slow.
    const run = simulate(strategy(), { workers: 4, maxEpochs: 27, score, duration: (t, from, to) => (t === 5 ? 50 : 1) * (to - from) });
    const firstPromotion = run.requests.find((r) => r.request.kind === 'continue')!.time;
    expect(firstPromotion).toBeGreaterThanOrEqual(50);
    expect(run.idle.length).toBeGreaterThan(0);
  });

  it('drops the losers of a rung as soon as it is decided', () => {
    const s = strategy();
    const run = simulate(s, { workers: 27, maxEpochs: 27, score });
    // Replay: after rung 0 (27 trials paused at epoch 1), the 18 losers are dropped at once.
    const atRung0 = run.history.map((t) => ({ ...t, status: 'paused' as const, rung: 0, epochs: 1, curve: t.curve.slice(0, 1) }));
    expect([...s.dropped(atRung0)].sort((a, b) => a - b)).toEqual(
      ranked([...Array(27).keys()])
        .slice(9)
        .sort((a, b) => a - b),
    );
  });

  it('breaks ties by trial number', () => {
    const flat = successiveHalvingStrategy(plan('sha', 9, 9), { propose: () => ({ params: { q: 0.5 }, proposedBy: 'random' }) });
    const run = simulate(flat, { workers: 2, maxEpochs: 9, score });
    expect(run.history.filter((t) => (t.rung ?? 0) >= 1).map((t) => t.number)).toEqual([0, 1, 2]);
    expect(run.history.filter((t) => t.status === 'completed').map((t) => t.number)).toEqual([0]);
  });

  it('never promotes a diverged or failed configuration, and a NaN does not stop the rung', () => {
    const best = ranked([...Array(27).keys()])[0]!;
    const run = simulate(strategy(), {
      workers: 4,
      maxEpochs: 27,
      score: (p, e, trial) => (trial === best ? null : score(p, e)),
    });
    expect(run.history[best]!.status).toBe('diverged');
    expect(run.history[best]!.rung).toBe(0);
    expect(run.history.filter((t) => (t.rung ?? 0) >= 1)).toHaveLength(9);
    expect(run.history.filter((t) => t.status === 'completed').map((t) => t.number)).toEqual([ranked([...Array(27).keys()])[1]]);
  });

  it('is a function of its history: a fresh instance decides as a long-lived one does', () => {
    const run = simulate(strategy(), { workers: 4, maxEpochs: 27, score });
    // The study as it stood when rung 0 had just been decided: 27 trials paused at epoch 1.
    const history: TrialSnapshot[] = run.history.map((t) => ({ ...t, status: 'paused', rung: 0, epochs: 1, curve: t.curve.slice(0, 1) }));
    const longLived = strategy();
    longLived.ask([]);
    expect(strategy().ask(history)).toEqual(longLived.ask(history));
    expect(strategy().ask(history)).toMatchObject({
      kind: 'continue',
      trial: ranked([...Array(27).keys()])[0],
      rung: 1,
      budget: { from: 1, to: 3 },
    });
  });
});

describe('Hyperband', () => {
  const hyperbandPlan = plan('hyperband', 0, 27);
  const strategy = () => hyperbandStrategy(hyperbandPlan, sample);

  it('runs every bracket as planned and trains exactly the planned epochs', () => {
    const run = simulate(strategy(), { workers: 4, maxEpochs: 27, score });
    expect(run.epochs).toBe(hyperbandPlan.totalEpochs);
    for (const bracket of hyperbandPlan.brackets) {
      const members = run.history.filter((t) => t.bracket === bracket.s);
      bracket.rungs.forEach((rung, k) => expect(members.filter((t) => (t.rung ?? 0) >= k)).toHaveLength(rung.configs));
      // Within a bracket, the best configuration is the one trained to the end.
      const winner = ranked(members.map((t) => t.number))[0];
      expect(members.filter((t) => t.status === 'completed').map((t) => t.number)).toContain(winner);
    }
  });

  it('runs brackets side by side: the next bracket starts while one waits at a rung', () => {
    const run = simulate(strategy(), { workers: 6, maxEpochs: 27, score, duration: (t, from, to) => (t === 0 ? 40 : 1) * (to - from) });
    const firstOfBracket2 = run.requests.find((r) => r.request.kind === 'new' && r.request.bracket === 2)!.time;
    const lastOfBracket3 = Math.max(
      ...run.requests.filter((r) => r.request.kind === 'continue' && run.history[r.request.trial]!.bracket === 3).map((r) => r.time),
    );
    expect(firstOfBracket2).toBeLessThan(lastOfBracket3);
  });
});

describe('ASHA', () => {
  const ashaPlan = plan('asha', 81);
  const strategy = () => ashaStrategy(ashaPlan, 81, sample);
  const rungs = ashaPlan.brackets[0]!.rungs;

  /** Whether some paused trial is in the top 1/η of its rung (brute force, from the definition). */
  function promotable(history: readonly TrialSnapshot[]): boolean {
    return rungs.slice(0, -1).some((rung, k) => {
      const reached = history.filter((t) => (t.rung ?? 0) >= k && rungResult(t, rung.epochs) !== undefined);
      const top = topAtRung(reached, rung.epochs, Math.floor(reached.length / 3));
      return top.some((t) => t.status === 'paused' && t.rung === k);
    });
  }

  it('never leaves a worker idle while a promotion or a new configuration is available', () => {
    const run = simulate(strategy(), {
      workers: 4,
      maxEpochs: 27,
      score,
      // Uneven durations: some configurations are five times slower.
      duration: (trial, from, to) => (to - from) * (trial % 4 === 0 ? 5 : 1),
    });
    expect(run.history).toHaveLength(81);
    for (const moment of run.idle) {
      expect(moment.history.length).toBe(81);
      expect(promotable(moment.history)).toBe(false);
    }
  });

  it('promotes only from the top 1/η of a rung, and the best configuration reaches the full budget', () => {
    const run = simulate(strategy(), { workers: 4, maxEpochs: 27, score });
    let promotions = 0;
    for (const { request, history } of run.requests) {
      if (request.kind !== 'continue') continue;
      promotions++;
      const k = request.rung - 1;
      expect(request.budget).toEqual({ from: rungs[k]!.epochs, to: rungs[request.rung]!.epochs });
      // In the top ⌊n/η⌋ of the n results recorded at its rung when it was promoted.
      const reached = history.filter((t) => (t.rung ?? 0) >= k && rungResult(t, rungs[k]!.epochs) !== undefined);
      expect(topAtRung(reached, rungs[k]!.epochs, Math.floor(reached.length / 3)).map((t) => t.number)).toContain(request.trial);
    }
    expect(promotions).toBeGreaterThanOrEqual(27 + 9 + 3);
    const best = ranked([...Array(81).keys()])[0]!;
    expect(run.history[best]!.status).toBe('completed');
    expect(run.history.filter((t) => t.status === 'paused')).toHaveLength(0);
  });

  it('a NaN at the bottom rung does not stop later promotions', () => {
    const run = simulate(ashaStrategy(plan('asha', 27), 27, sample), {
      workers: 2,
      maxEpochs: 27,
      score: (p, e, trial) => (trial === 0 ? null : score(p, e)),
    });
    expect(run.history[0]!.status).toBe('diverged');
    expect(run.history.filter((t) => (t.rung ?? 0) >= 1).length).toBeGreaterThanOrEqual(8);
    expect(run.history.some((t) => t.status === 'completed')).toBe(true);
  });

  it('gives the same decisions for the same completion order', () => {
    const a = simulate(strategy(), { workers: 3, maxEpochs: 27, score });
    const b = simulate(strategy(), { workers: 3, maxEpochs: 27, score });
    expect(a.requests.map((r) => r.request)).toEqual(b.requests.map((r) => r.request));
  });
});

describe('every strategy', () => {
  it.each<[string, () => Strategy]>([
    ['sha', () => successiveHalvingStrategy(plan('sha', 27), sample)],
    ['hyperband', () => hyperbandStrategy(plan('hyperband', 0), sample)],
    ['asha', () => ashaStrategy(plan('asha', 27), 27, sample)],
  ])('%s never stops a running trial: it promotes or drops between rungs', (_name, make) => {
    expect(make().tell({ trial: 0, epoch: 1, score: -1e9 }, [])).toEqual({ kind: 'continue' });
  });
});
