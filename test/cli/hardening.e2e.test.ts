/**
 * Hardening through the built CLI with real files: signals in a trial's last epoch, objectives
 * that break the report rules, atomic --output on a full disk, read-only media, a disk that fills
 * up during a study, and the small things (values that break lines, formula-like CSV text,
 * strict JSON). The tmpfs and read-only cases mount a file system, which needs root; elsewhere
 * they are skipped and say why in their names.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import seedrandom from 'seedrandom';
import { afterAll, describe, expect, it } from 'vitest';
import { hpsearch, hpsearchAsync, tempDir } from '../helpers/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/objectives/${name}.mjs`, import.meta.url));

interface Ranked {
  trial: number;
  status: string;
  value: number | null;
  epochs: number;
  params: Record<string, unknown>;
}

function leaderboard(db: string, study: string): Ranked[] {
  const result = hpsearch(['leaderboard', study, '--json', '--storage', db]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as Ranked[]).map(({ trial, status, value, epochs, params }) => ({
    trial,
    status,
    value,
    epochs,
    params,
  }));
}

function epochCount(db: string): number {
  try {
    const conn = new Database(db, { readonly: true, fileMustExist: true });
    try {
      return (conn.prepare('SELECT count(*) AS c FROM epochs').get() as { c: number }).c;
    } finally {
      conn.close();
    }
  } catch {
    return 0;
  }
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether this process may mount a tmpfs (root, with the capability): the disk cases need it. */
const canMount = (() => {
  const dir = tempDir('hpsearch-mount-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0;
  if (mounted) spawnSync('umount', [dir]);
  return mounted;
})();
if (!canMount && process.env.HPSEARCH_REQUIRE_TOOLS === '1')
  throw new Error('cannot mount a tmpfs here, and HPSEARCH_REQUIRE_TOOLS=1: run as root');
const MOUNT_REASON = canMount ? '' : ' (skipped: mounting a tmpfs needs root)';
const mounts: string[] = [];

/** A fresh tmpfs of `size` (`1m`), unmounted after the file. */
function tmpfs(size: string): string {
  const dir = tempDir('hpsearch-tmpfs-');
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`mount failed: ${result.stderr}`);
  mounts.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of mounts) spawnSync('umount', ['-l', dir]);
});

