/**
 * Output through real pipes: every command's output reaches a reader that is slower than the
 * writer complete, with the same bytes as when written to a file; a reader that closes early
 * ends a read-only command quietly and stops a running study gracefully.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, tempDir } from '../helpers/cli.js';

const ENV = { ...process.env, CI: '1', NO_COLOR: '1' };
const TRIALS = 10_000;

interface Piped {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

/**
 * Runs `hpsearch <args>` with stdout and stderr on pipes whose reader waits before it reads
 * anything for `delayMs`, so that the writer fills the pipe (64 KiB) and must queue the rest.
 */
function piped(args: readonly string[], cwd: string, delayMs = 300): Promise<Piped> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  const read = (stream: NodeJS.ReadableStream) =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      // Node resumes a child's pipes itself when the child exits, so the listener is there from
      // the start; until then nothing is read for a while.
      stream.on('data', (chunk: Buffer) => chunks.push(chunk)).pause();
      setTimeout(() => stream.resume(), delayMs);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return Promise.all([exited, read(child.stdout), read(child.stderr)]).then(([code, stdout, stderr]) => ({ code, stdout, stderr }));
}

/** Runs `hpsearch <args>` with stdout and stderr written straight to files. */
function toFiles(args: readonly string[], cwd: string): Piped {
  const outFile = path.join(cwd, 'stdout.txt');
  const errFile = path.join(cwd, 'stderr.txt');
  const out = fs.openSync(outFile, 'w');
  const err = fs.openSync(errFile, 'w');
  try {
    const result = spawnSync(process.execPath, [BIN, ...args], { cwd, env: ENV, stdio: ['ignore', out, err], timeout: 300_000 });
    return { code: result.status, stdout: fs.readFileSync(outFile), stderr: fs.readFileSync(errFile) };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
  }
}

