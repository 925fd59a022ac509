/**
 * The contract of the coordination capability (src/storage/coordination.ts), for every backend
 * that has it: claims serialized by the study's lock, leases, takeovers of expired leases, and
 * writes that only the lease's holder may make.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { StorageError } from '../../src/errors.js';
import {
  type ClaimAction,
  type ClaimDecision,
  type ClaimState,
  LeaseLostError,
  type StudyCoordination,
} from '../../src/storage/coordination.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { PostgresStorage } from '../../src/storage/postgres.js';
import type { FinishInfo, Storage, StudyRecord } from '../../src/storage/storage.js';
import { makeSpec } from '../fixtures/spec.js';
import { WITH_POSTGRES, usePostgres } from '../helpers/postgres.js';
import { ClaimTracker, type PlannedJob, cachedStrategies, decideClaims } from '../../src/study/distributed-claim.js';
import { StudyHistory } from '../../src/study/history.js';
import { createStrategy } from '../../src/study/search.js';
import { rngFor } from '../../src/util/random.js';

const postgres = usePostgres();

/** Backends with coordination; each `open` connects one more client to the same database. */
const KINDS = [
  {
    kind: 'memory',
    fresh: async () => {
      const data = new MemoryStorage({ coordination: true });
      return async (): Promise<Storage> => data.connect();
    },
  },
  ...(WITH_POSTGRES
    ? [
        {
          kind: 'postgres',
          fresh: async () => {
            const url = await postgres().emptyDatabase();
            return () => PostgresStorage.open(url);
          },
        },
      ]
    : []),
] as const;

const START = { worker: 'host-a:1', leaseMs: 60_000, start: { backend: 'cpu', host: 'host-a', process: '1' } };

function finish(status: FinishInfo['status'], epochs: number): FinishInfo {
  return { status, value: 0.5, metrics: { loss: 0.5 }, epochs, durationMs: 10, error: null, tensorsAfter: null };
}

function epoch(n: number) {
  return { epoch: n, metrics: { loss: 1 / n }, value: 1 / n, durationMs: 1 };
}

