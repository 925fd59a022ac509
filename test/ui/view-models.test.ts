/**
 * The dashboard's view-model builders: pure functions from fixed study data to the rows the
 * panels print.
 */
import { describe, expect, it } from 'vitest';
import { buildLeaderboard } from '../../src/report/leaderboard.js';
import type { TrialRecord } from '../../src/storage/storage.js';
import type { TrialStatus } from '../../src/core/types.js';
import { planFor } from '../../src/strategies/create.js';
import { buildCurves } from '../../src/ui/model/curves.js';
import { buildTrialDetail } from '../../src/ui/model/detail.js';
import { buildEvents, eventsFromRecords } from '../../src/ui/model/events.js';
import { buildHeader, estimateRemainingMs } from '../../src/ui/model/header.js';
import { buildImportance, importanceLines } from '../../src/ui/model/importance.js';
import { buildLeaderboardView } from '../../src/ui/model/leaderboard.js';
import { buildRunning } from '../../src/ui/model/running.js';
import { buildRungs } from '../../src/ui/model/rungs.js';
import { indexTrials } from '../../src/ui/model/trial-index.js';
import { T0, endedData, randomData, randomEvents, randomTrials, shaData, spec, trial } from './fixtures.js';
import { pbtData } from './pbt-fixtures.js';

describe('buildHeader', () => {
  it('counts workers, trials and epochs, and estimates the time left from the recent throughput', () => {
    expect(buildHeader(randomData())).toEqual({
      study: 'quick',
      strategy: 'random',
      backend: 'wasm',
      objective: 'maximize val_accuracy',
      status: 'running',
      source: 'live',
      workersBusy: 1,
      workersTotal: 2,
      elapsedMs: 40_000,
      // 80 planned − 27 trained − 17 that the diverged and failed trials will not train = 36,
      // at 2 epochs a second.
      etaMs: 18_000,
      trialsDone: 4,
      trialsPlanned: 8,
      epochsUsed: 27,
      epochsPlanned: 80,
      progressIn: 'epochs',
      best: { trial: 2, value: 0.95 },
      notice: null,
    });
  });

  it('says when dispatching is paused or a stop is under way, and then gives no ETA', () => {
    const paused = buildHeader(randomData({ paused: true }));
    expect(paused.notice).toBe('dispatching paused: running trials go on, no new trial starts (p resumes)');
    expect(paused.etaMs).toBeNull();
    const stopping = buildHeader(randomData({ stop: 'graceful' }));
    expect(stopping.notice).toBe('stopping: running trials end after their current epoch (q again stops at once)');
    expect(stopping.etaMs).toBeNull();
    expect(buildHeader(randomData({ stop: 'abort' })).notice).toBe('stopping at once: running trials are aborted and queued again');
  });

  it('stops the clock at the end of a finished study, and has no best before a trial completes', () => {
    const data = randomData();
    const finished = buildHeader({ ...data, study: { ...data.study, status: 'interrupted', finishedAt: T0 + 33_000 } });
    expect(finished.elapsedMs).toBe(33_000);
    expect(finished.etaMs).toBeNull();
    expect(buildHeader({ ...data, trials: data.trials.filter((t) => t.status !== 'completed') }).best).toBeNull();
  });
});

describe('estimateRemainingMs', () => {
  it('uses only the samples of the window', () => {
    const samples = [
      { at: 0, epochs: 0 },
      { at: 100_000, epochs: 10 },
      { at: 110_000, epochs: 30 },
    ];
    // Over the last 60 s: 20 epochs in 10 s.
    expect(estimateRemainingMs(samples, 100)).toBe(50_000);
    expect(estimateRemainingMs(samples, 0)).toBe(0);
  });

  it('is unknown without a second of samples or without progress', () => {
    expect(estimateRemainingMs([], 10)).toBeNull();
    expect(
      estimateRemainingMs(
        [
          { at: 0, epochs: 1 },
          { at: 500, epochs: 5 },
        ],
        10,
      ),
    ).toBeNull();
    expect(
      estimateRemainingMs(
        [
          { at: 0, epochs: 5 },
          { at: 5000, epochs: 5 },
        ],
        10,
      ),
    ).toBeNull();
  });
});

