/**
 * The storage contract (src/storage/storage.ts), run once for every backend.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { PostgresStorage } from '../../src/storage/postgres.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { type FinishInfo, OPERATIONS, type Storage, type StudyRecord, canTransition } from '../../src/storage/storage.js';
import { type TrialStatus } from '../../src/core/types.js';
import { compareRanked } from '../../src/core/rank.js';
import { makeSpec } from '../fixtures/spec.js';
import { RANKED_ORDER, writeRankedStudy } from '../fixtures/ranked-study.js';
import { WITH_POSTGRES, usePostgres } from '../helpers/postgres.js';

let dir: string;
let files = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hpsearch-contract-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const postgres = usePostgres();

const STORAGE_KINDS = [
  { kind: 'sqlite', open: (): Storage | Promise<Storage> => SqliteStorage.open(join(dir, `contract-${(files += 1)}.db`)) },
  { kind: 'memory', open: (): Storage | Promise<Storage> => new MemoryStorage() },
  // An emptied database per test, on a real server the test file starts (test/helpers/postgres.ts).
  ...(WITH_POSTGRES
    ? [{ kind: 'postgres', open: async (): Promise<Storage> => PostgresStorage.open(await postgres().emptyDatabase()) }]
    : []),
] as const;

const T0 = 1_700_000_000_000;
const STATUSES: readonly TrialStatus[] = ['queued', 'running', 'paused', 'completed', 'pruned', 'diverged', 'failed'];

function finish(status: FinishInfo['status'], overrides: Partial<FinishInfo> = {}): FinishInfo {
  return { status, value: 0.5, metrics: { loss: 0.5 }, epochs: 1, durationMs: 100, error: null, tensorsAfter: 7, ...overrides };
}

function epoch(n: number, value: number | null) {
  return { epoch: n, metrics: { loss: value ?? NaN, lr: 0.01 }, value, durationMs: 10 * n };
}

describe.each(STORAGE_KINDS)('$kind storage', ({ open }) => {
  let storage: Storage;
  let study: StudyRecord;

  beforeEach(async () => {
    // Only Date is faked: the write queue still flushes on the real setImmediate.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0);
    storage = await open();
    study = await storage.createStudy(makeSpec({ name: 's' }), 'cpu');
  });
  afterEach(async () => {
    await storage.close();
    vi.useRealTimers();
  });

  /** Adds trial `n` and brings it to `status` the legal way. */
  async function trialIn(n: number, status: TrialStatus): Promise<void> {
    await storage.addTrial(study.id, { number: n, params: { lr: 0.1 }, seed: n, targetEpochs: 3 });
    if (status === 'queued') return;
    if (status === 'failed') return storage.finishTrial(study.id, n, finish('failed', { error: 'boom' }));
    await storage.startTrial(study.id, n, { worker: 0, host: 'h', backend: 'cpu' });
    await storage.recordEpoch(study.id, n, epoch(1, 0.9));
    if (status !== 'running') await storage.finishTrial(study.id, n, finish(status));
  }

  async function expectRejection(promise: Promise<unknown>, message: string, exitCode = 70): Promise<void> {
    const error: unknown = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).message).toBe(message);
    expect((error as StorageError).exitCode).toBe(exitCode);
  }

  describe('studies', () => {
    test('createStudy returns the frozen record and getStudy finds it by name', async () => {
      expect(study).toEqual({
        id: study.id,
        name: 's',
        spec: makeSpec({ name: 's' }),
        status: 'running',
        backend: 'cpu',
        createdAt: T0,
        updatedAt: T0,
        finishedAt: null,
      });
      expect(Object.isFrozen(study) && Object.isFrozen(study.spec.task)).toBe(true);
      const other = await storage.createStudy(makeSpec({ name: 't' }), null);
      expect(other.id).not.toBe(study.id);
      expect(await storage.getStudy('s')).toEqual(study);
      expect((await storage.getStudy('t'))?.backend).toBeNull();
      expect(await storage.getStudy('missing')).toBeNull();
    });

    test('a taken name is rejected with exit code 2 and creates nothing', async () => {
      const again = storage.createStudy(makeSpec({ name: 's', seed: 9 }), 'cpu');
      await expectRejection(again, `a study named "s" already exists in ${storage.location}`, 2);
      expect((await storage.listStudies()).map((s) => s.name)).toEqual(['s']);
      expect((await storage.getStudy('s'))?.spec.seed).toBe(42);
    });

    test('setStudyStatus sets finishedAt only for completed and failed', async () => {
      const seen: Array<[string, number | null, number]> = [];
      for (const status of ['interrupted', 'completed', 'running', 'failed'] as const) {
        vi.setSystemTime(T0 + seen.length + 1);
        await storage.setStudyStatus(study.id, status);
        const record = await storage.getStudy('s');
        seen.push([record!.status, record!.finishedAt, record!.updatedAt]);
      }
      expect(seen).toEqual([
        ['interrupted', null, T0 + 1],
        ['completed', T0 + 2, T0 + 2],
        ['running', null, T0 + 3],
        ['failed', T0 + 4, T0 + 4],
      ]);
      await expectRejection(storage.setStudyStatus(999, 'completed'), 'no study with id 999');
    });

    test('listStudies counts trials and takes the best completed value for each direction', async () => {
      const max = await storage.createStudy(
        makeSpec({ name: 'max', strategy: 'grid', objective: { metric: 'val_accuracy', direction: 'maximize' } }),
        null,
      );
      await storage.createStudy(makeSpec({ name: 'empty' }), null);
      const values: Array<[TrialStatus, number | null]> = [
        ['completed', 0.4],
        ['completed', 0.2],
        ['completed', 0.7],
        ['completed', null],
        // Better values, but not completed: they do not count.
        ['pruned', 0.05],
        ['running', 0.99],
        ['queued', null],
      ];
      for (const id of [study.id, max.id]) {
        for (const [i, [status, value]] of values.entries()) {
          await storage.addTrial(id, { number: i, params: {}, seed: i, targetEpochs: 3 });
          if (status === 'queued') continue;
          await storage.startTrial(id, i, { worker: 0, host: 'h', backend: 'cpu' });
          await storage.recordEpoch(id, i, epoch(1, value));
          if (status !== 'running') await storage.finishTrial(id, i, finish(status, { value: value ?? NaN }));
        }
      }
      const common = {
        status: 'running',
        trials: 7,
        completed: 4,
        createdAt: T0,
        sampler: { name: 'random' },
        pruner: { name: 'none' },
        pbt: null,
      };
      expect(await storage.listStudies()).toEqual([
        { ...common, name: 's', strategy: 'random', direction: 'minimize', metric: 'val_loss', best: 0.2 },
        { ...common, name: 'max', strategy: 'grid', direction: 'maximize', metric: 'val_accuracy', best: 0.7 },
        {
          ...common,
          name: 'empty',
          strategy: 'random',
          direction: 'minimize',
          metric: 'val_loss',
          trials: 0,
          completed: 0,
          best: null,
        },
      ]);
    });
  });

  describe('trials', () => {
    test('addTrial returns the queued record; numbers are unique per study', async () => {
      const params = { lr: 0.1, hidden: [8, 8] };
      const record = await storage.addTrial(study.id, { number: 3, params, seed: 5, targetEpochs: 9 });
      expect(record).toEqual({
        studyId: study.id,
        number: 3,
        params: { lr: 0.1, hidden: [8, 8] },
        initialParams: { lr: 0.1, hidden: [8, 8] },
        copiedFrom: null,
        seed: 5,
        status: 'queued',
        value: null,
        metrics: null,
        epochs: 0,
        targetEpochs: 9,
        createdAt: T0,
        startedAt: null,
        finishedAt: null,
        durationMs: null,
        error: null,
        backend: null,
        worker: null,
        device: null,
        tensorsAfter: null,
        interruptions: 0,
        retries: 0,
        bracket: null,
        rung: null,
        proposedBy: null,
      });
      expect(Object.isFrozen(record) && Object.isFrozen(record.params.hidden) && Object.isFrozen(record.initialParams)).toBe(true);
      // The caller's parameters are copied, never frozen in place.
      expect(Object.isFrozen(params) || Object.isFrozen(params.hidden)).toBe(false);
      // Who proposed a configuration is kept with it.
      const proposed = await storage.addTrial(study.id, { number: 4, params, seed: 6, targetEpochs: 9, proposedBy: 'model' });
      expect(proposed.proposedBy).toBe('model');
      expect((await storage.getTrials(study.id)).find((t) => t.number === 4)?.proposedBy).toBe('model');
      const dup = storage.addTrial(study.id, { number: 3, params: {}, seed: 6, targetEpochs: 1 });
      await expectRejection(dup, 'trial 3 of study "s" already exists');
      await expectRejection(storage.addTrial(999, { number: 0, params: {}, seed: 0, targetEpochs: 1 }), 'no study with id 999');
      expect(await storage.getTrials(study.id)).toEqual([record, proposed]);
    });

    test('a trial runs, reports epochs and completes', async () => {
      for (const n of [2, 0, 1]) await storage.addTrial(study.id, { number: n, params: {}, seed: n, targetEpochs: 2 });
      vi.setSystemTime(T0 + 10);
      await storage.startTrial(study.id, 1, { worker: 3, host: 'h', backend: 'wasm' });
      await storage.recordEpoch(study.id, 1, epoch(1, 0.8));
      await storage.recordEpoch(study.id, 1, epoch(2, 0.6));
      let trial = (await storage.getTrials(study.id))[1]!;
      expect(trial).toMatchObject({ status: 'running', startedAt: T0 + 10, worker: 3, backend: 'wasm', epochs: 2, value: 0.6 });
      expect(trial.metrics).toEqual({ loss: 0.6, lr: 0.01 });
      vi.setSystemTime(T0 + 20);
      const info = { value: 0.55, metrics: { loss: 0.55 }, epochs: 2, durationMs: 250.5 };
      await storage.finishTrial(study.id, 1, finish('completed', info));
      const trials = await storage.getTrials(study.id);
      expect(trials.map((t) => [t.number, t.status])).toEqual([
        [0, 'queued'],
        [1, 'completed'],
        [2, 'queued'],
      ]);
      trial = trials[1]!;
      expect(trial).toMatchObject({
        status: 'completed',
        value: 0.55,
        metrics: { loss: 0.55 },
        epochs: 2,
        durationMs: 250.5,
        finishedAt: T0 + 20,
        startedAt: T0 + 10,
        error: null,
        tensorsAfter: 7,
        interruptions: 0,
      });
      expect((await storage.getStudy('s'))?.updatedAt).toBe(T0 + 20);
    });

    test('a queued trial may fail without running', async () => {
      await trialIn(0, 'failed');
      expect((await storage.getTrials(study.id))[0]).toMatchObject({
        status: 'failed',
        error: 'boom',
        startedAt: null,
        finishedAt: T0,
      });
    });

    // Each operation is legal from the statuses OPERATIONS names for it (a finish: wherever the
    // transitions allow its status); every backend enforces exactly that, from every status.
    const moves = [
      {
        op: 'startTrial',
        to: 'running',
        operation: 'start',
        call: (s: Storage, id: number) => s.startTrial(id, 0, { worker: 1, host: 'h', backend: 'cpu' }),
      },
      ...(['completed', 'paused', 'pruned', 'diverged', 'failed'] as const).map((to) => ({
        op: 'finishTrial',
        to,
        operation: null,
        call: (s: Storage, id: number) => s.finishTrial(id, 0, finish(to, { value: 0.1, epochs: 1 })),
      })),
      { op: 'requeueTrial', to: 'queued', operation: 'requeue', call: (s: Storage, id: number) => s.requeueTrial(id, 0, 0) },
      { op: 'promoteTrial', to: 'queued', operation: 'promote', call: (s: Storage, id: number) => s.promoteTrial(id, 0, 1, 3) },
      {
        op: 'promoteTrial with new parameters',
        to: 'queued',
        operation: 'promote',
        call: (s: Storage, id: number) => s.promoteTrial(id, 0, 1, 3, { params: { lr: 0.2 }, source: null }),
      },
      {
        op: 'promoteTrial copying a checkpoint',
        to: 'queued',
        operation: 'exploit',
        call: (s: Storage, id: number) => s.promoteTrial(id, 0, 1, 3, { params: { lr: 0.2 }, source: { trial: 0, epoch: 1 } }),
      },
      { op: 'pruneTrial', to: 'pruned', operation: 'prune', call: (s: Storage, id: number) => s.pruneTrial(id, 0) },
      { op: 'retryTrial', to: 'queued', operation: 'retry', call: (s: Storage, id: number) => s.retryTrial(id, 0, 99) },
    ] as const;
    const cases = STATUSES.flatMap((from) =>
      moves.map((move) => ({
        from,
        ...move,
        legal:
          move.operation === null
            ? canTransition(from, move.to)
            : (OPERATIONS[move.operation].from as readonly TrialStatus[]).includes(from),
      })),
    );

    test.each(cases)('$op: $from → $to: legal=$legal', async ({ from, to, call, legal }) => {
      await trialIn(0, from);
      const state = async () => [
        await storage.getTrials(study.id),
        await storage.getEpochs(study.id),
        await storage.getPromotions(study.id),
      ];
      const before = await state();
      vi.setSystemTime(T0 + 1);
      if (legal) {
        await call(storage, study.id);
        expect((await storage.getTrials(study.id))[0]!.status).toBe(to);
      } else {
        await expectRejection(call(storage, study.id), `trial 0 of study "s" cannot go from ${from} to ${to}`);
        expect(await state()).toEqual(before);
        expect((await storage.getStudy('s'))?.updatedAt).toBe(T0);
      }
    });

    test('a multi-fidelity trial pauses at a rung, is promoted, and is dropped at the next', async () => {
      await storage.addTrial(study.id, { number: 0, params: {}, seed: 0, targetEpochs: 1, bracket: 2, rung: 0 });
      await storage.startTrial(study.id, 0, { worker: 0, host: 'h', backend: 'cpu' });
      await storage.recordEpoch(study.id, 0, epoch(1, 0.9));
      await storage.finishTrial(study.id, 0, finish('paused', { value: 0.9, epochs: 1, durationMs: 10 }));
      expect((await storage.getTrials(study.id))[0]).toMatchObject({ status: 'paused', bracket: 2, rung: 0, epochs: 1, targetEpochs: 1 });
      vi.setSystemTime(T0 + 5);
      await storage.promoteTrial(study.id, 0, 1, 3);
      expect((await storage.getTrials(study.id))[0]).toMatchObject({ status: 'queued', rung: 1, epochs: 1, targetEpochs: 3, value: 0.9 });
      expect(await storage.getPromotions(study.id)).toEqual([{ trial: 0, rung: 1, createdAt: T0 + 5, params: null, source: null }]);
      await storage.startTrial(study.id, 0, { worker: 1, host: 'h', backend: 'cpu' });
      await storage.recordEpoch(study.id, 0, epoch(2, 0.8));
      await storage.recordEpoch(study.id, 0, epoch(3, 0.7));
      await storage.finishTrial(study.id, 0, finish('paused', { value: 0.7, epochs: 3, durationMs: 20 }));
      await storage.pruneTrial(study.id, 0);
      expect((await storage.getTrials(study.id))[0]).toMatchObject({
        status: 'pruned',
        rung: 1,
        epochs: 3,
        value: 0.7,
        durationMs: 30,
        finishedAt: T0 + 5,
      });
      expect((await storage.getEpochs(study.id, 0)).map((e) => e.value)).toEqual([0.9, 0.8, 0.7]);
      await expectRejection(storage.promoteTrial(study.id, 0, 2, 9), 'trial 0 of study "s" cannot go from pruned to queued');
      expect(await storage.getPromotions(study.id)).toHaveLength(1);
    });

    test('a failed or diverged trial is retried from the start with a new seed', async () => {
      await trialIn(0, 'running');
      await storage.finishTrial(study.id, 0, finish('diverged', { value: null, epochs: 1 }));
      await storage.retryTrial(study.id, 0, 1234);
      expect((await storage.getTrials(study.id))[0]).toMatchObject({
        status: 'queued',
        seed: 1234,
        epochs: 0,
        value: null,
        metrics: null,
        error: null,
        retries: 1,
      });
      expect(await storage.getEpochs(study.id, 0)).toEqual([]);
      await storage.startTrial(study.id, 0, { worker: 0, host: 'h', backend: 'cpu' });
      await storage.finishTrial(study.id, 0, finish('failed', { error: 'boom' }));
      await storage.retryTrial(study.id, 0, 99);
      expect((await storage.getTrials(study.id))[0]).toMatchObject({ status: 'queued', seed: 99, retries: 2, error: null });
    });

    test('writes to an unknown trial are rejected', async () => {
      const message = 'study "s" has no trial 7';
      await expectRejection(storage.startTrial(study.id, 7, { worker: 0, host: 'h', backend: 'cpu' }), message);
      await expectRejection(storage.recordEpoch(study.id, 7, epoch(1, 1)), message);
      await expectRejection(storage.finishTrial(study.id, 7, finish('failed')), message);
      await expectRejection(storage.requeueTrial(study.id, 7, 0), message);
      await expectRejection(storage.startTrial(999, 7, { worker: 0, host: 'h', backend: 'cpu' }), 'no study with id 999');
      expect(await storage.getTrials(study.id)).toEqual([]);
    });

    test('unknown studies read as empty', async () => {
      const reads = [await storage.getTrials(999), await storage.getEpochs(999), await storage.getEpochs(study.id, 4)];
      expect(reads).toEqual([[], [], []]);
    });
  });

  describe('ranking and counts', () => {
    const DIRECTIONS = ['minimize', 'maximize'] as const;

    test.each(DIRECTIONS)('bestTrials ranks by the leaderboard rule, %s: ties, zero, statuses, pruned by epochs', async (direction) => {
      await writeRankedStudy(storage, study.id);
      const all = await storage.getTrials(study.id);
      const ranked = [...all].sort(compareRanked(direction));
      expect(ranked.map((t) => t.number)).toEqual(RANKED_ORDER[direction]);
      for (const limit of [0, 1, 3, 10, all.length, all.length + 5]) {
        expect(await storage.bestTrials(study.id, direction, limit)).toEqual(ranked.slice(0, limit));
      }
      const only = async (statuses: readonly TrialStatus[], limit = all.length) =>
        (await storage.bestTrials(study.id, direction, limit, statuses)).map((t) => t.number);
      const expected = (statuses: readonly TrialStatus[], limit = all.length) =>
        ranked
          .filter((t) => statuses.includes(t.status))
          .slice(0, limit)
          .map((t) => t.number);
      expect(await only(['running'])).toEqual([8, 17, 12]);
      expect(await only(['pruned', 'paused', 'failed'], 4)).toEqual(expected(['pruned', 'paused', 'failed'], 4));
      expect(await only(['queued', 'diverged'])).toEqual(expected(['queued', 'diverged']));
      expect(await only([])).toEqual([]);
      expect(await storage.bestTrials(999, direction, 5)).toEqual([]);
    });

    test('bestTrials records are the records getTrials returns, frozen', async () => {
      await writeRankedStudy(storage, study.id);
      const [best] = await storage.bestTrials(study.id, 'maximize', 1);
      expect(best).toEqual((await storage.getTrials(study.id)).find((t) => t.number === 2));
      expect(Object.isFrozen(best)).toBe(true);
      expect(best!.metrics).toEqual({ loss: 0.5, value: 0.5 });
    });

    test('bestTrials rejects a limit that is not a count', async () => {
      for (const limit of [-1, 1.5, NaN]) await expect(storage.bestTrials(study.id, 'minimize', limit)).rejects.toThrow(RangeError);
    });

    test('countTrials counts by status, bracket and rung, with epochs and those left to train', async () => {
      expect(await storage.countTrials(study.id)).toEqual([]);
      await writeRankedStudy(storage, study.id);
      const counts = await storage.countTrials(study.id);
      const key = (c: { status: string; bracket: number | null; rung: number | null }) => `${c.status}/${c.bracket}/${c.rung}`;
      const byKey = new Map<string, { trials: number; epochs: number; remainingEpochs: number }>();
      for (const trial of await storage.getTrials(study.id)) {
        const count = byKey.get(key(trial)) ?? { trials: 0, epochs: 0, remainingEpochs: 0 };
        byKey.set(key(trial), {
          trials: count.trials + 1,
          epochs: count.epochs + trial.epochs,
          remainingEpochs: count.remainingEpochs + Math.max(0, trial.targetEpochs - trial.epochs),
        });
      }
      expect(new Map(counts.map((c) => [key(c), { trials: c.trials, epochs: c.epochs, remainingEpochs: c.remainingEpochs }]))).toEqual(
        byKey,
      );
      expect(counts).toHaveLength(byKey.size);
      // Spelled out for a few groups: 9 completed single-fidelity trials; pruned at rung 0 of bracket 0.
      expect(counts.find((c) => key(c) === 'completed/null/null')).toEqual({
        status: 'completed',
        bracket: null,
        rung: null,
        trials: 9,
        epochs: 9,
        remainingEpochs: 27,
      });
      expect(counts.find((c) => key(c) === 'pruned/0/0')).toMatchObject({ trials: 3, epochs: 4, remainingEpochs: 8 });
      expect(counts.find((c) => key(c) === 'paused/0/1')).toMatchObject({ trials: 1, epochs: 2, remainingEpochs: 2 });
      expect(await storage.countTrials(999)).toEqual([]);
    });
  });

  describe('study locks', () => {
    const me = { pid: 100, host: 'here' };
    const other = { pid: 200, host: 'there' };

    test('one owner at a time; a live holder is named, a dead one is taken over', async () => {
      expect(await storage.acquireStudyLock(study.id, me, () => false)).toBeNull();
      expect(await storage.getStudyLock(study.id)).toEqual({ pid: 100, host: 'here', acquiredAt: T0, heartbeatAt: T0 });
      // Re-acquiring one's own lock always works.
      expect(await storage.acquireStudyLock(study.id, me, () => false)).toBeNull();
      const seen: unknown[] = [];
      const refused = await storage.acquireStudyLock(study.id, other, (holder) => (seen.push(holder), false));
      expect(refused).toEqual({ pid: 100, host: 'here', acquiredAt: T0, heartbeatAt: T0 });
      expect(seen).toEqual([refused]);
      vi.setSystemTime(T0 + 50);
      expect(await storage.renewStudyLock(study.id, me)).toBe(true);
      expect((await storage.getStudyLock(study.id))?.heartbeatAt).toBe(T0 + 50);
      expect(await storage.acquireStudyLock(study.id, other, () => true)).toBeNull();
      expect(await storage.getStudyLock(study.id)).toMatchObject({ pid: 200, host: 'there', acquiredAt: T0 + 50 });
      // The old owner lost it: it cannot renew or release it.
      expect(await storage.renewStudyLock(study.id, me)).toBe(false);
      await storage.releaseStudyLock(study.id, me);
      expect((await storage.getStudyLock(study.id))?.pid).toBe(200);
      await storage.releaseStudyLock(study.id, other);
      expect(await storage.getStudyLock(study.id)).toBeNull();
    });

    test("a study's declaration can be replaced", async () => {
      await storage.updateStudySpec(study.id, makeSpec({ name: 's', trials: 30 }));
      expect((await storage.getStudy('s'))?.spec.trials).toBe(30);
    });
  });

  describe('epochs', () => {
    test("give a pruner's view of an epoch: the completed trials below a number, their values there, and the running ones", async () => {
      await trialIn(0, 'completed'); // epoch 1: 0.9
      await trialIn(1, 'running');
      await storage.recordEpoch(study.id, 1, epoch(2, 0.1));
      await trialIn(2, 'running'); // epoch 1 only
      await trialIn(3, 'pruned'); // epoch 1 only, ended there
      for (const [n, value] of [
        [4, 0.4],
        [5, Number.NaN],
      ] as const) {
        await trialIn(n, 'running');
        await storage.recordEpoch(study.id, n, epoch(2, value));
        await storage.finishTrial(study.id, n, finish('completed', { epochs: 2 }));
      }
      expect(await storage.epochValues(study.id, 2, 6, 9)).toEqual({ values: [0.4, null], completed: 3, running: 2 });
      expect(await storage.epochValues(study.id, 2, 4, 1)).toEqual({ values: [], completed: 1, running: 1 });
      expect(await storage.epochValues(study.id, 1, Infinity, 0)).toEqual({ values: [0.9, 0.9], completed: 2, running: 2 });
      expect(await storage.epochValues(study.id, 1, 1, 9)).toEqual({ values: [0.9], completed: 1, running: 0 });
    });

    test('come back by trial then epoch, and only for a running trial', async () => {
      await trialIn(0, 'running');
      await trialIn(1, 'running');
      await storage.recordEpoch(study.id, 1, epoch(1, 0.7));
      await storage.recordEpoch(study.id, 0, epoch(2, 0.8));
      await storage.recordEpoch(study.id, 1, epoch(2, 0.6));
      const all = await storage.getEpochs(study.id);
      expect(all.map((e) => [e.trial, e.epoch, e.value])).toEqual([
        [0, 1, 0.9],
        [0, 2, 0.8],
        [1, 1, 0.7],
        [1, 2, 0.6],
      ]);
      expect(all[3]).toEqual({ trial: 1, epoch: 2, metrics: { loss: 0.6, lr: 0.01 }, value: 0.6, durationMs: 20, createdAt: T0 });
      expect((await storage.getEpochs(study.id, 1)).map((e) => e.epoch)).toEqual([1, 2]);
      await trialIn(2, 'queued');
      await expectRejection(
        storage.recordEpoch(study.id, 2, epoch(1, 1)),
        'trial 2 of study "s" is queued, not running: cannot record epoch 1',
      );
      await expectRejection(
        storage.recordEpoch(study.id, 0, epoch(0, 1)),
        'epoch of trial 0 of study "s" must be a positive integer, got 0',
      );
      expect(await storage.getEpochs(study.id)).toEqual(all);
    });

    test('a re-run epoch replaces the earlier row', async () => {
      await trialIn(0, 'running');
      await storage.recordEpoch(study.id, 0, { epoch: 1, metrics: { loss: 0.3 }, value: 0.3, durationMs: 5 });
      expect(await storage.getEpochs(study.id)).toEqual([
        { trial: 0, epoch: 1, metrics: { loss: 0.3 }, value: 0.3, durationMs: 5, createdAt: T0 },
      ]);
    });

    test('NaN and ±Infinity metrics round-trip; non-finite values are stored as null', async () => {
      await trialIn(0, 'running');
      const metrics = { loss: NaN, val_loss: Infinity, grad: -Infinity, lr: 0.001 };
      await storage.recordEpoch(study.id, 0, { epoch: 2, metrics, value: NaN, durationMs: 1 });
      const [, second] = await storage.getEpochs(study.id);
      expect(second?.value).toBeNull();
      expect(Number.isNaN(second?.metrics.loss)).toBe(true);
      expect(second?.metrics).toEqual(metrics);
      let trial = (await storage.getTrials(study.id))[0]!;
      expect([trial.value, trial.metrics]).toEqual([null, metrics]);
      await storage.finishTrial(study.id, 0, finish('diverged', { value: -Infinity, metrics, epochs: 2 }));
      trial = (await storage.getTrials(study.id))[0]!;
      expect([trial.status, trial.value, trial.metrics]).toEqual(['diverged', null, metrics]);
    });
  });

  describe('requeue', () => {
    test('keeps the first epochs, restores their value and counts the interruption', async () => {
      await trialIn(0, 'running');
      await trialIn(1, 'running');
      await storage.recordEpoch(study.id, 0, epoch(2, 0.8));
      await storage.recordEpoch(study.id, 0, epoch(3, 0.7));
      await expectRejection(
        storage.requeueTrial(study.id, 0, 4),
        'trial 0 of study "s" has 3 epochs: cannot keep 4 (must be an integer from 0 to 3)',
      );
      await storage.requeueTrial(study.id, 0, 1, 120);
      let trial = (await storage.getTrials(study.id))[0]!;
      expect(trial).toMatchObject({
        status: 'queued',
        epochs: 1,
        value: 0.9,
        metrics: { loss: 0.9, lr: 0.01 },
        startedAt: null,
        interruptions: 1,
        durationMs: 120,
      });
      expect((await storage.getEpochs(study.id)).map((e) => [e.trial, e.epoch])).toEqual([
        [0, 1],
        [1, 1],
      ]);

      await storage.startTrial(study.id, 0, { worker: 2, host: 'h', backend: 'cpu' });
      await storage.requeueTrial(study.id, 0, 0);
      trial = (await storage.getTrials(study.id))[0]!;
      // A run killed before it reported its time adds nothing.
      expect(trial).toMatchObject({ status: 'queued', epochs: 0, value: null, metrics: null, interruptions: 2, durationMs: 120 });
      expect(await storage.getEpochs(study.id, 0)).toEqual([]);
    });
  });

  describe('runs', () => {
    test('one per run: opened by a start, closed by whatever takes the trial out of running', async () => {
      await storage.addTrial(study.id, { number: 0, params: { lr: 0.1 }, seed: 0, targetEpochs: 3 });
      await storage.addTrial(study.id, { number: 1, params: { lr: 0.2 }, seed: 1, targetEpochs: 3 });
      await storage.startTrial(study.id, 0, { worker: 1, host: 'alpha', backend: 'cpu' });
      vi.setSystemTime(T0 + 1000);
      await storage.recordEpoch(study.id, 0, epoch(1, 0.9));
      vi.setSystemTime(T0 + 1500);
      // A stop its loop saw: the run ends now.
      await storage.requeueTrial(study.id, 0, 1, 1500);
      vi.setSystemTime(T0 + 2000);
      await storage.startTrial(study.id, 1, { worker: 0, host: 'beta', process: '42', backend: 'cpu' });
      await storage.startTrial(study.id, 0, { worker: 1, host: 'alpha', backend: 'cpu' });
      vi.setSystemTime(T0 + 3000);
      await storage.recordEpoch(study.id, 0, epoch(2, 0.8));
      vi.setSystemTime(T0 + 9000);
      // Recovered after a crash: the run ends at its last stored epoch.
      await storage.requeueTrial(study.id, 0, 1, null, true);
      vi.setSystemTime(T0 + 9500);
      await storage.finishTrial(study.id, 1, finish('completed', { epochs: 0 }));
      await storage.startTrial(study.id, 0, { worker: 0, host: 'alpha', backend: 'cpu' });
      vi.setSystemTime(T0 + 9900);
      // Crashed before any epoch of this run: it ends where it started.
      await storage.requeueTrial(study.id, 0, 1, null, true);
      await storage.startTrial(study.id, 0, { worker: 0, host: 'alpha', backend: 'cpu' });
      await storage.recordEpoch(study.id, 0, epoch(2, 0.7));
      vi.setSystemTime(T0 + 10_000);
      await storage.finishTrial(study.id, 0, finish('paused', { epochs: 2 }));
      // A queued trial that fails never ran: no run.
      await storage.addTrial(study.id, { number: 2, params: { lr: 0.3 }, seed: 2, targetEpochs: 3 });
      await storage.finishTrial(study.id, 2, finish('failed', { error: 'x' }));
      const run = (
        trial: number,
        host: string,
        slot: string,
        from: number,
        to: number,
        start: number,
        end: number,
        outcome: TrialStatus,
      ) => ({
        trial,
        host,
        slot,
        startedAt: T0 + start,
        endedAt: T0 + end,
        fromEpoch: from,
        toEpoch: to,
        outcome,
      });
      expect(await storage.getRuns(study.id)).toEqual([
        run(0, 'alpha', '1', 0, 1, 0, 1500, 'queued'),
        run(1, 'beta', '42:0', 0, 0, 2000, 9500, 'completed'),
        run(0, 'alpha', '1', 1, 2, 2000, 3000, 'queued'),
        run(0, 'alpha', '0', 1, 1, 9500, 9500, 'queued'),
        run(0, 'alpha', '0', 1, 2, 9900, 10_000, 'paused'),
      ]);
      await storage.promoteTrial(study.id, 0, 1, 3);
      await storage.startTrial(study.id, 0, { worker: 3, host: 'alpha', backend: 'cpu' });
      expect((await storage.getRuns(study.id)).at(-1)).toEqual({
        trial: 0,
        host: 'alpha',
        slot: '3',
        startedAt: T0 + 10_000,
        endedAt: null,
        fromEpoch: 2,
        toEpoch: null,
        outcome: null,
      });
    });
  });

  describe('population based training', () => {
    /** Trial `n` runs `epochs` epochs (values 0.9, 0.8...) and ends as `status`. */
    async function ranTo(n: number, epochs: number, status: FinishInfo['status'], error: string | null = null): Promise<void> {
      await storage.addTrial(study.id, { number: n, params: { lr: 0.1, n }, seed: n, targetEpochs: epochs, rung: 0 });
      await storage.startTrial(study.id, n, { worker: 0, host: 'h', backend: 'cpu' });
      for (let e = 1; e <= epochs; e += 1) await storage.recordEpoch(study.id, n, epoch(e, 1 - e / 10));
      await storage.finishTrial(study.id, n, finish(status, { value: 1 - epochs / 10, epochs, error }));
    }
    const trialOf = async (n: number) => (await storage.getTrials(study.id)).find((t) => t.number === n)!;
    const epochsOf = async (n: number) => (await storage.getEpochs(study.id, n)).map((e) => e.epoch);

    test('a promotion with new parameters keeps the first ones and records the change', async () => {
      await ranTo(0, 2, 'paused');
      vi.setSystemTime(T0 + 5);
      await storage.promoteTrial(study.id, 0, 1, 4, { params: { lr: 0.2, n: 0 }, source: null });
      expect(await trialOf(0)).toMatchObject({
        status: 'queued',
        rung: 1,
        targetEpochs: 4,
        epochs: 2,
        params: { lr: 0.2, n: 0 },
        initialParams: { lr: 0.1, n: 0 },
        copiedFrom: null,
      });
      expect(await epochsOf(0)).toEqual([1, 2]);
      expect(await storage.getPromotions(study.id)).toEqual([
        { trial: 0, rung: 1, createdAt: T0 + 5, params: { lr: 0.2, n: 0 }, source: null },
      ]);
      const [promotion] = await storage.getPromotions(study.id);
      expect(Object.isFrozen(promotion) && Object.isFrozen(promotion!.params)).toBe(true);
    });

    test('a paused trial copies another one: its parameters change and it continues from the source epoch', async () => {
      await ranTo(0, 2, 'paused');
      await ranTo(1, 3, 'paused');
      vi.setSystemTime(T0 + 5);
      await storage.promoteTrial(study.id, 1, 1, 6, { params: { lr: 0.05, n: 0 }, source: { trial: 0, epoch: 2 } });
      const trial = await trialOf(1);
      expect(trial).toMatchObject({
        status: 'queued',
        rung: 1,
        targetEpochs: 6,
        epochs: 2,
        error: null,
        params: { lr: 0.05, n: 0 },
        initialParams: { lr: 0.1, n: 1 },
        copiedFrom: { trial: 0, epoch: 2 },
      });
      expect(Object.isFrozen(trial.copiedFrom)).toBe(true);
      expect(await epochsOf(1)).toEqual([1, 2]);
      // The source is left as it was.
      expect(await trialOf(0)).toMatchObject({ status: 'paused', epochs: 2, params: { lr: 0.1, n: 0 }, copiedFrom: null });
      expect(await epochsOf(0)).toEqual([1, 2]);
      expect(await storage.getPromotions(study.id)).toEqual([
        { trial: 1, rung: 1, createdAt: T0 + 5, params: { lr: 0.05, n: 0 }, source: { trial: 0, epoch: 2 } },
      ]);
      // It runs on from there.
      await storage.startTrial(study.id, 1, { worker: 1, host: 'h', backend: 'cpu' });
      await storage.recordEpoch(study.id, 1, epoch(3, 0.3));
      expect(await epochsOf(1)).toEqual([1, 2, 3]);
    });

    test.each([
      ['diverged', null],
      ['failed', 'Error: boom'],
    ] as const)('a %s trial copies another one: epochs reset to the source, later ones deleted, error cleared', async (status, error) => {
      await ranTo(0, 2, 'paused');
      await ranTo(1, 4, status, error);
      expect((await trialOf(1)).error).toBe(error);
      await storage.promoteTrial(study.id, 1, 1, 6, { params: { lr: 0.05, n: 0 }, source: { trial: 0, epoch: 2 } });
      expect(await trialOf(1)).toMatchObject({
        status: 'queued',
        rung: 1,
        targetEpochs: 6,
        epochs: 2,
        error: null,
        retries: 0,
        params: { lr: 0.05, n: 0 },
        initialParams: { lr: 0.1, n: 1 },
        copiedFrom: { trial: 0, epoch: 2 },
      });
      expect(await epochsOf(1)).toEqual([1, 2]);
      expect(await epochsOf(0)).toEqual([1, 2]);
    });

    test('a source after more epochs than the trial has keeps its rows and takes the epoch count', async () => {
      await ranTo(0, 4, 'paused');
      await ranTo(1, 1, 'diverged');
      await storage.promoteTrial(study.id, 1, 1, 6, { params: { lr: 0.05 }, source: { trial: 0, epoch: 4 } });
      expect(await trialOf(1)).toMatchObject({ status: 'queued', epochs: 4, copiedFrom: { trial: 0, epoch: 4 } });
      expect(await epochsOf(1)).toEqual([1]);
    });

    test.each(['queued', 'running', 'completed', 'pruned'] as const)(
      'copying a checkpoint from a %s trial is rejected and changes nothing',
      async (status) => {
        await ranTo(0, 2, 'paused');
        await trialIn(1, status === 'pruned' ? 'paused' : status);
        if (status === 'pruned') await storage.pruneTrial(study.id, 1);
        const state = async () => [
          await storage.getTrials(study.id),
          await storage.getEpochs(study.id),
          await storage.getPromotions(study.id),
        ];
        const before = await state();
        vi.setSystemTime(T0 + 1);
        const change = { params: { lr: 0.05 }, source: { trial: 0, epoch: 2 } };
        await expectRejection(storage.promoteTrial(study.id, 1, 1, 6, change), `trial 1 of study "s" cannot go from ${status} to queued`);
        expect(await state()).toEqual(before);
        expect((await storage.getStudy('s'))?.updatedAt).toBe(T0);
      },
    );

    test('a change without a source is a promotion: from paused only', async () => {
      await ranTo(0, 2, 'diverged');
      const change = { params: { lr: 0.05 }, source: null };
      await expectRejection(storage.promoteTrial(study.id, 0, 1, 6, change), 'trial 0 of study "s" cannot go from diverged to queued');
      expect(await trialOf(0)).toMatchObject({ status: 'diverged', params: { lr: 0.1, n: 0 } });
      expect(await storage.getPromotions(study.id)).toEqual([]);
    });

    test('a source that is not a trial number and an epoch count is rejected', async () => {
      await ranTo(0, 2, 'paused');
      for (const source of [
        { trial: 0, epoch: -1 },
        { trial: 0, epoch: 1.5 },
        { trial: -2, epoch: 1 },
      ]) {
        await expectRejection(
          storage.promoteTrial(study.id, 0, 1, 6, { params: {}, source }),
          `trial 0 of study "s" cannot copy trial ${source.trial} after ${source.epoch} epochs: both must be non-negative integers`,
        );
      }
      expect(await trialOf(0)).toMatchObject({ status: 'paused', epochs: 2, params: { lr: 0.1, n: 0 }, copiedFrom: null });
      expect(await storage.getPromotions(study.id)).toEqual([]);
    });

    test('the first parameters stay across changes; a plain promotion clears copiedFrom and records no change', async () => {
      await ranTo(0, 6, 'paused');
      await ranTo(1, 2, 'paused');
      vi.setSystemTime(T0 + 1);
      await storage.promoteTrial(study.id, 1, 1, 4, { params: { lr: 0.2 }, source: null });
      await storage.startTrial(study.id, 1, { worker: 0, host: 'h', backend: 'cpu' });
      for (const e of [3, 4]) await storage.recordEpoch(study.id, 1, epoch(e, 0.5));
      await storage.finishTrial(study.id, 1, finish('paused', { epochs: 4 }));
      vi.setSystemTime(T0 + 2);
      await storage.promoteTrial(study.id, 1, 2, 6, { params: { lr: 0.3 }, source: { trial: 0, epoch: 4 } });
      expect(await trialOf(1)).toMatchObject({
        params: { lr: 0.3 },
        initialParams: { lr: 0.1, n: 1 },
        copiedFrom: { trial: 0, epoch: 4 },
        epochs: 4,
      });
      await storage.startTrial(study.id, 1, { worker: 0, host: 'h', backend: 'cpu' });
      for (const e of [5, 6]) await storage.recordEpoch(study.id, 1, epoch(e, 0.4));
      await storage.finishTrial(study.id, 1, finish('paused', { epochs: 6 }));
      vi.setSystemTime(T0 + 3);
      await storage.promoteTrial(study.id, 1, 3, 8);
      expect(await trialOf(1)).toMatchObject({
        status: 'queued',
        rung: 3,
        epochs: 6,
        params: { lr: 0.3 },
        initialParams: { lr: 0.1, n: 1 },
        copiedFrom: null,
      });
      expect(await epochsOf(1)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await storage.getPromotions(study.id)).toEqual([
        { trial: 1, rung: 1, createdAt: T0 + 1, params: { lr: 0.2 }, source: null },
        { trial: 1, rung: 2, createdAt: T0 + 2, params: { lr: 0.3 }, source: { trial: 0, epoch: 4 } },
        { trial: 1, rung: 3, createdAt: T0 + 3, params: null, source: null },
      ]);
    });

    test('a requeue keeps copiedFrom; a retry clears it and keeps the first parameters', async () => {
      await ranTo(0, 2, 'paused');
      await ranTo(1, 2, 'diverged');
      await storage.promoteTrial(study.id, 1, 1, 6, { params: { lr: 0.05 }, source: { trial: 0, epoch: 2 } });
      await storage.startTrial(study.id, 1, { worker: 0, host: 'h', backend: 'cpu' });
      await storage.recordEpoch(study.id, 1, epoch(3, 0.3));
      await storage.requeueTrial(study.id, 1, 2);
      expect(await trialOf(1)).toMatchObject({ status: 'queued', epochs: 2, interruptions: 1, copiedFrom: { trial: 0, epoch: 2 } });
      await storage.startTrial(study.id, 1, { worker: 0, host: 'h', backend: 'cpu' });
      await storage.finishTrial(study.id, 1, finish('failed', { epochs: 2, error: 'boom' }));
      await storage.retryTrial(study.id, 1, 77);
      expect(await trialOf(1)).toMatchObject({
        status: 'queued',
        seed: 77,
        epochs: 0,
        retries: 1,
        params: { lr: 0.05 },
        initialParams: { lr: 0.1, n: 1 },
        copiedFrom: null,
      });
      // New parameters on a retry (a smaller batch) do not touch the first ones once a promotion changed them.
      await storage.startTrial(study.id, 1, { worker: 0, host: 'h', backend: 'cpu' });
      await storage.finishTrial(study.id, 1, finish('failed', { epochs: 0, error: 'oom' }));
      await storage.retryTrial(study.id, 1, 78, { lr: 0.05, batch_size: 8 });
      expect(await trialOf(1)).toMatchObject({ params: { lr: 0.05, batch_size: 8 }, initialParams: { lr: 0.1, n: 1 }, copiedFrom: null });
    });

    test('before any change, the first parameters are the current ones, a retry with new ones included', async () => {
      await ranTo(0, 1, 'failed', 'oom');
      await storage.retryTrial(study.id, 0, 5, { lr: 0.1, n: 0, batch_size: 8 });
      const trial = await trialOf(0);
      expect(trial.params).toEqual({ lr: 0.1, n: 0, batch_size: 8 });
      expect(trial.initialParams).toEqual(trial.params);
      expect(trial.copiedFrom).toBeNull();
    });
  });

  describe('batching', () => {
    test('many writes issued in one tick all land, in order', async () => {
      const writes: Array<Promise<unknown>> = [];
      for (let n = 0; n < 200; n += 1) {
        writes.push(storage.addTrial(study.id, { number: n, params: { n }, seed: n, targetEpochs: 1 }));
        writes.push(storage.startTrial(study.id, n, { worker: n % 4, host: 'h', backend: 'cpu' }));
        writes.push(storage.recordEpoch(study.id, n, epoch(1, n)));
      }
      await Promise.all(writes);
      const trials = await storage.getTrials(study.id);
      expect(trials.map((t) => [t.number, t.status, t.value])).toEqual([...Array(200).keys()].map((n) => [n, 'running', n]));
      expect(await storage.getEpochs(study.id)).toHaveLength(200);
    });

    test('one bad write rejects alone and the others commit', async () => {
      const results = await Promise.allSettled([
        storage.addTrial(study.id, { number: 0, params: {}, seed: 0, targetEpochs: 1 }),
        storage.addTrial(study.id, { number: 0, params: { other: true }, seed: 1, targetEpochs: 1 }),
        storage.startTrial(study.id, 0, { worker: 0, host: 'h', backend: 'cpu' }),
        storage.recordEpoch(study.id, 5, epoch(1, 1)),
        storage.finishTrial(study.id, 0, finish('completed')),
        storage.startTrial(study.id, 0, { worker: 1, host: 'h', backend: 'cpu' }),
      ]);
      expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual([
        'ok',
        'trial 0 of study "s" already exists',
        'ok',
        'study "s" has no trial 5',
        'ok',
        'trial 0 of study "s" cannot go from completed to running',
      ]);
      expect(await storage.getTrials(study.id)).toMatchObject([{ number: 0, params: {}, status: 'completed', worker: 0 }]);
    });

    test('a read sees every write issued before it', async () => {
      const created = storage.createStudy(makeSpec({ name: 'later' }), null);
      const added = storage.addTrial(study.id, { number: 0, params: {}, seed: 0, targetEpochs: 1 });
      const started = storage.startTrial(study.id, 0, { worker: 0, host: 'h', backend: 'cpu' });
      const [later, trials, list] = await Promise.all([storage.getStudy('later'), storage.getTrials(study.id), storage.listStudies()]);
      expect(later?.name).toBe('later');
      expect(trials.map((t) => t.status)).toEqual(['running']);
      expect(list.map((s) => [s.name, s.trials])).toEqual([
        ['s', 1],
        ['later', 0],
      ]);
      await Promise.all([created, added, started]);
    });
  });

  test('after close, reads and writes are rejected', async () => {
    await storage.close();
    const message = `storage ${storage.location} is closed`;
    await expectRejection(storage.getStudy('s'), message);
    await expectRejection(storage.addTrial(study.id, { number: 0, params: {}, seed: 0, targetEpochs: 1 }), message);
    await storage.close();
  });
});

describe('the status rules', () => {
  test('each operation starts only from statuses the transitions allow, and leads where it says', () => {
    expect(OPERATIONS).toEqual({
      start: { from: ['queued'], to: 'running' },
      requeue: { from: ['running'], to: 'queued' },
      promote: { from: ['paused'], to: 'queued' },
      exploit: { from: ['paused', 'diverged', 'failed'], to: 'queued' },
      prune: { from: ['paused'], to: 'pruned' },
      retry: { from: ['failed', 'diverged'], to: 'queued' },
    });
    for (const { from, to } of Object.values(OPERATIONS)) for (const status of from) expect(canTransition(status, to)).toBe(true);
  });
});
