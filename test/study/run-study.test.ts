/**
 * The orchestrator loop with tiny in-process fake executors: no TF.js, no workers. Each fake
 * trial reports a scripted curve, so every outcome (completed, diverged, failed, stopped,
 * aborted, pruned) can be produced on purpose.
 */
import { describe, expect, it } from 'vitest';
import type { TrialExecutor, TrialHandlers } from '../../src/pool/executor.js';
import type { TrialOutcome, TrialTask } from '../../src/core/messages.js';
import type { StudySpec } from '../../src/space/spec.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import { createStrategy } from '../../src/study/search.js';
import type { Strategy } from '../../src/strategies/types.js';
import { DispatchControl } from '../../src/study/control.js';
import { type StudyOutcome, runStudy } from '../../src/study/run-study.js';
import type { TrialView } from '../../src/study/events.js';
import { makeSpec } from '../fixtures/spec.js';

type Script = (task: TrialTask, epoch: number) => number | 'throw' | 'hang';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs each trial in-process: one epoch per tick, reporting `val_loss` from `script`
 * (`'throw'` makes the trial throw, `'hang'` never returns until aborted).
 */
function fakeExecutor(
  slots: number,
  script: Script,
  log: { concurrent: number; maxConcurrent: number; slotsSeen: number[] },
  ticks: (task: TrialTask, epoch: number) => number = () => 1,
): TrialExecutor {
  return {
    slots,
    kind: 'fake',
    deviceOf: () => null,
    async run(task: TrialTask, slot: number, handlers: TrialHandlers, signal?: AbortSignal): Promise<TrialOutcome> {
      log.concurrent++;
      log.maxConcurrent = Math.max(log.maxConcurrent, log.concurrent);
      log.slotsSeen.push(slot);
      try {
        let metrics = {};
        for (let epoch = task.budget.from + 1; epoch <= task.budget.to; epoch++) {
          for (let i = ticks(task, epoch); i > 0; i--) await tick();
          if (signal?.aborted) throw Object.assign(new Error('The task has been aborted'), { name: 'AbortError' });
          const value = script(task, epoch);
          if (value === 'throw') throw new Error(`boom in trial ${task.trial}`);
          if (value === 'hang') {
            await new Promise((_, reject) => {
              const abort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
              if (signal?.aborted) abort();
              signal?.addEventListener('abort', abort);
            });
          }
          metrics = { val_loss: value as number, loss: value as number };
          const proceed = await handlers.onEpoch({ type: 'epoch', epoch, metrics, durationMs: 1 });
          if (!Number.isFinite(value)) return outcome('diverged', metrics, epoch, null);
          if (!proceed) return outcome('stopped', metrics, epoch, epoch);
        }
        return outcome('completed', metrics, task.budget.to, null);
      } finally {
        log.concurrent--;
      }
    },
    async close() {},
  };
}

function outcome(
  status: TrialOutcome['status'],
  metrics: Record<string, number>,
  epochs: number,
  checkpointEpochs: number | null,
): TrialOutcome {
  return { status, metrics, epochs, durationMs: epochs, checkpointEpochs, tensorsAfter: 0, bytesAfter: 0, recycled: false };
}

const SPEC: StudySpec = makeSpec({
  trials: 6,
  maxEpochs: 3,
  params: [{ name: 'learning_rate', dist: { kind: 'float', low: 1e-3, high: 1, log: true, grid: null } }],
});

async function run(
  script: Script,
  options: {
    spec?: StudySpec;
    slots?: number;
    strategy?: Strategy;
    storage?: MemoryStorage;
    stop?: AbortSignal;
    abort?: AbortSignal;
    ends?: TrialView[];
    /** Ticks each epoch of a trial takes (default 1). */
    ticks?: (task: TrialTask, epoch: number) => number;
  } = {},
) {
  const spec = options.spec ?? SPEC;
  const storage = options.storage ?? new MemoryStorage();
  const study = (await storage.getStudy(spec.name)) ?? (await storage.createStudy(spec, 'cpu'));
  const log = { concurrent: 0, maxConcurrent: 0, slotsSeen: [] as number[] };
  const result: StudyOutcome = await runStudy({
    storage,
    study,
    strategy: options.strategy ?? createStrategy(spec),
    executor: fakeExecutor(options.slots ?? 2, script, log, options.ticks),
    backend: 'cpu',
    checkpointDir: null,
    stopSignal: options.stop,
    abortSignal: options.abort,
    events: { onTrialEnd: (trial) => options.ends?.push(trial) },
  });
  return { result, storage, study, log };
}

