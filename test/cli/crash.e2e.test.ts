/**
 * Crash safety through the built CLI with real training: kill -9 at random moments and resume,
 * a graceful Ctrl-C, one writer per study, readers while a study runs.
 */
import { type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { hpsearch, hpsearchAsync, tempDir } from '../helpers/cli.js';

const SPACE = 'search-spaces/quick.yaml';

interface Ranked {
  trial: number;
  status: string;
  value: number | null;
  epochs: number;
  params: Record<string, unknown>;
}

function leaderboard(db: string, study = 'quick'): Ranked[] {
  const result = hpsearch(['leaderboard', study, '--json', '--storage', db]);
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as Ranked[]).map(({ trial, status, value, epochs, params }) => ({
    trial,
    status,
    value,
    epochs,
    params,
  }));
}

function sql<T>(db: string, query: string): T[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(query).all() as T[];
  } finally {
    conn.close();
  }
}

/** Resolves with the exit code and output of a child process. */
function finished(child: ChildProcess): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether the study has recorded at least `n` epochs. */
function epochsRecorded(db: string, n: number): boolean {
  try {
    return sql<{ c: number }>(db, 'SELECT count(*) AS c FROM epochs')[0]!.c >= n;
  } catch {
    return false;
  }
}

let baseline: Ranked[];

beforeAll(() => {
  const db = path.join(tempDir(), 'baseline.db');
  expect(hpsearch(['start', SPACE, '--storage', db, '--no-dashboard']).code).toBe(0);
  baseline = leaderboard(db);
});

describe('kill -9 at random moments, then resume', () => {
  it('loses nothing, duplicates nothing, and ends with the uninterrupted leaderboard', async () => {
    const db = path.join(tempDir(), 'crash.db');
    const random = seedrandom('kill-9');
    for (let round = 0; round < 3; round++) {
      // `start` on the same space file resumes the unfinished study after the first round.
      const child = hpsearchAsync(['start', SPACE, '--storage', db, '--no-dashboard']);
      const exit = finished(child);
      const after = 20 + Math.floor(random() * 40);
      await waitFor(() => epochsRecorded(db, after * (round + 1)), `${after * (round + 1)} epochs`);
      child.kill('SIGKILL');
      expect((await exit).signal).toBe('SIGKILL');
      expect(sql<{ integrity_check: string }>(db, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    }
    const resumed = hpsearch(['resume', 'quick', '--storage', db, '--no-dashboard']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('resuming study "quick" (running,');
    expect(leaderboard(db)).toEqual(baseline);
    const trials = sql<{ status: string; interruptions: number }>(db, 'SELECT status, interruptions FROM trials');
    expect(trials.every((t) => t.status === 'completed')).toBe(true);
    expect(trials.reduce((n, t) => n + t.interruptions, 0)).toBeGreaterThanOrEqual(3);
    expect(sql<{ c: number }>(db, 'SELECT count(*) AS c FROM epochs')[0]!.c).toBe(8 * 20);
    expect(sql<{ integrity_check: string }>(db, 'PRAGMA integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    // Resuming a finished study changes nothing.
    const again = hpsearch(['resume', 'quick', '--storage', db]);
    expect([again.code, again.stderr]).toEqual([
      0,
      'study "quick" is completed: nothing to resume (raise its budget with --trials or --max-epochs)\n',
    ]);
  });
});

describe('Ctrl-C', () => {
  it('stops gracefully with exit code 130, keeps checkpoints, and resumes to the same result', async () => {
    const db = path.join(tempDir(), 'sigint.db');
    const child = hpsearchAsync(['start', SPACE, '--storage', db, '--no-dashboard']);
    const exit = finished(child);
    await waitFor(() => epochsRecorded(db, 50), '50 epochs');
    child.kill('SIGINT');
    const result = await exit;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('stopping: running trials end after their current epoch (press Ctrl-C again to stop at once)');
    expect(result.stderr).toContain(`study "quick" interrupted: resume it with hpsearch resume "quick" --storage sqlite:${db}`);
    expect(sql<{ status: string }>(db, 'SELECT status FROM studies')).toEqual([{ status: 'interrupted' }]);
    const queued = sql<{ number: number; epochs: number }>(db, "SELECT number, epochs FROM trials WHERE status = 'queued'");
    expect(queued.length).toBeGreaterThan(0);
    expect(queued.some((t) => t.epochs > 0)).toBe(true);
    expect(sql(db, "SELECT * FROM trials WHERE status = 'running'")).toEqual([]);
    expect(hpsearch(['resume', 'quick', '--storage', db, '--no-dashboard']).code).toBe(0);
    expect(leaderboard(db)).toEqual(baseline);
  });
});

describe('one writer per study', () => {
  let db: string;
  let runner: ChildProcess;
  let runnerExit: ReturnType<typeof finished>;

  beforeAll(async () => {
    db = path.join(tempDir(), 'writers.db');
    runner = hpsearchAsync(['start', SPACE, '--storage', db, '--max-epochs', '400', '--no-dashboard']);
    runnerExit = finished(runner);
    await waitFor(() => epochsRecorded(db, 5), 'the study to run');
  });

  it('lets readers list and rank while the study runs, never "database is locked"', () => {
    for (let i = 0; i < 3; i++) {
      const list = hpsearch(['list', '--json', '--storage', db]);
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)[0]).toMatchObject({ name: 'quick', status: 'running' });
      const board = hpsearch(['leaderboard', 'quick', '--json', '--storage', db]);
      expect(board.stderr).toBe('');
      expect(board.code).toBe(0);
    }
  });

  it('refuses a second start or resume, naming the process that runs it', () => {
    const message = `error: study "quick" is being run by process ${runner.pid} on ${os.hostname()} (since `;
    for (const args of [
      ['start', SPACE, '--max-epochs', '400'],
      ['resume', 'quick'],
    ]) {
      const second = hpsearch([...args, '--storage', db, '--no-dashboard']);
      expect(second.code).toBe(2);
      expect(second.stderr).toContain(message);
      expect(second.stderr).toContain(
        'hint: only one process runs a study at a time; watch it with hpsearch dashboard, or stop that process first\n',
      );
    }
  });

  it('takes over the lock of a process that died', async () => {
    runner.kill('SIGKILL');
    await runnerExit;
    const taken = hpsearchAsync(['resume', 'quick', '--storage', db, '--no-dashboard']);
    const exit = finished(taken);
    await waitFor(() => sql<{ pid: number }>(db, 'SELECT pid FROM locks')[0]?.pid === taken.pid, 'the lock to change hands');
    taken.kill('SIGKILL');
    await exit;
  });
});
