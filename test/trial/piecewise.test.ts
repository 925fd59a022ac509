/**
 * A trial that continues with changed hyperparameters, as a member of a population does after a
 * copy or a perturbation, and a trial whose values are piecewise (a replayed schedule), which the
 * worker runs in pieces: the same computation, epoch for epoch, on wasm and cpu. The optimizer
 * state is kept across the change, and the new values apply from the next epoch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrialTask } from '../../src/core/messages.js';
import type { PiecewisePoints } from '../../src/core/piecewise.js';
import type { BackendName, Metrics, Params } from '../../src/core/types.js';
import { checkpointFile } from '../../src/trial/checkpoint-file.js';
import { runTrial } from '../../src/trial/run-trial.js';
import type { TrainerCheckpoint } from '../../src/trial/trainer.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function folder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hpsearch-piecewise-'));
  dirs.push(dir);
  return dir;
}

const BASE: Params = {
  hidden: [16],
  optimizer: 'momentum',
  learning_rate: 0.05,
  batch_size: 32,
  momentum: 0.9,
  weight_decay: 0,
  dropout: 0,
};

function task(options: {
  params: Params;
  from: number;
  to: number;
  dir: string | null;
  backend: BackendName;
  seed?: number;
  seedSchedule?: PiecewisePoints | null;
}): TrialTask {
  return {
    study: 'piecewise',
    trial: 0,
    seed: options.seed ?? 7,
    seedSchedule: options.seedSchedule ?? null,
    params: options.params,
    budget: { from: options.from, to: options.to },
    maxEpochs: 6,
    task: {
      kind: 'builtin',
      data: { dataset: 'blobs', samples: 240, classes: 3, features: 4, spread: 3, validationSplit: 0.25 },
      dataSeed: 1,
    },
    metric: 'val_accuracy',
    backend: options.backend,
    checkpointDir: options.dir,
    multiFidelity: true,
  };
}

/** Runs a task in this process and returns every epoch's metrics. */
async function run(t: TrialTask): Promise<Metrics[]> {
  const reports: Metrics[] = [];
  const outcome = await runTrial(t, {
    sendEpoch: async (message) => {
      reports.push(message.metrics);
      return true;
    },
    signal: new AbortController().signal,
  });
  expect(outcome.status).toBe('completed');
  return reports;
}

/** Training in runs, as a member of a population does: each run with its own values, from the last run's checkpoint. */
async function inRuns(backend: BackendName, runs: readonly { to: number; params: Params; seed?: number }[]): Promise<Metrics[]> {
  const dir = folder();
  const metrics: Metrics[] = [];
  let from = 0;
  for (const step of runs) {
    metrics.push(...(await run(task({ params: step.params, from, to: step.to, dir, backend, seed: step.seed }))));
    from = step.to;
  }
  return metrics;
}

describe.each(['wasm', 'cpu'] as const)('on %s', (backend) => {
  it('applies a new learning rate from the next epoch, keeping the optimizer state, as the lr metric shows', async () => {
    const runs = await inRuns(backend, [
      { to: 3, params: BASE },
      { to: 6, params: { ...BASE, learning_rate: 0.01 } },
    ]);
    expect(runs.map((m) => m.lr)).toEqual([0.05, 0.05, 0.05, 0.01, 0.01, 0.01]);
    const unchanged = await inRuns(backend, [
      { to: 3, params: BASE },
      { to: 6, params: BASE },
    ]);
    expect(runs.slice(0, 3)).toEqual(unchanged.slice(0, 3));
    expect(runs[3]!.loss).not.toBe(unchanged[3]!.loss);
  });

  it('trains a piecewise schedule in one run exactly as a member continued with each value in turn', async () => {
    const changes = { learning_rate: 0.02, batch_size: 64, momentum: 0.5, weight_decay: 0.001, dropout: 0.2 };
    const piecewise: Params = Object.fromEntries(
      Object.entries(changes).map(([name, value]) => [
        name,
        {
          piecewise: [
            [0, BASE[name] as number],
            [2, value],
          ],
        },
      ]),
    );
    const single = await run(task({ params: { ...BASE, ...piecewise }, from: 0, to: 6, dir: null, backend }));
    const continued = await inRuns(backend, [
      { to: 2, params: BASE },
      { to: 6, params: { ...BASE, ...changes } },
    ]);
    expect(single).toEqual(continued);
    expect(single.map((m) => m.lr)).toEqual([0.05, 0.05, 0.02, 0.02, 0.02, 0.02]);
  });

  it('trains each piece of a piecewise trial seed with its own seed', async () => {
    const single = await run(
      task({
        params: BASE,
        from: 0,
        to: 6,
        dir: null,
        backend,
        seed: 11,
        seedSchedule: [
          [0, 11],
          [4, 12],
        ],
      }),
    );
    const continued = await inRuns(backend, [
      { to: 4, params: BASE, seed: 11 },
      { to: 6, params: BASE, seed: 12 },
    ]);
    expect(single).toEqual(continued);
    const oneSeed = await inRuns(backend, [{ to: 6, params: BASE, seed: 11 }]);
    expect(single.slice(0, 4)).toEqual(oneSeed.slice(0, 4));
    expect(single[4]).not.toEqual(oneSeed[4]);
  });
});

describe('continuing from a checkpoint', () => {
  it('uses the optimizer state it holds: the same run from zeroed momentum slots trains differently', async () => {
    const dir = folder();
    await run(task({ params: BASE, from: 0, to: 3, dir, backend: 'wasm' }));
    const file = checkpointFile(dir, 0, 3);
    const kept = await run(task({ params: { ...BASE, learning_rate: 0.02 }, from: 3, to: 4, dir, backend: 'wasm' }));
    const state = v8.deserialize(fs.readFileSync(file)) as TrainerCheckpoint;
    const slots = JSON.stringify(state.optimizer, (_key, value: unknown) => (value instanceof Float32Array ? Array.from(value) : value));
    expect(slots).toMatch(/[1-9]/);
    const zeroed = structuredClone(state) as { optimizer: unknown };
    const zero = (value: unknown): unknown => {
      if (value instanceof Float32Array) return new Float32Array(value.length);
      if (Array.isArray(value)) return value.map(zero);
      if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, zero(v)]));
      return value;
    };
    zeroed.optimizer = zero(state.optimizer);
    fs.writeFileSync(file, v8.serialize(zeroed));
    const fresh = await run(task({ params: { ...BASE, learning_rate: 0.02 }, from: 3, to: 4, dir, backend: 'wasm' }));
    expect(fresh[0]!.loss).not.toBe(kept[0]!.loss);
  });

  it('fails a module that saves no checkpoint where its piecewise values change, saying why', async () => {
    const module = fileURLToPath(new URL('../fixtures/objectives/epochs.mjs', import.meta.url));
    const t: TrialTask = {
      ...task({
        params: {
          x: {
            piecewise: [
              [0, 1],
              [2, 2],
            ],
          },
        } as unknown as Params,
        from: 0,
        to: 4,
        dir: null,
        backend: 'wasm',
      }),
      task: { kind: 'module', module },
      metric: 'value',
    };
    await expect(run(t)).rejects.toThrow(
      'saved no checkpoint at the end of epoch 2 in trial 0, where its values change: values that change during training (piecewise, or a piecewise trial_seed) need trial.checkpoint.save(state) at the end of each run',
    );
  });
});
