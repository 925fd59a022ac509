/**
 * `hpsearch init` through the built CLI: each template written, then run as a study and ranked;
 * refusals (existing files, missing or wrong flags) write nothing. And every command's `--help`
 * ends with examples.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, hpsearch, tempDir } from '../helpers/cli.js';

const SCHEMA_LINE = '# yaml-language-server: $schema=node_modules/hpsearch/space.schema.json\n';

let root: string;

/** A folder under `root` laid out as a project that installed hpsearch (and so tfjs). */
function project(name: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'hpsearch'));
  fs.symlinkSync(path.join(ROOT, 'node_modules', '@tensorflow'), path.join(dir, 'node_modules', '@tensorflow'));
  return dir;
}

/** `hpsearch ...` run from `root`. */
const run = (...args: string[]) => hpsearch(args, { cwd: root });

/** 60 rows: three numeric features, a class label and a continuous value. */
function writeCsv(file: string): void {
  const species = ['setosa', 'versicolor', 'virginica'];
  const rows = ['sepal,petal,width,species,weight'];
  for (let i = 0; i < 60; i++) {
    const k = i % 3;
    rows.push(
      [
        (k + Math.sin(i)).toFixed(3),
        (2 * k + Math.cos(i)).toFixed(3),
        ((i % 7) / 7).toFixed(3),
        species[k],
        (10 + k * 3.7 + i / 13).toFixed(2),
      ].join(','),
    );
  }
  fs.writeFileSync(file, `${rows.join('\n')}\n`);
}

/** The files under `dir` and their contents, node_modules aside. */
function snapshot(dir: string): Record<string, string> {
  if (!fs.existsSync(dir)) return {};
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(dir)) {
    if (name !== 'node_modules') files[name] = fs.readFileSync(path.join(dir, name), 'utf8');
  }
  return files;
}

/** Runs the study of `<name>/space.yaml` with a tiny budget and returns its leaderboard rows. */
function runStudy(name: string, extra: string[] = []): { trial: number; status: string; value: number | null }[] {
  const db = path.join(root, `${name}.db`);
  const start = run(
    'start',
    `${name}/space.yaml`,
    '--no-dashboard',
    '--trials',
    '3',
    '--max-epochs',
    '2',
    '--workers',
    '2',
    '--backend',
    'cpu',
    '--storage',
    db,
    ...extra,
  );
  expect(start.stderr).not.toContain('error');
  expect(start.code).toBe(0);
  const board = run('leaderboard', name, '--json', '--storage', db);
  expect(board.code).toBe(0);
  return JSON.parse(board.stdout) as { trial: number; status: string; value: number | null }[];
}

beforeAll(() => {
  root = tempDir('hpsearch-init-');
  writeCsv(path.join(root, 'iris.csv'));
});