/** Runs a bash pipeline in `cwd` with `$H` standing for the built CLI. */
function bash(script: string, cwd: string) {
  const result = spawnSync('bash', ['-c', script], {
    cwd,
    env: { ...ENV, H: `${process.execPath} ${BIN}` },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const NOOP = `export default async (params) => params.x;\n`;

function space(name: string, trials: number): string {
  return [
    `name: ${name}`,
    'objective: { module: ./noop.mjs, metric: value, direction: minimize }',
    'strategy: random',
    `trials: ${trials}`,
    'max_epochs: 1',
    'workers: 2',
    'seed: 3',
    'params:',
    '  x: { uniform: [0, 1] }',
    '  rate: { loguniform: [0.0001, 1] }',
    '  optimizer: { choice: [sgd, momentum, adam] }',
    '',
  ].join('\n');
}

describe(`output of every command through a pipe, on a ${TRIALS.toLocaleString('en')}-trial study`, () => {
  let dir: string;
  let start: Piped;

  beforeAll(async () => {
    dir = tempDir();
    fs.writeFileSync(path.join(dir, 'noop.mjs'), NOOP);
    fs.writeFileSync(path.join(dir, 'big.yaml'), space('big', TRIALS));
    fs.writeFileSync(path.join(dir, 'small.yaml'), space('small', 20));
    start = await piped(['start', 'big.yaml', '--storage', 'sqlite:s.db', '--no-dashboard'], dir);
    expect(toFiles(['start', 'small.yaml', '--storage', 'sqlite:s.db', '--no-dashboard'], dir).code).toBe(0);
  });

  it("start's progress, summary and leaderboard all reach the pipe", () => {
    expect(start.stderr.toString()).toContain('study "big": random');
    expect(start.code).toBe(0);
    const lines = start.stdout.toString().split('\n');
    expect(lines.filter((line) => /^\[\s*\d+\/10000\]\s+trial \d+/.test(line))).toHaveLength(TRIALS);
    expect(lines).toContainEqual(expect.stringMatching(/^study "big" completed: 10000 trials \(10000 completed\)/));
    // The leaderboard of the best 10 ends the output.
    expect(lines.filter((line) => /^\s+10\s+\d+\s+completed/.test(line))).toHaveLength(1);
    expect(start.stdout.toString().endsWith('\n')).toBe(true);
  });

  const cases: readonly (readonly string[])[] = [
    ['leaderboard', 'big'],
    ['leaderboard', 'big', '--json'],
    ['leaderboard', 'big', '--format', 'csv'],
    ['leaderboard', 'big', '--format', 'md'],
    ['leaderboard', 'big', '--format', 'html'],
    ['export', 'big'],
    ['export', 'big', '--format', 'csv'],
    ['show', 'big'],
    ['show', 'big', '--json'],
    ['show', 'big', '--trial', '17'],
    ['compare', 'big', 'small'],
    ['compare', 'big', 'small', '--format', 'json'],
    ['list'],
    ['list', '--json'],
    ['plan', 'big.yaml'],
    ['plan', 'big.yaml', '--json'],
  ];
  for (const args of cases) {
    it(`hpsearch ${args.join(' ')}: the pipe gets the bytes a file gets`, async () => {
      const all = [...args, ...(args[0] === 'plan' ? [] : ['--storage', 'sqlite:s.db'])];
      const file = toFiles(all, dir);
      const pipe = await piped(all, dir);
      expect(file.code).toBe(0);
      expect(pipe.code).toBe(0);
      expect(pipe.stderr.toString()).toBe(file.stderr.toString());
      expect(pipe.stdout.length).toBe(file.stdout.length);
      expect(pipe.stdout.equals(file.stdout)).toBe(true);
      // The large outputs are far beyond what a pipe holds.
      if ((args[0] === 'leaderboard' && args.length > 2) || args[0] === 'export') expect(pipe.stdout.length).toBeGreaterThan(500_000);
    });
  }

  it('a long error report on stderr reaches the pipe complete', async () => {
    const params = Array.from({ length: 8_000 }, (_, i) => `  p${i}: { uniform: [1, 0] }`);
    fs.writeFileSync(path.join(dir, 'bad.yaml'), [...space('bad', 5).split('\n').slice(0, 8), ...params, ''].join('\n'));
    const file = toFiles(['plan', 'bad.yaml'], dir);
    const pipe = await piped(['plan', 'bad.yaml'], dir);
    expect(file.code).toBe(2);
    expect(pipe.code).toBe(2);
    expect(pipe.stderr.length).toBeGreaterThan(500_000);
    expect(pipe.stderr.equals(file.stderr)).toBe(true);
    expect(
      pipe.stderr
        .toString()
        .split('\n')
        .filter((line) => line.includes('bad.yaml:')),
    ).toHaveLength(8_000);
  });

  it('a reader that closes early ends a read-only command quietly, exit 0', () => {
    for (const command of ['leaderboard big --json', 'export big --format csv', 'leaderboard big']) {
      const result = bash(`$H ${command} --storage sqlite:s.db | head -c 100 > /dev/null; echo "exit \${PIPESTATUS[0]}"`, dir);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('exit 0\n');
    }
  });

  it('a reader that closes early stops a running study gracefully: interrupted, exit 130, resumable', () => {
    fs.writeFileSync(path.join(dir, 'long.yaml'), space('long', 3000));
    const result = bash('$H start long.yaml --storage sqlite:l.db --no-dashboard | head -3; echo "exit ${PIPESTATUS[0]}" >&2', dir);
    expect(result.stdout.split('\n').filter((line) => line !== '')).toHaveLength(3);
    expect(result.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(result.stderr).toContain('stdout was closed: stopping the study as on Ctrl-C');
    expect(result.stderr).toContain('study "long" interrupted: resume it with hpsearch resume "long" --storage sqlite:l.db');
    expect(result.stderr.trim().split('\n').at(-1)).toBe('exit 130');
    const list = bash('$H list --json --storage sqlite:l.db', dir);
    const [study] = JSON.parse(list.stdout) as { status: string; trials: number }[];
    expect(study!.status).toBe('interrupted');
    expect(study!.trials).toBeLessThan(3000);
    const resumed = bash('$H resume long --storage sqlite:l.db --no-dashboard > /dev/null; echo "exit $?"', dir);
    expect(resumed.stdout).toBe('exit 0\n');
  });
});

it('a trial child process that is ended by its parent writes out what it printed first', async () => {
  const dir = tempDir();
  // Each trial prints 200 KB to stdout, which the child process shares with hpsearch.
  fs.writeFileSync(
    path.join(dir, 'noisy.mjs'),
    `export default async (params, trial) => { process.stdout.write('~'.repeat(200_000) + '\\n'); return params.x; };\n`,
  );
  fs.writeFileSync(path.join(dir, 'noisy.yaml'), space('noisy', 6).replace('./noop.mjs', './noisy.mjs'));
  // The reader waits until the study is over and its trial processes are being closed.
  const pipe = await piped(['start', 'noisy.yaml', '--storage', 'sqlite:n.db', '--no-dashboard', '--isolation', 'process'], dir, 8000);
  expect(pipe.code).toBe(0);
  const text = pipe.stdout.toString();
  // Two processes writing to one pipe may interleave their chunks: count the bytes, not lines.
  expect(text.replace(/[^~]/g, '').length).toBe(6 * 200_000);
  expect(text.split('\n')).toContainEqual(expect.stringMatching(/^study "noisy" completed: 6 trials/));
});
