/**
 * `scale`: how a study kept in PostgreSQL scales with worker processes, measured from outside
 * (the `hpsearch worker` command and the stored data only, so that it measures whatever claim
 * path `src/` has), against Optuna 3.1's RDB storage on the same server in the same run. The
 * server is the embedded PostgreSQL with its default settings (durability included).
 *
 * 1. Sleep trials: one study whose trials sleep a fixed time (bench/fixtures/sleep.mjs; not
 *    CPU-bound), worked on by 1, 2, 4, 8 and 16 processes of one slot and by 4 processes of 4
 *    slots; trials per second against the ideal (slots ÷ trial time). Every slot's first trial
 *    waits behind a gate file until all the slots hold one and their threads have loaded the
 *    module, so that start-up is left out; throughput runs from the gate's opening to the last
 *    stored finish. Optuna: as many `optuna_scale.py` processes, each asking its first trial
 *    before the same kind of gate, from the gate to the last stored `datetime_complete`.
 * 2. No-op trials (the same fixture sleeping 0 ms): the most trials per second, with the server's
 *    commit rate (single-row INSERTs in autocommit, 1 and 16 clients) beside it; Optuna with 16
 *    processes.
 * 3. Claim latency: one ASHA study (η = 3, 1 → 9 epochs, a no-op that reports its epochs, so that
 *    promotions are decided) run by one single-slot worker; the gap between a run's end and the
 *    next run's start (the finish write and the next claim), median over 200 runs around the
 *    moments the study had 100, 1,000, 10,000 and 100,000 trials.
 *
 * Beside the throughputs, from the stored runs: the median time a slot waited between two runs,
 * and how much longer than the trial a run lasted (dispatch, result, finish write); and the CPU
 * per trial of the worker processes and of the server (from /proc, Linux only).
 *
 * Sizes come from --quick or the HPSEARCH_BENCH_SCALE_* variables (see `sizes`).
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadSpaceFile } from '../dist/space/load.js';
import { PostgresStorage } from '../dist/storage/postgres.js';
import { mean, randomSpaceFile, row, summarize, withTempDir, writeSpaceFile } from './lib.js';
import { REPO_PEERS_DIR, peersPython, repoPeerAvailability, runRepoPeer } from './peers.js';
import { startHpsearch, startServer } from './pg-server.js';

const SLEEP_MODULE = fileURLToPath(new URL('./fixtures/sleep.mjs', import.meta.url));
const EPOCHS_NOOP_MODULE = fileURLToPath(new URL('./fixtures/epochs-noop.mjs', import.meta.url));
const OPTUNA_SCRIPT = path.join(REPO_PEERS_DIR, 'optuna_scale.py');

/** [processes, slots per process] of the sleep-trial part (--quick: 1, 4 and 16 processes). */
const SLEEP_CONFIGS = [
  [1, 1],
  [2, 1],
  [4, 1],
  [8, 1],
  [16, 1],
  [4, 4],
];
const QUICK_SLEEP_CONFIGS = [
  [1, 1],
  [4, 1],
  [16, 1],
];
/**
 * [processes, slots per process, runs at least] of the no-op part (--quick: 1 × 16 alone). One
 * process with many slots batches the most: every claim of a process writes the runs of its slots
 * that ended meanwhile and claims for all of them at once. That configuration carries the goal,
 * so it runs three times whatever --repeats says (its median is the result, with the spread).
 */
const NOOP_CONFIGS = [
  [16, 1, 1],
  [4, 4, 1],
  [1, 48, 3],
];
const QUICK_NOOP_CONFIGS = [[1, 16, 1]];
/** Optuna's processes on no-op trials: the most of any configuration, one slot each. */
const OPTUNA_NOOP_PROCESSES = 16;
const LATENCY_POINTS = [100, 1_000, 10_000, 100_000];
/** Runs each side of a latency point. */
const LATENCY_HALF_WINDOW = 100;
/** How long every slot may take to hold its first trial. */
const READY_TIMEOUT_MS = 300_000;

/** It is expensive: one repeat unless --repeats says otherwise. */
export const defaultRepeats = 1;

