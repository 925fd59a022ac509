/**
 * The dashboard of a population based training study through the built CLI, in tmux: `start`
 * shows the population panel below the leaderboard (each member's interval, parameters and
 * copy), the copies among the events, intervals in the running panel; q stops it gracefully.
 * Without a terminal, `start` prints `interval` lines and a line per copy.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, hpsearch, tempDir } from '../helpers/cli.js';
import { tool } from '../helpers/tools.js';

const OBJECTIVE = fileURLToPath(new URL('../fixtures/objectives/pbt-member.mjs', import.meta.url));

/** A pbt space over the fixture objective; `epochMs` slows its epochs down. */
function spaceFile(dir: string, name: string, maxEpochs: number, epochMs: number): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(
    file,
    [
      `name: ${name}`,
      'objective:',
      `  module: ${JSON.stringify(OBJECTIVE)}`,
      '  metric: value',
      '  direction: maximize',
      'strategy: pbt',
      'population: 4',
      'perturbation_interval: 2',
      'quantile: 0.25',
      'resample_probability: 0',
      `max_epochs: ${maxEpochs}`,
      'seed: 7',
      'workers: 2',
      'params:',
      '  learning_rate: { loguniform: [1.0e-4, 1] }',
      '  batch_size: { choice: [16, 32, 64] }',
      `  epoch_ms: ${epochMs}`,
      '',
    ].join('\n'),
  );
  return file;
}

describe('without a terminal', () => {
  it('start says interval, and prints a line when a member copies another', () => {
    const dir = tempDir();
    const result = hpsearch(['start', spaceFile(dir, 'pbt-plain', 6, 0), '--storage', `sqlite:${path.join(dir, 'plain.db')}`]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.filter((l) => /^\[\s*\d+\/12\] {2}trial \d {2}(paused|completed) +interval [0-2] {2}value /.test(l))).toHaveLength(12);
    expect(lines.some((l) => /rung/.test(l))).toBe(false);
    const copies = lines.filter((l) => l.includes(' copies '));
    // One member in four copies at each of the 2 boundaries.
    expect(copies).toHaveLength(2);
    for (const line of copies) expect(line).toMatch(/^trial \d copies trial \d after [24] epochs: learning_rate [\d.e-]+ → [\d.e-]+/);
  });
});

const tmuxTool = tool('tmux');

/** The environment of a user's terminal: no CI variables (ink would print only a last frame). */
function terminalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (['CI', 'CONTINUOUS_INTEGRATION', 'NO_COLOR', 'NODE_ENV'].includes(key) || key.startsWith('CI_') || key.startsWith('VITEST'))
      continue;
    env[key] = value;
  }
  return env;
}

/** One private tmux server with one session of a fixed size. */
class Tmux {
  readonly #socket = `hpsearch-pbt-${process.pid}-${Math.random().toString(36).slice(2)}`;

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

describe.skipIf(!tmuxTool.available)(`in a terminal (tmux)${tmuxTool.skipped}`, () => {
  let tmux: Tmux | null = null;

  afterEach(() => {
    tmux?.kill();
    tmux = null;
  });

  it('start shows the population and its copies; q stops gracefully', async () => {
    const dir = tempDir();
    const exitFile = path.join(dir, 'exit');
    const args = ['start', spaceFile(dir, 'pbt-live', 200, 40), '--storage', `sqlite:${path.join(dir, 'live.db')}`];
    const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
    tmux = new Tmux(`cd '${ROOT}' && env -u CI ${quoted}; echo $? > '${exitFile}'; sleep 120`, 100, 32);
    const screen = await until(
      () => tmux!.screen(),
      (s) => /^#3 +\d+\/\d+ /m.test(s) && / copies #\d after \d+ ep: lr /.test(s) && /#\d w[01] .* interval \d+/.test(s),
      60_000,
      'the population panel with a copy',
    );
    expect(screen).toMatch(/^pbt-live {2}pbt · wasm · maximize value +best .* {2}running$/m);
    expect(screen).toMatch(/^population 4 · interval \d+ · epochs \d+–\d+ of 200 ─+ events ─+$/m);
    expect(screen).toMatch(/^# +ep +value +lr batch_size( status)? +copied/m);
    for (const member of [0, 1, 2, 3]) expect(screen).toMatch(new RegExp(`^#${member} +\\d+/\\d+ +[\\d.]+ +[\\d.e-]+ +(16|32|64)`, 'm'));
    expect(screen).not.toContain('rungs ·');
    tmux.keys('q');
    const code = await until(
      () => (fs.existsSync(exitFile) ? fs.readFileSync(exitFile, 'utf8').trim() : ''),
      (c) => c !== '',
      30_000,
      'hpsearch to exit',
    );
    expect(code).toBe('130');
    expect(tmux.screen()).toContain('study "pbt-live" interrupted:');
  });
});
