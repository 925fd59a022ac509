/**
 * Samplers through the built CLI: TPE under random search, successive halving and Hyperband
 * proposes the same configurations with 1 and with 2 workers whatever the trials' lengths, and
 * after kill -9 and resume; the sampler shows in plan, list, show and the exports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hpsearch, hpsearchAsync, tempDir } from '../helpers/cli.js';

const JITTERY = fileURLToPath(new URL('../fixtures/objectives/jittery.mjs', import.meta.url));

interface Ranked {
  trial: number;
  status: string;
  value: number | null;
  epochs: number;
  params: Record<string, unknown>;
  proposedBy: string | null;
}

function space(dir: string, name: string, lines: readonly string[]): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    [
      `name: ${name}`,
      `objective: { module: ${JSON.stringify(JITTERY)}, metric: value, direction: minimize }`,
      'seed: 5',
      'params:',
      '  x1: { uniform: [-5, 10] }',
      '  x2: { uniform: [0, 15] }',
      ...lines,
      '',
    ].join('\n'),
  );
  return file;
}

/** Every trial by number: its configuration and who proposed it. */
function configurations(db: string, study: string): Pick<Ranked, 'trial' | 'params' | 'proposedBy'>[] {
  const result = hpsearch(['leaderboard', study, '--json', '--storage', db]);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as Ranked[])
    .map(({ trial, params, proposedBy }) => ({ trial, params, proposedBy }))
    .sort((a, b) => a.trial - b.trial);
}

function board(db: string, study: string): Omit<Ranked, 'proposedBy'>[] {
  const result = hpsearch(['leaderboard', study, '--json', '--storage', db]);
  return (JSON.parse(result.stdout) as Ranked[]).map(({ trial, status, value, epochs, params }) => ({
    trial,
    status,
    value,
    epochs,
    params,
  }));
}

