/**
 * End to end: the built CLI runs real studies with real tfjs training in a piscina pool and a
 * real SQLite file, as a user would run them.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, hpsearch, tempDir } from '../helpers/cli.js';

interface LeaderboardJson {
  rank: number;
  trial: number;
  status: string;
  value: number | null;
  epochs: number;
  params: Record<string, unknown>;
  durationMs: number | null;
}

function leaderboard(db: string, study: string): LeaderboardJson[] {
  const result = hpsearch(['leaderboard', study, '--json', '--storage', `sqlite:${db}`]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as LeaderboardJson[];
}

function epochRows(db: string, study: string): { trial: number; epoch: number; metrics: string }[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn
      .prepare(
        'SELECT e.trial, e.epoch, e.metrics FROM epochs e JOIN studies s ON s.id = e.study_id WHERE s.name = ? ORDER BY e.trial, e.epoch',
      )
      .all(study) as { trial: number; epoch: number; metrics: string }[];
  } finally {
    conn.close();
  }
}

describe('hpsearch start search-spaces/quick.yaml (2 workers, wasm, real training)', () => {
  let dir: string;
  let db: string;
  let first: CliResult;

  beforeAll(() => {
    dir = tempDir();
    db = path.join(dir, 'studies.db');
    first = hpsearch(['start', 'search-spaces/quick.yaml', '--storage', `sqlite:${db}`, '--workers', '2', '--no-dashboard']);
  });

  it('finishes with exit code 0, a line per trial and a leaderboard', () => {
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('study "quick": random, 8 trials × 20 epochs, maximize val_accuracy, seed 7');
    expect(first.stderr).toMatch(
      /2 workers \(worker threads\), backend wasm \(auto: tfjs-node-gpu not installed, tfjs-node not installed\)/,
    );
    const trialLines = first.stdout.split('\n').filter((l) => /^\[\s*\d+\/8\]\s+trial \d+/.test(l));
    expect(trialLines).toHaveLength(8);
    expect(first.stdout).toMatch(/study "quick" completed: 8 trials \(8 completed\) in [\d.]+s; best val_accuracy [\d.]+ \(trial \d+\)/);
    expect(first.stdout).toMatch(
      /rank\s+trial\s+status\s+val_accuracy\s+epochs\s+time\s+learning_rate\s+batch_size\s+optimizer\s+schedule/,
    );
  });

  it('stores every trial and every epoch, and ranks them best first', () => {
    const rows = leaderboard(db, 'quick');
    expect(rows).toHaveLength(8);
    expect(rows.map((r) => r.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rows.every((r) => r.status === 'completed' && r.epochs === 20 && r.value !== null)).toBe(true);
    const values = rows.map((r) => r.value!);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(values[0]).toBeGreaterThan(0.85);
    for (const row of rows) {
      expect(Object.keys(row.params)).toEqual(expect.arrayContaining(['learning_rate', 'batch_size', 'optimizer', 'schedule']));
      expect(row.params).not.toHaveProperty('hidden');
    }
    const epochs = epochRows(db, 'quick');
    expect(epochs).toHaveLength(8 * 20);
    for (const row of epochs) {
      const metrics = JSON.parse(row.metrics) as Record<string, number>;
      expect(Object.keys(metrics).sort()).toEqual(['accuracy', 'loss', 'lr', 'val_accuracy', 'val_loss']);
    }
  });

  it('lists the study', () => {
    const result = hpsearch(['list', '--json', '--storage', `sqlite:${db}`]);
    expect(result.code).toBe(0);
    const best = leaderboard(db, 'quick')[0]!.value;
    expect(JSON.parse(result.stdout)).toEqual([
      {
        name: 'quick',
        status: 'completed',
        strategy: 'random',
        sampler: { name: 'random' },
        pruner: { name: 'none' },
        pbt: null,
        trials: 8,
        best,
      },
    ]);
  });

  it('gives identical parameters and metrics for the same seed, with another worker count', () => {
    const again = hpsearch([
      'start',
      'search-spaces/quick.yaml',
      '--name',
      'quick-again',
      '--workers',
      '1',
      '--storage',
      `sqlite:${db}`,
      '--no-dashboard',
    ]);
    expect(again.code).toBe(0);
    const byTrial = (rows: LeaderboardJson[]) => [...rows].sort((a, b) => a.trial - b.trial).map((r) => [r.trial, r.params, r.value]);
    expect(byTrial(leaderboard(db, 'quick-again'))).toEqual(byTrial(leaderboard(db, 'quick')));
    const strip = (rows: { trial: number; epoch: number; metrics: string }[]) => rows.map((r) => [r.trial, r.epoch, r.metrics]);
    expect(strip(epochRows(db, 'quick-again'))).toEqual(strip(epochRows(db, 'quick')));
  });

  it('runs trials in child processes with --isolation process, with results identical to threads', () => {
    const args = ['--trials', '3', '--max-epochs', '3', '--storage', `sqlite:${db}`, '--no-dashboard'];
    const threads = hpsearch(['start', 'search-spaces/quick.yaml', '--name', 'in-threads', ...args]);
    const processes = hpsearch(['start', 'search-spaces/quick.yaml', '--name', 'in-processes', '--isolation', 'process', ...args]);
    expect(threads.code).toBe(0);
    expect(processes.code).toBe(0);
    expect(processes.stderr).toContain('2 workers (child processes), backend wasm');
    const strip = (rows: { trial: number; epoch: number; metrics: string }[]) => rows.map((r) => [r.trial, r.epoch, r.metrics]);
    expect(epochRows(db, 'in-processes')).toHaveLength(9);
    expect(strip(epochRows(db, 'in-processes'))).toEqual(strip(epochRows(db, 'in-threads')));
  });

  it('gives other configurations for another seed', () => {
    const other = hpsearch([
      'start',
      'search-spaces/quick.yaml',
      '--name',
      'quick-seed-8',
      '--seed',
      '8',
      '--trials',
      '2',
      '--max-epochs',
      '1',
      '--storage',
      `sqlite:${db}`,
      '--no-dashboard',
    ]);
    expect(other.code).toBe(0);
    const params = leaderboard(db, 'quick-seed-8').map((r) => r.params);
    const original = leaderboard(db, 'quick').map((r) => r.params);
    for (const p of params) expect(original).not.toContainEqual(p);
  });

  it('refuses to start a study whose name is taken, writing nothing', () => {
    const before = fs.statSync(db).mtimeMs;
    const result = hpsearch(['start', 'search-spaces/quick.yaml', '--storage', `sqlite:${db}`, '--no-dashboard']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `error: a study named "quick" already exists in ${db} (completed)\n` +
        `hint: start a new study with --name, or see its results: hpsearch leaderboard "quick" --storage sqlite:${db}\n`,
    );
    expect(fs.statSync(db).mtimeMs).toBe(before);
  });
});

describe('a huge learning rate', () => {
  it('records diverged trials, ranked after every completed one', () => {
    const dir = tempDir();
    const db = path.join(dir, 'd.db');
    const space = path.join(dir, 'diverge.yaml');
    fs.writeFileSync(
      space,
      [
        'name: diverge',
        'data: { dataset: blobs, samples: 300, classes: 3 }',
        'strategy: grid',
        'max_epochs: 3',
        'seed: 1',
        'workers: 2',
        'params:',
        '  learning_rate: { loguniform: [1.0e-2, 1.0e+8], grid: [1.0e-2, 1.0e+8] }',
        '  optimizer: sgd',
        '  batch_size: 32',
      ].join('\n'),
    );
    const result = hpsearch(['start', space, '--storage', `sqlite:${db}`, '--no-dashboard']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /study "diverge" completed: 2 trials \(1 completed, 1 diverged\)|study "diverge" completed: 2 trials \(1 diverged, 1 completed\)/,
    );
    const rows = leaderboard(db, 'diverge');
    expect(rows.map((r) => [r.rank, r.trial, r.status, r.params.learning_rate])).toEqual([
      [1, 0, 'completed', 1e-2],
      [2, 1, 'diverged', 1e8],
    ]);
    expect(rows[1]!.value).toBeNull();
    // The diverged trial ended at once: its curve stops at the epoch where the loss blew up.
    const epochs = epochRows(db, 'diverge').filter((r) => r.trial === 1);
    expect(rows[1]!.epochs).toBe(epochs.length);
    expect(epochs.length).toBeLessThan(3);
    expect(['NaN', 'Infinity', '-Infinity']).toContain(JSON.parse(epochs.at(-1)!.metrics).loss);
  });
});
