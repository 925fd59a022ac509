/**
 * Every command on a PostgreSQL storage through the built CLI, and the password: from the URL or
 * PGPASSWORD, it never appears in any output (headers, lists, reports, the dashboard's text
 * frame, errors for a wrong password).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hpsearch, tempDir } from '../helpers/cli.js';
import { usePostgres } from '../helpers/postgres.js';
import { syntheticSpace } from '../helpers/workers.js';

const postgres = usePostgres();
const dir = tempDir('hpsearch-pg-cli-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let url: string;
let masked: string;
beforeAll(async () => {
  url = await postgres().createDatabase();
  masked = url.replace(`:${postgres().password}@`, ':***@');
}, 60_000);

/** Promoted trials continued from the checkpoint of the rung below (rungs at 1, 3, 9 epochs), wherever it was stored. */
function expectContinued(trials: readonly { rung: number; metrics: { resumed_from: number } }[]) {
  const promoted = trials.filter((t) => t.rung > 0);
  expect(promoted.length).toBeGreaterThan(0);
  for (const t of promoted) expect(t.metrics.resumed_from).toBe([1, 3][t.rung - 1]);
}

function expectNoPassword(...outputs: string[]) {
  for (const output of outputs) expect(output).not.toContain(postgres().password);
}

describe('a study kept in PostgreSQL', () => {
  test('start runs it; list, leaderboard, show, export and dashboard read it; no output shows the password', () => {
    const { file } = syntheticSpace(dir, 'pgcli', ['strategy: asha', 'trials: 9', 'max_epochs: 9', 'params:', '  x: { uniform: [0, 1] }']);
    const started = hpsearch(['start', file, '--storage', url, '--workers', '2', '--backend', 'cpu', '--no-dashboard']);
    expect(started.code).toBe(0);
    expect(started.stderr).toContain(`storage ${masked}\n`);
    expect(started.stdout).toMatch(/study "pgcli" completed: 9 trials/);
    const reads = [
      ['list'],
      ['leaderboard', 'pgcli', '--format', 'csv'],
      ['show', 'pgcli', '--trial', '0'],
      ['export', 'pgcli'],
      ['dashboard', 'pgcli'],
    ].map((args) => hpsearch([...args, '--storage', url]));
    for (const read of reads) expect([read.code, read.stderr]).toEqual([0, '']);
    const [list, board, , exported, frame] = reads;
    expect(list!.stdout).toMatch(/pgcli\s+completed\s+asha\s+9\s+\d+/);
    expect(board!.stdout.split('\r\n')).toHaveLength(11);
    const { trials } = JSON.parse(exported!.stdout) as { trials: { rung: number; metrics: { resumed_from: number } }[] };
    expect(trials).toHaveLength(9);
    expectContinued(trials);
    expect(frame!.stdout).toContain('pgcli');
    expectNoPassword(started.stdout, started.stderr, ...reads.flatMap((r) => [r.stdout, r.stderr]));
    // Starting it again is refused as with SQLite, naming the storage without its password.
    const again = hpsearch(['start', file, '--storage', url, '--no-dashboard']);
    expect([again.code, again.stderr.split('\n')[0]]).toEqual([2, `error: a study named "pgcli" already exists in ${masked} (completed)`]);
    expectNoPassword(again.stderr);
  }, 60_000);

  test('with --checkpoints DIR, checkpoints are files in that folder, deleted once their trial is over', async () => {
    const { file } = syntheticSpace(dir, 'shared', ['strategy: asha', 'trials: 9', 'max_epochs: 9', 'params:', '  x: { uniform: [0, 1] }']);
    const folder = `${dir}/shared-checkpoints`;
    const started = hpsearch([
      'start',
      file,
      '--storage',
      url,
      '--checkpoints',
      folder,
      '--workers',
      '2',
      '--backend',
      'cpu',
      '--no-dashboard',
    ]);
    expect([started.code, started.stderr.includes('error')]).toEqual([0, false]);
    const exported = hpsearch(['export', 'shared', '--storage', url]);
    expectContinued((JSON.parse(exported.stdout) as { trials: { rung: number; metrics: { resumed_from: number } }[] }).trials);
    expect(fs.readdirSync(folder)).toEqual(['study-2']);
    expect(fs.readdirSync(`${folder}/study-2`)).toEqual([]);
    const db = url.slice(url.lastIndexOf('/') + 1);
    expect(await postgres().query(db, 'SELECT count(*)::int AS n FROM hpsearch.checkpoints')).toEqual([{ n: 0 }]);
  }, 60_000);

  test('credentials may come from PGPASSWORD, and a wrong password is an error that does not show it', () => {
    const bare = url.replace(`:${postgres().password}@`, '@');
    const fromEnv = hpsearch(['list', '--storage', bare], { env: { PGPASSWORD: postgres().password } });
    expect([fromEnv.code, fromEnv.stderr]).toEqual([0, '']);
    expectNoPassword(fromEnv.stdout);
    for (const [storage, env] of [
      [url.replace(postgres().password, 'Wr0ng-pa55'), {}],
      [bare, { PGPASSWORD: 'Wr0ng-pa55' }],
    ] as const) {
      const refused = hpsearch(['list', '--storage', storage], { env });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(
        /^error: cannot connect to postgres:\/\/hp_tester(:\*\*\*)?@127\.0\.0\.1:\d+\/\w+: password authentication failed for user "hp_tester"\nhint: /,
      );
      expect(`${refused.stdout}${refused.stderr}`).not.toContain('Wr0ng-pa55');
    }
  });

  test('worker refuses a SQLite storage: a SQLite study has one writer', () => {
    const refused = hpsearch(['worker', '--storage', `sqlite:${dir}/x.db`, '--study', 's']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `error: hpsearch worker needs a PostgreSQL storage: a SQLite study (${dir}/x.db) has one writer: the process that runs it\n` +
        'hint: run a SQLite study with hpsearch start or resume; to run one study on many hosts, keep it in PostgreSQL: --storage postgres://USER:PASSWORD@HOST:PORT/DATABASE\n',
    );
    expect(fs.existsSync(`${dir}/x.db`)).toBe(false);
  });
});
