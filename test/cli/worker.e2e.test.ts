/**
 * Many `hpsearch worker` processes on one study kept in PostgreSQL (a real server the test
 * starts): every configuration, grid cell and promotion exactly once, nothing lost; a worker
 * killed mid-trial has its job taken over once its lease expires.
 */
import fs from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { gridCells } from '../../src/space/grid.js';
import { sampleParams } from '../../src/space/sample.js';
import { planFor } from '../../src/strategies/create.js';
import { rngFor } from '../../src/util/random.js';
import { tempDir } from '../helpers/cli.js';
import { usePostgres } from '../helpers/postgres.js';
import { type Finished, createStudy, launch, syntheticSpace, tables, worker } from '../helpers/workers.js';

const postgres = usePostgres();
const dir = tempDir('hpsearch-workers-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const WORKERS = 4;

/** Checks what no run may show whatever the strategy: one row per trial and epoch, nothing left running. */
function expectWholeRuns(finished: readonly Finished[], password: string) {
  for (const run of finished) {
    expect(run.stderr).not.toMatch(/error|internal/i);
    expect(run.code).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toContain(password);
  }
  // The work was shared: more than one process ran trials.
  expect(finished.filter((run) => /^\[\s*\d+\/\d+\]/m.test(run.stdout)).length).toBeGreaterThan(1);
}

describe('4 worker processes on one study of 300 trials', () => {
  test.each([
    ['grid', ['strategy: grid', 'max_epochs: 1', 'params:', '  x: { uniform: [0, 1], steps: 30 }', '  y: { int: [0, 9] }']],
    ['random', ['strategy: random', 'trials: 300', 'max_epochs: 1', 'params:', '  x: { uniform: [0, 1] }', '  y: { int: [0, 9] }']],
    ['asha', ['strategy: asha', 'trials: 300', 'max_epochs: 9', 'eta: 3', 'params:', '  x: { uniform: [0, 1] }', '  y: { int: [0, 9] }']],
  ] as const)(
    '%s: every configuration exactly once, no lost or duplicated trials or promotions',
    async (strategy, lines) => {
      const server = postgres();
      const url = await server.createDatabase();
      const { spec } = syntheticSpace(dir, `w-${strategy}`, lines);
      const study = await createStudy(url, spec);
      const finished = await Promise.all(Array.from({ length: WORKERS }, () => worker(url, spec.name).done));
      expectWholeRuns(finished, server.password);
      const stored = await tables(server, url, study.id);
      expect(stored.status).toBe('completed');
      expect(stored.trials.map((t) => t.number)).toEqual([...Array(300).keys()]);
      expect(stored.trials.filter((t) => t.interruptions > 0 || t.lease_owner !== null)).toEqual([]);
      const params = stored.trials.map((t) => JSON.parse(t.params) as Record<string, unknown>);
      if (strategy === 'grid') {
        expect(params).toEqual(gridCells(spec.params));
      } else {
        expect(params).toEqual(stored.trials.map((t) => sampleParams(spec.params, rngFor(spec.seed, 'params', t.number))));
      }
      // Each trial has exactly its epochs 1..n, each promotion to each rung at most once and no gap.
      const epochsOf = new Map<number, number[]>();
      for (const row of stored.epochs) epochsOf.set(row.trial, [...(epochsOf.get(row.trial) ?? []), row.epoch]);
      for (const trial of stored.trials) expect(epochsOf.get(trial.number)).toEqual(Array.from({ length: trial.epochs }, (_, i) => i + 1));
      const plan = planFor(spec);
      const rungs = plan.brackets[0]!.rungs;
      if (strategy === 'asha') {
        expect(new Set(stored.trials.map((t) => t.status))).toEqual(new Set(['completed', 'pruned']));
        for (const trial of stored.trials) {
          expect(stored.promotions.filter((p) => p.trial === trial.number).map((p) => p.rung)).toEqual(
            Array.from({ length: trial.rung! }, (_, i) => i + 1),
          );
          expect(trial.epochs).toBe(rungs[trial.rung!]!.epochs);
        }
        expect(stored.promotions.length).toBeGreaterThan(0);
        // Every run reported once: a line per run across the workers' outputs.
        const runs = finished.reduce((sum, run) => sum + (run.stdout.match(/^\[\s*\d+\/\d+\]/gm)?.length ?? 0), 0);
        expect(runs).toBe(300 + stored.promotions.length);
      } else {
        expect(stored.trials.every((t) => t.status === 'completed' && t.epochs === 1)).toBe(true);
        expect(stored.promotions).toEqual([]);
      }
      expect(stored.checkpoints).toBe(0);
    },
    90_000,
  );
});

describe('a worker killed mid-trial', () => {
  test('its job is taken over once its lease expires, and the study completes', async () => {
    const server = postgres();
    const url = await server.createDatabase();
    const { spec } = syntheticSpace(dir, 'killed', [
      'strategy: random',
      'trials: 4',
      'max_epochs: 4',
      'params:',
      '  x: { uniform: [0, 1] }',
    ]);
    const study = await createStudy(url, spec);
    const env = { HPSEARCH_TEST_EPOCH_MS: '250', HPSEARCH_LEASE_MS: '1500', HPSEARCH_LEASE_RENEW_MS: '300', HPSEARCH_POLL_MS: '100' };
    const victim = worker(url, spec.name, env);
    const db = url.slice(url.lastIndexOf('/') + 1);
    // Wait until the victim is in the middle of a trial: one epoch recorded, more to come.
    const started = Date.now();
    let running: { number: number; lease_owner: string } | undefined;
    while (running === undefined && Date.now() - started < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      running = (
        await server.query<{ number: number; lease_owner: string }>(
          db,
          `SELECT number, lease_owner FROM hpsearch.trials WHERE status = 'running' AND epochs >= 1 AND lease_owner LIKE $1`,
          [`%:${victim.child.pid}:%`],
        )
      )[0];
    }
    expect(running).toBeDefined();
    victim.child.kill('SIGKILL');
    expect((await victim.done).signal).toBe('SIGKILL');
    const survivor = await worker(url, spec.name, env).done;
    expect(survivor.code).toBe(0);
    expect(survivor.stdout).toContain(`trial ${running!.number} was taken over from ${running!.lease_owner} (its lease expired)`);
    const stored = await tables(server, url, study.id);
    expect(stored.status).toBe('completed');
    expect(stored.trials.map((t) => [t.number, t.status, t.epochs])).toEqual([0, 1, 2, 3].map((n) => [n, 'completed', 4]));
    expect(stored.trials.map((t) => t.interruptions)).toEqual([0, 1, 2, 3].map((n) => (n === running!.number ? 1 : 0)));
    expect(stored.takeovers).toEqual([{ trial: running!.number, owner: running!.lease_owner, kept_epochs: 0 }]);
    expect(stored.epochs).toHaveLength(16);
  }, 60_000);
});

describe('a TPE study (BOHB under Hyperband) on 3 worker processes', () => {
  test('proposes through the claims exactly the configurations one local process proposes', async () => {
    const server = postgres();
    const url = await server.createDatabase();
    const lines = [
      'strategy: hyperband',
      'min_epochs: 1',
      'max_epochs: 9',
      'eta: 3',
      'sampler: { name: tpe, startup_trials: 4, lag: 2 }',
      'params:',
      '  x: { uniform: [0, 1] }',
      '  y: { int: [0, 9] }',
    ];
    const { file, spec } = syntheticSpace(dir, 'w-tpe', lines);
    const study = await createStudy(url, spec);
    const finished = await Promise.all(Array.from({ length: 3 }, () => worker(url, spec.name, { HPSEARCH_TEST_EPOCH_MS: '5' }).done));
    expectWholeRuns(finished, server.password);
    const stored = await tables(server, url, study.id);
    expect(stored.status).toBe('completed');
    const local = launch(['start', file, '--storage', `sqlite:${dir}/w-tpe.db`, '--workers', '1', '--backend', 'cpu', '--no-dashboard']);
    expect((await local.done).code).toBe(0);
    const board = JSON.parse((await launch(['leaderboard', spec.name, '--json', '--storage', `sqlite:${dir}/w-tpe.db`]).done).stdout) as {
      trial: number;
      params: unknown;
      proposedBy: string;
    }[];
    const expected = board.sort((a, b) => a.trial - b.trial);
    expect(stored.trials.map((t) => JSON.parse(t.params) as unknown)).toEqual(expected.map((t) => t.params));
    expect(expected.filter((t) => t.proposedBy === 'model').length).toBeGreaterThan(2);
  }, 90_000);
});
