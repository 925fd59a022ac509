/**
 * Population based training through the built CLI with real training on the digits: the same
 * population with 1 and 2 workers, on SQLite and on PostgreSQL worker processes; a resume after
 * kill -9 in the middle of an interval to the same result; the lineage in show and export; and
 * replay, which trains a member's schedule again from scratch to the same value on wasm and cpu.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hpsearch, hpsearchAsync, tempDir } from '../helpers/cli.js';
import { usePostgres } from '../helpers/postgres.js';
import { createStudy, worker } from '../helpers/workers.js';
import { loadSpaceFile } from '../../src/space/load.js';

const dir = tempDir('hpsearch-pbt-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const SPACE = path.join(dir, 'pbt.yaml');
fs.writeFileSync(
  SPACE,
  [
    'name: pbt-e2e',
    'data: { dataset: digits, validation_split: 0.2 }',
    'objective: { metric: val_accuracy, direction: maximize }',
    'strategy: pbt',
    'population: 4',
    'perturbation_interval: 4',
    'max_epochs: 12',
    'seed: 5',
    'params:',
    '  learning_rate: { loguniform: [1.0e-3, 0.5] }',
    '  batch_size: { choice: [32, 64, 128] }',
    '  momentum: { uniform: [0.5, 0.95] }',
    '  optimizer: momentum',
    '  hidden: [32]',
    '',
  ].join('\n'),
);

interface Exported {
  trials: {
    number: number;
    status: string;
    value: number;
    epochs: number;
    seed: number;
    params: unknown;
    initialParams: unknown;
    copiedFrom: unknown;
  }[];
  epochs: { trial: number; epoch: number; value: number; metrics: Record<string, number> }[];
  promotions: { trial: number; rung: number; params: unknown; source: { trial: number; epoch: number } | null }[];
  lineage: { trial: number; schedule: { trainedBy: number; from: number; to: number }[]; ancestry: unknown[] }[];
}

/** What must not depend on timing or worker count: everything but times and durations. */
function population(storage: string, study = 'pbt-e2e') {
  const result = hpsearch(['export', study, '--storage', storage]);
  expect(result.code).toBe(0);
  const data = JSON.parse(result.stdout) as Exported;
  return {
    trials: data.trials.map(({ number, status, value, epochs, seed, params, initialParams, copiedFrom }) => ({
      number,
      status,
      value,
      epochs,
      seed,
      params,
      initialParams,
      copiedFrom,
    })),
    epochs: data.epochs.map(({ trial, epoch, value, metrics }) => ({ trial, epoch, value, metrics })),
    promotions: data.promotions.map(({ trial, rung, params, source }) => ({ trial, rung, params, source })),
    lineage: data.lineage,
  };
}

function start(storage: string, ...flags: string[]) {
  const result = hpsearch(['start', SPACE, '--storage', storage, '--no-dashboard', ...flags]);
  expect(result.stderr).not.toMatch(/error|internal/i);
  expect(result.code).toBe(0);
  return result;
}

function sql<T>(db: string, query: string): T[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(query).all() as T[];
  } finally {
    conn.close();
  }
}

/** Trains a replay file and returns its one trial's value and epoch metrics. */
function trainReplay(file: string, storage: string, backend: string) {
  const started = hpsearch(['start', file, '--storage', storage, '--backend', backend, '--no-dashboard']);
  expect(started.stderr).not.toMatch(/error|internal/i);
  expect(started.code).toBe(0);
  const name = loadSpaceFile(file).name;
  return population(storage, name);
}

let reference: ReturnType<typeof population>;

beforeAll(() => {
  start(path.join(dir, 'one.db'), '--workers', '1');
  reference = population(path.join(dir, 'one.db'));
}, 120_000);

