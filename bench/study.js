/**
 * Building and running a study with the real orchestrator, for the benchmarks that time it.
 */
import { runStudy } from '../dist/study/run-study.js';
import { createStrategy } from '../dist/study/search.js';

/**
 * A hand-built StudySpec (what parsing a space file would give) with random search, seed 1,
 * min_epochs 1, η = 3 (the space file's defaults) and the given fields, which override them.
 * @param {{ name: string, task: object, params: object[], trials: number | null, maxEpochs: number,
 *   objective: { metric: string, direction: 'minimize' | 'maximize' }, workers: number,
 *   backend: 'wasm' | 'cpu', strategy?: string, seed?: number, minEpochs?: number, eta?: number }} fields
 */
export function benchSpec(fields) {
  return { source: null, strategy: 'random', seed: 1, minEpochs: 1, eta: 3, sampler: { name: 'random' }, ...fields };
}

/**
 * Creates the study in `storage` and runs it to the end on `executor` (no checkpoints).
 * @param {{ storage: object, executor: object, spec: ReturnType<typeof benchSpec>, events?: object }} options
 * @returns {Promise<{ wallMs: number, outcome: Awaited<ReturnType<typeof runStudy>> }>}
 */
export async function runBenchStudy({ storage, executor, spec, events }) {
  const strategy = createStrategy(spec);
  const study = await storage.createStudy(spec, spec.backend);
  const started = performance.now();
  const outcome = await runStudy({ storage, study, strategy, executor, backend: spec.backend, checkpointDir: null, events });
  const wallMs = performance.now() - started;
  const failed = outcome.trials.filter((t) => t.status !== 'completed');
  if (outcome.status !== 'completed' || failed.length > 0) {
    throw new Error(`study ${spec.name} ended ${outcome.status} with ${failed.length} trials not completed: ${failed[0]?.error ?? ''}`);
  }
  return { wallMs, outcome };
}
