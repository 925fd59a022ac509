/**
 * The loop of one worker process of a distributed study (PostgreSQL): keep the local executor's
 * slots busy by claiming jobs from storage (claims are decided in the database's transaction by
 * the same pure chooser as the local loop), run them with the same executor and epoch relay,
 * and report every epoch and outcome through writes that only the lease's holder may make. A
 * worker with free slots polls while other hosts run trials that may lead to promotions, and
 * leaves when the study is completed. Nothing is decided here that another worker could decide
 * differently: every decision is taken under the study's lock in storage.
 */
import os from 'node:os';
import { StorageError, firstLine } from '../errors.js';
import type { TrialExecutor } from '../pool/executor.js';
import type { EpochMessage, TrialOutcome, TrialTask } from '../core/messages.js';
import type { BackendName, Metrics } from '../core/types.js';
import { constantParams } from '../space/sample.js';
import { type Lease, LeaseLostError, type StudyCoordination } from '../storage/coordination.js';
import type { Storage, StudyRecord } from '../storage/storage.js';
import { createStrategy } from './search.js';
import { isMultiFidelity } from '../strategies/plan.js';
import type { CheckpointTransport } from './distributed-checkpoints.js';
import { type PlannedJob, type WorkerDecision, cachedStrategies, decideClaims } from './distributed-claim.js';
import type { DispatchControl } from './control.js';
import type { StudyEvents, TrialView } from './events.js';
import type { StudyHistory } from './history.js';
import type { StudyOutcome } from './run-study.js';
import { finiteOrNull, toScore } from '../core/scores.js';
import { alreadyDone, decideRunEnd } from './run-end.js';
import { halvedBatch, timeoutError } from './trial-errors.js';