describe('buildRunning', () => {
  it('gives each running trial its progress and last metrics, then the waiting ones with why they wait', () => {
    expect(buildRunning(randomData(), 5)).toEqual({
      metric: 'val_accuracy',
      running: 1,
      waiting: 1,
      rows: [
        { kind: 'running', trial: 4, slot: 0, epoch: 4, target: 10, fraction: 0.4, loss: '0.8123', value: '0.61', lr: '3.50e-4', rung: '' },
        { kind: 'waiting', trial: 5, reason: 'waits for a free worker' },
      ],
      hidden: 0,
    });
    expect(buildRunning(randomData({ paused: true }), 5).rows[1]).toEqual({ kind: 'waiting', trial: 5, reason: 'dispatching paused' });
  });

  it('keeps the last row for how many do not fit', () => {
    const view = buildRunning(randomData(), 1);
    expect(view.rows).toEqual([]);
    expect(view.hidden).toBe(2);
  });

  it('measures a promoted run from its last rung, and says why a promoted trial waits', () => {
    expect(buildRunning(shaData(), 5).rows).toEqual([
      // Rung 1 trains epochs 2 and 3: epoch 2 of them is half of this run.
      { kind: 'running', trial: 8, slot: 0, epoch: 2, target: 3, fraction: 0.5, loss: '0.7', value: '0.7', lr: '0.01', rung: 'rung 1' },
      { kind: 'running', trial: 7, slot: 1, epoch: 1, target: 3, fraction: 0, loss: '0.9', value: '0.65', lr: '0.01', rung: 'rung 1' },
      { kind: 'waiting', trial: 6, reason: 'promoted to rung 1 (3 epochs); waits for a free worker' },
    ]);
  });

  it('says how full the rung is for a trial paused at it, and what asha waits for', () => {
    const data = shaData();
    const paused = data.trials.map((t) => (t.number === 5 ? { ...t, status: 'paused' as TrialStatus } : t));
    expect(buildRunning({ ...data, trials: paused }, 5).rows[3]).toEqual({
      kind: 'waiting',
      trial: 5,
      reason: 'rung 0 reached (1 epochs); promoted, waits for a free worker',
    });
    // Trial 4 interrupted before its rung-0 result: the rung is not complete.
    const filling = paused.map((t) => (t.number === 4 ? { ...t, status: 'queued' as TrialStatus, interruptions: 1, epochs: 0 } : t));
    expect(buildRunning({ ...data, trials: filling }, 6).rows.find((r) => r.trial === 5)).toEqual({
      kind: 'waiting',
      trial: 5,
      reason: 'rung 0 reached (1 epochs); waits for the rung to fill: 8/9 have a result',
    });
    const asha = spec({ strategy: 'asha', trials: 9, maxEpochs: 9 });
    expect(buildRunning({ ...data, trials: paused, plan: planFor(asha) }, 5).rows[3]).toEqual({
      kind: 'waiting',
      trial: 5,
      reason: 'rung 0 reached (1 epochs); promoted if in the top 1/3 of its rung',
    });
  });
});

describe('buildLeaderboardView', () => {
  it('ranks by the leaderboard rule and formats every searched parameter, constants left out', () => {
    const view = buildLeaderboardView(randomData(), 'rank', 10);
    expect(view.paramNames).toEqual(['learning_rate', 'batch_size', 'schedule', 'schedule.floor']);
    expect(view.total).toBe(6);
    expect(view.rows).toEqual([
      { rank: 1, trial: 2, status: 'completed', value: '0.95', epochs: '10', time: '3.9s', params: ['0.01', '64', 'constant', '-'] },
      { rank: 2, trial: 0, status: 'completed', value: '0.9', epochs: '10', time: '4.1s', params: ['0.003', '32', 'cosine', '0.1'] },
      { rank: 3, trial: 4, status: 'running', value: '0.61', epochs: '4', time: '-', params: ['4.00e-4', '32', 'cosine', '0.05'] },
      { rank: 4, trial: 5, status: 'queued', value: '-', epochs: '0', time: '-', params: ['0.02', '64', 'constant', '-'] },
      { rank: 5, trial: 1, status: 'diverged', value: '-', epochs: '2', time: '800ms', params: ['0.9', '16', 'constant', '-'] },
      { rank: 6, trial: 3, status: 'failed', value: '-', epochs: '1', time: '-', params: ['0.05', '16', 'constant', '-'] },
    ]);
  });

  it('orders by the other sorts while the rank column keeps the ranking rule', () => {
    const pick = (sort: 'newest' | 'epochs' | 'time') => buildLeaderboardView(randomData(), sort, 10).rows.map((r) => [r.trial, r.rank]);
    expect(pick('newest')).toEqual([
      [5, 4],
      [4, 3],
      [3, 6],
      [2, 1],
      [1, 5],
      [0, 2],
    ]);
    expect(pick('epochs')).toEqual([
      [2, 1],
      [0, 2],
      [4, 3],
      [1, 5],
      [3, 6],
      [5, 4],
    ]);
    expect(pick('time')).toEqual([
      [0, 2],
      [2, 1],
      [1, 5],
      [4, 3],
      [5, 4],
      [3, 6],
    ]);
    expect(buildLeaderboardView(randomData(), 'newest', 2).rows.map((r) => r.trial)).toEqual([5, 4]);
  });

  it('gives the rows and ranks of buildLeaderboard for a large study, running trials included', () => {
    const statuses: TrialStatus[] = ['completed', 'completed', 'pruned', 'paused', 'running', 'queued', 'diverged', 'failed'];
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const trials: TrialRecord[] = Array.from({ length: 400 }, (_, n) =>
      trial(n, {
        status: statuses[Math.floor(random() * statuses.length)]!,
        value: Math.round(random() * 20) / 20,
        epochs: Math.floor(random() * 10),
        durationMs: Math.floor(random() * 5) * 100,
      }),
    );
    const data = { ...randomData(), trials };
    const full = buildLeaderboard(trials, 'maximize');
    const rankOf = new Map(full.map((row) => [row.trial, row.rank]));
    expect(buildLeaderboardView(data, 'rank', 10).rows.map((r) => [r.trial, r.rank])).toEqual(
      full.slice(0, 10).map((r) => [r.trial, r.rank]),
    );
    const index = indexTrials(data);
    for (const sort of ['newest', 'epochs', 'time'] as const) {
      for (const row of buildLeaderboardView(data, sort, 10, index).rows) expect(row.rank).toBe(rankOf.get(row.trial));
    }
  });
});