describe('TPE proposes the same configurations with 1 and with 2 workers, whatever the trials take', () => {
  const dir = tempDir();
  const cases: [string, string[]][] = [
    ['random', ['strategy: random', 'trials: 30', 'max_epochs: 1', 'sampler: { name: tpe, startup_trials: 8, lag: 1 }']],
    [
      'sha',
      ['strategy: sha', 'trials: 24', 'min_epochs: 1', 'max_epochs: 4', 'eta: 2', 'sampler: { name: tpe, startup_trials: 6, lag: 1 }'],
    ],
    ['hyperband', ['strategy: hyperband', 'min_epochs: 1', 'max_epochs: 9', 'eta: 3', 'sampler: { name: tpe, startup_trials: 4, lag: 1 }']],
  ];
  for (const [strategy, lines] of cases) {
    it(strategy, () => {
      const file = space(dir, `tpe-${strategy}`, lines);
      const runs = [1, 2, 2].map((workers, i) => {
        const db = path.join(dir, `${strategy}-${i}.db`);
        const result = hpsearch(['start', file, '--storage', db, '--workers', String(workers), '--no-dashboard']);
        expect(result.code, result.stderr).toBe(0);
        return configurations(db, `tpe-${strategy}`);
      });
      expect(runs[0]!.length).toBeGreaterThan(12);
      expect(runs[1]).toEqual(runs[0]);
      expect(runs[2]).toEqual(runs[0]);
      // The model proposed some of them, the startup and (under sha, hyperband) the random share the rest.
      expect(runs[0]!.filter((t) => t.proposedBy === 'model').length).toBeGreaterThan(3);
      expect(runs[0]!.every((t) => t.proposedBy === 'model' || t.proposedBy === 'random')).toBe(true);
    });
  }

  it('kill -9 in the middle of a study, then resume: the same leaderboard as a study never interrupted', async () => {
    const file = space(dir, 'killed', ['strategy: random', 'trials: 30', 'max_epochs: 2', 'workers: 2', 'sampler: tpe']);
    const reference = path.join(dir, 'reference.db');
    expect(hpsearch(['start', file, '--storage', reference, '--no-dashboard']).code).toBe(0);
    const db = path.join(dir, 'killed.db');
    const child = hpsearchAsync(['start', file, '--storage', db, '--no-dashboard']);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    while (!/\[\s*14\/30\]/.test(stdout)) await new Promise((resolve) => setTimeout(resolve, 10));
    child.kill('SIGKILL');
    await exited;
    const resumed = hpsearch(['resume', 'killed', '--storage', db, '--no-dashboard']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(board(db, 'killed')).toEqual(board(reference, 'killed'));
  });
});

describe('TPE under asha (BOHB), where proposals see whatever results are in', () => {
  it('runs to the end with the model proposing once a rung has enough results', () => {
    const dir = tempDir();
    const file = space(dir, 'asha', [
      'strategy: asha',
      'trials: 30',
      'max_epochs: 9',
      'eta: 3',
      'workers: 2',
      'sampler: { name: tpe, startup_trials: 5 }',
    ]);
    const result = hpsearch(['start', file, '--storage', path.join(dir, 'a.db'), '--no-dashboard']);
    expect(result.code, result.stderr).toBe(0);
    const trials = configurations(path.join(dir, 'a.db'), 'asha');
    expect(trials).toHaveLength(30);
    expect(trials.filter((t) => t.proposedBy === 'model').length).toBeGreaterThan(5);
    expect(JSON.parse(hpsearch(['plan', file, '--json']).stdout).sampler).toMatchObject({
      name: 'tpe',
      parallel: 'fast',
      randomFraction: 1 / 3,
    });
  });
});

describe('the sampler, wherever a study shows', () => {
  it('plan, list, show and the exports name it and its settings', () => {
    const dir = tempDir();
    const file = space(dir, 'shown', ['strategy: hyperband', 'max_epochs: 9', 'workers: 2', 'sampler: { name: tpe, startup_trials: 4 }']);
    const plan = hpsearch(['plan', file]);
    expect(plan.stdout).toContain('sampler: tpe (startup 4, 24 candidates, univariate, 1/3 random, reproducible, lag workers − 1)');
    expect(JSON.parse(hpsearch(['plan', file, '--json']).stdout).sampler).toEqual({
      name: 'tpe',
      startupTrials: 4,
      candidates: 24,
      multivariate: false,
      randomFraction: 1 / 3,
      parallel: 'reproducible',
      lag: null,
    });
    expect(hpsearch(['start', file, '--storage', 'hp.db', '--no-dashboard'], { cwd: dir }).code).toBe(0);
    // The lag was fixed when the study was created: its workers (2) − 1.
    const [listed] = JSON.parse(hpsearch(['list', '--json', '--storage', 'hp.db'], { cwd: dir }).stdout) as {
      sampler: Record<string, unknown>;
    }[];
    expect(listed!.sampler).toEqual({
      name: 'tpe',
      startupTrials: 4,
      candidates: 24,
      multivariate: false,
      randomFraction: 1 / 3,
      parallel: 'reproducible',
      lag: 1,
    });
    expect(hpsearch(['show', 'shown', '--storage', 'hp.db'], { cwd: dir }).stdout).toMatch(
      /^sampler\s+tpe \(startup 4, 24 candidates, univariate, 1\/3 random, reproducible, lag 1\)$/m,
    );
    const csv = hpsearch(['leaderboard', 'shown', '--format', 'csv', '--storage', 'hp.db'], { cwd: dir }).stdout.split('\r\n');
    const header = csv[0]!.split(',');
    expect(header.indexOf('proposed_by')).toBe(header.indexOf('seed') + 1);
    const trials = JSON.parse(hpsearch(['export', 'shown', '--storage', 'hp.db'], { cwd: dir }).stdout) as {
      study: { spec: { sampler: unknown } };
      trials: { proposedBy: string }[];
    };
    expect(trials.study.spec.sampler).toEqual(listed!.sampler);
    expect(new Set(trials.trials.map((t) => t.proposedBy))).toEqual(new Set(['model', 'random']));
    const modelTrial = trials.trials.findIndex((t) => t.proposedBy === 'model');
    expect(hpsearch(['show', 'shown', '--trial', String(modelTrial), '--storage', 'hp.db'], { cwd: dir }).stdout).toMatch(
      /^proposed by\s+the sampler's model$/m,
    );
    const html = hpsearch(['leaderboard', 'shown', '--format', 'html', '--storage', 'hp.db'], { cwd: dir }).stdout;
    expect(html).toContain('sampler tpe (startup 4, 24 candidates, univariate, 1/3 random, reproducible, lag 1)');
    expect(html).toContain('proposed by');
  });
});