/** How long a claimed job's lease lasts, how often it is renewed, and how often an idle worker asks again. */
export interface LeaseTiming {
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly pollMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { leaseMs: 30_000, renewMs: 10_000, pollMs: 500 };

export interface DistributedOptions {
  readonly storage: Storage;
  readonly coordination: StudyCoordination;
  readonly study: StudyRecord;
  readonly executor: TrialExecutor;
  readonly backend: BackendName;
  readonly checkpoints: CheckpointTransport;
  readonly timing: LeaseTiming;
  readonly stopSignal?: AbortSignal;
  readonly abortSignal?: AbortSignal;
  readonly control?: DispatchControl;
  readonly trialTimeoutMs?: number;
  readonly retries?: number;
  readonly oomRetry?: boolean;
  readonly events?: StudyEvents;
}

interface Running {
  readonly owner: string;
  readonly abort: AbortController;
  lost: boolean;
  /** Epochs reached: the last one reported in this run. */
  epochs: number;
  /** The metrics of that epoch, once this run reported one. */
  metrics: Metrics | null;
}

/**
 * Works on a study until it is completed, or until this worker is stopped (the study stays
 * `running` while other workers go on, and becomes `interrupted` when the last one leaves).
 * @throws {StorageError} when storage fails: this worker stops; its leases expire and others take its jobs over.
 */
export async function runDistributed(options: DistributedOptions): Promise<StudyOutcome> {
  const started = performance.now();
  const { storage, coordination, study, executor, events, checkpoints, timing } = options;
  const { spec } = study;
  const { metric } = spec.objective;
  const constants = constantParams(spec.params);
  const strategyOf = cachedStrategies(createStrategy);
  const request = {
    worker: `${os.hostname()}:${process.pid}`,
    leaseMs: timing.leaseMs,
    start: { backend: options.backend },
    deviceOf: (slot: number) => executor.deviceOf(slot),
    // Only multi-fidelity strategies look at the curves.
    curves: isMultiFidelity(spec.strategy),
  };
  const freeSlots = Array.from({ length: executor.slots }, (_, i) => i);
  const running = new Map<number, Running>();
  let history: StudyHistory | null = null;
  /** Trials the strategy stopped at an epoch (none of the built-in strategies does yet). */
  const pruned = new Set<number>();
  let bestSoFar: TrialView | null = null;
  let stopping = options.stopSignal?.aborted ?? false;
  let over = false;
  let fatal: unknown = null;
  let toldNoCheckpoint = false;
  let finished: () => void = () => undefined;
  let pumping = false;
  let again = false;
  let poll: NodeJS.Timeout | undefined;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const settle = () => {
    if (running.size === 0 && !pumping && (over || stopping || fatal !== null)) finished();
  };
  const fail = (error: unknown) => {
    fatal ??= error;
    stopping = true;
    for (const job of running.values()) job.abort.abort();
    settle();
  };
  /** This worker lost a job's lease: stop it here and write nothing more for it. */
  const lose = (number: number) => {
    const job = running.get(number);
    if (job === undefined || job.lost) return;
    job.lost = true;
    job.abort.abort();
    events?.onNotice?.(
      `trial ${number} was taken over by another worker (its lease expired): stopped here, its results are the new owner's`,
    );
  };
  const onWriteError = (number: number) => (error: unknown) => {
    if (error instanceof LeaseLostError) lose(number);
    else fail(error);
  };

  const onEpoch = (number: number, job: Running, message: EpochMessage): boolean => {
    const value = finiteOrNull(message.metrics[metric]);
    const epoch = { epoch: message.epoch, metrics: message.metrics, value, durationMs: message.durationMs };
    job.epochs = message.epoch;
    job.metrics = message.metrics;
    if (!job.lost) coordination.recordLeasedEpoch(study.id, number, job.owner, epoch).catch(onWriteError(number));
    events?.onEpoch?.({ trial: number, ...epoch });
    const score = toScore(message.metrics[metric], spec.objective.direction);
    const decision = strategyOf(spec).tell({ trial: number, epoch: message.epoch, score }, history?.snapshots ?? []);
    if (decision.kind === 'stop') pruned.add(number);
    return !stopping && !job.lost && decision.kind === 'continue';
  };

  /**
   * Records how a run ended, through the lease; resolves to the trial as it ended, or null when
   * the lease was lost. `outcome` undefined: the job had nothing left to run.
   */
  const record = async (
    planned: PlannedJob,
    job: Running,
    outcome: TrialOutcome | null | undefined,
    error: unknown,
  ): Promise<TrialView | null> => {
    const { view } = planned;
    const number = planned.job.number;
    if (job.lost) return null;
    const end =
      outcome === undefined
        ? { kind: 'finish' as const, info: alreadyDone(job.metrics, job.epochs, spec.maxEpochs, metric) }
        : decideRunEnd({
            outcome,
            error,
            budget: planned.job.budget,
            reported: { epochs: job.epochs, metrics: job.metrics },
            maxEpochs: spec.maxEpochs,
            metric,
            pruned: pruned.has(number),
          });
    if (end.kind === 'requeue') {
      const checkpoint = end.checkpointEpochs === null ? null : await checkpoints.upload(number, end.checkpointEpochs);
      const kept = await coordination.requeueLeased(study.id, number, job.owner, { checkpoint, durationMs: end.durationMs });
      await checkpoints.discard(number, kept === 0 ? null : kept);
      return { ...view, status: 'queued', epochs: kept, durationMs: end.durationMs ?? view.durationMs };
    }
    const { info } = end;
    const ended: TrialView = {
      ...view,
      status: info.status,
      value: info.value,
      epochs: info.epochs,
      durationMs: info.durationMs ?? view.durationMs,
      error: info.error,
    };
    const smaller = options.oomRetry && ended.status === 'failed' ? halvedBatch(ended, constants) : null;
    const retry = smaller !== null || (ended.status === 'failed' && ended.retries < (options.retries ?? 0));
    const checkpoint =
      ended.status === 'paused' && outcome?.checkpointEpochs != null ? await checkpoints.upload(number, outcome.checkpointEpochs) : null;
    const summary = await coordination.finishLeased(study.id, number, job.owner, {
      info,
      checkpoint,
      retry: retry ? { seed: planned.seed, ...(smaller === null ? {} : { params: smaller }) } : null,
    });
    await checkpoints.discard(number, ended.status === 'paused' ? ended.epochs : null);
    if (smaller !== null) {
      events?.onNotice?.(
        `trial ${number} ran out of memory at batch_size ${String(ended.params.batch_size)}: it runs again at ${String(smaller.batch_size)}`,
      );
    }
    if (retry) return { ...ended, params: smaller ?? ended.params, status: 'queued', epochs: 0, value: null, retries: ended.retries + 1 };
    bestSoFar = summary.best === null ? null : { ...ended, number: summary.best.number, value: summary.best.value, status: 'completed' };
    return ended;
  };

  const execute = async (planned: PlannedJob, lease: Lease): Promise<void> => {
    const { job: claimed, slot, view } = planned;
    const number = claimed.number;
    const job: Running = { owner: lease.owner, abort: new AbortController(), lost: false, epochs: claimed.budget.from, metrics: null };
    running.set(number, job);
    events?.onTrialStart?.(view);
    const onStudyAbort = () => job.abort.abort(options.abortSignal?.reason);
    if (options.abortSignal?.aborted) onStudyAbort();
    options.abortSignal?.addEventListener('abort', onStudyAbort);
    let timedOut = false;
    const timer =
      options.trialTimeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            job.abort.abort();
          }, options.trialTimeoutMs);
    try {
      await run();
    } catch (error) {
      fail(error);
    } finally {
      clearTimeout(timer);
      options.abortSignal?.removeEventListener('abort', onStudyAbort);
      running.delete(number);
      freeSlots.push(slot);
      freeSlots.sort((a, b) => a - b);
      void pump();
    }

