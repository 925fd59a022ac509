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
import type { EpochMessage } from '../core/messages.js';
import { finiteOrNull, toScore } from '../core/scores.js';
import type { Metrics } from '../core/types.js';
import { StorageError, firstLine } from '../errors.js';
import { constantParams } from '../space/sample.js';
import {
  type ClaimFinish,
  type FinishSummary,
  type Lease,
  LeaseLostError,
  type StudyCoordination,
  finishesInClaim,
} from '../storage/coordination.js';
import { keptCheckpoint } from '../storage/rules.js';
import { trainsInRungs } from '../strategies/plan.js';
import { type EpochView, createPruner } from '../pruners/pruner.js';
import type { CheckpointTransport } from './distributed-checkpoints.js';
import { ClaimTracker, type PlannedJob, type WorkerDecision, cachedStrategies, decideClaims } from './distributed-claim.js';
import type { TrialView } from './events.js';
import type { StudyHistory } from './history.js';
import type { StudyOutcome } from './run-study.js';
import { chooseJob } from './next-job.js';
import { createStrategy } from './search.js';
import {
  type LoopOptions,
  type Settlement,
  alreadyDone,
  prunedBeforeRun,
  decideRunEnd,
  noCheckpointNotice,
  runTask,
  settleRun,
  taskFor,
} from './trial-run.js';
import { WriteTracker } from './writes.js';

/** How long a claimed job's lease lasts, how often it is renewed, and how often an idle worker asks again. */
export interface LeaseTiming {
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly pollMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = { leaseMs: 30_000, renewMs: 10_000, pollMs: 500 };

export interface DistributedOptions extends LoopOptions {
  readonly coordination: StudyCoordination;
  readonly checkpoints: CheckpointTransport;
  readonly timing: LeaseTiming;
}

interface Running {
  readonly owner: string;
  readonly abort: AbortController;
  lost: boolean;
  /** Epochs reached: the last one reported in this run. */
  epochs: number;
  /** The metrics of that epoch, once this run reported one. */
  metrics: Metrics | null;
  /** The trial's score after each epoch (`curve[e - 1]`), for its pruner. */
  curve: (number | null)[];
}

/** A run's end waiting for the next claim, which writes it in its transaction. */
interface PendingFinish {
  readonly finish: ClaimFinish;
  /** The trial as it ended. */
  readonly ended: TrialView;
  readonly resolve: (summary: FinishSummary | null) => void;
  readonly reject: (error: unknown) => void;
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
  const tracker = new ClaimTracker();
  const pruner = createPruner(spec.pruner ?? { name: 'none' });
  const request = {
    worker: `${os.hostname()}:${process.pid}`,
    leaseMs: timing.leaseMs,
    start: { backend: options.backend, host: os.hostname(), process: String(process.pid) },
    deviceOf: (slot: number) => executor.deviceOf(slot),
    // Only the strategies that train in rungs look at the curves.
    curves: trainsInRungs(spec.strategy),
    feed: tracker.feed,
  };
  const freeSlots = Array.from({ length: executor.slots }, (_, i) => i);
  const running = new Map<number, Running>();
  /** Runs that ended, written by the next claim (their slots are free already). */
  const pendingFinishes: PendingFinish[] = [];
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
    for (const pending of pendingFinishes.splice(0)) pending.reject(error);
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
  // Epoch writes are not awaited on the hot path; the worker waits for all of them before it ends.
  const writes = new WriteTracker(fail);

  const onEpoch = (number: number, job: Running, message: EpochMessage): boolean | Promise<boolean> => {
    const value = finiteOrNull(message.metrics[metric]);
    const epoch = { epoch: message.epoch, metrics: message.metrics, value, durationMs: message.durationMs };
    job.epochs = message.epoch;
    job.metrics = message.metrics;
    const score = toScore(message.metrics[metric], spec.objective.direction);
    job.curve[message.epoch - 1] = score;
    if (!job.lost) writes.track(coordination.recordLeasedEpoch(study.id, number, job.owner, epoch), onWriteError(number));
    events?.onEpoch?.({ trial: number, ...epoch });
    const decision = strategyOf(spec).tell({ trial: number, epoch: message.epoch, score }, history?.snapshots ?? []);
    if (decision.kind === 'stop') pruned.add(number);
    if (stopping || job.lost || decision.kind !== 'continue') return false;
    // A trial that trained its whole budget completes: stopping it there would save nothing.
    if (pruner === null || message.epoch >= spec.maxEpochs) return true;
    // Decided from storage, where the trials of other workers are.
    return prunerDecision(number, job, message.epoch);
  };