function envNumber(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${text}`);
  return value;
}

/** The sizes of a run: --quick's or the full ones, each overridable by an environment variable. */
function sizes(quick) {
  return {
    trialMs: envNumber('HPSEARCH_BENCH_SCALE_TRIAL_MS', 200),
    trialsPerSlot: envNumber('HPSEARCH_BENCH_SCALE_PER_SLOT', quick ? 10 : 50),
    sleepConfigs: quick ? QUICK_SLEEP_CONFIGS : SLEEP_CONFIGS,
    noopConfigs: quick ? QUICK_NOOP_CONFIGS : NOOP_CONFIGS,
    noopTrials: envNumber('HPSEARCH_BENCH_SCALE_NOOP_TRIALS', quick ? 400 : 10_000),
    /** Optuna's no-op study is smaller: at its rate 10,000 trials would take minutes, and its cost per trial grows with the study. */
    optunaNoopTrials: envNumber('HPSEARCH_BENCH_SCALE_OPTUNA_NOOP_TRIALS', quick ? 400 : 3_000),
    ashaTrials: envNumber('HPSEARCH_BENCH_SCALE_ASHA_TRIALS', quick ? 10_000 : 100_000),
    /** The ASHA worker is stopped after this long; points it did not reach are reported missing. */
    ashaLimitS: envNumber('HPSEARCH_BENCH_SCALE_ASHA_LIMIT_S', quick ? 60 : 1_800),
    commitProbeMs: quick ? 1_000 : 2_000,
    optuna: envNumber('HPSEARCH_BENCH_SCALE_OPTUNA', 1) !== 0,
  };
}

const RUN_FLAGS = ['--backend', 'cpu', '--no-dashboard'];

/** A random-search study of `trials` sleep trials behind `gate`. */
function sleepSpace(dir, name, trials, sleepMs, gate) {
  return randomSpaceFile(dir, name, SLEEP_MODULE, trials, [
    '  x: { uniform: [0, 1] }',
    `  sleep_ms: ${sleepMs}`,
    `  gate: ${JSON.stringify(gate)}`,
  ]);
}

/** An ASHA study of `trials` no-op configurations that report their epochs, rungs at 1, 3 and 9 epochs. */
function ashaSpace(dir, name, trials) {
  return writeSpaceFile(dir, name, [
    'objective:',
    `  module: ${EPOCHS_NOOP_MODULE}`,
    '  metric: value',
    '  direction: minimize',
    'strategy: asha',
    `trials: ${trials}`,
    'min_epochs: 1',
    'max_epochs: 9',
    'eta: 3',
    'seed: 1',
    'params:',
    '  x: { uniform: [0, 1] }',
    '  optimizer: { choice: [sgd, momentum, adam] }',
  ]);
}

const sleepFor = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Kills what is still running of `children` (after a failure). */
function killAll(children) {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Milliseconds per clock tick of /proc's CPU times. */
const TICK_MS = (() => {
  try {
    return 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return 10;
  }
})();

/** Every process's parent, own CPU time and its waited-for children's (ms), from /proc; null off Linux. */
function processTable() {
  if (!fs.existsSync('/proc/self/stat')) return null;
  const table = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let text;
    try {
      text = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // It ended meanwhile.
    }
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = (i) => Number(fields[i]) * TICK_MS;
    table.set(Number(entry), { ppid: Number(fields[1]), own: ticks(11) + ticks(12), reaped: ticks(13) + ticks(14) });
  }
  return table;
}

/** CPU time of `pid` and every process below it, alive or ended (ms). */
function treeMs(table, pid) {
  const proc = table.get(pid);
  if (proc === undefined) return 0;
  let total = proc.own + proc.reaped;
  for (const [child, other] of table) if (other.ppid === pid) total += treeMs(table, child);
  return total;
}

/**
 * CPU used so far by the server (the postmaster and its backends) and by this process's other
 * children (the worker processes), in ms; null where /proc or the server's pid is missing.
 */
function cpuSnapshot(serverPid) {
  const table = serverPid === null ? null : processTable();
  if (table === null || !table.has(process.pid)) return null;
  const server = treeMs(table, serverPid);
  return { serverMs: server, workersMs: treeMs(table, process.pid) - server - table.get(process.pid).own };
}

/**
 * Waits for `ready`, failing early when a process of `done` fails (or they all end first), then
 * opens `gate` and waits for every process. Returns the moment the gate opened (ms) and the CPU
 * the workers and the server used from then on (null where it cannot be read).
 */
async function throughGate(ready, done, gate, serverPid) {
  const ended = Promise.all(done).then(() => {
    throw new Error('the processes ended before every slot was ready');
  });
  ended.catch(() => undefined);
  let timer;
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not every slot was ready after ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([ready, ended, timeout]);
  } finally {
    clearTimeout(timer);
  }
  const before = cpuSnapshot(serverPid);
  const openedAt = Date.now();
  fs.writeFileSync(gate, '');
  await Promise.all(done);
  await sleepFor(300); // The server's backends of the workers end and are counted.
  const after = cpuSnapshot(serverPid);
  const cpu =
    before === null || after === null
      ? null
      : { workersMs: after.workersMs - before.workersMs, serverMs: after.serverMs - before.serverMs };
  return { openedAt, cpu };
}

/**
 * From the stored runs: the median gap between a slot's run end and its next run's start (the
 * time a slot waits for its next trial), and the median time a run lasts beyond `trialMs` (the
 * trial's dispatch to its thread, its result back and the finish write).
 */
function runTimes(runs, trialMs) {
  const bySlot = new Map();
  for (const r of runs) {
    const key = `${r.host} ${r.slot}`;
    if (!bySlot.has(key)) bySlot.set(key, []);
    bySlot.get(key).push(r);
  }
  const gaps = [];
  for (const list of bySlot.values()) {
    list.sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < list.length; i++) if (list[i - 1].endedAt !== null) gaps.push(list[i].startedAt - list[i - 1].endedAt);
  }
  // A slot's first run waited at the gate: left out.
  const firsts = new Set([...bySlot.values()].map((list) => list[0]));
  const extras = runs.filter((r) => r.endedAt !== null && !firsts.has(r)).map((r) => r.endedAt - r.startedAt - trialMs);
  return {
    slotGapMs: gaps.length === 0 ? null : summarize(gaps).median,
    runExtraMs: extras.length === 0 ? null : summarize(extras).median,
  };
}

/**
 * hpsearch: `processes` × `slots` on a fresh study of `trials` trials sleeping `sleepMs`; trials
 * per second from the gate's opening to the last stored finish.
 */
async function measureHpsearch(server, dir, name, { processes, slots, trials, sleepMs }) {
  const url = await server.database();
  const gate = path.join(dir, `${name}.gate`);
  const storage = await PostgresStorage.open(url);
  const children = [];
  try {
    const study = await storage.createStudy(loadSpaceFile(sleepSpace(dir, name, trials, sleepMs, gate)), 'cpu');
    const arrived = `${gate}.arrived`;
    fs.mkdirSync(arrived);
    const launchedAt = Date.now();
    const started = Array.from({ length: processes }, () =>
      startHpsearch(['worker', '--storage', url, '--study', name, '--workers', String(slots), ...RUN_FLAGS]),
    );
    children.push(...started.map((s) => s.child));
    const holding = Math.min(trials, processes * slots);
    const ready = (async () => {
      // Every slot holds its first trial, its thread has loaded the module and waits at the gate.
      while (fs.readdirSync(arrived).length < holding) await sleepFor(50);
    })();
    const { openedAt, cpu } = await throughGate(
      ready,
      started.map((s) => s.done),
      gate,
      server.pid,
    );
    const stored = await storage.getTrials(study.id);
    const completed = stored.filter((t) => t.status === 'completed');
    if (completed.length !== trials) throw new Error(`study ${name}: ${completed.length} of ${trials} trials completed`);
    const last = Math.max(...completed.map((t) => t.finishedAt));
    return {
      trialsPerSec: (trials / (last - openedAt)) * 1000,
      startUpMs: openedAt - launchedAt,
      ...runTimes(await storage.getRuns(study.id), sleepMs),
      cpuPerTrialMs: cpu === null ? null : { workers: cpu.workersMs / trials, server: cpu.serverMs / trials },
    };
  } finally {
    killAll(children);
    await storage.close();
  }
}

/** Starts one `optuna_scale.py` worker; `ready` resolves at its `ready` line. */
function startOptuna(args) {
  const child = spawn(peersPython(), [OPTUNA_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const ready = new Promise((resolve) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.trim() === 'ready') resolve();
    });
  });
  const done = new Promise((resolve, reject) => {
    child.on('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`optuna_scale.py exited ${code ?? signal}: ${stderr.slice(-2000)}`)),
    );
  });
  return { child, ready, done };
}

/** Optuna's RDB storage on the same server: the same processes, the same trials, one slot each. */
async function measureOptuna(server, dir, name, { processes, trials, sleepMs, seed }) {
  const url = (await server.database()).replace(/^postgres:/, 'postgresql+psycopg2:');
  const gate = path.join(dir, `${name}.gate`);
  const common = ['--storage', url, '--study', name];
  const created = await runRepoPeer('optuna_scale.py', [...common, '--create']);
  const perProcess = Math.ceil(trials / processes);
  const started = Array.from({ length: processes }, (_, i) =>
    startOptuna([
      ...common,
      '--trials-per-process',
      String(perProcess),
      '--sleep',
      String(sleepMs / 1000),
      '--seed',
      String(1000 * seed + i),
      '--gate',
      gate,
    ]),
  );
  const launchedAt = Date.now();
  try {
    const { openedAt, cpu } = await throughGate(
      Promise.all(started.map((s) => s.ready)),
      started.map((s) => s.done),
      gate,
      server.pid,
    );
    const report = await runRepoPeer('optuna_scale.py', [...common, '--report']);
    if (report.complete !== perProcess * processes) {
      throw new Error(
        `Optuna study ${name}: ${report.complete} of ${perProcess * processes} trials complete (${JSON.stringify(report.states)})`,
      );
    }
    return {
      trialsPerSec: (report.complete / (report.last_complete * 1000 - openedAt)) * 1000,
      trials: report.complete,
      startUpMs: openedAt - launchedAt,
      cpuPerTrialMs: cpu === null ? null : { workers: cpu.workersMs / report.complete, server: cpu.serverMs / report.complete },
      storedTrialsPerSec: report.trials_per_s,
      versions: created.versions,
    };
  } finally {
    killAll(started.map((s) => s.child));
  }
}

/** Single-row INSERTs in autocommit by `clients` connections for `ms`: commits per second. */
async function commitRate(url, clients, ms) {
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  try {
    await connections[0].query('CREATE TABLE IF NOT EXISTS commit_probe (id BIGSERIAL PRIMARY KEY, client INT, at DOUBLE PRECISION)');
    let commits = 0;
    const started = performance.now();
    const deadline = started + ms;
    await Promise.all(
      connections.map(async (client, i) => {
        while (performance.now() < deadline) {
          await client.query('INSERT INTO commit_probe (client, at) VALUES ($1, $2)', [i, Date.now()]);
          commits += 1;
        }
      }),
    );
    return (commits / (performance.now() - started)) * 1000;
  } finally {
    await Promise.all(connections.map((c) => c.end()));
  }
}

/** The server's version and the settings that decide its commit rate. */
async function serverSettings(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const names = [
      'server_version',
      'fsync',
      'synchronous_commit',
      'wal_sync_method',
      'full_page_writes',
      'commit_delay',
      'max_connections',
    ];
    const { rows } = await client.query('SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [names]);
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  } finally {
    await client.end();
  }
}

/**
 * Claim latency from the runs of a single-slot worker: run i's start minus run i − 1's end,
 * ordered by start; at each point p, the median over the 2 × `halfWindow` runs around the first
 * run whose trial was the study's p-th (moved back as far as needed to end at the last run, as
 * for the study's last trial, after which only promotions run). Null: no run reached p.
 */
export function claimLatencies(runs, points, halfWindow = LATENCY_HALF_WINDOW) {
  const ordered = runs.filter((r) => r.startedAt !== null).sort((a, b) => a.startedAt - b.startedAt);
  const gaps = ordered.map((r, i) => (i > 0 && ordered[i - 1].endedAt !== null ? r.startedAt - ordered[i - 1].endedAt : null));
  const seen = new Set();
  const reachedAt = new Map();
  ordered.forEach((r, i) => {
    seen.add(r.trial);
    if (!reachedAt.has(seen.size)) reachedAt.set(seen.size, i);
  });
  const result = {};
  for (const point of points) {
    const at = reachedAt.get(point);
    if (at === undefined) {
      result[point] = null;
      continue;
    }
    const start = Math.max(1, Math.min(at - halfWindow, ordered.length - 2 * halfWindow));
    const window = gaps.slice(start, start + 2 * halfWindow).filter((g) => g !== null);
    // Stored times are whole milliseconds: the mean of the middle 80% resolves below one.
    const sorted = [...window].sort((a, b) => a - b);
    const middle = sorted.slice(Math.floor(sorted.length * 0.1), Math.ceil(sorted.length * 0.9));
    result[point] = { medianMs: summarize(window).median, trimmedMeanMs: mean(middle), runs: window.length, atRun: at };
  }
  return { points: result, runs: ordered.length, trials: seen.size };
}

async function measureLatency(server, dir, trials, limitS) {
  const url = await server.database();
  const name = 'asha-latency';
  const storage = await PostgresStorage.open(url);
  try {
    const study = await storage.createStudy(loadSpaceFile(ashaSpace(dir, name, trials)), 'cpu');
    const { child, done } = startHpsearch(['worker', '--storage', url, '--study', name, '--workers', '1', ...RUN_FLAGS]);
    let timer;
    const stopped = await Promise.race([
      done.then(() => false),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(true), limitS * 1000);
      }),
    ]).finally(() => clearTimeout(timer));
    if (stopped) {
      child.kill('SIGKILL');
      await done.catch(() => undefined);
    }
    const started = performance.now();
    const runs = await storage.getRuns(study.id);
    const readMs = performance.now() - started;
    return {
      stopped,
      readRunsMs: readMs,
      ...claimLatencies(
        runs,
        LATENCY_POINTS.filter((p) => p <= trials),
      ),
    };
  } finally {
    await storage.close();
  }
}

const pct = (value) => `${(value * 100).toFixed(0)}%`;
const rate = (value) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const one = (value) => summarize([value]);
const median = (values) => {
  const known = values.filter((v) => v !== null);
  return known.length === 0 ? '?' : formatMs(summarize(known).median);
};
const formatMs = (ms) => (ms >= 10 ? ms.toFixed(0) : ms.toFixed(1));
/** `; CPU/trial: workers W + server S ms` from samples with `cpuPerTrialMs`, or '' when unknown. */
function cpuNote(samples) {
  const known = samples.filter((s) => s.cpuPerTrialMs !== null);
  if (known.length === 0) return '';
  const at = (key) => formatMs(summarize(known.map((s) => s.cpuPerTrialMs[key])).median);
  return `; CPU/trial: workers ${at('workers')} + server ${at('server')} ms`;
}
/** `; between runs W ms, runs +E ms` from samples with `slotGapMs` and `runExtraMs`. */
function runNote(samples) {
  return `; between runs ${median(samples.map((s) => s.slotGapMs))} ms, runs +${median(samples.map((s) => s.runExtraMs))} ms`;
}
const label = (processes, slots) => `${processes} process${processes === 1 ? '' : 'es'}${slots === 1 ? '' : ` × ${slots} slots`}`;

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[], notes: string[] }>}
 */
export async function run({ quick, repeats }) {
  const size = sizes(quick);
  const peer = size.optuna
    ? await repoPeerAvailability(['optuna', 'psycopg2'])
    : { available: false, reason: 'HPSEARCH_BENCH_SCALE_OPTUNA=0' };
  const log = (text) => process.stderr.write(`bench scale: ${text}\n`);
  const measured = await withTempDir(async (dir) => {
    const server = await startServer(dir);
    try {
      const probeUrl = await server.database();
      const settings = await serverSettings(probeUrl);
      const commits = { 1: await commitRate(probeUrl, 1, size.commitProbeMs), 16: await commitRate(probeUrl, 16, size.commitProbeMs) };
      log(`commits/s: ${rate(commits[1])} (1 client), ${rate(commits[16])} (16 clients)`);

      const sleep = [];
      for (const [index, [processes, slots]] of size.sleepConfigs.entries()) {
        const trials = processes * slots * size.trialsPerSlot;
        const samples = [];
        for (let i = 0; i < repeats; i++) {
          const config = { processes, slots, trials, sleepMs: size.trialMs };
          const ours = await measureHpsearch(server, dir, `sleep-${processes}x${slots}-${i}`, config);
          const theirs =
            peer.available && slots === 1
              ? await measureOptuna(server, dir, `optuna-sleep-${processes}-${i}`, { ...config, seed: 100 * index + i })
              : null;
          log(`sleep ${label(processes, slots)}: ${rate(ours.trialsPerSec)}/s${theirs ? `, Optuna ${rate(theirs.trialsPerSec)}/s` : ''}`);
          samples.push({ ours, theirs });
        }
        sleep.push({ processes, slots, trials, ideal: (processes * slots * 1000) / size.trialMs, samples });
      }

      const noop = [];
      for (const [processes, slots, runs] of size.noopConfigs) {
        const samples = [];
        for (let i = 0; i < Math.max(repeats, runs); i++) {
          const config = { processes, slots, trials: size.noopTrials, sleepMs: 0 };
          samples.push(await measureHpsearch(server, dir, `noop-${processes}x${slots}-${i}`, config));
          log(`no-op ${label(processes, slots)}: ${rate(samples.at(-1).trialsPerSec)}/s`);
        }
        noop.push({ processes, slots, trials: size.noopTrials, samples });
      }
      const optunaNoop = [];
      if (peer.available) {
        const processes = OPTUNA_NOOP_PROCESSES;
        for (let i = 0; i < repeats; i++) {
          const config = { processes, trials: size.optunaNoopTrials, sleepMs: 0, seed: 900 + i };
          optunaNoop.push(await measureOptuna(server, dir, `optuna-noop-${i}`, config));
          log(`Optuna no-op ${label(processes, 1)}: ${rate(optunaNoop.at(-1).trialsPerSec)}/s`);
        }
      }

      log(`ASHA claim latency: ${size.ashaTrials} trials, one worker, at most ${size.ashaLimitS} s`);
      const latency = await measureLatency(server, dir, size.ashaTrials, size.ashaLimitS);
      return { settings, commits, sleep, noop, optunaNoop, latency };
    } finally {
      await server.stop();
    }
  });

  const name = 'scale';
  const rows = [];
  for (const config of measured.sleep) {
    const ours = summarize(config.samples.map((s) => s.ours.trialsPerSec));
    const theirs = config.samples[0].theirs === null ? null : summarize(config.samples.map((s) => s.theirs.trialsPerSec));
    const versus = theirs === null ? '' : `; ${(ours.median / theirs.median).toFixed(2)}× Optuna`;
    const target = config.processes === 16 && config.slots === 1 ? { min: 0.9 * config.ideal, text: `≥ 90% of ideal` } : undefined;
    rows.push(
      row(name, `sleep trials/s, ${label(config.processes, config.slots)} (${config.trials} × ${size.trialMs} ms)`, ours, {
        unit: '/s',
        target,
        note: `${pct(ours.median / config.ideal)} of ideal ${rate(config.ideal)}/s${versus}${runNote(config.samples.map((s) => s.ours))}${cpuNote(
          config.samples.map((s) => s.ours),
        )}`,
      }),
    );
    if (theirs !== null) {
      rows.push(
        row(name, `  Optuna RDB, ${label(config.processes, 1)}`, theirs, {
          unit: '/s',
          note: `${pct(theirs.median / config.ideal)} of ideal${cpuNote(config.samples.map((s) => s.theirs))}`,
        }),
      );
    } else if (config.slots === 1) {
      rows.push(row(name, `  Optuna RDB, ${label(config.processes, 1)}`, null, { missing: 'not run', note: peer.reason }));
    }
  }

  const ceiling = Math.max(measured.commits[1], measured.commits[16]);
  const noopTarget = Math.min(1000, 0.8 * ceiling);
  const best = Math.max(...measured.noop.map((c) => summarize(c.samples.map((s) => s.trialsPerSec)).median));
  const optunaBest = measured.optunaNoop.length === 0 ? null : summarize(measured.optunaNoop.map((s) => s.trialsPerSec));
  for (const config of measured.noop) {
    const stats = summarize(config.samples.map((s) => s.trialsPerSec));
    rows.push(
      row(name, `no-op trials/s, ${label(config.processes, config.slots)} (${config.trials})`, stats, {
        unit: '/s',
        note: `${runNote(config.samples).slice(2)}${cpuNote(config.samples)}`,
      }),
    );
  }
  rows.push(
    row(name, 'no-op trials/s, best of the above', one(best), {
      unit: '/s',
      target: { min: noopTarget, text: `≥ ${noopTarget === 1000 ? '1,000' : `${rate(noopTarget)} (80% of the commit rate)`}/s` },
      note: `server commits/s ${rate(measured.commits[1])} (1 client), ${rate(measured.commits[16])} (16)${
        optunaBest === null ? '' : `; ${(best / optunaBest.median).toFixed(1)}× Optuna`
      }`,
    }),
  );
  rows.push(
    optunaBest === null
      ? row(name, '  Optuna RDB no-op trials/s', null, { missing: 'not run', note: peer.reason })
      : row(name, `  Optuna RDB no-op trials/s, ${label(OPTUNA_NOOP_PROCESSES, 1)} (${size.optunaNoopTrials})`, optunaBest, {
          unit: '/s',
          note: cpuNote(measured.optunaNoop).slice(2),
        }),
  );
  rows.push(
    row(name, 'server commits/s, 1 client', one(measured.commits[1]), {
      unit: '/s',
      note: 'single-row INSERT, autocommit, default durability',
    }),
    row(name, 'server commits/s, 16 clients', one(measured.commits[16]), { unit: '/s' }),
  );

  const { latency } = measured;
  const reached = LATENCY_POINTS.filter((p) => latency.points[p] !== undefined && latency.points[p] !== null);
  for (const point of LATENCY_POINTS.filter((p) => p in latency.points)) {
    const at = latency.points[point];
    rows.push(
      at === null
        ? row(name, `claim latency at ${point.toLocaleString('en-US')} trials (ASHA)`, null, {
            missing: 'not reached',
            note: `${latency.trials} trials in ${size.ashaLimitS} s`,
          })
        : row(name, `claim latency at ${point.toLocaleString('en-US')} trials (ASHA)`, one(at.medianMs), {
            unit: 'ms',
            note: `median of ${at.runs} runs (mean of the middle 80%: ${at.trimmedMeanMs.toFixed(1)} ms), 1 worker, 1 slot`,
          }),
    );
  }
  if (reached.length >= 2) {
    const largest = reached.at(-1);
    rows.push(
      row(
        name,
        `claim latency, ${largest.toLocaleString('en-US')} ÷ 100 trials`,
        one(latency.points[largest].medianMs / latency.points[100].medianMs),
        {
          unit: '×',
          digits: 2,
          target: { max: 1.5, text: '≤ 1.5×' },
          note: `middle-80% means: ${(latency.points[largest].trimmedMeanMs / latency.points[100].trimmedMeanMs).toFixed(2)}×`,
        },
      ),
    );
  }

  const results = {
    setup: {
      cores: os.availableParallelism(),
      trialMs: size.trialMs,
      trialsPerSlot: size.trialsPerSlot,
      sleepConfigs: size.sleepConfigs,
      noopConfigs: size.noopConfigs,
      optunaNoopProcesses: OPTUNA_NOOP_PROCESSES,
      noopTrials: size.noopTrials,
      optunaNoopTrials: size.optunaNoopTrials,
      ashaTrials: size.ashaTrials,
      ashaLimitS: size.ashaLimitS,
      latencyPoints: LATENCY_POINTS,
      latencyWindowRuns: 2 * LATENCY_HALF_WINDOW,
      repeats,
      backend: 'cpu',
      server: { ...measured.settings, settingsChanged: 'none (defaults)' },
      optuna: peer.available ? (measured.sleep.find((c) => c.samples[0].theirs)?.samples[0].theirs.versions ?? null) : peer.reason,
    },
    ...measured,
    notes: [
      'sleep and no-op trials/s: from the gate opening (every slot holding its first trial) to the last stored finish; ideal = slots ÷ trial time',
      'Optuna: one process per slot, RandomSampler, each asks its first trial before the gate; from the gate to the last stored datetime_complete',
      'claim latency: run start minus the previous run end of a single-slot ASHA worker, median over the runs around the moment the study had that many trials',
      'server commits/s: single-row INSERT in autocommit, the ceiling on durable commits of this disk with default settings',
    ],
  };
  const notes = [];
  if (!peer.available) notes.push(`scale: Optuna not run: ${peer.reason}`);
  if (latency.stopped)
    notes.push(`scale: the ASHA worker was stopped after ${size.ashaLimitS} s at ${latency.trials} of ${size.ashaTrials} trials`);
  return { results, rows, notes };
}
