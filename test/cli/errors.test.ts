/**
 * Bad input through the built CLI: one clear message naming what and where, exit code 2,
 * no stack trace, and nothing written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hpsearch, tempDir } from '../helpers/cli.js';

function writeSpace(dir: string, text: string): string {
  const file = path.join(dir, 'space.yaml');
  fs.writeFileSync(file, text);
  return file;
}

const VALID = ['name: e', 'data: { dataset: blobs, samples: 100 }', 'max_epochs: 1', 'trials: 1', 'params:', '  learning_rate: { loguniform: [1.0e-3, 0.1] }', ''].join('\n');

describe('start with bad input', () => {
  const cases: [string, (dir: string) => string[], (dir: string) => string][] = [
    [
      'an invalid space file',
      (dir) => ['start', writeSpace(dir, VALID.replace('[1.0e-3, 0.1]', '[0, 0.1]'))],
      (dir) => `error: ${path.join(dir, 'space.yaml')}:6: params.learning_rate.loguniform: low must be > 0, got 0\n`,
    ],
    ['a missing space file', (dir) => ['start', path.join(dir, 'nope.yaml')], (dir) => `error: ${path.join(dir, 'nope.yaml')}: cannot read the space file: no such file\n`],
    [
      'a batch size larger than the training set',
      (dir) => ['start', writeSpace(dir, `${VALID}  batch_size: { choice: [32, 512] }\n`)],
      (dir) => `error: ${path.join(dir, 'space.yaml')}: params.batch_size: 512 is larger than the training set (80 examples)\n`,
    ],
    [
      'a backend that is not installed',
      (dir) => ['start', writeSpace(dir, VALID), '--backend', 'tensorflow-gpu'],
      () =>
        'error: the tensorflow-gpu backend needs @tensorflow/tfjs-node-gpu, which is not installed\n' +
        'hint: npm install @tensorflow/tfjs-node-gpu (it needs internet access to download libtensorflow, and CUDA with cuDNN), or use --backend wasm\n',
    ],
    ['an unknown isolation mode', (dir) => ['start', writeSpace(dir, VALID), '--isolation', 'vm'], () => 'error: --isolation: must be one of thread, process, got "vm"\n'],
    ['a bad flag value', (dir) => ['start', writeSpace(dir, VALID), '--max-epochs', '0'], (dir) => `error: ${path.join(dir, 'space.yaml')}: --max-epochs: must be an integer ≥ 1 and ≤ 100000, got "0"\n`],
    [
      'a PostgreSQL URL (not available yet), without printing its password',
      (dir) => ['start', writeSpace(dir, VALID), '--storage', 'postgres://me:s3cret@db.example/hp'],
      () => 'error: PostgreSQL storage is not available yet\nhint: use a SQLite file instead: sqlite:PATH, a path ending in .db, .sqlite or .sqlite3, or memory:\n',
    ],
  ];

  it.each(cases)('%s', (_label, args, expected) => {
    const dir = tempDir();
    const db = path.join(dir, 'results', 'hp.db');
    const hasStorage = args(dir).includes('--storage');
    const result = hpsearch([...args(dir), ...(hasStorage ? [] : ['--storage', `sqlite:${db}`]), '--no-dashboard'], { cwd: dir });
    expect(result.stderr).toBe(expected(dir));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(fs.existsSync(path.join(dir, 'results'))).toBe(false);
  });
});

describe('usage errors', () => {
  it('an unknown command', () => {
    const result = hpsearch(['strat']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: unknown command 'strat'\n(Did you mean start?)\n(run with --help for usage)\n");
  });

  it('a missing argument', () => {
    const result = hpsearch(['start']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe("error: missing required argument 'space-file'\n(run with --help for usage)\n");
  });

  it('an unknown study, with the known ones', () => {
    const dir = tempDir();
    const db = path.join(dir, 'hp.db');
    const space = writeSpace(dir, VALID);
    expect(hpsearch(['start', space, '--storage', db, '--no-dashboard']).code).toBe(0);
    const result = hpsearch(['leaderboard', 'f', '--storage', db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: no study named "f" in ${db}\nhint: known studies: e\n`);
    const near = hpsearch(['leaderboard', 'ee', '--storage', db]);
    expect(near.stderr).toBe(`error: no study named "ee" in ${db}; did you mean "e"?\nhint: known studies: e\n`);
  });

  it('list on a storage that does not exist yet is empty, not an error, and creates nothing', () => {
    const dir = tempDir();
    const result = hpsearch(['list', '--json'], { cwd: dir });
    expect([result.code, result.stdout, result.stderr]).toEqual([0, '[]\n', '']);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it.each(['start', 'list', 'leaderboard'])('%s --help exits 0 and documents its flags', (command) => {
    const result = hpsearch([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: hpsearch ${command}`);
    expect(result.stdout).toContain('--storage <url>');
  });
});
