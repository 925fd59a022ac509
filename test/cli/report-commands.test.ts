/**
 * The report commands through the built CLI (`npm run build` first): leaderboard formats and
 * --output, export, compare and show, with their exit codes and messages, on fixed studies in a
 * SQLite file written through the Storage API.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { hpsearch, tempDir } from '../helpers/cli.js';
import { hostileStudy, hyperbandStudy, randomStudy } from '../report/fixtures.js';

let dir: string;
let db: string;

beforeAll(async () => {
  dir = tempDir();
  db = path.join(dir, 'studies.db');
  const storage = SqliteStorage.open(db);
  await randomStudy(storage);
  await hyperbandStudy(storage);
  await randomStudy(storage, { name: 'digits-loss', objective: { metric: 'val_loss', direction: 'minimize' } });
  await hostileStudy(storage);
  await storage.close();
});

const run = (...args: string[]) => hpsearch([...args, '--storage', db], { cwd: dir });

describe('hpsearch leaderboard', () => {
  it('prints the table by default', () => {
    const result = run('leaderboard', 'digits-random', '--top', '2');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'rank  trial  status     val_accuracy  accuracy  loss    lr  val_loss  epochs  time  seed  learning_rate  batch_size  schedule  schedule.gamma',
        '----  -----  ---------  ------------  --------  ----  ----  --------  ------  ----  ----  -------------  ----------  --------  --------------',
        '   1      1  completed           0.9      0.93   0.3  0.05       0.4       3  1.5s  1001            0.1          64  step                 0.5',
        '   2      0  completed           0.8      0.85   0.4  0.01       0.6       3  3.0s  1000           0.01          16  constant               -',
        '',
      ].join('\n'),
    );
  });

  it('--json keeps the fields it always had, and adds the new ones', () => {
    const result = run('leaderboard', 'digits-hyperband', '--json');
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as Record<string, unknown>[];
    expect(rows[0]).toEqual({
      rank: 1,
      trial: 1,
      status: 'completed',
      value: 0.88,
      epochs: 3,
      params: { learning_rate: 0.1, optimizer: 'sgd' },
      durationMs: 300,
      bracket: 1,
      rung: 1,
      seed: 1001,
      proposedBy: 'random',
      metrics: { loss: 0.1, val_loss: 0.2, accuracy: 0.9, val_accuracy: 0.88, lr: 0.1 },
      error: null,
    });
    expect(run('leaderboard', 'digits-hyperband', '--format', 'json').stdout).toBe(result.stdout);
  });

  it('--metric ranks by another final metric; an unknown one is refused with exit 2', () => {
    expect(run('leaderboard', 'digits-random', '--metric', 'val_loss').stdout.split('\n')[0]).toMatch(
      /^rank {2}trial {2}status {5}val_loss {2}val_accuracy /,
    );
    const result = run('leaderboard', 'digits-random', '--metric', 'val_acc');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'error: --metric: no trial reported a metric named "val_acc"; did you mean "val_accuracy"?\nhint: known metrics: accuracy, loss, lr, val_accuracy, val_loss\n',
    );
  });

  it('--output writes the file, says so on stderr, and refuses to overwrite it without --force', () => {
    const out = path.join(dir, 'board.csv');
    const first = run('leaderboard', 'digits-random', '--format', 'csv', '--output', out);
    expect([first.code, first.stdout, first.stderr]).toEqual([0, '', `wrote ${out}\n`]);
    const written = fs.readFileSync(out, 'utf8');
    expect(written.startsWith('rank,trial,status,value,metric.accuracy,')).toBe(true);

    const again = run('leaderboard', 'digits-random', '--format', 'md', '--output', out);
    expect(again.code).toBe(2);
    expect(again.stdout).toBe('');
    expect(again.stderr).toBe(
      `error: ${out} already exists; nothing was written\nhint: add --force to overwrite it, or pick another --output\n`,
    );
    expect(fs.readFileSync(out, 'utf8')).toBe(written);

    const forced = run('leaderboard', 'digits-random', '--format', 'md', '--output', out, '--force');
    expect(forced.code).toBe(0);
    expect(fs.readFileSync(out, 'utf8').startsWith('| rank | trial | status |')).toBe(true);
  });

  it('the format follows the --output extension; --format html writes the self-contained report', () => {
    const out = path.join(dir, 'reports', 'random.html');
    const result = run('leaderboard', 'digits-random', '--output', out);
    expect(result.code).toBe(0);
    const page = fs.readFileSync(out, 'utf8');
    expect(page.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(page).toContain('<meta name="generator" content="hpsearch 0.1.0">');
    expect(run('leaderboard', '<script>alert(1)</script>', '--format', 'html').stdout).toContain(
      '<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>',
    );
  });

  it.each([
    [['--format', 'xml'], 'error: --format: must be one of table, json, csv, md, html, got "xml"\n'],
    [['--json', '--format', 'csv'], 'error: --json and --format csv ask for different formats\nhint: use one of them\n'],
    [['--top', '0'], 'error: --top: must be an integer ≥ 1, got "0"\n'],
  ])('%j is refused with exit 2', (flags, message) => {
    const result = run('leaderboard', 'digits-random', ...flags);
    expect([result.code, result.stdout, result.stderr]).toEqual([2, '', message]);
  });
});

describe('hpsearch export', () => {
  it('--format csv: one row per epoch, to stdout', () => {
    const result = run('export', 'digits-hyperband', '--format', 'csv');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\r\n');
    expect(lines[0]!.startsWith('study,trial,rank,status,value,seed,proposed_by,bracket,rung,epochs,')).toBe(true);
    expect(lines).toHaveLength(11);
  });

  it('JSON by default, or from the --output extension; never over an existing file', () => {
    const doc = JSON.parse(run('export', 'digits-hyperband').stdout);
    expect([doc.format, doc.study.name, doc.trials.length, doc.epochs.length, doc.promotions.length]).toEqual([
      'hpsearch-study',
      'digits-hyperband',
      5,
      9,
      1,
    ]);
    const out = path.join(dir, 'export.json');
    expect(run('export', 'digits-hyperband', '--output', out).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(doc);
    const refused = run('export', 'digits-random', '--output', out);
    expect([refused.code, refused.stderr]).toEqual([
      2,
      `error: ${out} already exists; nothing was written\nhint: add --force to overwrite it, or pick another --output\n`,
    ]);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).study.name).toBe('digits-hyperband');
  });

  it('--format md is not an export format', () => {
    const result = run('export', 'digits-hyperband', '--format', 'md');
    expect([result.code, result.stderr]).toEqual([2, 'error: --format: must be one of json, csv, got "md"\n']);
  });
});

describe('hpsearch compare', () => {
  it('ranks two studies together with a summary line each', () => {
    const result = run('compare', 'digits-random', 'digits-hyperband', '--top', '3');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines.slice(0, 8)).toEqual([
      'study "digits-random" (random, interrupted): best val_accuracy 0.9 (trial 1); 5 trials (2 completed, 1 running, 1 diverged, 1 failed); 8 epochs; wall 22.0s',
      'study "digits-hyperband" (hyperband, completed): best val_accuracy 0.88 (trial 1); 5 trials (2 completed, 2 pruned, 1 running); 9 epochs; wall 29.0s',
      '',
      "importance of the shared parameters (fANOVA; a share of each study's total)",
      'study "digits-random": Parameter importance needs at least 10 completed trials; 2 have completed.',
      'study "digits-hyperband": Parameter importance needs at least 10 completed trials; 2 have completed.',
      '',
      'ranked by val_accuracy (maximize)',
    ]);
    expect(lines.slice(10, 13).map((l) => l.split(/\s+/).slice(1, 4))).toEqual([
      ['1', 'digits-random', '1'],
      ['2', 'digits-hyperband', '1'],
      ['3', 'digits-random', '0'],
    ]);
  });

  it('refuses studies whose objectives differ, unless --metric settles it', () => {
    const refused = run('compare', 'digits-random', 'digits-loss');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      'error: cannot rank these studies together: "digits-random" maximizes val_accuracy, "digits-loss" minimizes val_loss\n' +
        'hint: rank them all by one metric with --metric NAME (reported by every study: accuracy, loss, lr, val_accuracy, val_loss)\n',
    );
    const settled = run('compare', 'digits-random', 'digits-loss', '--metric', 'val_loss', '--format', 'json');
    expect(settled.code).toBe(0);
    expect(JSON.parse(settled.stdout).direction).toBe('minimize');
    expect(JSON.parse(settled.stdout).importance).toEqual({ 'digits-random': null, 'digits-loss': null });
  });

  it.each([
    [['digits-random'], 'error: compare needs at least two studies, got 1\nhint: for one study: hpsearch leaderboard "digits-random"\n'],
    [['digits-random', 'digits-random'], 'error: study "digits-random" is named twice\n'],
    [
      ['digits-random', 'digits-hyperbnd'],
      `error: no study named "digits-hyperbnd" in STORAGE; did you mean "digits-hyperband"?\nhint: known studies: digits-random, digits-hyperband, digits-loss, <script>alert(1)</script>\n`,
    ],
  ])('%j is refused with exit 2', (names, message) => {
    const result = run('compare', ...names);
    expect([result.code, result.stdout, result.stderr]).toEqual([2, '', message.replace('STORAGE', db)]);
  });
});

describe('hpsearch show', () => {
  it('prints a study summary, or one trial in full', () => {
    const summary = run('show', 'digits-hyperband');
    expect(summary.code).toBe(0);
    expect(summary.stdout.split('\n').slice(0, 3)).toEqual([
      'study "digits-hyperband"',
      'status      completed',
      'strategy    hyperband: 5 configurations, 2 brackets up to 3 epochs (η=3), 11 epochs planned',
    ]);
    // Importance needs 10 completed trials; this study has 2.
    expect(summary.stdout).toContain('\nimportance  Parameter importance needs at least 10 completed trials; 2 have completed.\n');
    const trial = JSON.parse(run('show', 'digits-hyperband', '--trial', '1', '--json').stdout);
    expect([trial.number, trial.rank, trial.rungs.length, trial.epochs.length]).toEqual([1, 1, 2, 3]);
  });

  it.each([
    [['--trial', '9'], 'error: study "digits-hyperband" has no trial 9\nhint: its trials are numbered 0 to 4\n'],
    [['--trial', 'one'], 'error: --trial: must be a trial number (an integer ≥ 0), got "one"\n'],
  ])('%j is refused with exit 2', (flags, message) => {
    const result = run('show', 'digits-hyperband', ...flags);
    expect([result.code, result.stdout, result.stderr]).toEqual([2, '', message]);
  });
});

describe('--help', () => {
  it.each([
    ['leaderboard', ['--top', '--format', '--json', '--metric', '--output', '--force', '--storage']],
    ['export', ['--format', '--output', '--force', '--storage']],
    ['compare', ['--top', '--format', '--metric', '--output', '--force', '--storage']],
    ['show', ['--trial', '--json', '--storage']],
  ])('%s --help exits 0 and documents its flags', (command, flags) => {
    const result = hpsearch([command, '--help']);
    expect(result.code).toBe(0);
    for (const flag of flags) expect(result.stdout).toContain(flag);
  });
});