describe('hpsearch init', () => {
  it.each([
    ['fit', []],
    ['loop', ['--template', 'loop']],
  ])('--template %s writes space.yaml and objective.mjs that run as a study', (template, flags) => {
    const dir = project(template);
    const result = run('init', template, ...flags);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toBe(
      `wrote ${template}/space.yaml\nwrote ${template}/objective.mjs\nnext: npx hpsearch start ${template}/space.yaml\n`,
    );
    const space = fs.readFileSync(path.join(dir, 'space.yaml'), 'utf8');
    expect(space.startsWith(SCHEMA_LINE)).toBe(true);
    expect(space).toContain(`# Run it with: npx hpsearch start ${template}/space.yaml\n`);
    expect(space).toContain(`name: ${template}\n`);
    expect(space).toContain('  module: ./objective.mjs');
    const module = fs.readFileSync(path.join(dir, 'objective.mjs'), 'utf8');
    expect(module).toContain("from 'hpsearch'");
    expect(module).toContain("from '@tensorflow/tfjs'");
    if (template === 'fit') expect(module).toContain("from 'hpsearch/tfjs'");
    const rows = runStudy(template);
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => ['completed', 'pruned'].includes(row.status))).toBe(true);
    expect(rows[0]!.status).toBe('completed');
  });

  it('--template builtin reads the task and columns from the CSV file, and its study runs', () => {
    const result = run('init', 'iris', '--template', 'builtin', '--csv', 'iris.csv', '--target', 'species');
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toContain('classification');
    expect(result.stdout).toContain('wrote iris/space.yaml\nnext: npx hpsearch start iris/space.yaml\n');
    expect(fs.readdirSync(path.join(root, 'iris'))).toEqual(['space.yaml']);
    const space = fs.readFileSync(path.join(root, 'iris', 'space.yaml'), 'utf8');
    // No node_modules/hpsearch in or above the folder: the schema is where `npm install` in the working directory puts it.
    expect(space.startsWith('# yaml-language-server: $schema=../node_modules/hpsearch/space.schema.json\n')).toBe(true);
    for (const line of [
      '  dataset: csv\n',
      '  path: ../iris.csv',
      '  target: species\n',
      '  task: classification\n',
      '  metric: val_accuracy\n',
      '  direction: maximize\n',
      // 48 training rows: a batch of 64 would be refused.
      '  batch_size: { choice: [16, 32] }\n',
    ]) {
      expect(space).toContain(line);
    }
    const rows = runStudy('iris');
    expect(rows.map((row) => row.status)).toEqual(['completed', 'completed', 'completed']);
  });

  it('--template builtin on a numeric target is a regression minimizing val_loss', () => {
    const dir = project('weights');
    fs.copyFileSync(path.join(root, 'iris.csv'), path.join(dir, 'data.csv'));
    // The labels are not numbers: they cannot be features, so this file is refused as start would refuse it.
    const refused = run('init', 'weights', '--template', 'builtin', '--csv', 'weights/data.csv', '--target', 'weight');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('weights/data.csv: line 2, column "species": "setosa" is not a number');
    expect(snapshot(dir)).toEqual({ 'data.csv': fs.readFileSync(path.join(root, 'iris.csv'), 'utf8') });
    const numeric = fs
      .readFileSync(path.join(dir, 'data.csv'), 'utf8')
      .split('\n')
      .map((line) =>
        line
          .split(',')
          .filter((_, i) => i !== 3)
          .join(','),
      )
      .join('\n');
    fs.writeFileSync(path.join(dir, 'data.csv'), numeric);
    const result = run('init', 'weights', '--template', 'builtin', '--csv', 'weights/data.csv', '--target', 'weight');
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toContain('regression');
    const space = fs.readFileSync(path.join(dir, 'space.yaml'), 'utf8');
    expect(space.startsWith(SCHEMA_LINE)).toBe(true);
    for (const line of ['  path: data.csv', '  task: regression\n', '  metric: val_loss\n', '  direction: minimize\n'])
      expect(space).toContain(line);
    expect(run('plan', 'weights/space.yaml').code).toBe(0);
    // --task overrides what the column suggests.
    const forced = run(
      'init',
      'weights',
      '--template',
      'builtin',
      '--csv',
      'weights/data.csv',
      '--target',
      'petal',
      '--task',
      'regression',
      '--force',
    );
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'space.yaml'), 'utf8')).toContain('  target: petal\n  task: regression\n');
  });

  it('refuses to overwrite without --force, naming the files and writing nothing; --force overwrites', () => {
    const dir = path.join(root, 'again');
    expect(run('init', 'again', '--template', 'loop').code).toBe(0);
    fs.writeFileSync(path.join(dir, 'space.yaml'), 'mine\n');
    const before = snapshot(dir);
    const refused = run('init', 'again', '--template', 'loop');
    expect([refused.code, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toBe(
      'error: again/space.yaml and again/objective.mjs already exist; nothing was written\nhint: add --force to overwrite, or name another folder\n',
    );
    expect(snapshot(dir)).toEqual(before);
    // One of the two files there is enough to refuse: the other is not written either.
    fs.rmSync(path.join(dir, 'space.yaml'));
    const one = run('init', 'again');
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('error: again/objective.mjs already exists; nothing was written\n');
    expect(fs.existsSync(path.join(dir, 'space.yaml'))).toBe(false);
    const forced = run('init', 'again', '--force');
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'objective.mjs'), 'utf8')).toContain("from 'hpsearch/tfjs'");
    expect(fs.readFileSync(path.join(dir, 'space.yaml'), 'utf8')).toContain('name: again\n');
  });

  it.each([
    [['--template', 'builtin'], '--csv: is required with --template builtin'],
    [['--template', 'builtin', '--csv', 'iris.csv'], '--target: is required with --template builtin'],
    [['--template', 'builtin', '--target', 'species'], '--csv: is required with --template builtin'],
    [['--template', 'builtin', '--csv', 'nope.csv', '--target', 'species'], 'error: nope.csv: no such file\n'],
    [
      ['--template', 'builtin', '--csv', 'iris.csv', '--target', 'colour'],
      'error: iris.csv: no column "colour" for the target; the columns are: sepal, petal, width, species, weight\n',
    ],
    [
      ['--template', 'builtin', '--csv', 'iris.csv', '--target', 'species', '--task', 'ranking'],
      '--task: must be one of classification, regression, got "ranking"',
    ],
    [['--template', 'loop', '--csv', 'iris.csv'], 'error: --csv: applies to --template builtin only, not loop\n'],
    [['--target', 'species'], 'error: --target: applies to --template builtin only, not fit\n'],
    [['--template', 'keras'], 'error: --template: must be one of fit, loop, builtin, got "keras"\n'],
  ])('%j is refused with exit 2 and nothing written', (flags, message) => {
    const result = run('init', 'refused', ...flags);
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toContain(message);
    expect(fs.existsSync(path.join(root, 'refused'))).toBe(false);
  });

  it('defaults to the working directory', () => {
    const dir = project('here');
    const result = hpsearch(['init', '--template', 'loop'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('wrote space.yaml\nwrote objective.mjs\nnext: npx hpsearch start space.yaml\n');
    expect(fs.readFileSync(path.join(dir, 'space.yaml'), 'utf8').startsWith(SCHEMA_LINE)).toBe(true);
  });
});

describe('--help', () => {
  // Every command teaches by examples.
  const commands = fs
    .readdirSync(path.join(ROOT, 'src/cli/commands'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.replace(/\.ts$/, ''));

  it.each(commands)('%s --help ends with two or three examples', (command) => {
    const result = hpsearch([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\n\nExamples:\n( {2}\$ hpsearch \S.*\n){2,3}$/);
    for (const line of result.stdout.split('Examples:\n')[1]!.trimEnd().split('\n'))
      expect(line).toMatch(new RegExp(`^ {2}\\$ hpsearch ${command}\\b`));
  });

  it('start --help points to the space file reference', () => {
    expect(hpsearch(['start', '--help']).stdout).toContain('README.md, section "Search space files"');
  });
});
