/**
 * Runs one trial inside a worker (thread or child process): loads the backend and the dataset
 * (both cached for the worker's life), runs the objective, and measures what it leaves behind.
 */
import type { EpochMessage, TrialOutcome, TrialTask } from '../core/messages.js';
import type { Dataset } from '../data/types.js';
import { loadDataset } from '../data/load.js';
import { loadBackend } from './backend.js';
import { fileCheckpointStore } from './checkpoint-file.js';
import type { CheckpointStore, Objective, ObjectiveResult, TrialContext } from './objective.js';
import v8 from 'node:v8';
import { changePoints, paramsAt, valueAt } from '../core/piecewise.js';
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
  const { from, to } = task.budget;
  let lastEpoch = from;
  const who = task.task.kind === 'module' ? `objective module ${task.task.module}` : 'the built-in trainer';
  /** The first report that broke the rules: it fails the trial even when the objective catches it. */
  let violation: TrialFailedError | null = null;
  let last = performance.now();
  const started = last;
  // Piecewise values (and seed) cut the run into pieces of constant values, each continuing from
  // the state the piece before saved, as a population member continues with new values.
  const cuts = [from, ...changePoints(task.params, task.seedSchedule ?? task.seed, from, to), to];
  let handoff: Buffer | null = null;
  let checkpointEpochs: number | null = null;
  let result: ObjectiveResult | undefined;
  for (let piece = 0; piece < cuts.length - 1; piece++) {
    const budget = { from: cuts[piece]!, to: cuts[piece + 1]! };
    const files = fileCheckpointStore(task.checkpointDir, task.trial, budget, () => lastEpoch);
    const passed = handoff;
    const checkpoint: CheckpointStore = {
      load: async () => (piece === 0 ? files.load() : v8.deserialize(passed!)),
      save: async (state, options) => {
        await files.save(state, options);
        if (piece < cuts.length - 2) handoff = v8.serialize(state);
      },
    };
    handoff = null;
    const context: TrialContext = {
      number: task.trial,
      seed: task.seedSchedule === null ? task.seed : (valueAt(task.seedSchedule, budget.from) as number),
      budget,
      maxEpochs: task.maxEpochs,
      signal: link.signal,
      checkpoint,
      report: (epoch: number, metrics: Metrics) => {
        // A continued run without a checkpoint to continue from trains again from epoch 1.
        const restart = piece === 0 && epoch === 1 && lastEpoch === from && !files.loaded;
        const problem = reportProblem(epoch, metrics, restart ? 0 : lastEpoch, restart ? { from: 0, to: budget.to } : budget);
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
    result = await objective(paramsAt(task.params, budget.from), context).catch((error: unknown) => {
      throw violation ?? error;
    });
    if (violation !== null) throw violation;
    if (task.multiFidelity && lastEpoch === budget.from && result.status === 'completed' && result.epochs > budget.from) {
      // Under rungs a result returned without epoch reports counts for the run's target: it is
      // relayed as that epoch, so that it is stored as one and ranked at the rung it reached.
      lastEpoch = result.epochs;
      const proceed = await link.sendEpoch({
        type: 'epoch',
        epoch: result.epochs,
        metrics: { ...result.metrics },
        durationMs: performance.now() - last,
      });
      if (!proceed) result = { ...result, status: 'stopped' };
    }
    checkpointEpochs = files.savedEpochs ?? checkpointEpochs;
    // Stopped, diverged, or done before its piece's end by its own choice: the run is over.
    if (result.status !== 'completed' || result.epochs < budget.to) break;
    if (piece < cuts.length - 2 && handoff === null) {
      throw new TrialFailedError(
        `${who} saved no checkpoint at the end of epoch ${budget.to} in trial ${task.trial}, where its values change: ` +
          'values that change during training (piecewise, or a piecewise trial_seed) need trial.checkpoint.save(state) at the end of each run',
      );
    }
  }
  const memory = tf.memory();
  const recycled = memory.numTensors > baseline + RECYCLE_TENSOR_GROWTH || memory.numBytes > RECYCLE_BYTES;
  return {
    status: result!.status,
    metrics: result!.metrics,
    epochs: result!.epochs,
    durationMs: performance.now() - started,
    checkpointEpochs,
    tensorsAfter: memory.numTensors,
    bytesAfter: memory.numBytes,
    recycled,
  };
}
