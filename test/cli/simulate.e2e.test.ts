/**
 * `hpsearch simulate` through the built CLI: both sources, the table and JSON, and every refusal
 * (exit 2, one message, nothing on stdout).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../../src/storage/sqlite.js';
import { hpsearch, tempDir } from '../helpers/cli.js';

let dir: string;
let db: string;

const SPACE = `name: sim
data: { dataset: spirals, samples: 200, classes: 3, noise: 0.05 }
objective: { metric: val_loss, direction: minimize }
strategy: random
trials: 10
max_epochs: 3
seed: 3
workers: 2
params:
  learning_rate: { loguniform: [1.0e-4, 1.0] }
  activation: { choice: [relu, tanh] }
`;

/** 1 s an epoch; the value after epoch e is (trial + 1) / e. */
const SURROGATE = `export default (params, trial) => ({ curve: [1, 2, 3].map((e) => (trial + 1) / e), epochSeconds: 1 });\n`;

beforeAll(async () => {
  dir = tempDir('hpsearch-simulate-');
  db = path.join(dir, 'studies.db');
  fs.writeFileSync(path.join(dir, 'space.yaml'), SPACE);
  fs.writeFileSync(path.join(dir, 'curves.mjs'), SURROGATE);
  fs.writeFileSync(path.join(dir, 'bad.mjs'), 'export default () => ({ curve: [1], epochSeconds: 1 });\n');
  const { loadSpaceFile } = await import('../../src/space/load.js');
  const spec = loadSpaceFile(path.join(dir, 'space.yaml'));
  const storage = SqliteStorage.open(db);
  const study = await storage.createStudy({ ...spec, name: 'recorded' }, 'cpu');
  // Two recorded trials: a low learning rate (2 s an epoch, ends at 0.5) and a high one (stopped after 2 epochs).
  const rows = [
    { number: 0, params: { learning_rate: 1e-3, activation: 'relu' }, curve: [2, 1, 0.5], ms: 2000 },
    { number: 1, params: { learning_rate: 0.5, activation: 'tanh' }, curve: [4, 3], ms: 1000 },
  ];
  for (const row of rows) {
    await storage.addTrial(study.id, { number: row.number, params: row.params, seed: row.number, targetEpochs: 3 });
    await storage.startTrial(study.id, row.number, { worker: 0, host: 'h', backend: 'cpu' });
    for (const [i, value] of row.curve.entries()) {
      await storage.recordEpoch(study.id, row.number, { epoch: i + 1, metrics: { val_loss: value }, value, durationMs: row.ms });
    }
    const last = row.curve.at(-1)!;
    const status = row.curve.length === 3 ? 'completed' : 'pruned';
    await storage.finishTrial(study.id, row.number, {
      status,
      value: last,
      metrics: { val_loss: last },
      epochs: row.curve.length,
      durationMs: null,
      error: null,
      tensorsAfter: null,
    });
  }
  await storage.close();
});

const run = (...args: string[]) => hpsearch(['simulate', 'space.yaml', ...args], { cwd: dir });

describe('hpsearch simulate', () => {
  it('prints the table and the anytime curves for each worker count', () => {
    const result = run('--surrogate', 'curves.mjs', '--workers', '1,4');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('simulated study "sim": random, seed 3, curves from surrogate curves.mjs');
    expect(result.stdout).toMatch(/^workers {2}virtual time {2}utilization +best$/m);
    // 10 trials of 3 s: 30 s on 1 worker; ceil(10/4) = 3 waves of 3 s on 4, 10/12 busy.
    expect(result.stdout).toMatch(/ 1 +30s +100\.0% +0\.333333/);
    expect(result.stdout).toMatch(/ 4 +9s +83\.3% +0\.333333/);
    expect(result.stdout).toContain('1 worker: 3s 0.333333');
  });

  it('prints JSON', () => {
    const result = run('--surrogate', 'curves.mjs', '--workers', '4', '--json');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { runs: unknown[] };
    expect(json.runs).toEqual([{ workers: 4, virtualSeconds: 9, utilization: 10 / 12, best: 1 / 3, curve: [[3, 1 / 3]] }]);
  });

  it('defaults to the space file workers, and answers from the nearest recorded trial with --from', () => {
    const result = run('--from', 'recorded', '--storage', db, '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { runs: { workers: number; best: number }[] };
    expect(json.runs).toHaveLength(1);
    expect(json.runs[0]!.workers).toBe(2);
    // Every configuration is answered by trial 0 (0.5 after 3 epochs) or trial 1 (3, extended).
    expect([0.5, 3]).toContain(json.runs[0]!.best);
  });

  it.each([
    [[], /simulate needs a source of curves/],
    [['--surrogate', 'curves.mjs', '--from', 'recorded'], /one source of curves, not both/],
    [['--from', 'nowhere'], /no study named "nowhere"/],
    [['--surrogate', 'bad.mjs'], /curve of trial 0: curve must be an array of at least 3 numbers/],
    [['--surrogate', 'curves.mjs', '--workers', '0,4'], /--workers: must be worker counts/],
  ])('refuses %j with exit 2 and one message', (args, message) => {
    const result = run(...args, '--storage', db);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});