/** A decision that starts new trial `trials.length` in slot 0. */
function newTrial(state: ClaimState, targetEpochs = 3): ClaimDecision {
  const number = state.trials.length;
  return {
    claims: [{ kind: 'new', slot: 0, trial: { number, params: { n: number }, seed: number, targetEpochs } }],
    drop: [],
    status: null,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(KINDS)('$kind coordination', ({ fresh }) => {
  let open: () => Promise<Storage>;
  let storage: Storage;
  let other: Storage;
  let study: StudyRecord;
  let co: StudyCoordination;
  let co2: StudyCoordination;

  beforeEach(async () => {
    open = await fresh();
    [storage, other] = await Promise.all([open(), open()]);
    co = storage.coordination!;
    co2 = other.coordination!;
    study = await storage.createStudy(makeSpec({ name: 's' }), 'cpu');
  });
  afterEach(async () => {
    await Promise.all([storage.close(), other.close()]);
  });

  test('a claim starts its trial under a lease and hands the state to decide', async () => {
    const seen: ClaimState[] = [];
    const result = await co.claimJobs(study.id, START, (state) => (seen.push(state), newTrial(state)));
    expect(seen[0]).toMatchObject({ study: { id: study.id, name: 's', status: 'running' }, trials: [], epochs: [] });
    expect(result.leases).toHaveLength(1);
    expect(result.leases[0]!.owner).toMatch(/^host-a:1:0:[0-9a-f]{8}$/);
    expect(result.takeovers).toEqual([]);
    expect((await storage.getTrials(study.id))[0]).toMatchObject({
      number: 0,
      status: 'running',
      worker: 0,
      backend: 'cpu',
      params: { n: 0 },
    });
    const second = await co2.claimJobs(study.id, START, (state) => (seen.push(state), newTrial(state)));
    expect(seen[1]!.trials.map((t) => [t.number, t.status])).toEqual([[0, 'running']]);
    expect(second.leases[0]!.owner).not.toBe(result.leases[0]!.owner);
  });

  test('claims from many connections at once never hand out a trial twice', async () => {
    const claims = Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? co : co2).claimJobs(study.id, START, (state) => newTrial(state)));
    const results = await Promise.allSettled(claims);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const trials = await storage.getTrials(study.id);
    expect(trials.map((t) => t.number)).toEqual([...Array(30).keys()]);
    const owners = results.map((r) => (r.status === 'fulfilled' ? r.value.leases[0]!.owner : ''));
    expect(new Set(owners).size).toBe(30);
  });

  test('a worker whose lease was taken over cannot write: rejected, nothing changed', async () => {
    const first = await co.claimJobs(study.id, { ...START, leaseMs: 200 }, (state) => newTrial(state));
    const stale = first.leases[0]!.owner;
    await co.recordLeasedEpoch(study.id, 0, stale, epoch(1));
    await sleep(300);
    const taken = await co2.claimJobs(study.id, { ...START, worker: 'host-b:2' }, (state) => ({
      claims: state.trials.filter((t) => t.status === 'queued').map((t): ClaimAction => ({ kind: 'resume', slot: 3, number: t.number })),
      drop: [],
      status: null,
    }));
    expect(taken.takeovers).toMatchObject([{ trial: 0, owner: stale, keptEpochs: 0 }]);
    const fresh = taken.leases[0]!.owner;
    await co2.recordLeasedEpoch(study.id, 0, fresh, epoch(1));
    const before = [await storage.getTrials(study.id), await storage.getEpochs(study.id)];
    expect(before[0]![0]).toMatchObject({ status: 'running', worker: 3, epochs: 1, interruptions: 1 });

    const message = `trial 0 of study "s" is no longer leased to ${stale}: another worker took it over`;
    for (const write of [
      co.recordLeasedEpoch(study.id, 0, stale, { ...epoch(2), value: 99 }),
      co.finishLeased(study.id, 0, stale, { info: finish('completed', 3), checkpoint: { epoch: 3, data: new Uint8Array([1]) } }),
      co.requeueLeased(study.id, 0, stale, { checkpoint: { epoch: 1, data: new Uint8Array([2]) } }),
    ]) {
      const error = await write.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LeaseLostError);
      expect((error as StorageError).message).toBe(message);
    }
    expect(
      await co.renewLeases(
        study.id,
        [
          { trial: 0, owner: stale },
          { trial: 0, owner: fresh },
        ],
        1000,
      ),
    ).toEqual([0]);
    expect([await storage.getTrials(study.id), await storage.getEpochs(study.id)]).toEqual(before);
    expect(await co.listCheckpoints(study.id, 0)).toEqual([]);
    expect((await co.getTakeovers(study.id)).map((t) => [t.trial, t.owner])).toEqual([[0, stale]]);
    // The new owner's writes go through.
    await co2.finishLeased(study.id, 0, fresh, { info: finish('completed', 1) });
    expect((await storage.getTrials(study.id))[0]).toMatchObject({ status: 'completed', epochs: 1 });
  });

  test('renewed leases do not expire', async () => {
    const { leases } = await co.claimJobs(study.id, { ...START, leaseMs: 250 }, (state) => newTrial(state));
    for (let i = 0; i < 5; i += 1) {
      await sleep(100);
      expect(await co.renewLeases(study.id, [{ trial: 0, owner: leases[0]!.owner }], 250)).toEqual([]);
    }
    const later = await co2.claimJobs(study.id, START, () => ({ claims: [], drop: [], status: null }));
    expect(later.takeovers).toEqual([]);
  });

  test('an expired job is re-queued from its last checkpoint storage knows of', async () => {
    const { leases } = await co.claimJobs(study.id, START, (state) => newTrial(state, 1));
    await co.recordLeasedEpoch(study.id, 0, leases[0]!.owner, epoch(1));
    const bytes = new Uint8Array([7, 8, 9]);
    await co.finishLeased(study.id, 0, leases[0]!.owner, { info: finish('paused', 1), checkpoint: { epoch: 1, data: bytes } });
    const promoted = await co.claimJobs(study.id, { ...START, leaseMs: 150 }, () => ({
      claims: [{ kind: 'promote', slot: 1, number: 0, rung: 1, targetEpochs: 3 }],
      drop: [],
      status: null,
    }));
    expect(await storage.getPromotions(study.id)).toMatchObject([{ trial: 0, rung: 1 }]);
    await co.recordLeasedEpoch(study.id, 0, promoted.leases[0]!.owner, epoch(2));
    await sleep(250);
    const next = await co2.claimJobs(study.id, START, () => ({ claims: [], drop: [], status: null }));
    expect(next.takeovers).toMatchObject([{ trial: 0, keptEpochs: 1 }]);
    expect((await storage.getTrials(study.id))[0]).toMatchObject({
      status: 'queued',
      epochs: 1,
      value: 1,
      interruptions: 1,
      rung: 1,
      targetEpochs: 3,
    });
    expect((await storage.getEpochs(study.id)).map((e) => e.epoch)).toEqual([1]);
    expect(await co.getCheckpoint(study.id, 0, 1)).toEqual(bytes);
    // The run that was taken over ends at its last stored epoch, not when the takeover noticed.
    const runs = await storage.getRuns(study.id);
    expect(runs.map((r) => [r.trial, r.host, r.slot, r.fromEpoch, r.toEpoch, r.outcome])).toEqual([
      [0, 'host-a', '1:0', 0, 1, 'paused'],
      [0, 'host-a', '1:1', 1, 2, 'queued'],
    ]);
    expect(runs[1]!.endedAt).toBeLessThan(next.takeovers[0]!.createdAt - 150);
    expect(runs[1]!.endedAt).toBeGreaterThanOrEqual(runs[1]!.startedAt);
  });

  test("a pruner's decision waits for running trials, but not for one whose lease ran out", async () => {
    await co.claimJobs(study.id, { ...START, leaseMs: 150 }, (state) => newTrial(state));
    const second = await co.claimJobs(study.id, START, (state) => newTrial(state));
    await co.recordLeasedEpoch(study.id, 1, second.leases[0]!.owner, epoch(1));
    expect(await storage.epochValues(study.id, 1, 2, 1)).toEqual({ values: [], completed: 0, running: 1 });
    await sleep(250);
    expect(await storage.epochValues(study.id, 1, 2, 1)).toEqual({ values: [], completed: 0, running: 0 });
    expect(await storage.epochValues(study.id, 1, 2, 0)).toEqual({ values: [], completed: 0, running: 1 });
  });

  test('an expired job whose reported epochs reach its target keeps them all: it has nothing left to run', async () => {
    const { leases } = await co.claimJobs(study.id, { ...START, leaseMs: 150 }, (state) => newTrial(state));
    for (const n of [1, 2, 3]) await co.recordLeasedEpoch(study.id, 0, leases[0]!.owner, epoch(n));
    await sleep(250);
    const next = await co2.claimJobs(study.id, START, () => ({ claims: [], drop: [], status: null }));
    expect(next.takeovers).toMatchObject([{ trial: 0, keptEpochs: 3 }]);
    expect((await storage.getTrials(study.id))[0]).toMatchObject({ status: 'queued', epochs: 3, interruptions: 1, targetEpochs: 3 });
    expect((await storage.getEpochs(study.id)).map((e) => e.epoch)).toEqual([1, 2, 3]);
  });

  test('a finished run keeps only the checkpoint its trial continues from', async () => {
    const { leases } = await co.claimJobs(study.id, START, (state) => newTrial(state, 1));
    const summary = await co.finishLeased(study.id, 0, leases[0]!.owner, {
      info: finish('paused', 1),
      checkpoint: { epoch: 1, data: new Uint8Array([1]) },
    });
    expect(summary).toEqual({ best: null });
    expect(await co.listCheckpoints(study.id, 0)).toEqual([1]);
    const again = await co.claimJobs(study.id, START, () => ({
      claims: [{ kind: 'promote', slot: 0, number: 0, rung: 1, targetEpochs: 3 }],
      drop: [],
      status: null,
    }));
    const done = await co.finishLeased(study.id, 0, again.leases[0]!.owner, {
      info: finish('completed', 3),
      checkpoint: { epoch: 3, data: new Uint8Array([3]) },
    });
    expect(done).toEqual({ best: { number: 0, value: 0.5 } });
    expect(await co.listCheckpoints(study.id, 0)).toEqual([]);
    expect(await co.getCheckpoint(study.id, 0, 1)).toBeNull();
  });

  test('a failed run may be queued again at once, with new parameters', async () => {
    const { leases } = await co.claimJobs(study.id, START, (state) => newTrial(state));
    await co.finishLeased(study.id, 0, leases[0]!.owner, {
      info: { ...finish('failed', 0), error: 'out of memory' },
      retry: { seed: 5, params: { n: 0, batch_size: 8 } },
    });
    expect((await storage.getTrials(study.id))[0]).toMatchObject({
      status: 'queued',
      seed: 5,
      params: { n: 0, batch_size: 8 },
      retries: 1,
      error: null,
    });
  });

  test('a claim writes the runs that ended first: its decision sees them; one whose lease is gone writes nothing', async () => {
    const { leases } = await co.claimJobs(study.id, START, (state) => ({
      claims: [newTrial(state).claims[0]!, { kind: 'new', slot: 1, trial: { number: 1, params: {}, seed: 1, targetEpochs: 3 } }],
      drop: [],
      status: null,
    }));
    const seen: ClaimState[] = [];
    const finishes = [
      { number: 0, owner: leases[0]!.owner, info: { ...finish('completed', 3), value: 0.25 } },
      { number: 1, owner: 'host-b:2:0:00000000', info: finish('completed', 3) },
    ];
    // From another connection: a finish is its lease's owner's, whichever connection writes it.
    const result = await co2.claimJobs(study.id, { ...START, finishes }, (state) => (seen.push(state), newTrial(state)));
    expect(result.finished).toEqual([{ best: { number: 0, value: 0.25 } }, null]);
    expect(seen[0]!.trials.map((t) => [t.number, t.status, t.value])).toEqual([
      [0, 'completed', 0.25],
      [1, 'running', null],
    ]);
    expect((await storage.getTrials(study.id)).map((t) => [t.number, t.status])).toEqual([
      [0, 'completed'],
      [1, 'running'],
      [2, 'running'],
    ]);
    expect((await storage.getRuns(study.id)).map((r) => [r.trial, r.outcome, r.toEpoch])).toEqual([
      [0, 'completed', 3],
      [1, null, null],
      [2, null, null],
    ]);
    // Trial 1's owner still holds its lease.
    await co.finishLeased(study.id, 1, leases[1]!.owner, { info: finish('completed', 3) });
  });

  test('a claim that fails writes none of the runs that ended', async () => {
    const { leases } = await co.claimJobs(study.id, START, (state) => newTrial(state));
    const finishes = [{ number: 0, owner: leases[0]!.owner, info: finish('completed', 3) }];
    const failing = co.claimJobs(study.id, { ...START, finishes }, (state) => {
      expect(state.trials[0]!.status).toBe('completed');
      return { claims: [], drop: [0], status: null };
    });
    await expect(failing).rejects.toThrow('trial 0 of study "s" cannot go from completed to pruned');
    expect((await storage.getTrials(study.id))[0]).toMatchObject({ status: 'running', value: null, finishedAt: null });
    expect((await storage.getRuns(study.id))[0]).toMatchObject({ endedAt: null, outcome: null });
    const again = await co.claimJobs(study.id, { ...START, finishes }, () => ({ claims: [], drop: [], status: null }));
    expect(again.finished).toEqual([{ best: { number: 0, value: 0.5 } }]);
  });

  test("a finish's best trial is the best value's lowest number, however many share it", async () => {
    const { leases } = await co.claimJobs(study.id, START, () => ({
      claims: [0, 1, 2, 3].map((n) => ({ kind: 'new', slot: n, trial: { number: n, params: { n }, seed: n, targetEpochs: 1 } })),
      drop: [],
      status: null,
    }));
    const end = (n: number, value: number) =>
      co.finishLeased(study.id, n, leases[n]!.owner, { info: { ...finish('completed', 1), value } });
    expect(await end(2, 0.3)).toEqual({ best: { number: 2, value: 0.3 } });
    expect(await end(3, 0.3)).toEqual({ best: { number: 2, value: 0.3 } });
    expect(await end(1, 0.3)).toEqual({ best: { number: 1, value: 0.3 } });
    expect(await end(0, 0.7)).toEqual({ best: { number: 1, value: 0.3 } });
  });

  test('decisions drop paused trials and finish the study; leaving marks a study without running trials interrupted', async () => {
    const { leases } = await co.claimJobs(study.id, START, (state) => ({
      claims: [newTrial(state).claims[0]!, { kind: 'new', slot: 1, trial: { number: 1, params: {}, seed: 1, targetEpochs: 1 } }],
      drop: [],
      status: null,
    }));
    await co.finishLeased(study.id, 0, leases[0]!.owner, { info: finish('paused', 1), checkpoint: { epoch: 1, data: null } });
    expect(await co.leaveStudy(study.id)).toBe('running');
    await co.requeueLeased(study.id, 1, leases[1]!.owner, {});
    expect(await co.leaveStudy(study.id)).toBe('interrupted');
    await co.claimJobs(study.id, START, () => ({ claims: [{ kind: 'resume', slot: 0, number: 1 }], drop: [0], status: 'running' }));
    expect((await storage.getTrials(study.id)).map((t) => t.status)).toEqual(['pruned', 'running']);
    expect(await co.listCheckpoints(study.id, 0)).toEqual([]);
    const illegal = co.claimJobs(study.id, START, () => ({ claims: [], drop: [1], status: 'completed' }));
    await expect(illegal).rejects.toThrow('trial 1 of study "s" cannot go from running to pruned');
    expect((await storage.getStudy('s'))?.status).toBe('running');
  });

  describe('population based training', () => {
    /** New trial `n` in its own claim, trained `epochs` epochs, ended as `status` (paused with a checkpoint of `data`). */
    async function trained(n: number, epochs: number, status: FinishInfo['status'], data?: Uint8Array | null): Promise<void> {
      const { leases } = await co.claimJobs(study.id, START, () => ({
        claims: [{ kind: 'new', slot: 0, trial: { number: n, params: { n }, seed: n, targetEpochs: epochs, rung: 0 } }],
        drop: [],
        status: null,
      }));
      for (let e = 1; e <= epochs; e += 1) await co.recordLeasedEpoch(study.id, n, leases[0]!.owner, epoch(e));
      const checkpoint = data === undefined ? null : { epoch: epochs, data };
      await co.finishLeased(study.id, n, leases[0]!.owner, {
        info: { ...finish(status, epochs), error: status === 'failed' ? 'boom' : null },
        checkpoint,
      });
    }
    const trialOf = async (n: number) => (await storage.getTrials(study.id)).find((t) => t.number === n)!;
    const copy = (number: number, source: { trial: number; epoch: number } | null, targetEpochs = 6): ClaimAction => ({
      kind: 'promote',
      slot: 2,
      number,
      rung: 1,
      targetEpochs,
      change: { params: { n: number, lr: 0.5 }, source },
    });

    test('a claim copies the source checkpoint: it is the one the trial continues from, and a takeover keeps it', async () => {
      const donor = new Uint8Array([1, 2, 3]);
      await trained(0, 2, 'paused', donor);
      // Its own checkpoint after 3 epochs holds weights it no longer continues from.
      await trained(1, 3, 'paused', new Uint8Array([9]));
      const claimed = await co2.claimJobs(study.id, { ...START, leaseMs: 150 }, (state) => {
        expect(state.trials.map((t) => [t.number, t.initialParams, t.copiedFrom])).toEqual([
          [0, { n: 0 }, null],
          [1, { n: 1 }, null],
        ]);
        return { claims: [copy(1, { trial: 0, epoch: 2 })], drop: [], status: null };
      });
      expect(await trialOf(1)).toMatchObject({
        status: 'running',
        worker: 2,
        rung: 1,
        targetEpochs: 6,
        epochs: 2,
        error: null,
        params: { n: 1, lr: 0.5 },
        initialParams: { n: 1 },
        copiedFrom: { trial: 0, epoch: 2 },
      });
      expect((await storage.getEpochs(study.id, 1)).map((e) => e.epoch)).toEqual([1, 2]);
      expect(await storage.getPromotions(study.id)).toMatchObject([
        { trial: 1, rung: 1, params: { n: 1, lr: 0.5 }, source: { trial: 0, epoch: 2 } },
      ]);
      expect(await co.listCheckpoints(study.id, 1)).toEqual([2]);
      expect(await co.getCheckpoint(study.id, 1, 2)).toEqual(donor);
      expect(await co.getCheckpoint(study.id, 1, 3)).toBeNull();
      // The source keeps its own.
      expect(await co.listCheckpoints(study.id, 0)).toEqual([2]);
      expect(await co.getCheckpoint(study.id, 0, 2)).toEqual(donor);

      // The copier reaches its old epoch count again, then its lease expires: it goes back to the copied checkpoint.
      await co2.recordLeasedEpoch(study.id, 1, claimed.leases[0]!.owner, epoch(3));
      await sleep(250);
      const next = await co.claimJobs(study.id, START, () => ({ claims: [], drop: [], status: null }));
      expect(next.takeovers).toMatchObject([{ trial: 1, keptEpochs: 2 }]);
      expect(await trialOf(1)).toMatchObject({ status: 'queued', epochs: 2, interruptions: 1, copiedFrom: { trial: 0, epoch: 2 } });
      expect(await co.getCheckpoint(study.id, 1, 2)).toEqual(donor);
    });

    test('a stopped copier keeps the copied checkpoint', async () => {
      const donor = new Uint8Array([4, 5]);
      await trained(0, 2, 'paused', donor);
      await trained(1, 2, 'paused', new Uint8Array([9]));
      const { leases } = await co.claimJobs(study.id, START, () => ({ claims: [copy(1, { trial: 0, epoch: 2 })], drop: [], status: null }));
      expect(await co.getCheckpoint(study.id, 1, 2)).toEqual(donor);
      await co.recordLeasedEpoch(study.id, 1, leases[0]!.owner, epoch(3));
      expect(await co.requeueLeased(study.id, 1, leases[0]!.owner, {})).toBe(2);
      expect(await co.getCheckpoint(study.id, 1, 2)).toEqual(donor);
    });

    test('diverged and failed trials copy another one; a source without a checkpoint copies nothing', async () => {
      await trained(0, 2, 'paused', null);
      await trained(1, 3, 'diverged');
      await trained(2, 1, 'failed');
      await trained(3, 1, 'paused', new Uint8Array([3]));
      await co.claimJobs(study.id, START, () => ({
        claims: [copy(1, { trial: 0, epoch: 2 }), copy(2, { trial: 0, epoch: 1 }), copy(3, { trial: 1, epoch: 1 })],
        drop: [],
        status: null,
      }));
      const trials = await storage.getTrials(study.id);
      expect(trials.map((t) => [t.number, t.status, t.epochs, t.error, t.copiedFrom])).toEqual([
        [0, 'paused', 2, null, null],
        [1, 'running', 2, null, { trial: 0, epoch: 2 }],
        [2, 'running', 1, null, { trial: 0, epoch: 1 }],
        [3, 'running', 1, null, { trial: 1, epoch: 1 }],
      ]);
      expect((await storage.getEpochs(study.id)).map((e) => [e.trial, e.epoch])).toEqual([
        [0, 1],
        [0, 2],
        [1, 1],
        [1, 2],
        [2, 1],
        [3, 1],
      ]);
      // A checkpoint in a shared folder (no bytes) is copied as such: storage knows the copier can continue from it.
      expect(await co.listCheckpoints(study.id, 1)).toEqual([2]);
      expect(await co.getCheckpoint(study.id, 1, 2)).toBeNull();
      // Trial 0 has no checkpoint after 1 epoch, trial 1 none at all: nothing to copy, and trial 3's own is gone.
      expect(await co.listCheckpoints(study.id, 2)).toEqual([]);
      expect(await co.listCheckpoints(study.id, 3)).toEqual([]);
    });

    test('a claim that copies into a trial that is not paused, diverged or failed is rejected and changes nothing', async () => {
      await trained(0, 2, 'paused', new Uint8Array([1]));
      await trained(1, 2, 'completed');
      const { leases } = await co.claimJobs(study.id, START, () => ({
        claims: [{ kind: 'new', slot: 1, trial: { number: 2, params: {}, seed: 2, targetEpochs: 3 } }],
        drop: [],
        status: null,
      }));
      await co.recordLeasedEpoch(study.id, 2, leases[0]!.owner, epoch(1));
      const before = [await storage.getTrials(study.id), await storage.getEpochs(study.id), await storage.getPromotions(study.id)];
      for (const [number, status] of [
        [1, 'completed'],
        [2, 'running'],
      ] as const) {
        const claim = co2.claimJobs(study.id, START, () => ({
          claims: [
            { kind: 'new', slot: 0, trial: { number: 9, params: {}, seed: 9, targetEpochs: 3 } },
            copy(number, { trial: 0, epoch: 2 }),
          ],
          drop: [],
          status: null,
        }));
        await expect(claim).rejects.toThrow(`trial ${number} of study "s" cannot go from ${status} to queued`);
      }
      expect([await storage.getTrials(study.id), await storage.getEpochs(study.id), await storage.getPromotions(study.id)]).toEqual(before);
      expect(await co.listCheckpoints(study.id, 1)).toEqual([]);
      expect(await co.listCheckpoints(study.id, 2)).toEqual([]);
    });

    test('a plain promotion after a copy clears copiedFrom; promoteTrial outside a claim copies too', async () => {
      const donor = new Uint8Array([8, 8]);
      await trained(0, 2, 'paused', donor);
      await trained(1, 2, 'diverged');
      await storage.promoteTrial(study.id, 1, 1, 4, { params: { n: 1, lr: 0.5 }, source: { trial: 0, epoch: 2 } });
      expect(await trialOf(1)).toMatchObject({ status: 'queued', epochs: 2, copiedFrom: { trial: 0, epoch: 2 } });
      expect(await co.getCheckpoint(study.id, 1, 2)).toEqual(donor);
      const { leases } = await co.claimJobs(study.id, START, () => ({
        claims: [{ kind: 'resume', slot: 0, number: 1 }],
        drop: [],
        status: null,
      }));
      for (const e of [3, 4]) await co.recordLeasedEpoch(study.id, 1, leases[0]!.owner, epoch(e));
      await co.finishLeased(study.id, 1, leases[0]!.owner, {
        info: finish('paused', 4),
        checkpoint: { epoch: 4, data: new Uint8Array([4]) },
      });
      expect(await co.listCheckpoints(study.id, 1)).toEqual([4]);
      await co.claimJobs(study.id, START, () => ({
        claims: [{ kind: 'promote', slot: 0, number: 1, rung: 2, targetEpochs: 6 }],
        drop: [],
        status: null,
      }));
      expect(await trialOf(1)).toMatchObject({
        status: 'running',
        rung: 2,
        epochs: 4,
        params: { n: 1, lr: 0.5 },
        initialParams: { n: 1 },
        copiedFrom: null,
      });
      expect(await co.listCheckpoints(study.id, 1)).toEqual([4]);
      expect(await storage.getPromotions(study.id)).toMatchObject([
        { trial: 1, rung: 1, params: { n: 1, lr: 0.5 }, source: { trial: 0, epoch: 2 } },
        { trial: 1, rung: 2, params: null, source: null },
      ]);
    });

    test('a change without a source keeps the trial its own checkpoint', async () => {
      await trained(0, 2, 'paused', new Uint8Array([6]));
      await co.claimJobs(study.id, START, () => ({ claims: [copy(0, null)], drop: [], status: null }));
      expect(await trialOf(0)).toMatchObject({
        status: 'running',
        epochs: 2,
        params: { n: 0, lr: 0.5 },
        initialParams: { n: 0 },
        copiedFrom: null,
      });
      expect(await co.getCheckpoint(study.id, 0, 2)).toEqual(new Uint8Array([6]));
    });
  });

  test('with a feed, a claim reads what changed since the last and its history stays what a full read gives', async () => {
    const spec = makeSpec({
      name: 'feed',
      strategy: 'asha',
      trials: 40,
      maxEpochs: 9,
      minEpochs: 1,
      eta: 3,
      params: [{ name: 'x', dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } }],
    });
    const fed = await storage.createStudy(spec, 'cpu');
    const strategies = cachedStrategies(createStrategy);
    const workers = [co, co2].map((coordination, w) => ({ coordination, tracker: new ClaimTracker(), worker: `host-${w}:1` }));
    const rng = rngFor(7, 'feed');
    const held: { planned: PlannedJob; owner: string; w: number }[] = [];
    /** Each worker's runs that ended, written by its next claim. */
    const pending: { number: number; owner: string; info: FinishInfo }[][] = [[], []];
    /** The trials each worker's next claim must read: those written since its last one. */
    const touched = [new Set<number>(), new Set<number>()];
    const touch = (number: number) => touched.forEach((set) => set.add(number));
    let partial = 0;
    let folded = 0;
    const fullRead = async () => {
      const history = new StudyHistory('minimize');
      history.load(await storage.getTrials(fed.id), await storage.getEpochs(fed.id));
      return history.snapshots;
    };
    let done = false;
    for (let step = 0; step < 1000 && !done; step += 1) {
      const w = rng() < 0.5 ? 0 : 1;
      const { coordination, tracker, worker } = workers[w]!;
      if (held.length === 0 || rng() < 0.35) {
        const slots = rng() < 0.5 ? [0] : [0, 1];
        // Now and then a lease so short that the next claim takes the job over.
        const leaseMs = rng() < 0.15 ? 1 : 60_000;
        const finishes = pending[w]!.splice(0);
        const request = { ...START, worker, leaseMs, curves: true, feed: tracker.feed, finishes };
        let read: number[] | null = null;
        const result = await coordination.claimJobs(fed.id, request, (state) => {
          if (!state.full) read = state.trials.map((t) => t.number);
          return decideClaims(state, slots, strategies, tracker);
        });
        const lost = new Set(result.takeovers.map((t) => t.trial));
        // A finish is written unless its lease was taken over meanwhile.
        const finished = finishes.filter((_, i) => result.finished[i] !== null).map((f) => f.number);
        expect(result.finished).toHaveLength(finishes.length);
        folded += finished.length;
        if (read !== null) {
          // Exactly what was written since (a takeover, like a finish, rewrites its trial inside the claim).
          partial += 1;
          expect(read).toEqual([...new Set([...touched[w]!, ...lost, ...finished])].sort((a, b) => a - b));
        }
        touched[w]!.clear();
        // What this claim wrote, the other worker reads next; this one not again (it is its own decision).
        const wrote = [
          ...result.decision.jobs.map((p) => p.job.number),
          ...result.decision.dropped.map((v) => v.number),
          ...lost,
          ...finished,
        ];
        for (const number of wrote) touched[1 - w]!.add(number);
        for (let i = held.length - 1; i >= 0; i -= 1) if (lost.has(held[i]!.planned.job.number)) held.splice(i, 1);
        result.decision.jobs.forEach((planned, i) => held.push({ planned, owner: result.leases[i]!.owner, w }));
        done = result.decision.done;
        expect(tracker.history!.snapshots).toEqual(await fullRead());
        if (leaseMs === 1) await sleep(5);
        continue;
      }
      const [{ planned, owner, w: holder }] = held.splice(Math.floor(rng() * held.length), 1);
      const { number, budget } = planned.job;
      const value = Math.round(rng() * 1000) / 1000;
      // A job whose epochs reach its target already (interrupted after its last report) only finishes.
      const to = budget.from >= budget.to ? budget.from : budget.from + 1 + Math.floor(rng() * (budget.to - budget.from));
      try {
        for (let e = budget.from + 1; e <= to; e += 1) {
          await coordination.recordLeasedEpoch(fed.id, number, owner, { epoch: e, metrics: { val_loss: value }, value, durationMs: 1 });
          touch(number);
        }
        const roll = rng();
        if (to < budget.to || roll < 0.1) {
          // Stopped before its target: back to the queue, or a failure queued again at once.
          if (roll < 0.5) await coordination.requeueLeased(fed.id, number, owner, {});
          else
            await coordination.finishLeased(fed.id, number, owner, {
              info: { ...finish('failed', to), error: 'boom' },
              retry: { seed: number + 100 },
            });
        } else {
          const status = roll < 0.15 ? 'diverged' : budget.to >= 9 ? 'completed' : 'paused';
          const info = { ...finish(status, to), value };
          if (rng() < 0.5) {
            // Left to the holder's next claim.
            pending[holder]!.push({ number, owner, info });
            continue;
          }
          await coordination.finishLeased(fed.id, number, owner, { info });
        }
        touch(number);
      } catch (error) {
        // Its lease ran out and another worker took the job over.
        if (!(error instanceof LeaseLostError)) throw error;
      }
    }
    expect(done).toBe(true);
    const trials = await storage.getTrials(fed.id);
    expect(trials).toHaveLength(40);
    expect(folded).toBeGreaterThan(10);
    // PostgreSQL reads what changed past each worker's first claim; memory hands over everything.
    if (storage instanceof PostgresStorage) expect(partial).toBeGreaterThan(50);
    else expect(partial).toBe(0);
  });
});
