/**
 * Bad input through the built CLI: one clear message naming what and where, exit code 2,
 * no stack trace, and nothing written.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { hpsearch, tempDir } from '../helpers/cli.js';

function writeSpace(dir: string, text: string): string {
  const file = path.join(dir, 'space.yaml');
  fs.writeFileSync(file, text);
  return file;
}

const VALID = [
  'name: e',
  'data: { dataset: blobs, samples: 100 }',
  'max_epochs: 1',
  'trials: 1',
  'params:',
  '  learning_rate: { loguniform: [1.0e-3, 0.1] }',
  '',
].join('\n');

describe('start with bad input', () => {
  const cases: [string, (dir: string) => string[], (dir: string) => string][] = [
    [
      'an invalid space file',
      (dir) => ['start', writeSpace(dir, VALID.replace('[1.0e-3, 0.1]', '[0, 0.1]'))],
      (dir) => `error: ${path.join(dir, 'space.yaml')}:6: params.learning_rate.loguniform: low must be > 0, got 0\n`,
    ],
    [
      'a missing space file',
      (dir) => ['start', path.join(dir, 'nope.yaml')],
      (dir) => `error: ${path.join(dir, 'nope.yaml')}: cannot read the space file: no such file\n`,
    ],
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
    [
      'an unknown isolation mode',
      (dir) => ['start', writeSpace(dir, VALID), '--isolation', 'vm'],
      () => 'error: --isolation: must be one of thread, process, got "vm"\n',
    ],
    [
      'a bad flag value',
      (dir) => ['start', writeSpace(dir, VALID), '--max-epochs', '0'],
      (dir) => `error: ${path.join(dir, 'space.yaml')}: --max-epochs: must be an integer ≥ 1 and ≤ 100000, got "0"\n`,
    ],
    [
      'a PostgreSQL server that cannot be reached, without printing its password',
      (dir) => ['start', writeSpace(dir, VALID), '--storage', 'postgres://me:s3cret@127.0.0.1:1/hp'],
      () =>
        'error: cannot connect to postgres://me:***@127.0.0.1:1/hp: connect ECONNREFUSED 127.0.0.1:1\n' +
        'hint: check that the server runs and the URL (user, password, host, port, database), or the PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE variables\n',
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

describe('every kind of bad input: exit code 2, one message naming what and where, nothing written', () => {
  const csvSpace = (csv: string) =>
    `name: c\ndata: { dataset: csv, path: ${csv}, target: y, task: regression }\nparams:\n  learning_rate: { loguniform: [1.0e-3, 0.1] }\n`;
  const files: Record<string, string> = {
    'ragged.csv': 'a,b,y\n1,2,3\n4,5\n',
    'text.csv': 'a,b,y\n1,x,3\n',
    'empty.csv': '',
    'no-target.csv': 'a,b,c\n1,2,3\n',
    'foreign.db': '',
    'garbage.db': 'this is not a database, just text '.repeat(200),
    'in-the-way': 'a file where a folder should be',
  };
  const cases: [string, string[], (dir: string) => string][] = [
    ['a ragged CSV row', ['start', 'ragged.yaml'], (dir) => `error: ${dir}/ragged.csv: line 3 has 2 fields, expected 3\n`],
    ['a non-numeric feature', ['start', 'text.yaml'], (dir) => `error: ${dir}/text.csv: line 2, column "b": "x" is not a number\n`],
    ['an empty CSV', ['start', 'empty.yaml'], (dir) => `error: ${dir}/empty.csv: the file is empty; expected a header row and data rows\n`],
    [
      'a missing target column',
      ['start', 'no-target.yaml'],
      (dir) => `error: ${dir}/no-target.csv: no column "y" for the target; the columns are: a, b, c\n`,
    ],
    [
      'a missing CSV',
      ['start', 'missing.yaml'],
      (dir) => `error: missing.yaml:2: data.path: no such file: "missing.csv" (looked for ${dir}/missing.csv)\n`,
    ],
    [
      'η below 2',
      ['start', 'ok.yaml', '--strategy', 'sha', '--eta', '1'],
      () => 'error: ok.yaml: --eta: must be an integer ≥ 2 and ≤ 100, got "1"\n',
    ],
    [
      'min_epochs above max_epochs',
      ['start', 'ok.yaml', '--strategy', 'asha', '--min-epochs', '5', '--max-epochs', '2'],
      () => 'error: ok.yaml: --min-epochs: must be ≤ max_epochs (2), got 5\n',
    ],
    [
      'an unknown strategy',
      ['start', 'ok.yaml', '--strategy', 'bayes'],
      () => 'error: ok.yaml: --strategy: must be one of grid, random, sha, hyperband, asha, pbt, got "bayes"\n',
    ],
    [
      'a storage folder that cannot be created',
      ['start', 'ok.yaml', '--storage', 'in-the-way/hp.db'],
      () =>
        'error: cannot create the folder in-the-way for in-the-way/hp.db: a file of that name is in the way\nhint: choose another place with --storage sqlite:PATH\n',
    ],
    [
      'a SQLite file of another application',
      ['start', 'ok.yaml', '--storage', 'foreign.db'],
      () => 'error: foreign.db is not an hpsearch database\nhint: it is a SQLite database of another application; choose another file\n',
    ],
    [
      'a file that is not a database',
      ['list', '--storage', 'garbage.db'],
      () => 'error: garbage.db is not an hpsearch database\nhint: it is not a SQLite file; choose another file\n',
    ],
    [
      'an unknown study',
      ['resume', 'nope', '--storage', 'fresh.db'],
      () => 'error: no study named "nope": there is no database at fresh.db\nhint: pass the --storage the study was started with\n',
    ],
  ];

  it.each(cases)('%s', (_label, args, expected) => {
    const dir = tempDir();
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
    const foreign = new Database(path.join(dir, 'foreign.db'));
    foreign.exec('CREATE TABLE notes (text TEXT)');
    foreign.close();
    for (const name of ['ragged', 'text', 'empty', 'no-target', 'missing'])
      fs.writeFileSync(path.join(dir, `${name}.yaml`), csvSpace(`${name}.csv`));
    fs.writeFileSync(path.join(dir, 'ok.yaml'), VALID);
    const before = snapshot(dir);
    const result = hpsearch([...args, ...(args.includes('--storage') ? [] : ['--storage', 'hp.db'])], { cwd: dir });
    expect(result.stderr).toBe(expected(dir));
    expect(result.code).toBe(2);
    expect(snapshot(dir)).toEqual(before);
  });
});

/** Every file of a folder with its size and modification time: what "nothing written" means. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    fs.readdirSync(dir).map((name) => {
      const stat = fs.statSync(path.join(dir, name));
      return [name, `${stat.size}:${stat.mtimeMs}`];
    }),
  );
}

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
