/**
 * `hpsearch simulate`: a study's real strategy, sampler and pruner, run by the real local loop
 * (`runStudy`) over memory storage, on a virtual clock with N virtual workers and no training.
 * Each trial's curve and epoch times come from a {@link CurveSource}; see simulate-clock.ts for
 * how virtual time moves.
 */
import { toScore } from '../core/scores.js';
import { HpsearchError, UsageError, firstLine } from '../errors.js';
import type { StudySpec } from '../space/spec.js';
import { MemoryStorage } from '../storage/memory.js';
import { runStudy } from './run-study.js';
import { createStrategy } from './search.js';
import { VirtualClock } from './simulate-clock.js';
import { type CurveSource, type SimulatedRun, VirtualExecutor } from './simulate-executor.js';

export type { CurveSource, SimulatedCurve, SimulatedRun } from './simulate-executor.js';

/** What one simulation with a worker count gives. */
export interface SimulationResult {
  readonly workers: number;
  /** Virtual seconds from the first trial's start to the last run's end. */
  readonly virtualSeconds: number;
  /** Busy slot-seconds ÷ (workers × virtualSeconds); 0 when nothing ran. */
  readonly utilization: number;
  /** The best completed trial's value (the study's own rule), or null when none completed. */
  readonly best: number | null;
  /** The anytime curve: [virtual seconds, best value] each time the best changes. */
  readonly curve: readonly (readonly [number, number])[];
  /** Every run: its trial, slot, virtual start and end, epochs trained. */
  readonly runs: readonly SimulatedRun[];
  /** Trials by how they ended. */
  readonly trials: readonly { readonly number: number; readonly status: string; readonly epochs: number; readonly value: number | null }[];
}

/**
 * Simulates `spec` with `workers` virtual workers.
 * @throws {UsageError} when the curve source fails or returns a bad shape.
 */
export async function simulateStudy(spec: StudySpec, source: CurveSource, workers: number): Promise<SimulationResult> {
  const clock = new VirtualClock();
  const storage = new MemoryStorage();
  const stop = new AbortController();
  const executor = new VirtualExecutor(workers, {
    clock,
    source,
    metric: spec.objective.metric,
    onSourceError: () => stop.abort(),
  });
  const study = await storage.createStudy(spec, 'cpu');
  const curve: [number, number][] = [];
  const outcome = await clock.drive(
    runStudy({
      storage,
      study,
      strategy: createStrategy(spec),
      executor,
      backend: 'cpu',
      // No checkpoints: a continued trial resumes from its epochs on the same curve, and the
      // loop's notice about missing checkpoints goes to no observer.
      checkpointDir: null,
      stopSignal: stop.signal,
      events: {
        onTrialEnd: (_trial, best) => {
          const value = best?.value ?? null;
          if (value === null) return;
          const last = curve.at(-1);
          if (
            last === undefined ||
            (toScore(value, spec.objective.direction) ?? -Infinity) > (toScore(last[1], spec.objective.direction) ?? -Infinity)
          ) {
            if (last !== undefined && last[0] === clock.now) curve.pop();
            curve.push([clock.now, value]);
          }
        },
      },
    }),
  );
  if (executor.sourceError !== null) {
    const error = executor.sourceError;
    throw error instanceof HpsearchError ? error : new UsageError(`simulate: ${firstLine(error)}`);
  }
  const runs = [...executor.runs].sort((a, b) => a.start - b.start || a.trial - b.trial);
  const virtualSeconds = runs.reduce((end, run) => Math.max(end, run.end), 0);
  const busy = runs.reduce((sum, run) => sum + (run.end - run.start), 0);
  return {
    workers,
    virtualSeconds,
    utilization: virtualSeconds > 0 ? busy / (workers * virtualSeconds) : 0,
    best: curve.at(-1)?.[1] ?? null,
    curve,
    runs,
    trials: outcome.trials.map((t) => ({ number: t.number, status: t.status, epochs: t.epochs, value: t.value })),
  };
}

/** Simulates `spec` with each worker count in turn. */
export async function simulateWorkers(spec: StudySpec, source: CurveSource, workers: readonly number[]): Promise<SimulationResult[]> {
  const results: SimulationResult[] = [];
  for (const count of workers) results.push(await simulateStudy(spec, source, count));
  return results;
}