    async function run(): Promise<void> {
      if (claimed.budget.from >= claimed.budget.to) {
        // Its reported epochs reach its target already (interrupted after its last report): it
        // ends as its last epoch left it, without running.
        job.metrics = (await storage.getEpochs(study.id, number)).at(-1)?.metrics ?? null;
        const ended = await record(planned, job, undefined, null).catch((caught: unknown) => {
          onWriteError(number)(caught);
          return null;
        });
        if (ended !== null) events?.onTrialEnd?.(ended, bestSoFar);
        return;
      }
      if (claimed.budget.from > 0 && !(await checkpoints.fetch(number, claimed.budget.from)) && !toldNoCheckpoint) {
        toldNoCheckpoint = true;
        events?.onNotice?.(
          `trial ${number} has no checkpoint after epoch ${claimed.budget.from}, so it is trained again from the start; ` +
            'an objective continues instead when it saves one with trial.checkpoint.save(state) at the end of each run',
        );
      }
      const task: TrialTask = {
        study: spec.name,
        trial: number,
        seed: planned.seed,
        params: { ...constants, ...claimed.params },
        budget: claimed.budget,
        maxEpochs: spec.maxEpochs,
        task: spec.task,
        metric,
        backend: options.backend,
        checkpointDir: checkpoints.dir,
      };
      let outcome: TrialOutcome | null = null;
      let error: unknown = null;
      try {
        outcome = await executor.run(task, slot, { onEpoch: (message) => onEpoch(number, job, message) }, job.abort.signal);
      } catch (caught) {
        error = timedOut ? timeoutError(options.trialTimeoutMs!) : caught;
      }
      const ended = await record(planned, job, outcome, error).catch((caught: unknown) => {
        onWriteError(number)(caught);
        return null;
      });
      if (ended !== null) events?.onTrialEnd?.(ended, bestSoFar);
    }
  };

  const pump = async (): Promise<void> => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    clearTimeout(poll);
    try {
      do {
        again = false;
        if (stopping || over || fatal !== null || (options.control?.paused ?? false) || freeSlots.length === 0) break;
        const slots = [...freeSlots];
        const result = await coordination.claimJobs(study.id, request, (state) => decideClaims(state, slots, strategyOf));
        const decision: WorkerDecision = result.decision;
        history = decision.history;
        for (const takeover of result.takeovers) {
          events?.onNotice?.(
            `trial ${takeover.trial} was taken over from ${takeover.owner} (its lease expired): it continues from epoch ${takeover.keptEpochs}`,
          );
          await checkpoints.discard(takeover.trial, takeover.keptEpochs === 0 ? null : takeover.keptEpochs);
        }
        for (const view of decision.dropped) {
          events?.onTrialPruned?.(view);
          await checkpoints.discard(view.number, null);
        }
        if (decision.done) {
          over = true;
          break;
        }
        if (stopping) {
          // Stopped while claiming: hand the jobs straight back.
          for (const [i, planned] of decision.jobs.entries())
            await coordination.requeueLeased(study.id, planned.job.number, result.leases[i]!.owner, {});
          break;
        }
        decision.jobs.forEach((planned, i) => {
          freeSlots.splice(freeSlots.indexOf(planned.slot), 1);
          void execute(planned, result.leases[i]!);
        });
        // Slots left idle ask again soon: other hosts' results may make promotions possible.
        clearTimeout(poll);
        if (freeSlots.length > 0) poll = setTimeout(() => void pump(), timing.pollMs);
      } while (again);
    } catch (error) {
      fail(error);
    } finally {
      pumping = false;
      settle();
    }
  };

  const renewal = setInterval(() => {
    const held = [...running].filter(([, job]) => !job.lost).map(([trial, job]) => ({ trial, owner: job.owner }));
    coordination.renewLeases(study.id, held, timing.leaseMs).then((lost) => lost.forEach(lose), fail);
  }, timing.renewMs);
  const onStop = () => {
    stopping = true;
    clearTimeout(poll);
    settle();
  };
  options.stopSignal?.addEventListener('abort', onStop);
  const unsubscribe = options.control?.onChange(() => void pump());
  try {
    await pump();
    await allDone;
  } finally {
    clearInterval(renewal);
    clearTimeout(poll);
    options.stopSignal?.removeEventListener('abort', onStop);
    unsubscribe?.();
  }
  if (fatal !== null) {
    throw fatal instanceof StorageError
      ? fatal
      : new StorageError(`storage failed while the study ran: ${firstLine(fatal)}`, { cause: fatal });
  }
  if (!over) await coordination.leaveStudy(study.id);
  return { status: over ? 'completed' : 'interrupted', trials: await storage.getTrials(study.id), elapsedMs: performance.now() - started };
}