describe('runStudy', () => {
  it('runs every trial the strategy asks for, never more at once than there are slots', async () => {
    const { result, storage, study, log } = await run((task, epoch) => task.trial + 1 / epoch);
    expect(result.status).toBe('completed');
    expect(result.trials.map((t) => [t.number, t.status, t.epochs, t.value])).toEqual(
      [0, 1, 2, 3, 4, 5].map((n) => [n, 'completed', 3, n + 1 / 3]),
    );
    expect(log.maxConcurrent).toBe(2);
    expect(new Set(log.slotsSeen)).toEqual(new Set([0, 1]));
    expect(await storage.getEpochs(study.id)).toHaveLength(18);
    expect((await storage.getStudy(SPEC.name))?.status).toBe('completed');
  });

  it('gives each trial its seed and the study constants merged into its parameters', async () => {
    const spec = makeSpec({ ...SPEC, params: [...SPEC.params, { name: 'hidden', dist: { kind: 'constant', value: [8] } }] });
    const tasks: TrialTask[] = [];
    await run((task) => (tasks.push(task), 1), { spec });
    const first = tasks.find((t) => t.trial === 0)!;
    expect(first.params.hidden).toEqual([8]);
    expect(typeof first.params.learning_rate).toBe('number');
    expect(new Set(tasks.map((t) => t.seed)).size).toBe(6);
  });

  it('records a throwing trial as failed with its error, and goes on', async () => {
    const { result } = await run((task) => (task.trial === 2 ? 'throw' : 0.5));
    expect(result.status).toBe('completed');
    const failed = result.trials.find((t) => t.number === 2)!;
    expect(failed.status).toBe('failed');
    // The reason, then the first lines of the stack.
    const lines = failed.error!.split('\n');
    expect(lines[0]).toBe('Error: boom in trial 2');
    expect(lines[1]).toMatch(/^ {4}at .*run-study\.test\.ts/);
    expect(lines.length).toBeLessThanOrEqual(8);
    expect(result.trials.filter((t) => t.status === 'completed')).toHaveLength(5);
  });

  it('records a NaN loss as diverged with no value', async () => {
    const { result, storage, study } = await run((task, epoch) => (task.trial === 1 && epoch === 2 ? NaN : 0.5));
    const diverged = result.trials.find((t) => t.number === 1)!;
    expect([diverged.status, diverged.value, diverged.epochs]).toEqual(['diverged', null, 2]);
    expect((await storage.getEpochs(study.id, 1)).map((e) => e.value)).toEqual([0.5, null]);
  });

  it('marks trials the strategy stops as pruned', async () => {
    const base = createStrategy(SPEC);
    const strategy: Strategy = {
      ...base,
      ask: (h) => base.ask(h),
      tell: (report) => (report.trial === 0 && report.epoch === 1 ? { kind: 'stop', reason: 'pruned' } : { kind: 'continue' }),
    };
    const { result } = await run(() => 0.5, { strategy });
    expect(result.trials.map((t) => [t.status, t.epochs])[0]).toEqual(['pruned', 1]);
  });

  it('on a graceful stop starts nothing new, re-queues the running trials after their epoch, and is interrupted', async () => {
    const stop = new AbortController();
    const ends: TrialView[] = [];
    const { result } = await run(
      (task, epoch) => {
        if (task.trial === 2 && epoch === 2) stop.abort();
        return 0.5;
      },
      { stop: stop.signal, ends },
    );
    expect(result.status).toBe('interrupted');
    expect(result.trials.map((t) => [t.number, t.status, t.interruptions])).toEqual([
      [0, 'completed', 0],
      [1, 'completed', 0],
      [2, 'queued', 1],
      [3, 'queued', 1],
    ]);
    // Trials 2 and 3 run side by side; both finish the epoch in which the stop came.
    expect(ends.filter((t) => t.status === 'queued').map((t) => [t.number, t.epochs])).toEqual([
      [2, 2],
      [3, 2],
    ]);
  });

  it('on a hard stop aborts running trials and re-queues them from the start', async () => {
    const abort = new AbortController();
    const stop = new AbortController();
    const { result } = await run(
      (task) => {
        if (task.trial === 1) {
          stop.abort();
          abort.abort();
          return 'hang';
        }
        return 0.5;
      },
      { stop: stop.signal, abort: abort.signal },
    );
    expect(result.status).toBe('interrupted');
    const requeued = result.trials.filter((t) => t.status === 'queued');
    expect(requeued.map((t) => [t.number, t.epochs])).toEqual([
      [0, 0],
      [1, 0],
    ]);
  });

  it('resumes: queued and left-running trials run first, then the strategy continues where it was', async () => {
    const storage = new MemoryStorage();
    const stop = new AbortController();
    await run(
      (task, epoch) => {
        if (task.trial === 1 && epoch === 1) stop.abort();
        return task.trial;
      },
      { storage, stop: stop.signal },
    );
    const study = (await storage.getStudy(SPEC.name))!;
    // A crash after this point would leave a trial running: simulate it.
    await storage.startTrial(study.id, 0 + (await storage.getTrials(study.id)).find((t) => t.status === 'queued')!.number, {
      worker: 0,
      host: 'h',
      backend: 'cpu',
    });
    const { result } = await run((task) => task.trial, { storage });
    expect(result.status).toBe('completed');
    expect(result.trials.map((t) => [t.number, t.status, t.value])).toEqual([0, 1, 2, 3, 4, 5].map((n) => [n, 'completed', n]));
    // Same configurations as a study that was never interrupted.
    const { result: straight } = await run((task) => task.trial);
    expect(result.trials.map((t) => t.params)).toEqual(straight.trials.map((t) => t.params));
  });

  it("a graceful stop in a trial's last epoch completes it: it is not queued again", async () => {
    const stop = new AbortController();
    const ends: TrialView[] = [];
    const { result } = await run(
      (task, epoch) => {
        if (task.trial === 1 && epoch === 3) stop.abort();
        return task.trial + 1 / epoch;
      },
      { stop: stop.signal, ends, slots: 1 },
    );
    expect(result.status).toBe('interrupted');
    expect(result.trials.map((t) => [t.number, t.status, t.epochs, t.value, t.interruptions])).toEqual([
      [0, 'completed', 3, 1 / 3, 0],
      [1, 'completed', 3, 1 + 1 / 3, 0],
    ]);
    expect(ends.filter((t) => t.status === 'queued')).toEqual([]);
  });

  it("a hard stop after a trial's last report completes it from that report", async () => {
    const abort = new AbortController();
    const stop = new AbortController();
    const storage = new MemoryStorage();
    const study = await storage.createStudy(SPEC, 'cpu');
    // Trial 0 reports its last epoch, then hangs until the hard stop.
    const executor: TrialExecutor = {
      slots: 1,
      kind: 'fake',
      deviceOf: () => null,
      async run(task, _slot, handlers, signal) {
        for (let epoch = 1; epoch <= 3; epoch++)
          await handlers.onEpoch({ type: 'epoch', epoch, metrics: { val_loss: 0.25 * epoch, loss: 0.1 }, durationMs: 1 });
        stop.abort();
        abort.abort();
        await tick();
        if (signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        return outcome('completed', {}, task.budget.to, null);
      },
      async close() {},
    };
    const result = await runStudy({
      storage,
      study,
      strategy: createStrategy(SPEC),
      executor,
      backend: 'cpu',
      checkpointDir: null,
      stopSignal: stop.signal,
      abortSignal: abort.signal,
    });
    expect(result.trials.map((t) => [t.number, t.status, t.epochs, t.value, t.metrics])).toEqual([
      [0, 'completed', 3, 0.75, { val_loss: 0.75, loss: 0.1 }],
    ]);
  });

  it('a trial left running (a crash) or queued with its epochs at its target is finished from its last epoch, without running', async () => {
    const storage = new MemoryStorage();
    const study = await storage.createStudy(SPEC, 'cpu');
    for (const number of [0, 1]) {
      await storage.addTrial(study.id, { number, params: { learning_rate: 0.01 * (number + 1) }, seed: number, targetEpochs: 3 });
      await storage.startTrial(study.id, number, { worker: 0, host: 'h', backend: 'cpu' });
      for (let epoch = 1; epoch <= 3; epoch++)
        await storage.recordEpoch(study.id, number, {
          epoch,
          metrics: { val_loss: number + epoch, loss: 0.5 },
          value: number + epoch,
          durationMs: 1,
        });
    }
    // Trial 1 was put back in the queue with all its epochs (as an earlier version did).
    await storage.requeueTrial(study.id, 1, 3);
    const tasks: TrialTask[] = [];
    const { result } = await run((task) => (tasks.push(task), 0.5), { storage });
    expect(result.status).toBe('completed');
    expect(result.trials.slice(0, 2).map((t) => [t.number, t.status, t.epochs, t.value])).toEqual([
      [0, 'completed', 3, 3],
      [1, 'completed', 3, 4],
    ]);
    expect(tasks.map((t) => t.trial)).not.toContain(0);
    expect(tasks.map((t) => t.trial)).not.toContain(1);
    expect(result.trials).toHaveLength(6);
  });

  it('stops and marks the study failed when storage fails', async () => {
    const storage = new MemoryStorage();
    const original = storage.recordEpoch.bind(storage);
    storage.recordEpoch = (studyId, number, epoch) =>
      number === 1 ? Promise.reject(new Error('disk full')) : original(studyId, number, epoch);
    await expect(run(() => 0.5, { storage })).rejects.toThrow('storage failed while the study ran: disk full');
    expect((await storage.getStudy(SPEC.name))?.status).toBe('failed');
  });
});

describe('runStudy with a dispatch control', () => {
  it('starts nothing while paused, waits instead of ending, and goes on when resumed', async () => {
    const control = new DispatchControl();
    const storage = new MemoryStorage();
    const study = await storage.createStudy(SPEC, 'cpu');
    const log = { concurrent: 0, maxConcurrent: 0, slotsSeen: [] as number[] };
    let started = 0;
    const executor = fakeExecutor(
      2,
      (task, epoch) => {
        if (task.trial === 1 && epoch === 1) control.pause();
        return 0.5;
      },
      log,
    );
    const done = runStudy({
      storage,
      study,
      strategy: createStrategy(SPEC),
      executor,
      backend: 'cpu',
      checkpointDir: null,
      control,
      events: { onTrialStart: () => started++ },
    });
    // Trials 0 and 1 run; the pause comes during trial 1, so nothing else starts.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started).toBe(2);
    expect((await storage.getTrials(study.id)).map((t) => t.status)).toEqual(['completed', 'completed']);
    control.resume();
    const result = await done;
    expect(result.status).toBe('completed');
    expect(result.trials).toHaveLength(6);
  });
});

describe('runStudy with a pruner', () => {
  /** Trial t reports base[t] + 1/epoch (val_loss, minimized). */
  const BASE = [1, 5, 2, 9, 0.5, 7, 3, 8];
  /** Trial 6 falls behind at its second epoch only. */
  const SIX = [2.4, 2.3, 2.2];
  const curve: Script = (task, epoch) => (task.trial === 6 ? SIX[epoch - 1]! : BASE[task.trial]! + 1 / epoch);
  const median = (lag: number, parallel: 'reproducible' | 'fast' = 'reproducible'): StudySpec =>
    makeSpec({
      ...SPEC,
      trials: BASE.length,
      pruner: { name: 'median', percentile: 50, startupTrials: 2, warmupEpochs: 0, interval: 1, parallel, lag },
    });
  const outcomes = (result: StudyOutcome) => result.trials.map((t) => [t.number, t.status, t.epochs]);
  /**
   * Worked out by hand: a trial is pruned after an epoch (its last excepted) where its best value
   * so far is worse than the median of the values the completed trials before it had at that
   * epoch, once two have completed.
   */
  const ONE_BY_ONE = [
    [0, 'completed', 3],
    [1, 'completed', 3], // one completed trial only
    [2, 'completed', 3], // 3 against the median 4 of [2, 6]; then 2.5 against 3.5
    [3, 'pruned', 1], // 10 against 3 of [2, 6, 3]
    [4, 'completed', 3], // 1.5 against 3; then 1 against 2.5
    [5, 'pruned', 1], // 8 against 2.5 of [2, 6, 3, 1.5]: trial 3, pruned, does not count
    [6, 'pruned', 2], // 2.4 against 2.5 goes on; then 2.3 against 2 of [1.5, 5.5, 2.5, 1]
    [7, 'pruned', 1],
  ];

  it('stops a trial that falls behind the median at an epoch, and keeps its curve', async () => {
    const { result, storage, study } = await run(curve, { spec: median(0), slots: 1 });
    expect(result.status).toBe('completed');
    expect(outcomes(result)).toEqual(ONE_BY_ONE);
    expect((await storage.getEpochs(study.id, 6)).map((e) => e.value)).toEqual([2.4, 2.3]);
    expect(result.trials.find((t) => t.number === 6)!.value).toBe(2.3);
  });

  it('decides the same whatever the timing: a decision waits for the earlier trials it sees', async () => {
    // lag 1 with two slots: trial n sees trials 0 … n − 2. Trial 0 is slow, so trials 2 and 3
    // reach their epochs before it; they wait for it instead of deciding on less.
    const fast = await run(curve, { spec: median(1), slots: 2 });
    const slowFirst = await run(curve, { spec: median(1), slots: 2, ticks: (task) => (task.trial === 0 ? 25 : 1) });
    const slowLater = await run(curve, { spec: median(1), slots: 2, ticks: (task) => (task.trial === 5 ? 25 : 1) });
    expect(outcomes(slowFirst.result)).toEqual(outcomes(fast.result));
    expect(outcomes(slowLater.result)).toEqual(outcomes(fast.result));
    // Trial 3 sees trials 0 and 1 only: 10 against the median 4 of [2, 6].
    expect(outcomes(fast.result)[3]).toEqual([3, 'pruned', 1]);
  });

  it('fast mode decides on what has arrived: a slow earlier trial is not waited for', async () => {
    const slow = await run(curve, { spec: median(1, 'fast'), slots: 2, ticks: (task) => (task.trial === 0 ? 25 : 1) });
    // Trial 2 reaches its epochs before trial 0 completes and sees only trial 1 (one completed, under startup 2).
    expect(outcomes(slow.result)[2]).toEqual([2, 'completed', 3]);
    // Trial 3 sees trials 1 and 2 completed (fast mode sees every trial), not trial 0 yet: 10 against the median 4.5 of [6, 3].
    expect(outcomes(slow.result)[3]).toEqual([3, 'pruned', 1]);
  });

  it('with the TPE sampler: the same proposals and decisions whatever the timing', async () => {
    const spec = makeSpec({
      ...median(1),
      trials: 16,
      sampler: { name: 'tpe', startupTrials: 4, candidates: 24, multivariate: false, randomFraction: 0, parallel: 'reproducible', lag: 1 },
    });
    // A loss that follows the learning rate: best near 0.03.
    const byRate: Script = (task, epoch) => Math.abs(Math.log10(task.params.learning_rate as number) + 1.5) + 1 / epoch;
    const shape = (result: StudyOutcome) => result.trials.map((t) => [t.number, t.params.learning_rate, t.status, t.epochs]);
    const even = await run(byRate, { spec, slots: 2 });
    const uneven = await run(byRate, { spec, slots: 2, ticks: (task) => 1 + ((task.trial * 7) % 5) * 4 });
    expect(shape(uneven.result)).toEqual(shape(even.result));
    expect(even.result.trials.filter((t) => t.status === 'pruned').length).toBeGreaterThan(0);
    // Trial n sees trials below n − 1: from trial 5 on, 4 startup trials are seen and the model proposes.
    expect(even.result.trials.filter((t) => t.proposedBy === 'model').map((t) => t.number)).toEqual([
      5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ]);
  });

  it('after a stop and a resume decides exactly as a run straight through', async () => {
    const storage = new MemoryStorage();
    const stop = new AbortController();
    const ends: TrialView[] = [];
    const spec = median(1);
    await run(
      (task, epoch) => {
        if (task.trial === 4 && epoch === 2) stop.abort();
        return curve(task, epoch);
      },
      { spec, slots: 2, storage, stop: stop.signal, ends },
    );
    expect((await storage.getStudy(spec.name))!.status).toBe('interrupted');
    const resumed = await run(curve, { spec, slots: 2, storage });
    const straight = await run(curve, { spec, slots: 2 });
    expect(outcomes(resumed.result)).toEqual(outcomes(straight.result));
  });
});
