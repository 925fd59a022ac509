/**
 * `hpsearch importance` and the importance line of `show` through the built CLI (`npm run build`
 * first), on fixed studies in a SQLite file written through the Storage API.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { hpsearch, tempDir } from '../helpers/cli.js';
import { largerStudy, randomStudy } from '../report/fixtures.js';

let dir: string;
let db: string;

beforeAll(async () => {
  dir = tempDir();
  db = path.join(dir, 'studies.db');
  const storage = SqliteStorage.open(db);
  // 40 trials whose val_accuracy peaks near a learning rate of 0.01; 3 trials.
  await largerStudy(storage);
  await randomStudy(storage);
  await storage.close();
});

const run = (...args: string[]) => hpsearch([...args, '--storage', db], { cwd: dir });

describe('hpsearch importance', () => {
  it('ranks the parameter the objective follows first, as a table with bars', () => {
    const result = run('importance', 'digits-mlp');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^study "digits-mlp": parameter importance over \d+ completed trials \(fANOVA\)$/);
    expect(lines[1]).toMatch(/^parameter\s+importance\s+share$/);
    expect(lines[3]).toMatch(/^learning_rate\s+0\.\d+\s+\d+%\s+█{30}$/);
    // Every searched parameter, conditional children included, once.
    expect(
      lines
        .slice(3, -1)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
    ).toEqual(
      ['batch_size', 'learning_rate', 'optimizer', 'schedule', 'schedule.decay_rate', 'schedule.gamma', 'schedule.step_size'].sort(),
    );
  });

  it('--json: [{ param, importance }], best first, summing to 1, the same numbers every time', () => {
    const first = run('importance', 'digits-mlp', '--json');
    expect(first.code).toBe(0);
    const ranked = JSON.parse(first.stdout) as { param: string; importance: number }[];
    expect(Object.keys(ranked[0]!)).toEqual(['param', 'importance']);
    expect(ranked[0]!.param).toBe('learning_rate');
    expect(ranked[0]!.importance).toBeGreaterThan(0.5);
    expect(ranked.map((r) => r.importance)).toEqual([...ranked.map((r) => r.importance)].sort((a, b) => b - a));
    expect(ranked.reduce((sum, r) => sum + r.importance, 0)).toBeCloseTo(1, 12);
    expect(run('importance', 'digits-mlp', '--json').stdout).toBe(first.stdout);
  });

  it('with too few completed trials: how many it needs and has on stderr, nothing on stdout, exit 2', () => {
    const result = run('importance', 'digits-random');
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: study "digits-random": Parameter importance needs at least 10 completed trials; 2 have completed.\n' +
        'hint: run more trials (hpsearch resume digits-random --trials N) and try again\n',
    );
  });

  it('an unknown study is a usage error', () => {
    const result = run('importance', 'nope');
    expect(result.stdout).toBe('');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: no study named "nope" in .*studies\.db\nhint: known studies: digits-mlp, digits-random\n$/);
  });
});

describe('hpsearch show', () => {
  it('says what mattered, in the order importance ranks it, or why it cannot', () => {
    const shown = run('show', 'digits-mlp');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/\nimportance +learning_rate \d+%, /);
    expect(run('show', 'digits-random').stdout).toMatch(
      /\nimportance +Parameter importance needs at least 10 completed trials; 2 have completed\.\n/,
    );
    const json = JSON.parse(run('show', 'digits-mlp', '--json').stdout) as { importance: { param: string }[] };
    expect(json.importance[0]!.param).toBe('learning_rate');
    expect((JSON.parse(run('show', 'digits-random', '--json').stdout) as { importance: unknown }).importance).toBeNull();
  });
});
