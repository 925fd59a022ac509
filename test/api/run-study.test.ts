/**
 * The library API: runStudy with objective modules, through the real pool and storage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/errors.js';
import { choice, defineSpace, int, loguniform, runStudy, uniform } from '../../src/index.js';
import type { TrialView } from '../../src/study/events.js';
import { tempDir } from '../helpers/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/objectives/${name}.mjs`, import.meta.url));
const branin = fileURLToPath(new URL('../../search-spaces/objectives/branin.mjs', import.meta.url));

function braninValue(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  const c = 5 / Math.PI;
  const t = 1 / (8 * Math.PI);
  return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
}

describe('runStudy', () => {
  it('runs a single-fidelity objective module over a grid, with events and a ranked result', async () => {
    const started: number[] = [];
    const ended: TrialView[] = [];
    let finished = 0;
    const result = await runStudy({
      name: 'branin-grid',
      objective: branin,
      metric: 'value',
      direction: 'minimize',
      strategy: 'grid',
      maxEpochs: 1,
      space: defineSpace({ x1: uniform(-5, 10, { steps: 4 }), x2: uniform(0, 15, { grid: [2.275, 12.275] }) }),
      workers: 2,
      onTrialStart: (trial) => started.push(trial.number),
      onTrialEnd: (trial) => ended.push(trial),
      onStudyEnd: () => finished++,
    });
    expect(result.status).toBe('completed');
    expect(result.trials).toHaveLength(8);
    for (const trial of result.trials)
      expect(trial.value).toBeCloseTo(braninValue(trial.params.x1 as number, trial.params.x2 as number), 10);
    const values = result.leaderboard.map((row) => row.value!);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(result.best).toEqual(result.leaderboard[0]);
    expect(started.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ended.map((t) => t.status)).toEqual(Array(8).fill('completed'));
    expect(finished).toBe(1);
    expect(result.plan).toMatchObject({ strategy: 'grid', totalEpochs: 8 });
  });

  it('stores the study in SQLite when asked, and a second call with the same name resumes it (nothing to do)', async () => {
    const db = path.join(tempDir(), 'api.db');
    const options = {
      name: 'b',
      objective: pathToFileURL(branin),
      metric: 'value',
      direction: 'minimize',
      space: { x1: uniform(-5, 10), x2: uniform(0, 15) },
      trials: 4,
      seed: 1,
      storage: db,
    } as const;
    const first = await runStudy(options);
    expect(first.trials).toHaveLength(4);
    const conn = new Database(db, { readonly: true });
    expect(conn.prepare('SELECT count(*) AS c FROM trials').get()).toEqual({ c: 4 });
    conn.close();
    await expect(runStudy(options)).rejects.toThrow(`a study named "b" already exists in ${db} (completed)`);
    const more = await runStudy({ ...options, trials: 6 });
    expect(more.trials).toHaveLength(6);
    expect(more.trials.slice(0, 4)).toEqual(first.trials.map((t) => expect.objectContaining({ number: t.number, value: t.value })));
  });

  it('continues promoted trials from the checkpoints their module saved', async () => {
    const notices: string[] = [];
    const result = await runStudy({
      name: 'asha',
      objective: fixture('checkpointed'),
      metric: 'value',
      direction: 'maximize',
      strategy: 'asha',
      trials: 9,
      maxEpochs: 9,
      space: { q: uniform(0, 1) },
      onNotice: (message) => notices.push(message),
    });
    expect(result.status).toBe('completed');
    expect(notices).toEqual([]);
    const winner = result.trials.find((t) => t.status === 'completed')!;
    expect(winner.epochs).toBe(9);
    // Its last run started from the checkpoint after 3 epochs, as it had saved it.
    expect(winner.metrics).toMatchObject({ loaded_epoch: 3, intact: 1 });
  });

  it('says once that an objective without checkpoints is retrained from the start', async () => {
    const notices: string[] = [];
    const result = await runStudy({
      name: 'no-checkpoints',
      objective: fixture('epochs'),
      metric: 'value',
      direction: 'maximize',
      strategy: 'sha',
      trials: 9,
      maxEpochs: 9,
      space: { u: uniform(0, 1) },
      onNotice: (message) => notices.push(message),
    });
    expect(result.status).toBe('completed');
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(
      /^trial \d+ has no checkpoint after epoch 1, so it is trained again from the start; an objective continues instead when it saves one with trial\.checkpoint\.save\(state\) at the end of each run$/,
    );
  });

  it('ranks a result returned without epoch reports at the rung its run reached: asha promotes the best', async () => {
    // constant.mjs returns x at once; ASHA promotes from the top third of each rung.
    const result = await runStudy({
      name: 'no-reports',
      seed: 7,
      objective: fixture('constant'),
      metric: 'value',
      direction: 'maximize',
      strategy: 'asha',
      trials: 9,
      maxEpochs: 9,
      space: { x: uniform(0, 1) },
      workers: 1,
    });
    expect(result.status).toBe('completed');
    const best = result.trials.reduce((a, b) => ((b.params.x as number) > (a.params.x as number) ? b : a));
    expect(best).toMatchObject({ status: 'completed', epochs: 9, rung: 2 });
    expect(result.trials.filter((t) => (t.rung ?? 0) >= 1).length).toBeGreaterThanOrEqual(3);
    // Every trial that completed was promoted to the top rung (asha may send more than one there).
    for (const trial of result.trials.filter((t) => t.status === 'completed')) expect(trial).toMatchObject({ epochs: 9, rung: 2 });
  });

  it('stops gracefully on its signal', async () => {
    const controller = new AbortController();
    const result = await runStudy({
      name: 'stopped',
      objective: fixture('epochs'),
      metric: 'value',
      direction: 'maximize',
      trials: 50,
      maxEpochs: 3,
      workers: 1,
      space: { u: uniform(0, 1) },
      signal: controller.signal,
      onTrialEnd: (trial) => {
        if (trial.number === 1) controller.abort();
      },
    });
    expect(result.status).toBe('interrupted');
    expect(result.trials.length).toBeLessThan(50);
  });

  it('names each invalid option by its name', async () => {
    const error = await runStudy({
      name: 'bad',
      objective: branin,
      metric: 'bananas',
      maxEpochs: 0,
      space: { x1: loguniform(0, 1), n: int(5, 1), c: choice([]) },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message.split('\n')).toEqual([
      'direction: is required for metric "bananas": minimize or maximize',
      'maxEpochs: must be an integer ≥ 1 and ≤ 100000, got 0',
      'space.x1.loguniform: low must be > 0, got 0',
      'space.n.int: high must be ≥ low, got [5, 1]',
      'space.c.choice: must be a non-empty list of values, or a mapping of options to their parameters, got []',
    ]);
  });

  it('takes a sampler by name or with its settings in camelCase, and names a bad setting by its option', async () => {
    const space = defineSpace({ x1: uniform(-5, 10), x2: uniform(0, 15) });
    const result = await runStudy({
      name: 'tpe',
      objective: branin,
      metric: 'value',
      direction: 'minimize',
      trials: 16,
      maxEpochs: 1,
      seed: 3,
      workers: 1,
      space,
      sampler: { name: 'tpe', startupTrials: 5, candidates: 12 },
    });
    expect(result.trials.slice(0, 5).every((t) => t.proposedBy === 'random')).toBe(true);
    expect(result.trials.slice(5).every((t) => t.proposedBy === 'model')).toBe(true);
    const same = await runStudy({
      name: 'tpe',
      objective: branin,
      metric: 'value',
      direction: 'minimize',
      trials: 16,
      maxEpochs: 1,
      seed: 3,
      workers: 1,
      space,
      sampler: { name: 'tpe', startupTrials: 5, candidates: 12 },
    });
    expect(same.trials.map((t) => t.params)).toEqual(result.trials.map((t) => t.params));
    const error = await runStudy({
      name: 'bad',
      objective: branin,
      metric: 'value',
      direction: 'minimize',
      space,
      sampler: { name: 'tpe', startupTrials: 0, randomFraction: 2 },
    }).catch((e: unknown) => e);
    expect((error as ConfigError).message.split('\n')).toEqual([
      'sampler.startupTrials: must be an integer ≥ 1 and ≤ 100000, got 0',
      'sampler.randomFraction: must be a number ≥ 0 and ≤ 1, got 2',
    ]);
  });

  it('refuses a module without a default export before starting, naming it', async () => {
    const error = await runStudy({
      name: 'nd',
      objective: fixture('no-default'),
      metric: 'value',
      direction: 'maximize',
      space: { u: uniform(0, 1) },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toBe(`objective module ${fixture('no-default')} has no default export function`);
  });
});

describe('population based training', () => {
  it("runs strategy 'pbt' with its options: copies continue from the donor's checkpoint, fixed parameters are only ever copied", async () => {
    const values = new Map<string, number>();
    const result = await runStudy({
      name: 'pbt-api',
      objective: fixture('pbt-member'),
      metric: 'value',
      direction: 'maximize',
      strategy: 'pbt',
      population: 4,
      perturbationInterval: 2,
      quantile: 0.25,
      resampleProbability: 0,
      perturbationFactors: [0.5, 2],
      maxEpochs: 6,
      seed: 3,
      workers: 2,
      space: defineSpace({ learning_rate: loguniform(1e-4, 1), batch_size: choice([16, 32, 64], { mutable: false }) }),
      onEpoch: (epoch) => values.set(`${epoch.trial}/${epoch.epoch}`, epoch.value!),
    });
    expect(result.status).toBe('completed');
    expect(result.plan.brackets[0]!.rungs.map((r) => [r.configs, r.epochs])).toEqual([
      [4, 2],
      [4, 4],
      [4, 6],
    ]);
    expect(result.trials.every((t) => t.status === 'completed' && t.epochs === 6)).toBe(true);
    const copiers = result.trials.filter((t) => t.copiedFrom !== null);
    expect(copiers.length).toBeGreaterThan(0);
    for (const copier of copiers) {
      const { trial: donor, epoch } = copier.copiedFrom!;
      // It went on from the donor's score (memory storage keeps checkpoints in a temporary folder).
      expect(values.get(`${copier.number}/${epoch + 1}`)).toBeGreaterThan(values.get(`${donor}/${epoch}`)!);
      // The batch size is never perturbed: a copier only ever has one the population started with.
      const initial = new Set(result.trials.map((t) => t.initialParams.batch_size));
      expect(initial.has(copier.params.batch_size!)).toBe(true);
    }
  });
});

describe('GPU slots', () => {
  it('gives each trial process one GPU, never more than K trials at once per GPU (checked with a fake objective, no GPU here)', async () => {
    const dir = tempDir();
    const result = await runStudy({
      name: 'gpus',
      objective: fixture('gpu-recorder'),
      metric: 'value',
      direction: 'maximize',
      trials: 12,
      isolation: 'process',
      gpus: [0, 1],
      trialsPerGpu: 2,
      space: { u: uniform(0, 1), dir },
    });
    expect(result.status).toBe('completed');
    const records = result.trials.map(
      (t) =>
        JSON.parse(fs.readFileSync(path.join(dir, `trial-${t.number}.json`), 'utf8')) as {
          gpu: string;
          growth: string;
          start: number;
          end: number;
        },
    );
    expect(new Set(records.map((r) => r.gpu))).toEqual(new Set(['0', '1']));
    expect(records.every((r) => r.growth === 'true')).toBe(true);
    result.trials.forEach((trial, i) => expect(trial.device).toBe(`gpu ${records[i]!.gpu}`));
    for (const gpu of ['0', '1']) {
      // The most runs on this GPU at any moment: a sweep over starts (+1) and ends (−1).
      const moments = records
        .filter((r) => r.gpu === gpu)
        .flatMap(
          (r) =>
            [
              [r.start, 1],
              [r.end, -1],
            ] as const,
        );
      moments.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let running = 0;
      let most = 0;
      for (const [, change] of moments) most = Math.max(most, (running += change));
      expect(most).toBeLessThanOrEqual(2);
      expect(most).toBeGreaterThanOrEqual(1);
    }
  });

  it('retries a trial that runs out of memory at half its batch size, and records the batch size it trained with', async () => {
    const notices: string[] = [];
    const result = await runStudy({
      name: 'oom',
      objective: fixture('oom-above'),
      metric: 'value',
      direction: 'maximize',
      strategy: 'grid',
      oomRetry: true,
      space: { batch_size: choice([32, 256]), limit: 64 },
      onNotice: (message) => notices.push(message),
    });
    expect(result.trials.map((t) => [t.status, t.params.batch_size, t.value, t.retries])).toEqual([
      ['completed', 32, 32, 0],
      ['completed', 64, 64, 2],
    ]);
    expect(notices).toEqual([
      'trial 1 ran out of memory at batch_size 256: it runs again at 128',
      'trial 1 ran out of memory at batch_size 128: it runs again at 64',
    ]);
  });
});
