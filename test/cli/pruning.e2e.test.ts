/**
 * Pruners through the built CLI: median pruning of a random search on digits with the built-in
 * trainer (real training) against the same study unpruned; the same decisions on a second run;
 * and an objective module whose `report()` resolves to false, on PostgreSQL worker processes
 * against one local process on SQLite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hpsearch, tempDir } from '../helpers/cli.js';
import { usePostgres } from '../helpers/postgres.js';
import { createStudy, syntheticSpace, worker } from '../helpers/workers.js';

const dir = tempDir('hpsearch-pruning-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const DIGITS = path.join(dir, 'digits.yaml');
fs.writeFileSync(
  DIGITS,
  [
    'name: digits-pruned',
    'data: { dataset: digits, validation_split: 0.2 }',
    'objective: { metric: val_accuracy, direction: maximize }',
    'strategy: random',
    'trials: 20',
    'max_epochs: 10',
    'seed: 42',
    'params:',
    '  learning_rate: { loguniform: [1.0e-4, 1] }',
    '  batch_size: { choice: [16, 32, 64, 128, 256] }',
    '  optimizer: { choice: [sgd, momentum, adam] }',
    '  hidden: [64, 64]',
    '',
  ].join('\n'),
);

interface Exported {
  trials: { number: number; status: string; value: number | null; epochs: number; params: Record<string, unknown> }[];
  epochs: { trial: number; epoch: number; value: number | null }[];
  runs: { trial: number; host: string; slot: string; startedAt: number; endedAt: number | null; outcome: string | null }[];
}

function exported(storage: string, study: string): Exported {
  const result = hpsearch(['export', study, '--storage', storage]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Exported;
}

/** What must not depend on timing: each trial's status, epochs, value and curve. */
function decisions(data: Exported) {
  return data.trials.map((t) => ({
    number: t.number,
    status: t.status,
    epochs: t.epochs,
    value: t.value,
    curve: data.epochs.filter((e) => e.trial === t.number).map((e) => e.value),
  }));
}

function start(file: string, storage: string, ...flags: string[]) {
  const result = hpsearch(['start', file, '--storage', storage, '--no-dashboard', '--backend', 'cpu', ...flags]);
  expect(result.stderr).not.toMatch(/error|internal/i);
  expect(result.code).toBe(0);
  return result;
}

const best = (data: Exported) => Math.max(...data.trials.filter((t) => t.status === 'completed').map((t) => t.value!));
const epochs = (data: Exported) => data.epochs.length;

describe('median pruning of a random search on digits', () => {
  /** The largest drop of the best val_accuracy pruning may cost against the same study unpruned. */
  const MARGIN = 0.01;

  it('saves a large share of the epochs, keeps the best within the margin, and decides the same on a second run', () => {
    const plain = path.join(dir, 'plain.db');
    const pruned = path.join(dir, 'pruned.db');
    start(DIGITS, plain, '--workers', '2');
    const out = start(DIGITS, pruned, '--workers', '2', '--pruner', 'median');
    const without = exported(plain, 'digits-pruned');
    const withMedian = exported(pruned, 'digits-pruned');
    expect(epochs(without)).toBe(200);
    // Same seed: the same 20 configurations, a quarter of the epochs or more never trained.
    expect(withMedian.trials.map((t) => t.params)).toEqual(without.trials.map((t) => t.params));
    expect(epochs(withMedian)).toBeLessThanOrEqual(150);
    expect(best(withMedian)).toBeGreaterThanOrEqual(best(without) - MARGIN);
    // A pruned trial keeps its curve up to the epoch it was stopped at, and its value is its last.
    const stopped = withMedian.trials.filter((t) => t.status === 'pruned');
    expect(stopped.length).toBeGreaterThanOrEqual(4);
    for (const t of stopped) {
      const curve = withMedian.epochs.filter((e) => e.trial === t.number);
      expect(curve.map((e) => e.epoch)).toEqual(Array.from({ length: t.epochs }, (_, i) => i + 1));
      expect(t.epochs).toBeLessThan(10);
      expect(t.value).toBe(curve.at(-1)!.value);
    }
    expect(out.stdout + out.stderr).toMatch(/trial \d+\s+pruned\s+val_accuracy [\d.]+ .* \d+ epochs? /);
    // Reproducible: a second run decides exactly the same, whatever the timing.
    const again = path.join(dir, 'again.db');
    start(DIGITS, again, '--workers', '2', '--pruner', 'median');
    expect(decisions(exported(again, 'digits-pruned'))).toEqual(decisions(withMedian));
    // show names the pruner with its settings.
    expect(hpsearch(['show', 'digits-pruned', '--storage', pruned]).stdout).toMatch(
      /pruner\s+median \(startup 5, warm-up 0, every epoch, reproducible, lag 1\)/,
    );
  }, 240_000);
});

describe('pruning an objective module on PostgreSQL worker processes', () => {
  const postgres = usePostgres();

  it('stops trials through report() resolving to false, as one local process decides', async () => {
    const { file, spec } = syntheticSpace(dir, 'synthetic-pruned', [
      'strategy: random',
      'trials: 16',
      'max_epochs: 6',
      'pruner: { name: percentile, percentile: 40, startup_trials: 3, lag: 1 }',
      'params:',
      '  x: { uniform: [0, 1] }',
      '  y: { uniform: [0, 1] }',
    ]);
    const url = await postgres().createDatabase();
    await createStudy(url, spec);
    const workers = [worker(url, spec.name), worker(url, spec.name)];
    const finished = await Promise.all(workers.map((w) => w.done));
    for (const run of finished) {
      expect(run.stderr).not.toMatch(/error|internal/i);
      expect(run.code).toBe(0);
    }
    const local = path.join(dir, 'synthetic.db');
    start(file, local, '--workers', '2');
    const fromPostgres = exported(url, spec.name);
    const distributed = decisions(fromPostgres);
    expect(distributed).toEqual(decisions(exported(local, spec.name)));
    // One run per trial, each in the lane of the worker process that ran it (`<pid>:<slot>`, one slot each).
    expect(fromPostgres.runs.map((r) => r.trial).sort((a, b) => a - b)).toEqual(distributed.map((t) => t.number));
    const lanes = workers.map((w) => `${w.child.pid}:0`);
    for (const run of fromPostgres.runs) {
      expect(run.host).toBe(os.hostname());
      expect(lanes).toContain(run.slot);
      expect(run.endedAt).toBeGreaterThanOrEqual(run.startedAt);
      expect(run.outcome).toBe(distributed.find((t) => t.number === run.trial)!.status);
    }
    const stopped = distributed.filter((t) => t.status === 'pruned');
    expect(stopped.length).toBeGreaterThanOrEqual(5);
    expect(stopped.every((t) => t.epochs < 6 && t.curve.length === t.epochs)).toBe(true);
    expect(distributed.filter((t) => t.status === 'completed').every((t) => t.epochs === 6)).toBe(true);
  }, 180_000);
});