describe('buildRungs', () => {
  it('counts per rung how many reached it, run towards it, wait, were promoted and were stopped', () => {
    expect(buildRungs(shaData().plan, shaData().trials)).toEqual([
      { bracket: null, rung: 0, epochs: 1, planned: 9, reached: 8, running: 0, waiting: 0, promoted: 3, stopped: 6, lost: 1 },
      { bracket: null, rung: 1, epochs: 3, planned: 3, reached: 0, running: 2, waiting: 0, promoted: 0, stopped: 0, lost: 0 },
      { bracket: null, rung: 2, epochs: 9, planned: 1, reached: 0, running: 0, waiting: 0, promoted: 0, stopped: 0, lost: 0 },
    ]);
  });

  it('keeps Hyperband brackets apart', () => {
    const plan = planFor(spec({ strategy: 'hyperband', trials: null, maxEpochs: 9, minEpochs: 1, eta: 3 }));
    const rows = buildRungs(plan, [
      trial(0, { status: 'paused', bracket: 1, rung: 1, epochs: 9 }),
      trial(1, { status: 'running', bracket: 2, rung: 0 }),
    ]);
    expect(rows.map((r) => [r.bracket, r.rung, r.epochs, r.planned])).toEqual([
      [2, 0, 1, 9],
      [2, 1, 3, 3],
      [2, 2, 9, 1],
      [1, 0, 3, 5],
      [1, 1, 9, 1],
      [0, 0, 9, 3],
    ]);
    expect(rows.find((r) => r.bracket === 1 && r.rung === 0)).toMatchObject({ reached: 1, promoted: 1 });
    expect(rows.find((r) => r.bracket === 1 && r.rung === 1)).toMatchObject({ reached: 1, waiting: 1 });
    expect(rows.find((r) => r.bracket === 2 && r.rung === 0)).toMatchObject({ running: 1, reached: 0 });
  });

  it('has no rows for grid and random', () => {
    expect(buildRungs(randomData().plan, randomTrials())).toEqual([]);
  });
});

describe('buildCurves', () => {
  it('draws the best ranked trials that have a curve, and the best value as trials completed', () => {
    const view = buildCurves(randomData());
    expect(view.series.map((s) => [s.trial, s.glyph, s.last])).toEqual([
      [2, '*', '0.95'],
      [0, 'o', '0.9'],
      [4, '+', '0.61'],
    ]);
    expect(view.series[2]!.values).toEqual([0.3, 0.4033, 0.5067, 0.61]);
    expect(view.bestSoFar).toEqual([0.9, 0.95]);
    expect(view.best).toBe('0.95');
    expect(view.xMax).toBe(10);
  });
});

