/**
 * PostgreSQL-only behaviour: a database written by an older hpsearch is migrated on first use.
 */
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { MIGRATIONS, SCHEMA, SCHEMA_VERSION } from '../../src/storage/postgres-schema.js';
import { PostgresStorage } from '../../src/storage/postgres.js';
import { makeSpec } from '../fixtures/spec.js';
import { WITH_POSTGRES, usePostgres } from '../helpers/postgres.js';

const postgres = usePostgres();

/** A database as hpsearch wrote it at schema 2, before population based training: a study, a trial and a promotion. */
async function schema2(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${SCHEMA}`);
    await client.query(`SET search_path TO ${SCHEMA}`);
    for (const migration of MIGRATIONS.slice(0, 2)) await client.query(migration);
    await client.query('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    await client.query('INSERT INTO schema_version (version) VALUES (2)');
    // A declaration stored before pbt, trial seeds (and samplers) existed.
    const { pbt: _pbt, trialSeed: _seed, sampler: _sampler, ...old } = makeSpec({ name: 'old', strategy: 'sha' });
    await client.query(
      `INSERT INTO studies (name, spec, strategy, seed, direction, metric, status, backend, created_at, updated_at)
       VALUES ('old', $1, 'sha', 42, 'minimize', 'val_loss', 'running', 'cpu', 10, 20)`,
      [JSON.stringify(old)],
    );
    await client.query(
      `INSERT INTO trials (study_id, number, params, seed, status, epochs, target_epochs, bracket, rung, created_at, proposed_by)
       VALUES (1, 0, '{"lr":0.1}', 7, 'paused', 3, 3, 0, 1, 30, 'random')`,
    );
    await client.query(`INSERT INTO checkpoints (study_id, trial, epoch, data, created_at) VALUES (1, 0, 3, '\\x0102', 35)`);
    await client.query('INSERT INTO promotions (study_id, trial, rung, created_at) VALUES (1, 0, 1, 40)');
  } finally {
    await client.end();
  }
}

describe.skipIf(!WITH_POSTGRES)('a database of schema 2', () => {
  test('opens read-write, migrates, and reads its rows with no change nor copy', async () => {
    const url = await postgres().createDatabase();
    await schema2(url);
    await expect(PostgresStorage.open(url, { readonly: true })).rejects.toThrow('has schema version 2, but this hpsearch reads version 6');
    expect(SCHEMA_VERSION).toBe(6);
    const storage = await PostgresStorage.open(url);
    const database = new URL(url).pathname.slice(1);
    expect(await postgres().query(database, `SELECT version FROM ${SCHEMA}.schema_version`)).toEqual([{ version: SCHEMA_VERSION }]);
    const study = await storage.getStudy('old');
    expect(study?.spec).toMatchObject({ strategy: 'sha', sampler: { name: 'random' }, pbt: null, trialSeed: null });
    expect(await storage.getTrials(1)).toMatchObject([
      { number: 0, status: 'paused', params: { lr: 0.1 }, initialParams: { lr: 0.1 }, copiedFrom: null, proposedBy: 'random' },
    ]);
    expect(await storage.getPromotions(1)).toEqual([{ trial: 0, rung: 1, createdAt: 40, params: null, source: null }]);
    // And it takes the new writes, in a claim too.
    const claimed = await storage.coordination.claimJobs(
      1,
      { worker: 'h:1', leaseMs: 60_000, start: { backend: 'cpu', host: 'h', process: '1' } },
      (state) => {
        expect(state.trials.map((t) => [t.initialParams, t.copiedFrom])).toEqual([[{ lr: 0.1 }, null]]);
        return {
          claims: [
            {
              kind: 'promote',
              slot: 0,
              number: 0,
              rung: 2,
              targetEpochs: 9,
              change: { params: { lr: 0.2 }, source: { trial: 0, epoch: 3 } },
            },
          ],
          drop: [],
          status: null,
        };
      },
    );
    expect(claimed.leases).toHaveLength(1);
    expect((await storage.getTrials(1))[0]).toMatchObject({
      status: 'running',
      rung: 2,
      params: { lr: 0.2 },
      initialParams: { lr: 0.1 },
      copiedFrom: { trial: 0, epoch: 3 },
    });
    expect(await storage.coordination.getCheckpoint(1, 0, 3)).toEqual(new Uint8Array([1, 2]));
    // Its run starts from the copied epochs, in the lane of the claiming process's slot.
    expect(await storage.getRuns(1)).toMatchObject([{ trial: 0, host: 'h', slot: '1:0', fromEpoch: 3, endedAt: null, outcome: null }]);
    expect((await storage.getPromotions(1)).map((p) => [p.rung, p.params, p.source])).toEqual([
      [1, null, null],
      [2, { lr: 0.2 }, { trial: 0, epoch: 3 }],
    ]);
    await storage.close();
  });
});
