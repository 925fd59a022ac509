/**
 * Runs one trial inside a worker (thread or child process): loads the backend and the dataset
 * (both cached for the worker's life), runs the objective, and measures what it leaves behind.
 */
import type { EpochMessage, TrialOutcome, TrialTask } from '../core/messages.js';
import type { Dataset } from '../data/types.js';
import { loadDataset } from '../data/load.js';
import { loadBackend } from './backend.js';
import { fileCheckpointStore } from './checkpoint-file.js';
import type { Objective, TrialContext } from './objective.js';
import type { Metrics } from '../core/types.js';
import { moduleObjective } from './module-objective.js';
import { createBuiltinObjective } from './trainer.js';
import { reportProblem } from './report-rules.js';
import { TrialFailedError } from '../errors.js';
import { describe } from '../util/describe.js';

/** How a running trial talks to the main thread. */
export interface TrialLink {
  /** Sends an epoch report; resolves to whether to go on. */
  sendEpoch(message: EpochMessage): Promise<boolean>;
  readonly signal: AbortSignal;
}

const datasets = new Map<string, Dataset>();

function cachedDataset(data: TrialTask['task'] & { kind: 'builtin' }): Dataset {
  const key = JSON.stringify([data.data, data.dataSeed]);
  let dataset = datasets.get(key);
  if (dataset === undefined) {
    dataset = loadDataset(data.data, data.dataSeed);
    datasets.set(key, dataset);
  }
  return dataset;
}

/** Beyond these, a worker ends itself after its trial and the pool starts a fresh one. */
const RECYCLE_TENSOR_GROWTH = 1000;
const RECYCLE_BYTES = 1024 ** 3;
let baselineTensors: number | null = null;

export async function runTrial(task: TrialTask, link: TrialLink): Promise<TrialOutcome> {
  const tf = await loadBackend(task.backend);
  const objective: Objective =
    task.task.kind === 'builtin'
      ? createBuiltinObjective(tf, cachedDataset(task.task))
      : moduleObjective(task.task.module, task.metric, task.multiFidelity ? task.budget.to : task.budget.from);
  // The engine as a fresh worker has it: what trials leave beyond this is growth.
  const baseline = (baselineTensors ??= tf.memory().numTensors);
  let lastEpoch = task.budget.from;
  const checkpoint = fileCheckpointStore(task.checkpointDir, task.trial, task.budget, () => lastEpoch);
  const who = task.task.kind === 'module' ? `objective module ${task.task.module}` : 'the built-in trainer';
  /** The first report that broke the rules: it fails the trial even when the objective catches it. */
  let violation: TrialFailedError | null = null;
  let last = performance.now();
  const started = last;
  const context: TrialContext = {
    number: task.trial,
    seed: task.seed,
    budget: task.budget,
    maxEpochs: task.maxEpochs,
    signal: link.signal,
    checkpoint,
    report: (epoch: number, metrics: Metrics) => {
      // A continued run without a checkpoint to continue from trains again from epoch 1.
      const restart = epoch === 1 && lastEpoch === task.budget.from && !checkpoint.loaded;
      const problem = reportProblem(epoch, metrics, restart ? 0 : lastEpoch, restart ? { from: 0, to: task.budget.to } : task.budget);
      if (problem !== null) {
        violation ??= new TrialFailedError(`${who}: trial.report(${describe(epoch)}, …) in trial ${task.trial}: ${problem}`);
        return Promise.reject(violation);
      }
      const now = performance.now();
      const durationMs = now - last;
      last = now;
      lastEpoch = epoch;
      return link.sendEpoch({ type: 'epoch', epoch, metrics: { ...metrics }, durationMs });
    },
  };
  const result = await objective(task.params, context).catch((error: unknown) => {
    throw violation ?? error;
  });
  if (violation !== null) throw violation;
  const memory = tf.memory();
  const recycled = memory.numTensors > baseline + RECYCLE_TENSOR_GROWTH || memory.numBytes > RECYCLE_BYTES;
  return {
    status: result.status,
    metrics: result.metrics,
    epochs: result.epochs,
    durationMs: performance.now() - started,
    checkpointEpochs: checkpoint.savedEpochs,
    tensorsAfter: memory.numTensors,
    bytesAfter: memory.numBytes,
    recycled,
  };
}
