/**
 * The distributed loop without PostgreSQL: several worker loops, each with its own connection to
 * one in-memory database with coordination and its own fake executor, run one study. Claims,
 * leases, takeovers and completion, in milliseconds; the PostgreSQL end-to-end tests only have to
 * prove the database's part.
 */
import { describe, expect, it } from 'vitest';
import type { TrialOutcome, TrialTask } from '../../src/core/messages.js';
import type { TrialExecutor, TrialHandlers } from '../../src/pool/executor.js';
import type { StudySpec } from '../../src/space/spec.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { planFor } from '../../src/strategies/create.js';
import { storedCheckpoints } from '../../src/study/distributed-checkpoints.js';
import { type LeaseTiming, runDistributed } from '../../src/study/distributed.js';
import { makeSpec } from '../fixtures/spec.js';

const TIMING: LeaseTiming = { leaseMs: 200, renewMs: 50, pollMs: 5 };
const X = { name: 'x', dist: { kind: 'float' as const, low: 0, high: 1, log: false, grid: null } };

/** Trains by reporting one epoch per tick: `value` from the parameters and the epoch, unless told to hang. */
function fakeExecutor(
  slots: number,
  behave: (task: TrialTask, epoch: number) => 'hang' | number = (task, epoch) => (task.params.x as number) + 1 / epoch,
): TrialExecutor & { runs: TrialTask[] } {
  const runs: TrialTask[] = [];
  return {
    slots,
    kind: 'fake',
    runs,
    deviceOf: () => null,
    async run(task: TrialTask, _slot: number, handlers: TrialHandlers, signal?: AbortSignal): Promise<TrialOutcome> {
      runs.push(task);
      let metrics = {};
      for (let epoch = task.budget.from + 1; epoch <= task.budget.to; epoch++) {
        await new Promise((resolve) => setImmediate(resolve));
        const value = behave(task, epoch);
        if (value === 'hang')
          await new Promise((_, reject) =>
            signal?.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))),
          );
        if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        metrics = { val_loss: value as number, loss: value as number };
        if (!(await handlers.onEpoch({ type: 'epoch', epoch, metrics, durationMs: 1 }))) return outcome('stopped', metrics, epoch);
      }
      return outcome('completed', metrics, task.budget.to);
    },
    async close() {},
  };
}

function outcome(status: TrialOutcome['status'], metrics: Record<string, number>, epochs: number): TrialOutcome {
  return { status, metrics, epochs, durationMs: epochs, checkpointEpochs: null, tensorsAfter: 0, bytesAfter: 0, recycled: false };
}

async function runWorkers(spec: StudySpec, count: number, executorFor: (i: number) => TrialExecutor, stops: AbortSignal[] = []) {
  const base = new MemoryStorage({ coordination: true });
  const study = await base.createStudy(spec, 'cpu');
  const connections = Array.from({ length: count }, () => base.connect());
  const outcomes = await Promise.all(
    connections.map((storage, i) =>
      runDistributed({
        storage,
        coordination: storage.coordination!,
        study,
        executor: executorFor(i),
        backend: 'cpu',
        checkpoints: storedCheckpoints(storage.coordination!, study.id),
        timing: TIMING,
        stopSignal: stops[i],
      }),
    ),
  );
  return { outcomes, storage: base, study };
}

