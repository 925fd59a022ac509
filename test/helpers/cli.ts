/** Runs the built CLI (`bin/hpsearch.js`, over `dist/`) as a user would, in a child process. */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'hpsearch.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const ENV = { ...process.env, CI: '1', NO_COLOR: '1' };

/** Runs `hpsearch <args>` to completion. */
export function hpsearch(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...ENV, ...options.env },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `hpsearch <args>` without waiting, for tests that signal or race it. */
export function hpsearchAsync(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...ENV, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'hpsearch-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