describe('a pbt study on SQLite', () => {
  it('trains every member to the end, interval by interval, the bottom member copying the top one at each boundary', () => {
    expect(reference.trials).toHaveLength(4);
    expect(reference.trials.every((t) => t.status === 'completed' && t.epochs === 12)).toBe(true);
    expect(reference.epochs).toHaveLength(4 * 12);
    // 3 intervals: each member promoted to intervals 1 and 2; one copy per boundary (quantile 0.25 of 4).
    expect(reference.promotions).toHaveLength(4 * 2);
    const copies = reference.promotions.filter((p) => p.source !== null);
    expect(copies.map((p) => [p.rung, p.source!.epoch])).toEqual([
      [1, 4],
      [2, 8],
    ]);
    // The copier ranked last at the boundary, its donor first, by their values after exactly that epoch.
    for (const copy of copies) {
      const at = reference.epochs.filter((e) => e.epoch === copy.source!.epoch).sort((a, b) => b.value - a.value || a.trial - b.trial);
      expect(copy.source!.trial).toBe(at[0]!.trial);
      expect(copy.trial).toBe(at.at(-1)!.trial);
    }
    // Nothing about a member's past is overwritten: a copier keeps the configuration it started with.
    const copier = reference.trials.find((t) => t.number === copies[0]!.trial)!;
    expect(copier.initialParams).not.toEqual(copies[0]!.params);
    // Each epoch's lr is the rate it trained with: the copier's rate changes at the boundary.
    const lr = (epoch: number) => reference.epochs.find((e) => e.trial === copies[0]!.trial && e.epoch === epoch)!.metrics.lr;
    expect(lr(4)).toBe((copier.initialParams as { learning_rate: number }).learning_rate);
    expect(lr(5)).toBe((copies[0]!.params as { learning_rate: number }).learning_rate);
  });

  it('gives the same population with 2 workers', () => {
    start(path.join(dir, 'two.db'), '--workers', '2');
    expect(population(path.join(dir, 'two.db'))).toEqual(reference);
  }, 120_000);

  it('resumes after kill -9 in the middle of an interval to the same result', async () => {
    const db = path.join(dir, 'killed.db');
    const child = hpsearchAsync(['start', SPACE, '--storage', db, '--workers', '2', '--no-dashboard']);
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const midInterval = () => {
      try {
        return sql<{ n: number }>(db, "SELECT count(*) AS n FROM trials WHERE status = 'running' AND epochs > 4 AND epochs < 8")[0]!.n > 0;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 60_000;
    while (!midInterval()) {
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    child.kill('SIGKILL');
    expect(await exit).toBe('SIGKILL');
    const resumed = hpsearch(['resume', 'pbt-e2e', '--storage', db, '--no-dashboard']);
    expect(resumed.code).toBe(0);
    expect(population(db)).toEqual(reference);
    expect(sql<{ n: number }>(db, 'SELECT sum(interruptions) AS n FROM trials')[0]!.n).toBeGreaterThan(0);
  }, 120_000);

  it('shows the schedule and ancestry of the best member, and exports its lineage', () => {
    const best = [...reference.trials].sort((a, b) => b.value - a.value)[0]!;
    const shown = hpsearch(['show', 'pbt-e2e', '--trial', String(best.number), '--storage', path.join(dir, 'one.db')]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('schedule (the hyperparameters that trained its final weights; hpsearch replay trains it again)');
    expect(shown.stdout).toMatch(/ancestry\n( {2}trial \d+ copied trial \d+ after \d+ epochs\n)* {2}trial \d+ trained from scratch\n/);
    const lineage = reference.lineage.find((l) => l.trial === best.number)!;
    expect(lineage.schedule.map((s) => [s.from, s.to])).toEqual([
      [0, 4],
      [4, 8],
      [8, 12],
    ]);
    expect(lineage.schedule.at(-1)!.trainedBy).toBe(best.number);
  });
});

describe('what does not apply to pbt', () => {
  it('refuses retries, which would train a member again from the start, cut off its lineage (exit 2, nothing written)', () => {
    const db = path.join(dir, 'refused.db');
    for (const [flag, named] of [
      [['--retries', '1'], '--retries'],
      [['--oom-retry'], '--oom-retry'],
    ] as const) {
      const result = hpsearch(['start', SPACE, '--storage', db, '--no-dashboard', ...flag]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `error: ${named} does not apply to pbt: a retry trains a trial again from the start, which would cut a member off its lineage`,
      );
    }
    expect(fs.existsSync(db)).toBe(false);
    const retry = hpsearch(['retry', 'pbt-e2e', '--storage', path.join(dir, 'one.db')]);
    expect(retry.code).toBe(2);
    expect(retry.stderr).toContain('error: study "pbt-e2e" is a pbt study: its trials are not retried');
  });
});

describe('replay', () => {
  const db = path.join(dir, 'one.db');

  /** Writes the replay of `trial` and returns its file. */
  function replayFile(trial: number): string {
    const file = path.join(dir, `replay-${trial}.yaml`);
    const written = hpsearch(['replay', 'pbt-e2e', '--trial', String(trial), '--storage', db, '--output', file, '--force']);
    expect(written.code).toBe(0);
    return file;
  }

  it('trains a lineage with copies again from scratch to exactly the member value on wasm', () => {
    const copier = reference.promotions.find((p) => p.rung === 2 && p.source !== null)!.trial;
    const file = replayFile(copier);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('piecewise');
    const replayed = trainReplay(file, path.join(dir, 'replay-wasm.db'), 'wasm');
    const member = reference.trials.find((t) => t.number === copier)!;
    expect(replayed.trials[0]!.value).toBe(member.value);
    // Every epoch of the lineage, trained by its members in turn, is reproduced.
    const lineage = reference.lineage.find((l) => l.trial === copier)!.schedule;
    const expected = lineage.flatMap((s) =>
      reference.epochs.filter((e) => e.trial === s.trainedBy && e.epoch > s.from && e.epoch <= s.to).map((e) => e.metrics),
    );
    expect(replayed.epochs.map((e) => e.metrics)).toEqual(expected);
  }, 120_000);

  it('reproduces a member that never copied, with its own seed, on wasm', () => {
    const neverCopied = reference.trials.find((t) => reference.promotions.every((p) => p.trial !== t.number || p.source === null))!;
    const file = replayFile(neverCopied.number);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain(`trial_seed: ${neverCopied.seed}\n`);
    expect(text).not.toContain('piecewise');
    expect(trainReplay(file, path.join(dir, 'replay-own.db'), 'wasm').trials[0]!.value).toBe(neverCopied.value);
  }, 120_000);

  it("comes close with the member's own seed alone, the data order of its ancestors' stretches changed", () => {
    const copier = reference.promotions.find((p) => p.rung === 2 && p.source !== null)!.trial;
    const member = reference.trials.find((t) => t.number === copier)!;
    const file = replayFile(copier);
    const own = path.join(dir, 'replay-own-seed.yaml');
    fs.writeFileSync(
      own,
      fs
        .readFileSync(file, 'utf8')
        .replace(/trial_seed:\n {2}piecewise: .*\n/, `trial_seed: ${member.seed}\n`)
        .replace(/^name: .*$/m, 'name: own-seed'),
    );
    const value = trainReplay(own, path.join(dir, 'replay-own-seed.db'), 'wasm').trials[0]!.value;
    const gap = Math.abs(value - member.value);
    console.info(`replay with the member's own seed: val_accuracy ${value} against ${member.value} (gap ${gap.toFixed(4)})`);
    expect(gap).toBeLessThan(0.05);
  }, 120_000);
});

describe('a pbt study on PostgreSQL worker processes', () => {
  const postgres = usePostgres();

  it('claims member intervals through the same claim path and gives the same population as one local process (cpu), replayed exactly on cpu', async () => {
    const server = postgres();
    const url = await server.createDatabase();
    const spec = { ...loadSpaceFile(SPACE), name: 'pbt-pg' };
    await createStudy(url, spec);
    const finished = await Promise.all([worker(url, 'pbt-pg').done, worker(url, 'pbt-pg').done]);
    for (const run of finished) {
      expect(run.stderr).not.toMatch(/error|internal/i);
      expect(run.code).toBe(0);
    }
    const local = path.join(dir, 'cpu.db');
    start(local, '--workers', '1', '--backend', 'cpu', '--name', 'pbt-pg');
    const distributed = population(url, 'pbt-pg');
    expect(distributed).toEqual(population(local, 'pbt-pg'));
    // A member whose lineage crosses members, replayed on cpu from the PostgreSQL study.
    const copier = distributed.promotions.find((p) => p.rung === 2 && p.source !== null)!.trial;
    const file = path.join(dir, 'replay-cpu.yaml');
    expect(hpsearch(['replay', 'pbt-pg', '--trial', String(copier), '--storage', url, '--output', file]).code).toBe(0);
    const replayed = trainReplay(file, path.join(dir, 'replay-cpu.db'), 'cpu');
    expect(replayed.trials[0]!.value).toBe(distributed.trials.find((t) => t.number === copier)!.value);
  }, 180_000);
});
