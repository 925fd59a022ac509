/**
 * `fit` from hpsearch/tfjs through the built CLI, on search-spaces/fit-example.yaml (a model.fit
 * module): under ASHA a promoted configuration continues from its checkpoint, and its curve is
 * the one of the same configuration trained straight (wasm, and cpu); a pruned trial stops at the
 * epoch it was told; a trial timeout stops one.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ROOT, hpsearch, tempDir } from '../helpers/cli.js';

const MODULE = path.join(ROOT, 'search-spaces/objectives/fit-digits.mjs');

function query<T>(db: string, sql: string, ...params: unknown[]): T[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(sql).all(...params) as T[];
  } finally {
    conn.close();
  }
}

interface TrialRow {
  number: number;
  status: string;
  epochs: number;
  seed: number;
  params: string;
  error: string | null;
}

const trials = (db: string, study: string) =>
  query<TrialRow>(
    db,
    'SELECT t.number, t.status, t.epochs, t.seed, t.params, t.error FROM trials t JOIN studies s ON s.id = t.study_id WHERE s.name = ? ORDER BY t.number',
    study,
  );
const curve = (db: string, study: string, trial: number) =>
  query<{ epoch: number; metrics: string }>(
    db,
    'SELECT e.epoch, e.metrics FROM epochs e JOIN studies s ON s.id = e.study_id WHERE s.name = ? AND e.trial = ? ORDER BY e.epoch',
    study,
    trial,
  ).map((row) => ({ epoch: row.epoch, metrics: JSON.parse(row.metrics) as Record<string, number> }));
const runs = (db: string, study: string, trial: number) =>
  query<{ from_epoch: number; to_epoch: number; outcome: string }>(
    db,
    'SELECT r.from_epoch, r.to_epoch, r.outcome FROM runs r JOIN studies s ON s.id = r.study_id WHERE s.name = ? AND r.trial = ? ORDER BY r.started_at, r.from_epoch',
    study,
    trial,
  );

function start(db: string, args: string[], cwd = ROOT) {
  const result = hpsearch(['start', ...args, '--storage', db, '--no-dashboard', '--workers', '1'], { cwd });
  expect(result.stderr).not.toContain('error');
  expect(result.code).toBe(0);
  return result;
}

/** Trains `row`'s configuration straight to `epochs` in a study of its own, with its seed. */
function straight(dir: string, db: string, name: string, row: TrialRow, epochs: number, backend: string) {
  const params = JSON.parse(row.params) as Record<string, number>;
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    [
      `name: ${name}`,
      `objective: { module: ${JSON.stringify(MODULE)}, metric: val_loss, direction: minimize }`,
      'strategy: random',
      'trials: 1',
      `max_epochs: ${epochs}`,
      `trial_seed: ${row.seed}`,
      'params:',
      ...Object.entries(params).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`),
      '',
    ].join('\n'),
  );
  start(db, [file, '--backend', backend]);
  return curve(db, name, 0);
}

/** Every metric of every epoch within `relative` of the other curve's. */
function expectClose(actual: ReturnType<typeof curve>, expected: ReturnType<typeof curve>, relative = 1e-5) {
  expect(actual.map((e) => e.epoch)).toEqual(expected.map((e) => e.epoch));
  actual.forEach(({ metrics }, i) => {
    const other = expected[i]!.metrics;
    expect(Object.keys(metrics).sort()).toEqual(Object.keys(other).sort());
    for (const [key, value] of Object.entries(metrics)) {
      expect(Math.abs(value - other[key]!), `epoch ${i + 1} ${key}: ${value} vs ${other[key]}`).toBeLessThanOrEqual(
        relative * Math.max(Math.abs(value), Math.abs(other[key]!), 1e-12),
      );
    }
  });
}

/** The trial that ran the most times: a configuration promoted up the rungs. */
function mostPromoted(db: string, study: string) {
  const rows = trials(db, study);
  const byRuns = rows.map((row) => ({ row, runs: runs(db, study, row.number) })).sort((a, b) => b.runs.length - a.runs.length);
  return byRuns[0]!;
}

describe('model.fit through hpsearch/tfjs (search-spaces/fit-example.yaml)', () => {
  it('ASHA on wasm: a promoted configuration continues where it stopped, as if trained straight', () => {
    const dir = tempDir();
    const db = path.join(dir, 'fit.db');
    const result = start(db, ['search-spaces/fit-example.yaml']);
    // Every promoted run found its checkpoint: nothing was trained again from the start.
    expect(result.stderr).not.toContain('note:');
    const { row, runs: promoted } = mostPromoted(db, 'fit-example');
    // Epochs 1 from its first run, 2..3 and 4..9 from its continuations.
    expect(promoted.map((r) => [r.from_epoch, r.to_epoch, r.outcome])).toEqual([
      [0, 1, 'paused'],
      [1, 3, 'paused'],
      [3, 9, 'completed'],
    ]);
    const continued = curve(db, 'fit-example', row.number);
    expect(continued.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const params = JSON.parse(row.params) as { learning_rate: number };
    expect(continued.every((e) => e.metrics.lr === params.learning_rate)).toBe(true);
    expect(Object.keys(continued[0]!.metrics).sort()).toEqual(['acc', 'loss', 'lr', 'val_acc', 'val_loss']);
    expectClose(continued, straight(dir, db, 'straight', row, 9, 'wasm'));
  });

  it('ASHA on cpu: the same', () => {
    const dir = tempDir();
    const db = path.join(dir, 'fit.db');
    start(db, ['search-spaces/fit-example.yaml', '--backend', 'cpu', '--trials', '3', '--max-epochs', '3']);
    const { row, runs: promoted } = mostPromoted(db, 'fit-example');
    expect(promoted.map((r) => [r.from_epoch, r.to_epoch])).toEqual([
      [0, 1],
      [1, 3],
    ]);
    expectClose(curve(db, 'fit-example', row.number), straight(dir, db, 'straight-cpu', row, 3, 'cpu'));
  });

  it('a pruned trial stops at the epoch the pruner told it', () => {
    const dir = tempDir();
    const db = path.join(dir, 'fit.db');
    start(db, ['search-spaces/fit-example.yaml', '--strategy', 'random', '--pruner', 'median', '--trials', '10', '--max-epochs', '6']);
    const rows = trials(db, 'fit-example');
    const pruned = rows.filter((r) => r.status === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    for (const row of pruned) {
      expect(row.epochs).toBeLessThan(6);
      // No epoch trained after the decision: the last one reported is the one it was pruned at.
      expect(curve(db, 'fit-example', row.number).map((e) => e.epoch)).toEqual(Array.from({ length: row.epochs }, (_, i) => i + 1));
      expect(runs(db, 'fit-example', row.number).map((r) => [r.to_epoch, r.outcome])).toEqual([[row.epochs, 'pruned']]);
    }
    for (const row of rows.filter((r) => r.status === 'completed')) expect(curve(db, 'fit-example', row.number)).toHaveLength(6);
  });

  it('a trial timeout stops a fit', () => {
    const dir = tempDir();
    const db = path.join(dir, 'fit.db');
    start(db, ['search-spaces/fit-example.yaml', '--strategy', 'random', '--trials', '1', '--max-epochs', '500', '--trial-timeout', '8']);
    const [row] = trials(db, 'fit-example');
    expect(row!.status).toBe('failed');
    expect(row!.error).toContain('timed out after 8s (--trial-timeout)');
    const epochs = curve(db, 'fit-example', 0).length;
    expect(epochs).toBeGreaterThan(0);
    expect(epochs).toBeLessThan(500);
  });
});