/** Files of a folder with their contents, hidden ones included: what "nothing changed" means. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    fs
      .readdirSync(dir)
      .sort()
      .map((name) => [name, fs.readFileSync(path.join(dir, name)).toString('base64')]),
  );
}

describe('a stop in the last epoch of a run: a trial whose reported epochs reach its target is done', () => {
  const dir = tempDir();
  const module = (name: string, order: 'report-first' | 'save-first', strategy: 'random' | 'sha') =>
    [
      `name: ${name}`,
      `objective: { module: ${JSON.stringify(fixture('interruptible'))}, metric: value, direction: minimize }`,
      `strategy: ${strategy}`,
      strategy === 'sha' ? 'trials: 4\nmin_epochs: 1\nmax_epochs: 2\neta: 2' : 'trials: 3\nmax_epochs: 2',
      'workers: 1',
      'seed: 11',
      'params:',
      '  x: { uniform: [0, 1] }',
      `  order: ${order}`,
      '  pause_ms: 120',
      '',
    ].join('\n');
  const trainer = (name: string, strategy: 'random' | 'sha') =>
    [
      `name: ${name}`,
      'data: { dataset: digits, validation_split: 0.2 }',
      'objective: { metric: val_accuracy, direction: maximize }',
      `strategy: ${strategy}`,
      strategy === 'sha' ? 'trials: 4\nmin_epochs: 1\nmax_epochs: 2\neta: 2' : 'trials: 3\nmax_epochs: 2',
      'workers: 1',
      'seed: 5',
      'params:',
      '  learning_rate: { loguniform: [0.01, 0.3] }',
      '  batch_size: 16',
      '  optimizer: momentum',
      '  hidden: [64]',
      '',
    ].join('\n');
  const cases = [
    { name: 'module-random', text: module('module-random', 'report-first', 'random') },
    { name: 'module-sha', text: module('module-sha', 'report-first', 'sha') },
    { name: 'save-first-random', text: module('save-first-random', 'save-first', 'random') },
    { name: 'save-first-sha', text: module('save-first-sha', 'save-first', 'sha') },
    { name: 'trainer-random', text: trainer('trainer-random', 'random') },
    { name: 'trainer-sha', text: trainer('trainer-sha', 'sha') },
  ];
  const POINTS = 4;

  for (const { name, text } of cases) {
    it(`${name}: SIGINT and SIGTERM at ${POINTS} points of the last epochs, then resume, give the uninterrupted leaderboard`, async () => {
      const space = path.join(dir, `${name}.yaml`);
      fs.writeFileSync(space, text);
      const reference = path.join(dir, `${name}-reference.db`);
      expect(hpsearch(['start', space, '--storage', reference, '--no-dashboard']).code).toBe(0);
      const expected = leaderboard(reference, name);
      const total = epochCount(reference);
      expect(expected.length).toBeGreaterThan(0);
      const random = seedrandom(name);
      for (let point = 0; point < POINTS; point++) {
        const db = path.join(dir, `${name}-${point}.db`);
        // Just before a run's last epoch is reported, or just after: some epoch count, then a
        // delay around one epoch's length.
        const after = 1 + Math.floor(random() * (total - 1));
        const delayMs = Math.floor(random() * 200);
        const signal = point % 2 === 0 ? 'SIGINT' : 'SIGTERM';
        const child = hpsearchAsync(['start', space, '--storage', db, '--no-dashboard']);
        let stderr = '';
        let stdout = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
        await waitFor(() => epochCount(db) >= after || child.exitCode !== null, `epoch ${after} of ${name}`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        child.kill(signal);
        const code = await exited;
        if (code === null) {
          // The signal came after the study had finished, as the process was ending.
          const list = hpsearch(['list', '--json', '--storage', db]);
          expect((JSON.parse(list.stdout) as { status: string }[])[0]!.status, stderr).toBe('completed');
        } else {
          // 0: the signal came after the study had finished.
          expect([0, 130], stderr).toContain(code);
        }
        expect(stderr).not.toMatch(/failed|error/i);
        // A graceful stop lets a run finish its current epoch, so only a run with two or more
        // epochs left goes back to the queue: here (random, 2 epochs) after exactly 1; under sha,
        // whose runs here are 1 epoch long, never.
        const requeued = [...stdout.matchAll(/trial \d+ interrupted after (\d+) epochs?/g)].map((m) => Number(m[1]));
        expect(
          requeued.filter((epochs) => epochs !== 1 || name.endsWith('sha')),
          stdout,
        ).toEqual([]);
        if (code === 130) {
          const resumed = hpsearch(['resume', name, '--storage', db, '--no-dashboard']);
          expect(resumed.code, resumed.stderr).toBe(0);
          expect(resumed.stdout).not.toMatch(/\bfailed\b/);
        }
        expect(leaderboard(db, name), `${signal} after ${after} epochs + ${delayMs}ms`).toEqual(expected);
      }
    });
  }
});

describe('objectives that break the rules of trial.report() fail their own trial, never the study', () => {
  it('every broken rule is one failed trial with a message naming the module, the epoch and the rule', () => {
    const dir = tempDir();
    const faults = [
      'zero',
      'negative',
      'fraction',
      'nan',
      'repeated',
      'backwards',
      'beyond',
      'text',
      'proto',
      'swallowed',
      'string',
      'object-thrown',
      'fine',
      'diverged',
    ];
    fs.writeFileSync(
      path.join(dir, 'bad.yaml'),
      [
        'name: bad',
        `objective: { module: ${JSON.stringify(fixture('bad-reports'))}, metric: value, direction: minimize }`,
        'strategy: grid',
        'max_epochs: 3',
        'workers: 2',
        `params: { fault: { choice: [${faults.join(', ')}] } }`,
        '',
      ].join('\n'),
    );
    const result = hpsearch(['start', 'bad.yaml', '--storage', 'bad.db', '--no-dashboard'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/study "bad" completed: 14 trials \(1 completed, 1 diverged, 12 failed\)/);
    const show = (fault: string) => {
      const trial = faults.indexOf(fault);
      const out = hpsearch(['show', 'bad', '--trial', String(trial), '--json', '--storage', 'bad.db'], { cwd: dir });
      return JSON.parse(out.stdout) as { status: string; error: string | null; epochs: unknown[] };
    };
    const who = `objective module ${fixture('bad-reports')}`;
    const rule = 'a run reports each of its epochs once, in order: this one epochs 1 to 3';
    const errors: Record<string, string> = {
      zero: `${who}: trial.report(0, …) in trial 0: epochs count from 1, got 0 (${rule})`,
      negative: `${who}: trial.report(-1, …) in trial 1: epochs count from 1, got -1 (${rule})`,
      fraction: `${who}: trial.report(1.5, …) in trial 2: the epoch must be a whole number, got 1.5 (${rule})`,
      nan: `${who}: trial.report(NaN, …) in trial 3: the epoch must be a whole number, got NaN (${rule})`,
      repeated: `${who}: trial.report(1, …) in trial 4: epoch 1 was reported already: the next one is 2 (${rule})`,
      backwards: `${who}: trial.report(2, …) in trial 5: epoch 2 skips epoch 1 (${rule})`,
      beyond: `${who}: trial.report(4, …) in trial 6: epoch 4 is beyond this run's budget (${rule})`,
      text: `${who}: trial.report(1, …) in trial 7: metric "value" must be a number, got "0.5"`,
      proto: `${who}: trial.report(1, …) in trial 8: "__proto__" cannot be a metric name`,
      swallowed: `${who}: trial.report(0, …) in trial 9: epochs count from 1, got 0 (${rule})`,
      string: `objective module ${fixture('bad-reports')} returned "0.5"; expected a number, an object of numbers (metrics), { status: 'completed' | 'diverged', metrics, epochs }, or nothing after reporting epochs`,
      'object-thrown': 'a plain object thrown as an error',
    };
    for (const [fault, message] of Object.entries(errors)) {
      const trial = show(fault);
      expect(trial.status, fault).toBe('failed');
      expect(trial.error!.split('\n')[0], fault).toBe(`TrialFailedError: ${message}`);
    }
    // Nothing out of order or beyond the budget was stored.
    expect(show('beyond').epochs).toHaveLength(3);
    expect(show('backwards').epochs).toHaveLength(0);
    expect(show('fine').status).toBe('completed');
    expect(show('diverged').status).toBe('diverged');
  });
});

describe('files written for a user are written atomically', () => {
  it.skipIf(!canMount)(`a full disk keeps the previous report whole and leaves no temporary file, exit 74${MOUNT_REASON}`, () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'noop.mjs'), 'export default async (params) => params.x;\n');
    const space = (name: string, trials: number) =>
      `name: ${name}\nobjective: { module: ./noop.mjs, metric: value, direction: minimize }\ntrials: ${trials}\nmax_epochs: 1\nworkers: 2\nseed: 1\nparams: { x: { uniform: [0, 1] }, tag: { choice: [alpha, beta, gamma] } }\n`;
    fs.writeFileSync(path.join(dir, 'small.yaml'), space('small', 5));
    fs.writeFileSync(path.join(dir, 'big.yaml'), space('big', 4000));
    expect(hpsearch(['start', 'small.yaml', '--storage', 'hp.db', '--no-dashboard'], { cwd: dir }).code).toBe(0);
    expect(hpsearch(['start', 'big.yaml', '--storage', 'hp.db', '--no-dashboard'], { cwd: dir }).code).toBe(0);
    const tiny = tmpfs('1m');
    const report = path.join(tiny, 'r.html');
    const good = hpsearch(['leaderboard', 'small', '--storage', 'hp.db', '--output', report], { cwd: dir });
    expect(good.code).toBe(0);
    const before = snapshot(tiny);
    const full = hpsearch(['leaderboard', 'big', '--storage', 'hp.db', '--output', report, '--force'], { cwd: dir });
    expect(full.code).toBe(74);
    expect(full.stderr).toBe(`error: cannot write ${report}: no space left on the device (ENOSPC)\n`);
    expect(snapshot(tiny)).toEqual(before);
    const fresh = hpsearch(['export', 'big', '--storage', 'hp.db', '--output', path.join(tiny, 'e.json')], { cwd: dir });
    expect(fresh.code).toBe(74);
    expect(snapshot(tiny)).toEqual(before);
  });
});

describe('read-only media', () => {
  it.skipIf(!canMount)(
    `a finished database on a read-only mount can be read; start there says it is read-only, exit 74${MOUNT_REASON}`,
    () => {
      const media = tmpfs('8m');
      fs.writeFileSync(path.join(media, 'noop.mjs'), 'export default async (params) => params.x;\n');
      fs.writeFileSync(
        path.join(media, 's.yaml'),
        'name: s\nobjective: { module: ./noop.mjs, metric: value, direction: minimize }\ntrials: 4\nmax_epochs: 1\nseed: 2\nparams: { x: { uniform: [0, 1] } }\n',
      );
      expect(hpsearch(['start', 's.yaml', '--storage', 'hp.db', '--no-dashboard'], { cwd: media }).code).toBe(0);
      const writable = leaderboard(path.join(media, 'hp.db'), 's');
      expect(spawnSync('mount', ['-o', 'remount,ro', media]).status).toBe(0);
      expect(leaderboard(path.join(media, 'hp.db'), 's')).toEqual(writable);
      const list = hpsearch(['list', '--storage', 'hp.db'], { cwd: media });
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/^s\s+completed\s+random\s+4\s+4/m);
      const into = hpsearch(['start', 's.yaml', '--name', 'other', '--storage', 'new.db', '--no-dashboard'], { cwd: media });
      expect(into.code).toBe(74);
      expect(into.stderr).toBe(
        'error: cannot write new.db: the folder . is on a read-only file system (EROFS)\nhint: choose another place with --storage sqlite:PATH\n',
      );
      const output = hpsearch(['leaderboard', 's', '--storage', 'hp.db', '--output', 'r.csv'], { cwd: media });
      expect(output.code).toBe(74);
      expect(output.stderr).toBe('error: cannot write r.csv: the file system is read-only (EROFS)\n');
    },
  );
});

describe('a disk that fills up during a study', () => {
  it.skipIf(!canMount)(`ends it with exit 74, and every trial printed as finished is stored${MOUNT_REASON}`, async () => {
    const disk = tmpfs('600k');
    fs.writeFileSync(path.join(disk, 'noop.mjs'), 'export default async (params) => params.x;\n');
    fs.writeFileSync(
      path.join(disk, 'f.yaml'),
      'name: f\nobjective: { module: ./noop.mjs, metric: value, direction: minimize }\ntrials: 3000\nmax_epochs: 1\nworkers: 2\nseed: 4\nparams: { x: { uniform: [0, 1] }, tag: { choice: [alpha, beta, gamma] } }\n',
    );
    const result = hpsearch(['start', 'f.yaml', '--storage', 'f.db', '--no-dashboard'], { cwd: disk });
    expect(result.code).toBe(74);
    expect(result.stderr).toMatch(/error: could not write to f\.db: database or disk is full\n$/);
    const printed = result.stdout
      .split('\n')
      .filter((line) => /trial \d+\s+completed/.test(line))
      .map((line) => Number(/trial (\d+)/.exec(line)![1]));
    expect(printed.length).toBeGreaterThan(0);
    // Read what was stored from a copy on a disk with room (the database and its log).
    const copy = tempDir();
    for (const name of fs.readdirSync(disk).filter((n) => n.startsWith('f.db')))
      fs.copyFileSync(path.join(disk, name), path.join(copy, name));
    const conn = new Database(path.join(copy, 'f.db'), { readonly: true });
    const stored = (conn.prepare("SELECT number FROM trials WHERE status = 'completed'").all() as { number: number }[]).map(
      (r) => r.number,
    );
    conn.close();
    expect(stored).toEqual(expect.arrayContaining(printed));
  });
});

describe('bad input: refused with exit 2 and nothing written', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'noop.mjs'), 'export default async (params) => 0;\n');
  const header = 'name: v\nobjective: { module: ./noop.mjs, metric: value, direction: minimize }\ntrials: 2\nmax_epochs: 1\n';
  const cases: [string, string, string][] = [
    [
      'a range whose width overflows',
      'params: { x: { uniform: [-1e308, 1e308] } }',
      'v.yaml:5: params.x.uniform: the range is too wide: high - low must be a finite number, got [-1e+308, 1e+308]',
    ],
    [
      'integers beyond exact ones',
      'params: { n: { int: [0, 1e20] } }',
      `v.yaml:5: params.n.int: bounds and their distance must be exact integers, at most ${Number.MAX_SAFE_INTEGER} in size, got [0, 100000000000000000000]`,
    ],
    [
      'a NaN bound',
      'params: { x: { uniform: [.nan, 1] } }',
      'v.yaml:5: params.x.uniform: must be [low, high] with two numbers, got [NaN, 1]',
    ],
    [
      'choices that show as the same text',
      'params: { c: { choice: [1, "1", true, "true"] } }',
      'v.yaml:5: params.c.choice[1]: "1" and 1 both show as 1 in results: choices must differ as text\nv.yaml:5: params.c.choice[3]: "true" and true both show as true in results: choices must differ as text',
    ],
  ];
  for (const [what, params, message] of cases) {
    it(what, () => {
      fs.writeFileSync(path.join(dir, 'v.yaml'), `${header}${params}\n`);
      const before = snapshot(dir);
      const result = hpsearch(['start', 'v.yaml', '--storage', 'hp.db', '--no-dashboard'], { cwd: dir });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`error: ${message}\n`);
      expect(snapshot(dir)).toEqual(before);
    });
  }

  it('a .json space file is parsed as JSON: a trailing comma is an error at its line', () => {
    fs.writeFileSync(path.join(dir, 'v.json'), '{\n  "name": "v",\n  "trials": 2,\n  "params": { "x": { "uniform": [0, 1] } },\n}\n');
    const result = hpsearch(['plan', 'v.json'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: v.json:5: malformed JSON at line 5, column 1: expected a double-quoted string, found "}"\n');
  });
});

describe('small things', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'noop.mjs'), 'export default async (params) => params.x;\n');
  const space = (trials: number) =>
    `name: s\nobjective: { module: ./noop.mjs, metric: value, direction: minimize }\ntrials: ${trials}\nmax_epochs: 1\nseed: 3\nparams:\n  x: { uniform: [0, 1] }\n  tag: { choice: ["=HYPERLINK(1)", "-2", "line\\nbreak", "@sum", plain] }\n`;

  it('a newline in a value is escaped in terminal tables and progress lines; --csv-safe defuses formula-like text, numbers stay numbers', () => {
    fs.writeFileSync(path.join(dir, 's.yaml'), space(12));
    const run = hpsearch(['start', 's.yaml', '--storage', 'hp.db', '--no-dashboard'], { cwd: dir });
    expect(run.code).toBe(0);
    const progress = run.stdout.split('\n').filter((line) => /^\[\s*\d+\/12\]/.test(line));
    expect(progress).toHaveLength(12);
    const board = hpsearch(['leaderboard', 's', '--storage', 'hp.db'], { cwd: dir });
    const lines = board.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 12);
    expect(board.stdout).toContain('line\\nbreak');
    const raw = hpsearch(['leaderboard', 's', '--format', 'csv', '--storage', 'hp.db'], { cwd: dir }).stdout;
    expect(raw).toContain(',=HYPERLINK(1),');
    const safe = hpsearch(['leaderboard', 's', '--format', 'csv', '--csv-safe', '--storage', 'hp.db'], { cwd: dir }).stdout;
    const rows = safe.trimEnd().split('\r\n').slice(1);
    const tags = new Set(rows.map((row) => row.split(',').at(-1)));
    expect([...tags].filter((tag) => /^[=+\-@]/.test(tag!))).toEqual([]);
    expect(safe).toContain(",'=HYPERLINK(1)");
    expect(safe).toContain(",'-2");
    // Values stay numbers: the value column is a plain number in every row.
    const header = safe.split('\r\n')[0]!.split(',');
    for (const row of rows) expect(Number.isFinite(Number(row.split(',')[header.indexOf('value')]))).toBe(true);
    const exported = hpsearch(['export', 's', '--format', 'csv', '--csv-safe', '--storage', 'hp.db'], { cwd: dir });
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(",'@sum,");
    const wrongFormat = hpsearch(['leaderboard', 's', '--json', '--csv-safe', '--storage', 'hp.db'], { cwd: dir });
    expect(wrongFormat.code).toBe(2);
    expect(wrongFormat.stderr).toBe('error: --csv-safe applies to CSV output, not json\nhint: add --format csv, or leave --csv-safe out\n');
  });

  it('starting a finished study with fewer trials says how to go on', () => {
    fs.writeFileSync(path.join(dir, 'fewer.yaml'), space(12).replace('trials: 12', 'trials: 4'));
    const result = hpsearch(['start', 'fewer.yaml', '--storage', 'hp.db', '--no-dashboard'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error: trials can only be raised: study "s" has 12, asked for 4\nhint: start a new study with --name, or see its results: hpsearch leaderboard "s" --storage sqlite:hp.db\n',
    );
  });

  it('a declaration that differs names the key in plain words', () => {
    fs.writeFileSync(path.join(dir, 'other.yaml'), space(12).replace('x: { uniform: [0, 1] }', 'x: { uniform: [0, 2] }'));
    const result = hpsearch(['start', 'other.yaml', '--storage', 'hp.db', '--no-dashboard'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: a study named "s" already exists in hp\.db, and this declaration differs from it in params\n/);
  });
});
