/**
 * Distributed studies through the built CLI: a study written into a PostgreSQL database, worker
 * processes started on it, and what the database holds afterwards.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadSpaceFile } from '../../src/space/load.js';
import type { StudySpec } from '../../src/space/spec.js';
import { PostgresStorage } from '../../src/storage/postgres.js';
import type { StudyRecord } from '../../src/storage/storage.js';
import { ROOT, hpsearchAsync } from './cli.js';
import type { PgServer } from './postgres.js';

export const SYNTHETIC = path.join(ROOT, 'test', 'fixtures', 'objectives', 'synthetic.mjs');

/** Writes a space file for the synthetic objective and returns its normalized declaration. */
export function syntheticSpace(dir: string, name: string, lines: readonly string[]): { file: string; spec: StudySpec } {
  const file = path.join(dir, `${name}.yaml`);
  const text = [
    `name: ${name}`,
    'objective:',
    `  module: ${SYNTHETIC}`,
    '  metric: value',
    '  direction: minimize',
    'seed: 11',
    ...lines,
    '',
  ].join('\n');
  fs.writeFileSync(file, text);
  return { file, spec: loadSpaceFile(file) };
}

/** Creates the study in the database, as `start` would, without running it. */
export async function createStudy(url: string, spec: StudySpec): Promise<StudyRecord> {
  const storage = await PostgresStorage.open(url);
  try {
    return await storage.createStudy(spec, 'cpu');
  } finally {
    await storage.close();
  }
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI process and its output so far. */
export interface Running {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly done: Promise<Finished>;
}

export function launch(args: readonly string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = hpsearchAsync(args, { env });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Finished>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** `hpsearch worker` on one study, one trial at a time, plain lines. */
export function worker(url: string, study: string, env: NodeJS.ProcessEnv = {}): Running {
  return launch(['worker', '--storage', url, '--study', study, '--workers', '1', '--backend', 'cpu', '--no-dashboard'], env);
}

export interface StoredTrial {
  readonly number: number;
  readonly status: string;
  readonly params: string;
  readonly epochs: number;
  readonly rung: number | null;
  readonly interruptions: number;
  readonly lease_owner: string | null;
}

/** What the database holds about a study, straight from its tables. */
export async function tables(server: PgServer, url: string, studyId: number) {
  const db = url.slice(url.lastIndexOf('/') + 1);
  const [trials, epochs, promotions, takeovers, checkpoints, study] = await Promise.all([
    server.query<StoredTrial>(
      db,
      'SELECT number, status, params, epochs, rung, interruptions, lease_owner FROM hpsearch.trials WHERE study_id = $1 ORDER BY number',
      [studyId],
    ),
    server.query<{ trial: number; epoch: number }>(
      db,
      'SELECT trial, epoch FROM hpsearch.epochs WHERE study_id = $1 ORDER BY trial, epoch',
      [studyId],
    ),
    server.query<{ trial: number; rung: number }>(
      db,
      'SELECT trial, rung FROM hpsearch.promotions WHERE study_id = $1 ORDER BY trial, rung',
      [studyId],
    ),
    server.query<{ trial: number; owner: string; kept_epochs: number }>(
      db,
      'SELECT trial, owner, kept_epochs FROM hpsearch.takeovers WHERE study_id = $1',
      [studyId],
    ),
    server.query<{ n: string }>(db, 'SELECT count(*) AS n FROM hpsearch.checkpoints WHERE study_id = $1', [studyId]),
    server.query<{ status: string }>(db, 'SELECT status FROM hpsearch.studies WHERE id = $1', [studyId]),
  ]);
  return { trials, epochs, promotions, takeovers, checkpoints: Number(checkpoints[0]!.n), status: study[0]!.status };
}
