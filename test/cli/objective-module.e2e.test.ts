/**
 * Objective modules through the built CLI: the examples in search-spaces/, `--objective`, and
 * every way a module can be wrong.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, hpsearch, tempDir } from '../helpers/cli.js';

interface Row {
  trial: number;
  status: string;
  value: number | null;
  params: Record<string, number>;
}

function leaderboard(db: string, study: string): Row[] {
  const result = hpsearch(['leaderboard', study, '--json', '--storage', db]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as Row[];
}

function branin(x1: number, x2: number): number {
  const b = 5.1 / (4 * Math.PI ** 2);
  return (x2 - b * x1 ** 2 + (5 / Math.PI) * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
}

describe('objective modules through the CLI', () => {
  it('runs search-spaces/branin.yaml: each value is the Branin function of its parameters', () => {
    const db = path.join(tempDir(), 'b.db');
    const result = hpsearch(['start', 'search-spaces/branin.yaml', '--trials', '12', '--storage', db, '--no-dashboard']);
    expect(result.code).toBe(0);
    const rows = leaderboard(db, 'branin');
    expect(rows).toHaveLength(12);
    for (const row of rows) expect(row.value).toBeCloseTo(branin(row.params.x1!, row.params.x2!), 10);
    expect(rows[0]!.value).toBe(Math.min(...rows.map((r) => r.value!)));
    // It reports no epoch: none is recorded, and the summary says so instead of counting the plan's.
    expect(rows.every((row) => (row as unknown as { epochs: number }).epochs === 0)).toBe(true);
    expect(result.stdout).toMatch(/^\[\s*1\/12\]\s+trial \d+\s+completed .* 0 epochs /m);
    expect(hpsearch(['show', 'branin', '--storage', db]).stdout).toMatch(
      /^epochs\s+none reported \(the objective returns its value without epochs\)$/m,
    );
  });

  it('runs search-spaces/custom-model.yaml: a tf.layers model with its own loop and checkpoints, under ASHA', () => {
    const db = path.join(tempDir(), 'c.db');
    const result = hpsearch([
      'start',
      'search-spaces/custom-model.yaml',
      '--trials',
      '3',
      '--max-epochs',
      '3',
      '--storage',
      db,
      '--no-dashboard',
    ]);
    expect(result.stderr).not.toContain('note:');
    expect(result.code).toBe(0);
    const rows = leaderboard(db, 'custom-model');
    expect(rows.filter((r) => r.status === 'completed')).toHaveLength(1);
    expect(rows[0]!.value).toBeGreaterThan(0.8);
  });

  it('takes the module from --objective, relative to the working directory', () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'space.yaml'),
      'name: flag\nobjective: { metric: value, direction: maximize }\nmax_epochs: 1\ntrials: 2\nparams:\n  x: { uniform: [0, 1] }\n',
    );
    fs.writeFileSync(path.join(dir, 'double.mjs'), 'export default async ({ x }) => 2 * x;\n');
    const result = hpsearch(['start', 'space.yaml', '--objective', 'double.mjs', '--storage', 'hp.db', '--no-dashboard'], { cwd: dir });
    expect(result.code).toBe(0);
    for (const row of leaderboard(path.join(dir, 'hp.db'), 'flag')) expect(row.value).toBe(2 * row.params.x!);
  });

  const fixture = (name: string) => path.join(ROOT, 'test/fixtures/objectives', `${name}.mjs`);
  const badModules: [string, string, (dir: string) => string][] = [
    [
      'a missing module',
      'nowhere.mjs',
      (dir) => `error: space.yaml:2: objective.module: no such file: "nowhere.mjs" (looked for ${dir}/nowhere.mjs)\n`,
    ],
    [
      'a module without a default export',
      fixture('no-default'),
      (dir) =>
        `error: objective module ${path.relative(dir, fixture('no-default'))} has no default export function\n` +
        'hint: export the training function: export default async function (params, trial) {...}\n',
    ],
    [
      'a module that throws on import',
      'broken.mjs',
      () => 'error: objective module broken.mjs failed to load: Error: cannot load the model weights\n',
    ],
  ];

  it.each(badModules)('refuses %s before anything is written, naming it', (_label, module, expected) => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'broken.mjs'), "throw new Error('cannot load the model weights');\nexport default async () => 1;\n");
    fs.writeFileSync(
      path.join(dir, 'space.yaml'),
      `name: bad\nobjective: { module: ${JSON.stringify(module)}, metric: value, direction: maximize }\nparams:\n  x: { uniform: [0, 1] }\n`,
    );
    const before = fs.readdirSync(dir).sort();
    const result = hpsearch(['start', 'space.yaml', '--storage', 'hp.db', '--no-dashboard'], { cwd: dir });
    expect(result.stderr).toBe(expected(dir));
    expect(result.code).toBe(2);
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });

  it('fails a trial whose module returns something that is not a number, naming the module', () => {
    const dir = tempDir();
    fs.writeFileSync(
      path.join(dir, 'space.yaml'),
      `name: str\nobjective: { module: ${JSON.stringify(fixture('returns-string'))}, metric: value, direction: maximize }\ntrials: 1\nparams:\n  x: { uniform: [0, 1] }\n`,
    );
    const result = hpsearch(['start', 'space.yaml', '--storage', 'hp.db', '--no-dashboard'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `error: TrialFailedError: objective module ${fixture('returns-string')} returned "fine"; expected a number, an object of numbers (metrics), { status: 'completed' | 'diverged', metrics, epochs }, or nothing after reporting epochs`,
    );
  });
});