  /**
   * A continued run of a study with a pruner first takes the decision after its last reported
   * epoch, which an interruption may have cut short: pruned there, or (the worker stopping)
   * back to the queue, without running; null to run.
   */
  const decideBeforeRun = async (number: number, job: Running, from: number): Promise<Settlement | null> => {
    if (pruner === null || from === 0) return null;
    const epochs = await storage.getEpochs(study.id, number);
    for (const row of epochs) job.curve[row.epoch - 1] = toScore(row.value, spec.objective.direction);
    if (await prunerDecision(number, job, from)) return null;
    if (pruned.has(number)) return { kind: 'finish', info: prunedBeforeRun(epochs.at(-1)?.metrics ?? null, from, metric) };
    // Its checkpoint stays the one storage has, after `from` epochs.
    return { kind: 'requeue', checkpointEpochs: null, durationMs: null };
  };

  /** Whether a trial goes on after `epoch` by the pruner, polling storage while the decision waits. */
  const prunerDecision = async (number: number, job: Running, epoch: number): Promise<boolean> => {
    const curve = Array.from({ length: epoch }, (_, i) => job.curve[i] ?? null);
    for (;;) {
      if (stopping || job.lost) return false;
      let view: EpochView = { scores: [], completed: 0, running: 0 };
      if (pruner!.checks(epoch)) {
        const seen = await storage.epochValues(study.id, epoch, pruner!.seenBelow(number), number);
        view = { ...seen, scores: seen.values.map((v) => toScore(v, spec.objective.direction)) };
      }
      const decision = pruner!.decide(curve, epoch, view);
      if (decision === 'continue') return true;
      if (decision === 'prune') {
        pruned.add(number);
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, timing.pollMs));
    }
  };

  /**
   * Records how a run settled, through the lease; resolves to the trial as it ended, or null when
   * the lease was lost. A run's end with nothing to upload waits for the next claim, which writes
   * it in its own transaction: `release` frees the run's slot for that claim.
   */
  const record = async (
    planned: PlannedJob,
    job: Running,
    settlement: Settlement,
    checkpointEpochs: number | null,
    release: () => void,
  ): Promise<TrialView | null> => {
    const { view } = planned;
    const number = planned.job.number;
    if (job.lost) return null;
    if (settlement.kind === 'requeue') {
      const checkpoint = settlement.checkpointEpochs === null ? null : await checkpoints.upload(number, settlement.checkpointEpochs);
      const kept = await coordination.requeueLeased(study.id, number, job.owner, { checkpoint, durationMs: settlement.durationMs });
      await checkpoints.discard(number, kept === 0 ? null : kept);
      return { ...view, status: 'queued', epochs: kept, durationMs: settlement.durationMs ?? view.durationMs };
    }
    const info = settlement.kind === 'finish' ? settlement.info : settlement.failed;
    const ended: TrialView = {
      ...view,
      status: info.status,
      value: info.value,
      epochs: info.epochs,
      durationMs: info.durationMs ?? view.durationMs,
      error: info.error,
    };
    const checkpoint = ended.status === 'paused' && checkpointEpochs !== null ? await checkpoints.upload(number, checkpointEpochs) : null;
    const retry =
      settlement.kind === 'retry' ? { seed: planned.seed, ...(settlement.params === null ? {} : { params: settlement.params }) } : null;
    const finish = { info, checkpoint, retry };
    let summary: FinishSummary | null;
    if (finishesInClaim(finish)) {
      summary = await new Promise<FinishSummary | null>((resolve, reject) => {
        pendingFinishes.push({ finish: { number, owner: job.owner, info }, ended, resolve, reject });
        release();
      });
      if (summary === null) {
        lose(number);
        return null;
      }
    } else {
      summary = await coordination.finishLeased(study.id, number, job.owner, finish);
    }
    await checkpoints.discard(number, keptCheckpoint(ended));
    if (settlement.kind === 'retry') {
      if (settlement.notice !== null) events?.onNotice?.(settlement.notice);
      return { ...ended, params: settlement.params ?? ended.params, status: 'queued', epochs: 0, value: null, retries: ended.retries + 1 };
    }
    bestSoFar = summary.best === null ? null : { ...ended, number: summary.best.number, value: summary.best.value, status: 'completed' };
    return ended;
  };

