/**
 * (f) Scale on SQLite: a no-op study of 100,000 trials (--quick: 20,000) run by `hpsearch start
 * --workers 2`, and what reading it costs afterwards. Reports the trials per second, the per-trial
 * cost along the study (the last 1,000 trials' time over the first 1,000's, from the stored
 * times), the wall time of `hpsearch leaderboard <study> --top 10` and of the dashboard's first
 * frame when attached to it (`hpsearch dashboard`, in a terminal made by util-linux's `script`),
 * process start-up included.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ROOT, noopSpaceFile, row, summarize, withTempDir } from './lib.js';

const BIN = path.join(ROOT, 'bin', 'hpsearch.js');
const WORKERS = 2;
/** Trials at each end of the study whose times are compared. */
const EDGE = 1000;
/** Times each reading command is timed on a study. */
const LOOKS = 3;
/** The terminal the dashboard draws in. */
const TERMINAL = { columns: 120, rows: 40 };

/** It builds a study of 100,000 trials: once, unless --repeats says otherwise. */
export const defaultRepeats = 1;

/** Runs `hpsearch <args>` to its end and resolves to its wall time in s and its stdout; rejects unless it exits 0. */
function hpsearch(args, { keepStdout = false } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, CI: '1' },
      stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ seconds, stdout });
      else reject(new Error(`hpsearch ${args[0]} exited ${code}: ${stderr}`));
    });
  });
}

