/**
 * The dashboard through the built CLI: plain lines when stdout is not a terminal, a frame of text
 * from `dashboard` in a pipe, and, in tmux, the live dashboard of `start` (q leaves the study
 * resumable) and `dashboard` attached to a study another process runs.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, type CliResult, ROOT, hpsearch, hpsearchAsync, tempDir } from '../helpers/cli.js';
import { tool } from '../helpers/tools.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { PREVIEW_ABOVE } from '../../src/ui/store/attached.js';
import { makeSpec } from '../fixtures/spec.js';

const SPACE = 'search-spaces/quick.yaml';
// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001B/;

function sql<T>(db: string, query: string): T[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(query).all() as T[];
  } finally {
    conn.close();
  }
}

/** Polls `read` until `done` accepts its value; fails with the last value after `timeoutMs`. */
async function until<T>(read: () => T, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  let value = read();
  while (!done(value)) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen:\n${String(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    value = read();
  }
  return value;
}

/** The exit code the pane's shell wrote to `exitFile` (see {@link shell}), once it is there. */
function exitCode(exitFile: string, timeoutMs: number, what: string): Promise<string> {
  return until(
    () => (fs.existsSync(exitFile) ? fs.readFileSync(exitFile, 'utf8').trim() : ''),
    (c) => c !== '',
    timeoutMs,
    what,
  );
}

describe('without a terminal', () => {
  let dir: string;
  let db: string;
  let result: CliResult;

  beforeAll(() => {
    dir = tempDir();
    db = path.join(dir, 'plain.db');
    result = hpsearch(['start', SPACE, '--trials', '2', '--max-epochs', '2', '--storage', `sqlite:${db}`], {
      env: { CI: undefined, NO_COLOR: undefined, TERM: 'xterm-256color' },
    });
  });

  it('start prints plain lines and no escape code when stdout is a pipe, even outside CI', () => {
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(ESCAPE);
    expect(result.stderr).not.toMatch(ESCAPE);
    expect(result.stdout.split('\n').filter((line) => /^\[[12]\/2\] {2}trial [01] {2}completed {2}val_accuracy /.test(line))).toHaveLength(
      2,
    );
    expect(result.stdout).toContain('study "quick" completed: 2 trials (2 completed)');
  });

  it('dashboard prints one frame of the study as text', () => {
    const frame = hpsearch(['dashboard', 'quick', '--storage', `sqlite:${db}`], { env: { CI: undefined } });
    expect(frame.code).toBe(0);
    expect(frame.stdout).not.toMatch(ESCAPE);
    const lines = frame.stdout.split('\n');
    expect(lines[0]).toMatch(/^quick {2}random · wasm · maximize val_accuracy +best [\d.]+ \(#[01]\) {2}completed · read-only$/);
    expect(lines[1]).toMatch(/^workers 0\/2 {2}trials 2\/2 {2}elapsed \d+:\d\d {2}ETA - {2}epochs █+ 4\/4 100%$/);
    expect(frame.stdout).toContain('leaderboard · top 2 of 2 · sort: rank');
    expect(frame.stdout).toMatch(/ {5}1 {4}#[01] completed/);
    expect(frame.stdout).toContain('curves · val_accuracy');
    // The study has ended: parameter importance in place of the running trials, here why there is none.
    expect(frame.stdout).not.toContain('running 0');
    expect(lines[2]).toMatch(/^importance ─+$/);
    expect(lines[3]).toBe('  Parameter importance needs at least 10 completed trials; 2 have completed.');
  });

  it('dashboard without a study lists the studies', () => {
    const list = hpsearch(['dashboard', '--storage', `sqlite:${db}`], { env: { CI: undefined } });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^study {2}status {5}strategy {2}trials {2}completed +best {2}metric\n/);
    expect(list.stdout).toMatch(/\nquick {2}completed {2}random {9}2 {10}2 +[\d.]+ {2}val_accuracy \(max\)\n/);
    expect(list.stderr).toBe('watch one with: hpsearch dashboard <study>\n');
  });

  it('dashboard names what is wrong with the storage or the study', () => {
    const missing = hpsearch(['dashboard', '--storage', `sqlite:${path.join(dir, 'none.db')}`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `error: ${path.join(dir, 'none.db')} does not exist: there is no study to watch\nhint: start one with: hpsearch start <space-file> --storage sqlite:${path.join(dir, 'none.db')}\n`,
    );
    const unknown = hpsearch(['dashboard', 'quik', '--storage', `sqlite:${db}`]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`error: no study named "quik" in ${db}; did you mean "quick"?`);
    const memory = hpsearch(['dashboard', '--storage', 'memory:']);
    expect(memory.code).toBe(2);
    expect(memory.stderr).toContain('error: memory: storage keeps nothing another process can watch');
  });
});

const tmuxTool = tool('tmux');

/** The environment of a user's terminal: no CI variables (ink would print only a last frame). */
function terminalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      key === 'CI' ||
      key === 'CONTINUOUS_INTEGRATION' ||
      key.startsWith('CI_') ||
      key === 'NO_COLOR' ||
      key === 'NODE_ENV' ||
      key.startsWith('VITEST')
    )
      continue;
    env[key] = value;
  }
  return env;
}

/** One private tmux server with one session of a fixed size. */
class Tmux {
  readonly #socket = `hpsearch-test-${process.pid}-${Math.random().toString(36).slice(2)}`;

  constructor(command: string, width: number, height: number) {
    this.#run(['new-session', '-d', '-x', String(width), '-y', String(height), '-s', 'main', command]);
  }

  screen(): string {
    return this.#run(['capture-pane', '-p', '-t', 'main']);
  }

  keys(...keys: string[]): void {
    this.#run(['send-keys', '-t', 'main', ...keys]);
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.#socket, 'kill-server']);
  }

  #run(args: readonly string[]): string {
    const result = spawnSync('tmux', ['-L', this.#socket, '-f', '/dev/null', ...args], { env: terminalEnv(), encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  }
}

/** A shell command that runs hpsearch, writes its exit code to `exitFile`, and keeps the pane open. */
function shell(args: readonly string[], exitFile: string): string {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return `cd '${ROOT}' && env -u CI ${quoted}; echo $? > '${exitFile}'; sleep 120`;
}

/** The epochs trained, from the header's bar line. */
function epochsUsed(screen: string): number {
  const match = /epochs [█░]+ (\d+)\/\d+ \d+%/.exec(screen);
  return match === null ? -1 : Number(match[1]);
}

describe.skipIf(!tmuxTool.available)(`in a terminal (tmux)${tmuxTool.skipped}`, () => {
  let tmux: Tmux | null = null;
  let background: ChildProcess | null = null;

  afterEach(() => {
    tmux?.kill();
    tmux = null;
    if (background !== null && background.exitCode === null) background.kill('SIGKILL');
    background = null;
  });

  it('start shows the live dashboard; q stops gracefully and leaves the study resumable', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'live.db');
    const exitFile = path.join(dir, 'exit');
    tmux = new Tmux(shell(['start', SPACE, '--max-epochs', '200', '--storage', `sqlite:${db}`], exitFile), 100, 30);
    const first = await until(
      () => tmux!.screen(),
      (s) => epochsUsed(s) > 0 && /#\d+ w[01] [█░]+ +\d+\/200 {2}loss /.test(s),
      30_000,
      'the dashboard with a running trial',
    );
    expect(first).toMatch(/^quick {2}random · wasm · maximize val_accuracy +best .* {2}running$/m);
    expect(first).toMatch(/^workers 2\/2 {2}trials \d\/8 {2}elapsed \d+:\d\d {2}ETA /m);
    expect(first).toMatch(/^running 2 ─+ \?: keys$/m);
    expect(first).toMatch(/^leaderboard · top \d of \d · sort: rank/m);
    expect(first).toMatch(/^ {2}rank trial status +val_accuracy epochs +time learning_ra… batch_size/m);
    expect(first).toMatch(/^curves · val_accuracy ─+ events ─+$/m);
    // It changes as the study runs.
    await until(
      () => tmux!.screen(),
      (s) => epochsUsed(s) > epochsUsed(first),
      15_000,
      'more epochs',
    );
    tmux.keys('s');
    await until(
      () => tmux!.screen(),
      (s) => s.includes('sort: newest'),
      5000,
      'the sort to change',
    );
    tmux.keys('q');
    const code = await exitCode(exitFile, 30_000, 'hpsearch to exit');
    expect(code).toBe('130');
    // The shell's screen is back, with the summary below the study's header lines.
    const after = tmux.screen();
    expect(after).toContain('study "quick" interrupted:');
    expect(after).not.toContain('leaderboard ·');
    const [study] = sql<{ status: string }>(db, "SELECT status FROM studies WHERE name = 'quick'");
    expect(study!.status).toBe('interrupted');
    const statuses = sql<{ status: string }>(db, 'SELECT status FROM trials').map((t) => t.status);
    expect(statuses).toContain('queued');
    expect(statuses).not.toContain('running');
  });

  it('dashboard shows a large study from its best trials and counts, then from every trial', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'large.db');
    const exitFile = path.join(dir, 'exit');
    const count = PREVIEW_ABOVE + 1000;
    // A finished study larger than what is read whole before the first frame, written straight to storage.
    const value = (n: number) => ((n * 7919) % count) / count;
    const storage = SqliteStorage.open(db);
    const study = await storage.createStudy(
      makeSpec({
        name: 'large',
        trials: count,
        maxEpochs: 1,
        objective: { metric: 'value', direction: 'minimize' },
        params: [{ name: 'lr', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } }],
      }),
      'cpu',
    );
    const writes: Promise<unknown>[] = [];
    for (let n = 0; n < count; n++) {
      const v = value(n);
      writes.push(
        storage.addTrial(study.id, { number: n, params: { lr: 10 ** (-4 + 4 * v) }, seed: n, targetEpochs: 1 }),
        storage.startTrial(study.id, n, { worker: n % 2, host: 'h', backend: 'cpu' }),
        storage.recordEpoch(study.id, n, { epoch: 1, metrics: { value: v }, value: v, durationMs: 1 }),
        storage.finishTrial(study.id, n, {
          status: 'completed',
          value: v,
          metrics: { value: v },
          epochs: 1,
          durationMs: 1,
          error: null,
          tensorsAfter: null,
        }),
      );
    }
    await Promise.all(writes);
    await storage.setStudyStatus(study.id, 'completed');
    await storage.close();
    const best = Array.from({ length: count }, (_, n) => n).sort((a, b) => value(a) - value(b) || a - b);

    tmux = new Tmux(shell(['dashboard', 'large', '--storage', `sqlite:${db}`], exitFile), 110, 36);
    const full = await until(
      () => tmux!.screen(),
      (s) => s.includes(`importance · fANOVA over a sample of 2000 of ${count} completed trials`),
      60_000,
      'the dashboard with every trial read',
    );
    expect(full).toMatch(/^large {2}random · cpu · minimize value +best 0 \(#0\) {2}completed · read-only$/m);
    expect(full).toMatch(new RegExp(`^workers 0/2 {2}trials ${count}/${count} `, 'm'));
    expect(full).not.toContain('reading all');
    expect(full).toContain(`leaderboard · top 10 of ${count} · sort: rank`);
    const ranks = [...full.matchAll(/^ +(\d+) +#(\d+) completed /gm)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(ranks).toEqual(best.slice(0, 10).map((n, i) => [i + 1, n]));
    tmux.keys('q');
    const code = await exitCode(exitFile, 15_000, 'the dashboard to exit');
    expect(code).toBe('0');
  });

  it('dashboard attaches read-only to a study another process runs, and follows it', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'attached.db');
    const exitFile = path.join(dir, 'exit');
    background = hpsearchAsync(['start', SPACE, '--max-epochs', '200', '--storage', `sqlite:${db}`, '--no-dashboard']);
    let stderr = '';
    background.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await until(
      () => stderr,
      (s) => s.includes('storage '),
      30_000,
      'the study to start',
    );
    tmux = new Tmux(shell(['dashboard', 'quick', '--storage', `sqlite:${db}`], exitFile), 100, 30);
    const first = await until(
      () => tmux!.screen(),
      (s) => epochsUsed(s) > 0,
      30_000,
      'the attached dashboard',
    );
    expect(first).toMatch(/^quick {2}random · wasm · maximize val_accuracy +best .* {2}running · read-only$/m);
    expect(first).toMatch(/^leaderboard · top \d of \d · sort: rank/m);
    await until(
      () => tmux!.screen(),
      (s) => epochsUsed(s) > epochsUsed(first),
      15_000,
      'the attached dashboard to follow the study',
    );
    tmux.keys('q');
    const code = await exitCode(exitFile, 15_000, 'the dashboard to exit');
    expect(code).toBe('0');
    // The study was not disturbed: it still runs, and stops as usual.
    expect(background.exitCode).toBeNull();
    const exited = new Promise<number | null>((resolve) => background!.on('exit', (c) => resolve(c)));
    background.kill('SIGINT');
    expect(await exited).toBe(130);
  });
});