  /** Runs a claimed job (or, with nothing left to run, settles it from its last reported epoch) and records how it settled. */
  const execute = async (planned: PlannedJob, lease: Lease): Promise<void> => {
    const { job: claimed, slot, view } = planned;
    const number = claimed.number;
    const job: Running = {
      owner: lease.owner,
      abort: new AbortController(),
      lost: false,
      epochs: claimed.budget.from,
      metrics: null,
      curve: [],
    };
    running.set(number, job);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      freeSlots.push(slot);
      freeSlots.sort((a, b) => a - b);
      void pump();
    };
    events?.onTrialStart?.(view);
    try {
      let settlement: Settlement;
      let checkpointEpochs: number | null = null;
      if (claimed.budget.from >= claimed.budget.to) {
        // Its reported epochs reach its target already (interrupted after its last report).
        const last = (await storage.getEpochs(study.id, number)).at(-1)?.metrics ?? null;
        settlement = { kind: 'finish', info: alreadyDone(last, job.epochs, spec.maxEpochs, metric) };
      } else {
        const before = await decideBeforeRun(number, job, claimed.budget.from);
        if (before !== null) {
          settlement = before;
        } else {
          if (claimed.copyFrom !== null) await checkpoints.adopt(number, claimed.copyFrom);
          if (claimed.budget.from > 0 && !(await checkpoints.fetch(number, claimed.budget.from)) && !toldNoCheckpoint) {
            toldNoCheckpoint = true;
            events?.onNotice?.(noCheckpointNotice(number, claimed.budget.from));
          }
          const task = taskFor(spec, claimed, planned.seed, constants, options.backend, checkpoints.dir);
          const { outcome, error } = await runTask(
            executor,
            task,
            slot,
            { onEpoch: (message) => onEpoch(number, job, message) },
            {
              abortSignal: options.abortSignal,
              signal: job.abort.signal,
              timeoutMs: options.trialTimeoutMs,
            },
          );
          checkpointEpochs = outcome?.checkpointEpochs ?? null;
          const end = decideRunEnd({
            outcome,
            error,
            budget: claimed.budget,
            reported: { epochs: job.epochs, metrics: job.metrics },
            maxEpochs: spec.maxEpochs,
            metric,
            pruned: pruned.has(number),
          });
          settlement = settleRun(end, {
            number,
            params: view.params,
            constants,
            retriesSoFar: view.retries,
            retries: options.retries ?? 0,
            oomRetry: options.oomRetry ?? false,
          });
        }
      }
      const ended = await record(planned, job, settlement, checkpointEpochs, release).catch((caught: unknown) => {
        onWriteError(number)(caught);
        return null;
      });
      if (ended !== null) events?.onTrialEnd?.(ended, bestSoFar);
    } catch (error) {
      fail(error);
    } finally {
      running.delete(number);
      if (released) settle();
      else release();
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
        if (fatal !== null) break;
        const claiming = !(stopping || over || (options.control?.paused ?? false)) && freeSlots.length > 0;
        // Runs that ended are written by a claim, one for no slot when none is to be claimed.
        if (!claiming && pendingFinishes.length === 0) break;
        const slots = claiming ? [...freeSlots] : [];
        const settling = pendingFinishes.splice(0);
        const kept = tracker.history;
        if (claiming && kept !== null && spec.sampler.name === 'tpe') {
          // Outside the study's lock: what the sampler would propose for the first free slot, from
          // the history as of the last claim with the runs this claim writes ended. The claim, under
          // the lock, takes that proposal as it is when nothing it depends on changed since (see
          // tpe-sampler.ts), so that the model is not fitted while the lock is held.
          let snapshots = kept.snapshots;
          if (settling.length > 0) {
            snapshots = [...snapshots];
            for (const { ended } of settling) snapshots[ended.number] = kept.ended(ended);
          }
          chooseJob(snapshots, strategyOf(spec), (number) => kept.view(number).budget.to);
        }
        const finishes = settling.map((pending) => pending.finish);
        const result = await coordination
          .claimJobs(study.id, { ...request, finishes }, (state) => decideClaims(state, slots, strategyOf, tracker))
          .catch((error: unknown) => {
            for (const pending of settling) pending.reject(error);
            throw error;
          });
        settling.forEach((pending, i) => pending.resolve(result.finished[i] ?? null));
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
      // Runs that ended while the last claim was out, after a claim that ended the loop.
      if (pendingFinishes.length > 0 && fatal === null) void pump();
      else settle();
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
    await writes.drained();
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
