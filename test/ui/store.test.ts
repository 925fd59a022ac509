/**
 * The dashboard's one data source: the throttled store, fed by a running study's events or by
 * polling storage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/storage.js';
import { planFor } from '../../src/strategies/create.js';
import type { TrialView } from '../../src/study/events.js';
import { buildCurves } from '../../src/ui/model/curves.js';
import type { DashboardData } from '../../src/ui/model/data.js';
import { buildEvents } from '../../src/ui/model/events.js';
import { buildHeader } from '../../src/ui/model/header.js';
import { buildImportance } from '../../src/ui/model/importance.js';
import { buildLeaderboardView } from '../../src/ui/model/leaderboard.js';
import { buildRunning } from '../../src/ui/model/running.js';
import { indexTrials } from '../../src/ui/model/trial-index.js';
import { StudyFollower } from '../../src/ui/store/attached.js';
import { DashboardStore, FRAME_MS, MAX_FRAME_MS } from '../../src/ui/store/dashboard-store.js';
import { createLiveDashboard } from '../../src/ui/store/live.js';
import { RANKED_ORDER, RANKED_STUDY, writeRankedStudy } from '../fixtures/ranked-study.js';
import { T0, spec, trial } from './fixtures.js';

afterEach(() => {
  vi.useRealTimers();
});

function store(): DashboardStore {
  const s = spec();
  return new DashboardStore({
    source: 'live',
    study: { name: 'quick', spec: s, status: 'running', backend: 'wasm', createdAt: T0, finishedAt: null },
    plan: planFor(s),
    workers: 2,
  });
}

describe('DashboardStore', () => {
  it('publishes at most one snapshot per frame, however many writes there are', () => {
    vi.useFakeTimers({ now: T0 });
    const s = store();
    let published = 0;
    s.subscribe(() => published++);
    for (let n = 0; n < 50; n++) s.putTrial(trial(n, { status: 'running' }), true);
    vi.advanceTimersByTime(0);
    expect(published).toBe(1);
    expect(s.getSnapshot().trials).toHaveLength(50);
    s.putTrial(trial(50, {}), true);
    vi.advanceTimersByTime(FRAME_MS - 1);
    expect(published).toBe(1);
    vi.advanceTimersByTime(1);
    expect(published).toBe(2);
    s.close();
  });

  it('spaces frames by their cost: drawing takes at most 5% of the time, and a frame comes at least every second', () => {
    const s = store();
    expect(s.frameMs).toBe(FRAME_MS);
    const draw = (ms: number) => {
      s.frameWork(ms);
      s.flush();
    };
    // The first frames are cold and not counted.
    for (let i = 0; i < 3; i++) draw(500);
    expect(s.frameMs).toBe(FRAME_MS);
    for (let i = 0; i < 9; i++) draw(12);
    expect(s.frameMs).toBe(240);
    draw(1000);
    expect(s.frameMs).toBe(240);
    for (let i = 0; i < 9; i++) draw(200);
    expect(s.frameMs).toBe(MAX_FRAME_MS);
    s.close();
  });

  it('never changes a snapshot it has published', () => {
    const s = store();
    s.setCurve(1, [{ epoch: 1, value: 0.5, loss: 1 }]);
    s.flush();
    const first = s.getSnapshot();
    s.setCurve(1, [
      { epoch: 1, value: 0.5, loss: 1 },
      { epoch: 2, value: 0.6, loss: 0.9 },
    ]);
    s.setCurve(2, [{ epoch: 1, value: 0.1, loss: 1 }]);
    s.putTrial(trial(0, {}), true);
    s.flush();
    expect(first.curves.get(1)).toHaveLength(1);
    expect(first.curves.has(2)).toBe(false);
    expect(first.trials).toHaveLength(0);
    expect(s.getSnapshot().curves.get(1)).toHaveLength(2);
    expect(Object.isFrozen(first)).toBe(true);
    s.close();
  });
});

describe('createLiveDashboard', () => {
  const s = spec();
  const study = {
    id: 1,
    name: 'quick',
    spec: s,
    status: 'running' as const,
    backend: 'wasm',
    createdAt: T0,
    updatedAt: T0,
    finishedAt: null,
  };
  const view = (fields: Partial<TrialView>): TrialView => ({
    number: 0,
    params: { learning_rate: 0.01 },
    status: 'running',
    value: null,
    epochs: 0,
    budget: { from: 0, to: 10 },
    bracket: null,
    rung: null,
    slot: 0,
    durationMs: null,
    error: null,
    seed: 77,
    retries: 0,
    proposedBy: 'random',
    copiedFrom: null,
    ...fields,
  });

  it('shows a resumed study as running, whatever status its stored record had (no importance is computed then)', () => {
    const resumed = { ...study, status: 'interrupted' as const, finishedAt: T0 + 5000 };
    const live = createLiveDashboard({ study: resumed, plan: planFor(s), workers: 2, now: () => T0 + 9000 });
    expect(live.store.getSnapshot().study).toMatchObject({ status: 'running', finishedAt: null });
    live.store.close();
  });

  it('turns starts, epochs and ends into trials, curves and events', () => {
    let clock = T0;
    const live = createLiveDashboard({ study, plan: planFor(s), workers: 2, now: () => clock });
    live.events.onTrialStart!(view({}));
    for (let epoch = 1; epoch <= 3; epoch++) {
      clock += 1000;
      live.events.onEpoch!({
        trial: 0,
        epoch,
        metrics: { loss: 1 / epoch, val_accuracy: epoch / 10, lr: 0.01 },
        value: epoch / 10,
        durationMs: 1000,
      });
    }
    let data = (live.store.flush(), live.store.getSnapshot());
    expect(data.trials[0]).toMatchObject({
      number: 0,
      status: 'running',
      epochs: 3,
      value: 0.3,
      seed: 77,
      worker: 0,
      metrics: { loss: 1 / 3, val_accuracy: 0.3, lr: 0.01 },
    });
    expect(data.curves.get(0)).toEqual([
      { epoch: 1, value: 0.1, loss: 1 },
      { epoch: 2, value: 0.2, loss: 0.5 },
      { epoch: 3, value: 0.3, loss: 1 / 3 },
    ]);
    expect(data.progress.at(-1)).toEqual({ at: T0 + 3000, epochs: 3 });
    clock += 500;
    const ended = view({ status: 'completed', value: 0.3, epochs: 3, durationMs: 3000 });
    live.events.onTrialEnd!(ended, ended);
    data = (live.store.flush(), live.store.getSnapshot());
    expect(data.trials[0]).toMatchObject({ status: 'completed', durationMs: 3000, finishedAt: T0 + 3500 });
    expect(data.events).toEqual([{ kind: 'best', at: T0 + 3500, trial: 0, value: 0.3 }]);
    live.store.close();
  });

  it('records an interruption, a promotion, a drop, a divergence, a failure and a retry', () => {
    const live = createLiveDashboard({ study, plan: planFor(s), workers: 2, now: () => T0 });
    live.events.onTrialStart!(view({ number: 1, rung: 0 }));
    for (let epoch = 1; epoch <= 3; epoch++) live.events.onEpoch!({ trial: 1, epoch, metrics: { loss: 1 }, value: 0.5, durationMs: 10 });
    live.events.onTrialEnd!(view({ number: 1, status: 'queued', epochs: 2, rung: 0 }), null);
    live.events.onTrialStart!(view({ number: 1, epochs: 2, rung: 0 }));
    live.events.onTrialEnd!(view({ number: 1, status: 'paused', epochs: 3, rung: 0, value: 0.5 }), null);
    live.events.onTrialStart!(view({ number: 1, epochs: 3, rung: 1 }));
    live.events.onTrialStart!(view({ number: 2, rung: 0 }));
    live.events.onTrialEnd!(view({ number: 2, status: 'paused', epochs: 1, rung: 0 }), null);
    live.events.onTrialPruned!(view({ number: 2, status: 'pruned', epochs: 1, rung: 0 }));
    live.events.onTrialStart!(view({ number: 3 }));
    live.events.onTrialEnd!(view({ number: 3, status: 'diverged', epochs: 2 }), null);
    live.events.onTrialStart!(view({ number: 4 }));
    live.events.onTrialEnd!(view({ number: 4, status: 'queued', error: 'Error: worker crashed\n    at x', retries: 1 }), null);
    live.events.onTrialStart!(view({ number: 5 }));
    live.events.onTrialEnd!(view({ number: 5, status: 'failed', error: 'Error: boom\n    at y' }), null);
    live.events.onNotice!('the objective saves no checkpoints: a promoted trial starts over');
    live.store.flush();
    const data = live.store.getSnapshot();
    expect(data.events.map((e) => e.kind)).toEqual(['interrupted', 'promoted', 'stopped', 'diverged', 'retried', 'failed', 'notice']);
    expect(buildEvents(data, 3).map((e) => e.text)).toEqual([
      'the objective saves no checkpoints: a promoted trial starts over',
      '#5 failed: Error: boom',
      '#4 failed, retry 1: Error: worker crashed',
    ]);
    // The epoch after the checkpoint it resumes from was dropped.
    expect(data.curves.get(1)!.map((p) => p.epoch)).toEqual([1, 2]);
    expect(data.trials[1]).toMatchObject({ status: 'running', rung: 1, interruptions: 1 });
    expect(data.promotions).toEqual([{ trial: 1, rung: 1, createdAt: T0, params: null, source: null }]);
    expect(data.trials[4]).toMatchObject({ status: 'queued', retries: 1, interruptions: 0 });
    live.store.close();
  });
});

describe('StudyFollower', () => {
  it('reads the trials again only when the study changed, and the curves of the best trials only', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
    const storage = new MemoryStorage();
    const study = await storage.createStudy(spec(), 'wasm');
    for (let n = 0; n < 5; n++) {
      await storage.addTrial(study.id, { number: n, params: { learning_rate: 0.01 * (n + 1) }, seed: n, targetEpochs: 2 });
      await storage.startTrial(study.id, n, { worker: 0, host: 'h', backend: 'wasm' });
      for (let epoch = 1; epoch <= 2; epoch++)
        await storage.recordEpoch(study.id, n, {
          epoch,
          metrics: { loss: 1, val_accuracy: n / 10 + epoch / 100 },
          value: n / 10 + epoch / 100,
          durationMs: 5,
        });
      await storage.finishTrial(study.id, n, {
        status: 'completed',
        value: n / 10 + 0.02,
        metrics: { loss: 1 },
        epochs: 2,
        durationMs: 10,
        error: null,
        tensorsAfter: 0,
      });
    }
    const follower = new StudyFollower(storage, study);
    const getTrials = vi.spyOn(storage, 'getTrials');
    const getEpochs = vi.spyOn(storage, 'getEpochs');
    expect(await follower.refresh()).toBe(true);
    follower.store.flush();
    const data = follower.store.getSnapshot();
    expect(data.source).toBe('attached');
    expect(data.trials).toHaveLength(5);
    // The best 6 trials by rank: all five here, each read once.
    expect([...data.curves.keys()].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(data.events.map((e) => `${e.kind} #${e.trial}`)).toEqual(['best #0', 'best #1', 'best #2', 'best #3', 'best #4']);
    expect(getEpochs).toHaveBeenCalledTimes(5);
    expect(await follower.refresh()).toBe(false);
    expect(getTrials).toHaveBeenCalledTimes(1);
    vi.setSystemTime(T0 + 1000);
    await storage.setStudyStatus(study.id, 'completed');
    expect(await follower.refresh()).toBe(true);
    expect(getTrials).toHaveBeenCalledTimes(2);
    // No trial has a new epoch: no curve is read again.
    expect(getEpochs).toHaveBeenCalledTimes(5);
    follower.store.flush();
    expect(follower.store.getSnapshot().study.status).toBe('completed');
    follower.close();
  });
});

const previewDir = mkdtempSync(join(tmpdir(), 'hpsearch-preview-'));
afterAll(() => rmSync(previewDir, { recursive: true, force: true }));

describe.each([
  { kind: 'memory', open: (): Storage => new MemoryStorage() },
  { kind: 'sqlite', open: (): Storage => SqliteStorage.open(join(previewDir, `${Math.random().toString(36).slice(2)}.db`)) },
] as const)('StudyFollower preview ($kind storage)', ({ open }) => {
  /** The ranked study (test/fixtures/ranked-study.ts) as sha, minimizing `value`; what a preview and a full read make of it. */
  async function both(status: 'running' | 'completed' = 'running') {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
    const storage = open();
    const s = spec({
      strategy: 'sha',
      trials: 9,
      maxEpochs: 4,
      minEpochs: 1,
      eta: 3,
      objective: { metric: 'value', direction: 'minimize' },
    });
    let study = await storage.createStudy(s, 'wasm');
    await writeRankedStudy(storage, study.id);
    await storage.setStudyStatus(study.id, status);
    study = (await storage.getStudy(study.name))!;
    const previewing = new StudyFollower(storage, study, { previewAbove: RANKED_STUDY.length - 1 });
    const reading = new StudyFollower(storage, study);
    const getTrials = vi.spyOn(storage, 'getTrials');
    expect(await previewing.preview()).toBe(true);
    expect(getTrials).not.toHaveBeenCalled();
    expect(await reading.preview()).toBe(false);
    expect(await reading.refresh()).toBe(true);
    previewing.store.flush();
    reading.store.flush();
    return { storage, previewing, reading, preview: previewing.store.getSnapshot(), full: reading.store.getSnapshot() };
  }

  const without = <T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> => {
    const copy = { ...value };
    for (const key of keys) delete copy[key];
    return copy;
  };

  it('reads the counts, the best and the running trials only, and shows what a full read shows of them', async () => {
    const { storage, previewing, reading, preview, full } = await both();
    expect(preview.preview?.total).toBe(RANKED_STUDY.length);
    expect(preview.preview?.counts).toEqual(await storage.countTrials(1));
    // The best 10 and the running ones, at their numbers; the others holes.
    const read = preview.trials.flatMap((t) => (t === undefined ? [] : [t.number]));
    expect(read).toEqual([...new Set([...RANKED_ORDER.minimize.slice(0, 10), 8, 17, 12])].sort((a, b) => a - b));
    expect(preview.trials).toHaveLength(RANKED_STUDY.length);
    for (const number of read) expect(preview.trials[number]).toEqual(full.trials[number]);
    expect(full.preview).toBeNull();

    const [pi, fi] = [indexTrials(preview), indexTrials(full)];
    expect(without(pi, 'queued', 'paused', 'bestSoFar', 'rankOf')).toEqual(without(fi, 'queued', 'paused', 'bestSoFar', 'rankOf'));
    expect(pi.waiting).toBe(fi.queued.length + fi.paused.length);
    expect(pi.waiting).toBe(4);
    expect(pi.rungs.length).toBeGreaterThan(0);
    expect(pi.bestSoFar).toEqual([]);
    expect(fi.bestSoFar.length).toBeGreaterThan(0);

    const header = buildHeader(preview, pi);
    expect(header).toEqual({ ...buildHeader(full, fi), notice: header.notice });
    expect(header.notice).toBe(`reading all ${RANKED_STUDY.length} trials: counts and the best trials shown meanwhile`);
    expect(buildHeader(full, fi).notice).toBeNull();
    for (const rows of [3, 10, 13])
      expect(buildLeaderboardView(preview, 'rank', rows, pi)).toEqual(buildLeaderboardView(full, 'rank', rows, fi));
    // The other orders need every trial: the preview keeps the rank order meanwhile.
    expect(buildLeaderboardView(preview, 'newest', 10, pi)).toEqual(buildLeaderboardView(full, 'rank', 10, fi));
    expect(buildLeaderboardView(full, 'newest', 10, fi).sort).toBe('newest');

    // Running trials are read; the waiting ones are counted among those not shown.
    const running = buildRunning(preview, 20, pi);
    const fullRunning = buildRunning(full, 20, fi);
    expect(running.rows).toEqual(fullRunning.rows.filter((row) => row.kind === 'running'));
    expect(running).toMatchObject({ running: 3, waiting: 4, hidden: 4 });
    expect(buildRunning(preview, 2, pi)).toMatchObject({ rows: [{ trial: 8 }], hidden: 6 });
    expect(buildRunning(full, 2, fi)).toMatchObject({ rows: [{ trial: 8 }], hidden: 6 });

    expect(buildCurves(preview, pi).series).toEqual(buildCurves(full, fi).series);
    expect(buildCurves(preview, pi).series.length).toBeGreaterThan(0);
    previewing.close();
    reading.close();
    await storage.close();
  });

  it('of an ended study: importance waits for the full read', async () => {
    const { storage, previewing, reading, preview, full } = await both('completed');
    expect(buildImportance(preview)).toEqual({ kind: 'unavailable', reason: 'Computed once every trial is read.' });
    // The full read gives what importance says of the study itself: 7 completed trials with a value are too few.
    expect(buildImportance(full)).toEqual({
      kind: 'unavailable',
      reason: 'Parameter importance needs at least 10 completed trials; 7 have completed.',
    });
    previewing.close();
    reading.close();
    await storage.close();
  });

  it('reads every trial at its first poll, at once', async () => {
    const { storage, previewing, reading, full } = await both();
    vi.useFakeTimers({ now: T0, toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    previewing.start();
    await vi.advanceTimersByTimeAsync(0);
    previewing.store.flush();
    const after: DashboardData = previewing.store.getSnapshot();
    expect(after.preview).toBeNull();
    expect(after.trials).toEqual(full.trials);
    previewing.close();
    reading.close();
    await storage.close();
  });

  it('a study no larger than the threshold, or a pbt population, is not previewed', async () => {
    const storage = open();
    const study = await storage.createStudy(spec({ objective: { metric: 'value', direction: 'minimize' } }), 'wasm');
    await writeRankedStudy(storage, study.id);
    const follower = new StudyFollower(storage, study, { previewAbove: RANKED_STUDY.length });
    expect(await follower.preview()).toBe(false);
    follower.store.flush();
    expect(follower.store.getSnapshot().trials).toEqual([]);
    const pbt = await storage.createStudy(spec({ name: 'pbt', strategy: 'pbt' }), 'wasm');
    await writeRankedStudy(storage, pbt.id);
    expect(await new StudyFollower(storage, pbt, { previewAbove: 0 }).preview()).toBe(false);
    follower.close();
    await storage.close();
  });
});
