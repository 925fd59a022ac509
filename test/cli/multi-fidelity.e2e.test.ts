/**
 * Successive halving, Hyperband and ASHA end to end through the built CLI, with real training:
 * promoted trials continue from their checkpoints, the epochs trained are the plan's, and
 * nothing is left on disk.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { hpsearch, tempDir } from '../helpers/cli.js';

interface Row {
  number: number;
  status: string;
  epochs: number;
  rung: number | null;
  bracket: number | null;
}

function query<T>(db: string, sql: string, ...params: unknown[]): T[] {
  const conn = new Database(db, { readonly: true });
  try {
    return conn.prepare(sql).all(...params) as T[];
  } finally {
    conn.close();
  }
}

const trials = (db: string, study: string) =>
  query<Row>(
    db,
    'SELECT t.number, t.status, t.epochs, t.rung, t.bracket FROM trials t JOIN studies s ON s.id = t.study_id WHERE s.name = ? ORDER BY t.number',
    study,
  );
const epochs = (db: string, study: string) =>
  query<{ trial: number; epoch: number; metrics: string }>(
    db,
    'SELECT e.trial, e.epoch, e.metrics FROM epochs e JOIN studies s ON s.id = e.study_id WHERE s.name = ? ORDER BY e.trial, e.epoch',
    study,
  );
const promotions = (db: string, study: string) =>
  query<{ trial: number; rung: number }>(
    db,
    'SELECT p.trial, p.rung FROM promotions p JOIN studies s ON s.id = p.study_id WHERE s.name = ? ORDER BY p.trial, p.rung',
    study,
  );

function plan(flags: string[]): { totalEpochs: number; brackets: { s: number; rungs: { configs: number; epochs: number }[] }[] } {
  const result = hpsearch(['plan', 'search-spaces/quick.yaml', '--json', ...flags]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

describe('multi-fidelity studies on quick.yaml', () => {
  let dir: string;
  let db: string;
  const run = (name: string, flags: string[]) => {
    const result = hpsearch(['start', 'search-spaces/quick.yaml', '--name', name, '--storage', `sqlite:${db}`, '--no-dashboard', ...flags]);
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    return result;
  };

  beforeAll(() => {
    dir = tempDir();
    db = path.join(dir, 'mf.db');
  });

  it('successive halving keeps the best third of each rung and trains exactly the planned epochs', () => {
    const flags = ['--strategy', 'sha', '--trials', '9', '--max-epochs', '9'];
    run('sha', flags);
    const rows = trials(db, 'sha');
    expect(rows.map((r) => r.status).sort()).toEqual([...Array(8).fill('pruned'), 'completed'].sort());
    // 9 configurations at 1 epoch, 3 continue to 3, 1 to 9.
    expect(rows.filter((r) => (r.rung ?? 0) >= 1)).toHaveLength(3);
    expect(rows.filter((r) => r.rung === 2)).toHaveLength(1);
    expect(promotions(db, 'sha')).toHaveLength(4);
    expect(epochs(db, 'sha')).toHaveLength(plan(flags).totalEpochs);
    expect(plan(flags).totalEpochs).toBe(9 * 1 + 3 * 2 + 1 * 6);
    // Checkpoints of dropped and finished configurations are deleted.
    expect(fs.readdirSync(path.join(dir, 'checkpoints', 'study-1'))).toEqual([]);
  });

  it('a promoted configuration continues from its checkpoint exactly as if it had trained straight', () => {
    // Random search with the same seed draws the same configuration for each trial number and
    // trains it to 9 epochs in one go.
    run('straight', ['--strategy', 'random', '--trials', '9', '--max-epochs', '9']);
    const winner = trials(db, 'sha').find((r) => r.status === 'completed')!.number;
    const curve = (study: string) =>
      epochs(db, study)
        .filter((e) => e.trial === winner)
        .map((e) => [e.epoch, e.metrics]);
    expect(curve('sha')).toHaveLength(9);
    expect(curve('sha')).toEqual(curve('straight'));
  });

  it('Hyperband runs every bracket of its plan', () => {
    const flags = ['--strategy', 'hyperband', '--max-epochs', '9'];
    run('hyperband', flags);
    const planned = plan(flags);
    const rows = trials(db, 'hyperband');
    for (const bracket of planned.brackets) {
      const members = rows.filter((r) => r.bracket === bracket.s);
      bracket.rungs.forEach((rung, k) => expect(members.filter((r) => (r.rung ?? 0) >= k)).toHaveLength(rung.configs));
    }
    expect(epochs(db, 'hyperband')).toHaveLength(planned.totalEpochs);
    expect(rows.filter((r) => r.status === 'completed')).toHaveLength(planned.brackets.reduce((n, b) => n + b.rungs.at(-1)!.configs, 0));
  });

  it('ASHA promotes as results arrive and leaves nothing paused', () => {
    run('asha', ['--strategy', 'asha', '--trials', '9', '--max-epochs', '9']);
    const rows = trials(db, 'asha');
    expect(rows).toHaveLength(9);
    expect(rows.some((r) => r.status === 'completed' && r.epochs === 9)).toBe(true);
    expect(rows.every((r) => r.status === 'completed' || r.status === 'pruned')).toBe(true);
    expect(promotions(db, 'asha').length).toBeGreaterThanOrEqual(3);
  });
});