describe('the distributed loop over memory coordination', () => {
  it('three workers run a random study: every configuration exactly once, the study completed', async () => {
    const spec = makeSpec({ name: 'r', params: [X], trials: 30, maxEpochs: 2 });
    const executors = [0, 1, 2].map(() => fakeExecutor(1));
    const { outcomes, storage, study } = await runWorkers(spec, 3, (i) => executors[i]!);
    expect(outcomes.map((o) => o.status)).toEqual(['completed', 'completed', 'completed']);
    const trials = await storage.getTrials(study.id);
    expect(trials.map((t) => t.number)).toEqual([...Array(30).keys()]);
    expect(trials.every((t) => t.status === 'completed' && t.epochs === 2 && t.interruptions === 0 && t.value !== null)).toBe(true);
    expect(executors.flatMap((e) => e.runs.map((r) => r.trial)).sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
    // The work was shared.
    expect(executors.filter((e) => e.runs.length > 0).length).toBeGreaterThan(1);
    expect((await storage.getStudy('r'))!.status).toBe('completed');
  });

  it("asha on two workers: each promotion exactly once, every rung's epochs trained once", async () => {
    const spec = makeSpec({ name: 'a', params: [X], strategy: 'asha', trials: 27, maxEpochs: 9, minEpochs: 1, eta: 3 });
    const executors = [0, 1].map(() => fakeExecutor(2));
    const { storage, study } = await runWorkers(spec, 2, (i) => executors[i]!);
    const promotions = await storage.getPromotions(study.id);
    expect(new Set(promotions.map((p) => `${p.trial}:${p.rung}`)).size).toBe(promotions.length);
    expect(promotions.length).toBeGreaterThan(0);
    const rungs = planFor(spec).brackets[0]!.rungs;
    for (const trial of await storage.getTrials(study.id)) expect(trial.epochs).toBe(rungs[trial.rung!]!.epochs);
    const runs = executors.flatMap((e) => e.runs);
    expect(runs).toHaveLength(27 + promotions.length);
  });

  it('a worker that stops (it hangs, its leases are never renewed) has its job taken over once its lease expires', async () => {
    const spec = makeSpec({ name: 'k', params: [X], trials: 4, maxEpochs: 3 });
    const stuck = fakeExecutor(1, (task, epoch) => (task.trial === 0 && epoch === 2 ? 'hang' : (task.params.x as number)));
    const healthy = fakeExecutor(1);
    const base = new MemoryStorage({ coordination: true });
    const study = await base.createStudy(spec, 'cpu');
    const [a, b] = [base.connect(), base.connect()];
    const stop = new AbortController();
    const abort = new AbortController();
    // The stuck worker claims trial 0 first; its renewals are off (a lease far shorter than its renewal).
    const victim = runDistributed({
      storage: a,
      coordination: a.coordination!,
      study,
      executor: stuck,
      backend: 'cpu',
      checkpoints: storedCheckpoints(a.coordination!, study.id),
      timing: { leaseMs: 100, renewMs: 60_000, pollMs: 5 },
      stopSignal: stop.signal,
      abortSignal: abort.signal,
    });
    while ((await base.getTrials(study.id)).length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const survivor = await runDistributed({
      storage: b,
      coordination: b.coordination!,
      study,
      executor: healthy,
      backend: 'cpu',
      checkpoints: storedCheckpoints(b.coordination!, study.id),
      timing: TIMING,
    });
    expect(survivor.status).toBe('completed');
    const takeovers = await base.coordination!.getTakeovers(study.id);
    expect(takeovers.map((t) => t.trial)).toEqual([0]);
    expect((await base.getTrials(study.id)).map((t) => [t.number, t.status, t.epochs])).toEqual(
      [0, 1, 2, 3].map((n) => [n, 'completed', 3]),
    );
    stop.abort();
    abort.abort();
    // The victim's late writes are refused: its results are the new owner's.
    await victim;
    expect((await base.getTrials(study.id))[0]!.interruptions).toBe(1);
  });

  it('a graceful stop of every worker leaves the study interrupted, and resumable by any worker', async () => {
    const spec = makeSpec({ name: 's', params: [X], trials: 12, maxEpochs: 2 });
    const stops = [new AbortController(), new AbortController()];
    let epochs = 0;
    const executor = () =>
      fakeExecutor(1, (task, epoch) => {
        if (++epochs === 5) for (const s of stops) s.abort();
        return (task.params.x as number) + 1 / epoch;
      });
    const { outcomes, storage, study } = await runWorkers(
      spec,
      2,
      executor,
      stops.map((s) => s.signal),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['interrupted', 'interrupted']);
    expect((await storage.getStudy('s'))!.status).toBe('interrupted');
    const resumed = await runDistributed({
      storage,
      coordination: storage.coordination!,
      study,
      executor: fakeExecutor(2),
      backend: 'cpu',
      checkpoints: storedCheckpoints(storage.coordination!, study.id),
      timing: TIMING,
    });
    expect(resumed.status).toBe('completed');
    expect((await storage.getTrials(study.id)).every((t) => t.status === 'completed')).toBe(true);
  });
});
