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

const START = { worker: 'host-a:1', leaseMs: 60_000, start: { backend: 'cpu' } };

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
});