describe('events', () => {
  it('reads diverged, failed and new-best events from stored trials, in time order', () => {
    expect(eventsFromRecords(randomTrials(), [], 'maximize')).toEqual(randomEvents());
  });

  it('reads promotions and trials stopped at a rung', () => {
    const data = shaData();
    expect(eventsFromRecords(data.trials, data.promotions, 'maximize').map((e) => `${e.kind} #${e.trial}`)).toEqual([
      'diverged #0',
      ...[1, 2, 3, 4, 5].map((n) => `stopped #${n}`),
      ...[6, 7, 8].map((n) => `promoted #${n}`),
    ]);
  });

  it('lists the newest first with the time since the study began and the first line of an error', () => {
    expect(buildEvents(randomData(), 3)).toEqual([
      { time: '0:31', kind: 'failed', text: '#3 failed: Error: out of memory' },
      { time: '0:30', kind: 'best', text: '#2 new best val_accuracy 0.95' },
      { time: '0:20', kind: 'best', text: '#0 new best val_accuracy 0.9' },
    ]);
    expect(buildEvents(randomData(), 0)).toEqual([]);
  });
});

describe('buildTrialDetail', () => {
  it('has every parameter with the constants, the last metrics and the curve', () => {
    const detail = buildTrialDetail(randomData(), 0)!;
    expect(detail.params).toEqual([
      { name: 'learning_rate', value: '0.003', constant: false },
      { name: 'batch_size', value: '32', constant: false },
      { name: 'schedule', value: 'cosine', constant: false },
      { name: 'schedule.floor', value: '0.1', constant: false },
      { name: 'hidden', value: '[64,64]', constant: true },
    ]);
    expect(detail.metrics).toEqual([
      { name: 'loss', value: '0.3' },
      { name: 'val_accuracy', value: '0.9' },
      { name: 'lr', value: '3.00e-4' },
    ]);
    expect([detail.epochs, detail.time, detail.seed, detail.worker, detail.value]).toEqual(['10/10', '4.1s', 1000, '0', '0.9']);
    expect(detail.curve).toHaveLength(10);
    expect(detail.rungs).toEqual([]);
    expect(buildTrialDetail(randomData(), 3)!.error).toEqual(['Error: out of memory', '    at train (mlp.js:1:1)']);
    expect(buildTrialDetail(randomData(), 99)).toBeNull();
  });

  it('tells its way through the rungs', () => {
    expect(buildTrialDetail(shaData(), 8)!.rungs).toEqual([
      { rung: 0, epochs: 1, value: '0.62', outcome: 'promoted at 0:10' },
      { rung: 1, epochs: 3, value: '-', outcome: 'running (epoch 2)' },
    ]);
  });
});

describe('buildHeader for an objective that reports no epochs', () => {
  it('counts its progress in trials (a single-fidelity study whose finished trials reported no epoch)', () => {
    const data = randomData({
      trials: [trial(0, { status: 'completed', epochs: 0, value: 0.5 }), trial(1, { status: 'running', epochs: 0 })],
    });
    expect(buildHeader(data).progressIn).toBe('trials');
    expect(buildHeader(randomData({ trials: [trial(0, { status: 'completed', epochs: 10, value: 0.5 })] })).progressIn).toBe('epochs');
  });
});

describe('buildImportance', () => {
  it('is null while the study runs: nothing is computed', () => {
    expect(buildImportance({ ...endedData(), study: { ...endedData().study, status: 'running' } })).toBeNull();
  });

  it("ranks an ended study's parameters, best first, as `hpsearch importance` does", () => {
    for (const status of ['completed', 'interrupted', 'failed'] as const) {
      const view = buildImportance(endedData(status));
      expect(view?.kind).toBe('ranked');
      if (view?.kind !== 'ranked') continue;
      expect(view.trials).toBe(12);
      expect(view.rows.map((r) => [r.param, r.percent])).toEqual([
        ['learning_rate', '58%'],
        ['schedule.floor', '25%'],
        ['batch_size', '10%'],
        ['schedule', '6%'],
      ]);
      expect(view.rows.reduce((sum, r) => sum + r.share, 0)).toBeCloseTo(1, 12);
      expect(importanceLines(view, 80)).toBe(4);
    }
  });

  it('says why there is no ranking: too few completed trials, or pbt', () => {
    const few = buildImportance(randomData({ study: { ...randomData().study, status: 'interrupted' } }))!;
    expect(few).toEqual({ kind: 'unavailable', reason: 'Parameter importance needs at least 10 completed trials; 2 have completed.' });
    expect(importanceLines(few, 80)).toBe(1);
    expect(importanceLines(few, 40)).toBe(2);
    const pbt = buildImportance(pbtData({ study: { ...pbtData().study, status: 'completed' } }))!;
    expect(pbt).toEqual({
      kind: 'unavailable',
      reason: "Parameter importance is not computed for pbt: a member's hyperparameters change while it trains.",
    });
  });

  it('skips the holes of trials not read yet', () => {
    const { trials, ...rest } = endedData();
    const sparse = [...trials];
    delete sparse[5];
    expect(buildImportance({ ...rest, trials: sparse })).toMatchObject({ kind: 'ranked', trials: 11 });
  });
});