/** Trials per second and the per-trial cost at both ends, from the stored start and end times by trial number. */
function storedTimes(file, name, trials) {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT t.status, t.started_at AS started, t.finished_at AS finished FROM trials t JOIN studies s ON s.id = t.study_id
         WHERE s.name = ? ORDER BY t.number`,
      )
      .all(name);
    const completed = rows.filter((r) => r.status === 'completed').length;
    if (completed !== trials) throw new Error(`study ${name}: ${completed} of ${trials} trials completed`);
    /** From the first start to the last end among trials [from, to). */
    const span = (from, to) => {
      let first = Infinity;
      let last = -Infinity;
      for (let i = from; i < to; i++) {
        first = Math.min(first, rows[i].started);
        last = Math.max(last, rows[i].finished);
      }
      return last - first;
    };
    const firstMs = span(0, EDGE);
    const lastMs = span(trials - EDGE, trials);
    // The first block includes the start-up: a block a tenth of the way in shows growth plainly.
    const tenth = Math.floor(trials / 10);
    const tenthMs = span(tenth, tenth + EDGE);
    return { trialsPerSec: (trials / span(0, trials)) * 1000, firstMs, lastMs, growth: lastMs / firstMs, tenthGrowth: lastMs / tenthMs };
  } finally {
    db.close();
  }
}

/** Whether util-linux's `script` is here to give the dashboard a terminal. */
function hasScript() {
  return new Promise((resolve) => {
    const child = spawn('script', ['--version'], { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007]*\u0007|[()][A-Z0-9]|[=>])/g;

/**
 * `hpsearch dashboard <name>` in a terminal: seconds from its start to its first frame showing
 * the study's leaderboard, and to the frame with every trial read (importance shown); then `q`.
 */
function dashboardFrames(file, name, trials) {
  const command = [
    `stty cols ${TERMINAL.columns} rows ${TERMINAL.rows}`,
    `exec '${process.execPath}' '${BIN}' dashboard '${name}' --storage 'sqlite:${file}'`,
  ].join('; ');
  const env = { ...process.env, TERM: 'xterm-256color' };
  for (const key of Object.keys(env)) if (key === 'CI' || key.startsWith('CI_') || key === 'NO_COLOR') delete env[key];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'ignore'] });
    let raw = '';
    let firstFrameS = null;
    let fullFrameS = null;
    const leaderboard = new RegExp(`leaderboard · top \\d+ of ${trials}`);
    child.stdout.on('data', (chunk) => {
      const at = (performance.now() - started) / 1000;
      // Escape codes may be cut between chunks: they are removed from the text read so far.
      raw = (raw + chunk.toString('utf8')).slice(-100_000);
      const screen = raw.replace(ANSI, '');
      if (firstFrameS === null && leaderboard.test(screen)) firstFrameS = at;
      // The frame with every trial read: importance drawn after the last preview's notice.
      if (firstFrameS !== null && fullFrameS === null && screen.lastIndexOf('importance · fANOVA') > screen.lastIndexOf('reading all')) {
        fullFrameS = at;
        child.stdin.write('q');
      }
    });
    const timer = setTimeout(() => child.stdin.write('q'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 || firstFrameS === null || fullFrameS === null) reject(new Error(`dashboard exited ${code} without its frames`));
      else resolve({ firstFrameS, fullFrameS });
    });
  });
}

async function measureStudy(dir, trials, i, withTerminal) {
  const name = `scale-${i}`;
  const file = path.join(dir, `${name}.db`);
  const run = await hpsearch([
    'start',
    noopSpaceFile(dir, name, trials),
    '--storage',
    `sqlite:${file}`,
    '--workers',
    String(WORKERS),
    '--backend',
    'cpu',
    '--no-dashboard',
  ]);
  const times = storedTimes(file, name, trials);
  const leaderboardS = [];
  for (let look = 0; look < LOOKS; look++) {
    const { seconds, stdout } = await hpsearch(['leaderboard', name, '--top', '10', '--storage', `sqlite:${file}`], { keepStdout: true });
    if (stdout.trim().split('\n').length !== 12) throw new Error(`leaderboard --top 10 printed:\n${stdout}`);
    leaderboardS.push(seconds);
  }
  const frames = [];
  for (let look = 0; withTerminal && look < LOOKS; look++) frames.push(await dashboardFrames(file, name, trials));
  fs.rmSync(file, { force: true });
  return { startWallS: run.seconds, ...times, leaderboardS, frames };
}

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[] }>}
 */
export async function run({ quick, repeats }) {
  const trials = quick ? 20_000 : 100_000;
  const withTerminal = await hasScript();
  const loadavg = os.loadavg();
  const studies = await withTempDir(async (dir) => {
    const measured = [];
    for (let i = 0; i < repeats; i++) measured.push(await measureStudy(dir, trials, i, withTerminal));
    return measured;
  });
  const of = (key) => summarize(studies.map((s) => s[key]));
  const leaderboardS = summarize(studies.flatMap((s) => s.leaderboardS));
  const frames = studies.flatMap((s) => s.frames);
  const firstFrameS = frames.length === 0 ? null : summarize(frames.map((f) => f.firstFrameS));
  const fullFrameS = frames.length === 0 ? null : summarize(frames.map((f) => f.fullFrameS));
  const noTerminal = 'not measured: util-linux `script` is not installed (apt-get install -y bsdutils)';
  const name = 'sqlite-scale';
  const rows = [
    row(name, `no-op trials/s (${trials}, ${WORKERS} workers, SQLite)`, of('trialsPerSec'), { unit: '/s' }),
    row(name, `per trial, last ${EDGE} ÷ first ${EDGE}`, of('growth'), { unit: '×', digits: 2, target: { max: 1.2, text: '≤ 1.2' } }),
    row(name, `per trial, last ${EDGE} ÷ ${EDGE} from trial ${Math.floor(trials / 10)}`, of('tenthGrowth'), { unit: '×', digits: 2 }),
    row(name, 'leaderboard --top 10, wall', leaderboardS, { unit: 's', digits: 2, target: { max: 1, text: '< 1 s' } }),
    row(name, 'dashboard attached: first frame, wall', firstFrameS, {
      unit: 's',
      digits: 2,
      target: { max: 1, text: '< 1 s' },
      missing: noTerminal,
    }),
    row(name, 'dashboard attached: every trial read, wall', fullFrameS, { unit: 's', digits: 2, missing: noTerminal }),
  ];
  return {
    results: {
      setup: { trials, workers: WORKERS, backend: 'cpu', objective: 'no-op module', edge: EDGE, looks: LOOKS, terminal: TERMINAL, repeats },
      loadavgAtStart: loadavg,
      studyWallS: of('startWallS'),
      trialsPerSec: of('trialsPerSec'),
      firstEdgeMs: of('firstMs'),
      lastEdgeMs: of('lastMs'),
      latencyGrowth: of('growth'),
      leaderboardS,
      firstFrameS,
      fullFrameS,
      notes: [
        '`hpsearch start --workers 2 --backend cpu --no-dashboard` on a fresh SQLite file; trials/s from the stored times (first start to last end)',
        `per-trial cost: first start to last end of trials 0–${EDGE - 1}, and of the last ${EDGE}`,
        `leaderboard and dashboard: wall time of the process from its spawn (start-up included), ${LOOKS} times per study`,
        `dashboard: in a ${TERMINAL.columns}×${TERMINAL.rows} terminal (script -qfec); the first frame is the first that shows the study's leaderboard`,
      ],
    },
    rows,
  };
}
