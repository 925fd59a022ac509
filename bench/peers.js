/**
 * The peer baselines: the Python scripts in the shared `peers/` folder that time Optuna and
 * PyTorch on the same work as hpsearch's benchmarks, run from here so that both sides are
 * measured in the same run on the same machine.
 *
 * The folder is `$HPSEARCH_PEERS_DIR` when set, else `../shared/peers` beside the repository.
 * The scripts run under Debian's own Python (`/usr/bin/python3`, or `$HPSEARCH_PEERS_PYTHON`),
 * which is where `apt-get install -y python3-optuna python3-torch libopenblas0-pthread` puts
 * the libraries. Each script prints one JSON object as the last line of its stdout.
 *
 * The repository keeps a few peer scripts of its own in bench/peers/ (written for one benchmark,
 * such as `optuna_tpe.py` for `samplers`); `repoPeerAvailability` and `runRepoPeer` run those,
 * under the same Python, whether or not the shared folder exists.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib.js';

/** The repository's own peer scripts. */
export const REPO_PEERS_DIR = path.join(ROOT, 'bench', 'peers');

/** How to install the peers, for messages. */
export const PEERS_INSTALL = 'apt-get install -y python3-optuna python3-sklearn python3-torch python3-psycopg2 libopenblas0-pthread';

/** The Python the peer scripts run under. */
export function peersPython() {
  return process.env.HPSEARCH_PEERS_PYTHON || '/usr/bin/python3';
}

/** The peers folder: `$HPSEARCH_PEERS_DIR`, else `../shared/peers` relative to the repository root. */
export function peersDir() {
  const dir = process.env.HPSEARCH_PEERS_DIR;
  return dir ? path.resolve(dir) : path.resolve(ROOT, '..', 'shared', 'peers');
}

/**
 * Runs `file` with `args` to its end (or `timeoutMs`), resolving to its exit and output.
 * @param {string} file
 * @param {readonly string[]} args
 * @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<{ failure: string | null, stdout: string, stderr: string }>}
 */
function run(file, args, { timeoutMs = 600_000 } = {}) {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const failure = error === null ? null : error.killed ? `killed after ${timeoutMs} ms` : `exit ${error.code ?? error.signal}`;
      resolve({ failure, stdout, stderr });
    });
  });
}

/**
 * Whether the peers can run here: the folder exists, the Python exists, and it imports every
 * module in `modules` (say `['torch']` or `['optuna']`).
 * @param {readonly string[]} modules
 * @returns {Promise<{ available: true, python: string, dir: string } | { available: false, reason: string }>}
 */
export async function peerAvailability(modules) {
  const dir = peersDir();
  if (!fs.existsSync(dir)) return { available: false, reason: `no peers folder at ${dir} (set HPSEARCH_PEERS_DIR)` };
  return pythonAvailability(modules, dir);
}

/**
 * Whether the repository's own peer scripts (bench/peers/) can run here: the Python exists and
 * imports every module in `modules`. The shared peers folder is not needed.
 * @param {readonly string[]} modules
 * @returns {Promise<{ available: true, python: string, dir: string } | { available: false, reason: string }>}
 */
export function repoPeerAvailability(modules) {
  return pythonAvailability(modules, REPO_PEERS_DIR);
}

async function pythonAvailability(modules, dir) {
  const python = peersPython();
  if (!fs.existsSync(python)) return { available: false, reason: `${python} not found` };
  const { failure } = await run(python, ['-c', modules.map((m) => `import ${m}`).join('; ')], { timeoutMs: 60_000 });
  if (failure !== null) return { available: false, reason: `${python} cannot import ${modules.join(', ')} (${PEERS_INSTALL})` };
  return { available: true, python, dir };
}

/**
 * Runs peer script `script` (a file name in the peers folder, such as `torch_mlp.py` or
 * `optuna_overhead.py`) with `args` and returns the JSON object on the last line of its stdout.
 * A script that reports a problem itself prints `{ "error": ... }` (and may exit non-zero); that
 * object is returned as is.
 * @param {string} script
 * @param {readonly string[]} args
 * @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<Record<string, any>>}
 * @throws Error with the exit status and the end of stderr when there is no JSON line.
 */
export function runPeer(script, args, options = {}) {
  return runPeerFile(path.join(peersDir(), script), script, args, options);
}

/**
 * Like `runPeer`, for a script of the repository's own bench/peers/ folder (such as
 * `optuna_tpe.py`).
 * @param {string} script
 * @param {readonly string[]} args
 * @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<Record<string, any>>}
 */
export function runRepoPeer(script, args, options = {}) {
  return runPeerFile(path.join(REPO_PEERS_DIR, script), script, args, options);
}

async function runPeerFile(file, script, args, options) {
  if (!fs.existsSync(file)) throw new Error(`peer script ${file} does not exist`);
  const { failure, stdout, stderr } = await run(peersPython(), [file, ...args], options);
  const last = stdout.trim().split('\n').at(-1) ?? '';
  let parsed = null;
  try {
    parsed = JSON.parse(last);
  } catch {
    // Reported below.
  }
  if (parsed !== null && typeof parsed === 'object' && (failure === null || 'error' in parsed)) return parsed;
  const tail = stderr.trim().split('\n').slice(-5).join('\n');
  throw new Error(`${script} ${args.join(' ')}: ${failure ?? 'no JSON on the last line of its output'}${tail === '' ? '' : `\n${tail}`}`);
}
