/**
 * (d) Memory: resident memory per worker after 10 and after 100 trials of a small built-in study,
 * for worker threads and for child processes (`--isolation process`), and the ratio of the two
 * (a worker that keeps growing leaks; target ≤ 1.10).
 *
 * - Worker threads share their process, so a thread's share is the process's RSS with the pool
 *   minus its RSS before the pool started, divided by the workers (as STACK.md measures it).
 * - A child process's RSS is its own (`process.memoryUsage.rss()` inside the child).
 *
 * Every figure is taken after garbage collection: in the main process, and in each worker by a
 * probe trial (bench/fixtures/memory-probe.mjs) that calls `gc()` and reports the RSS it sees. The
 * measurement runs in a fresh Node process started with --expose-gc (NODE_OPTIONS carries it to
 * the child processes), so that what the rest of the benchmark loaded does not count.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { row, summarize } from './lib.js';

const SELF = fileURLToPath(import.meta.url);
const PROBE = fileURLToPath(new URL('./fixtures/memory-probe.mjs', import.meta.url));
const WORKERS = 2;
const TARGET = 1.1;
const MB = 1024 * 1024;

/** The small study: digits, random learning rate and batch size, hidden [64, 64], adam. */
function digitsSpec(benchSpec, name, trials, epochs, seed) {
  return benchSpec({
    name,
    seed,
    task: { kind: 'builtin', data: { dataset: 'digits', validationSplit: 0.2 }, dataSeed: 1 },
    params: [
      { name: 'learning_rate', dist: { kind: 'float', low: 1e-3, high: 1e-1, log: true, grid: null } },
      { name: 'batch_size', dist: { kind: 'categorical', choices: [32, 128] } },
      { name: 'hidden', dist: { kind: 'constant', value: [64, 64] } },
      { name: 'optimizer', dist: { kind: 'constant', value: 'adam' } },
    ],
    trials,
    maxEpochs: epochs,
    objective: { metric: 'val_loss', direction: 'minimize' },
    workers: WORKERS,
    backend: 'wasm',
  });
}

/** The measurement itself, in the fresh process: both executors, 10 then 100 trials each. */
async function measure({ trials, epochs }) {
  const { createThreadExecutor } = await import('../dist/pool/thread-executor.js');
  const { createProcessExecutor } = await import('../dist/pool/process-executor.js');
  const { MemoryStorage } = await import('../dist/storage/memory.js');
  const { benchSpec, runBenchStudy } = await import('./study.js');
  const storage = new MemoryStorage();
  let studies = 0;
  const study = (executor, spec) => runBenchStudy({ storage, executor, spec });
  /** One probe per worker; the RSS each reports, by process id. */
  const probe = async (executor) => {
    const spec = benchSpec({
      name: `probe-${studies++}`,
      task: { kind: 'module', module: PROBE },
      params: [{ name: 'x', dist: { kind: 'constant', value: 0 } }],
      trials: WORKERS,
      maxEpochs: 1,
      objective: { metric: 'value', direction: 'minimize' },
      workers: WORKERS,
      backend: 'wasm',
    });
    const { outcome } = await study(executor, spec);
    return outcome.trials.map((t) => ({ ...t.metrics }));
  };
  const mainRss = () => {
    globalThis.gc?.();
    return process.memoryUsage.rss();
  };
  /** RSS per worker after `trials[0]` and after `trials[1]` trials in all. */
  const run = async (executor, perWorker) => {
    const after = [];
    let done = 0;
    for (const total of trials) {
      await study(executor, digitsSpec(benchSpec, `digits-${studies++}`, total - done, epochs, total));
      done = total;
      after.push(await perWorker(executor));
    }
    return after;
  };

  const baseline = mainRss();
  const threads = createThreadExecutor({ workers: WORKERS });
  let threadRss;
  let threadProbes;
  try {
    threadProbes = [];
    threadRss = await run(threads, async (executor) => {
      threadProbes.push(await probe(executor));
      return (mainRss() - baseline) / WORKERS;
    });
  } finally {
    await threads.close();
  }
  const processes = createProcessExecutor({ workers: WORKERS });
  let childRss;
  let pids;
  let childProbes;
  try {
    childProbes = await run(processes, probe);
    pids = childProbes.map((s) =>
      s
        .map((p) => p.pid)
        .sort((a, b) => a - b)
        .join(','),
    );
    childRss = childProbes.map((s) => s.reduce((sum, p) => sum + p.rss, 0) / s.length);
  } finally {
    await processes.close();
  }
  await storage.close();
  return {
    baselineRss: baseline,
    threadRss,
    childRss,
    childPids: pids,
    threadProbes,
    childProbes,
    gc: typeof globalThis.gc === 'function',
  };
}

/** Runs {@link measure} in a fresh `node --expose-gc` process and returns its result. */
function measureInFreshProcess(shape) {
  const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc`.trim() };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', SELF, JSON.stringify(shape)],
      { env, maxBuffer: 16 * MB, timeout: 1_800_000 },
      (error, stdout, stderr) => {
        if (error !== null)
          return reject(
            new Error(
              `bench memory: the measuring process failed (${error.code ?? error.signal}):\n${stderr.trim().split('\n').slice(-8).join('\n')}`,
            ),
          );
        resolve(JSON.parse(stdout.trim().split('\n').at(-1)));
      },
    );
  });
}

/**
 * @param {{ quick: boolean, repeats: number }} options
 * @returns {Promise<{ results: object, rows: import('./lib.js').Row[] }>}
 */
export async function run({ quick, repeats }) {
  const shape = { trials: quick ? [10, 40] : [10, 100], epochs: quick ? 1 : 2 };
  const samples = [];
  for (let r = 0; r < repeats; r++) samples.push(await measureInFreshProcess(shape));
  const stat = (pick) => summarize(samples.map(pick));
  const [early, late] = shape.trials;
  const thread = [stat((s) => s.threadRss[0] / MB), stat((s) => s.threadRss[1] / MB)];
  const child = [stat((s) => s.childRss[0] / MB), stat((s) => s.childRss[1] / MB)];
  /** Median over repeats of the workers' mean of probe field `key`, in MB, after measurement `i`. */
  const probed = (probes, key, i) => stat((s) => s[probes][i].reduce((sum, p) => sum + p[key], 0) / s[probes][i].length / MB).median;
  /** What the workers' own memory did between the two measurements, for the notes. */
  const breakdown = (probes) =>
    ['heapUsed', 'heapPhysical', 'wasmHeap']
      .map(
        (key) =>
          `${{ heapUsed: 'V8 heap used', heapPhysical: 'V8 heap committed', wasmHeap: 'wasm heap' }[key]} ${probed(probes, key, 0).toFixed(0)}→${probed(probes, key, 1).toFixed(0)} MB`,
      )
      .join(', ');
  const threadRatio = stat((s) => s.threadRss[1] / s.threadRss[0]);
  const childRatio = stat((s) => s.childRss[1] / s.childRss[0]);
  const sameChildren = samples.every((s) => s.childPids[0] === s.childPids[1]);
  const results = {
    setup: {
      ...shape,
      workers: WORKERS,
      study: 'digits, random lr in [1e-3, 1e-1] log and batch 32 or 128, hidden [64, 64], adam, wasm',
      repeats,
    },
    baselineRssMb: stat((s) => s.baselineRss / MB),
    threadRssMb: { [`after${early}`]: thread[0], [`after${late}`]: thread[1], ratio: threadRatio },
    childRssMb: { [`after${early}`]: child[0], [`after${late}`]: child[1], ratio: childRatio },
    sameChildren,
    samples,
    notes: [
      'threadRssMb: (process RSS with the pool − RSS before it) / workers, after gc in the main thread and in every worker',
      'childRssMb: mean over the child processes of the RSS each reports after gc',
      'sameChildren: whether the same child processes served both measurements (a recycled child would start small again)',
      'samples[].threadProbes / childProbes: what each worker reported after gc at each measurement: rss (its process), heapUsed, heapPhysical (V8 heap committed), codeSpace, malloced, external, wasmHeap (the tfjs wasm memory), pid',
    ],
  };
  const name = 'memory';
  const target = { max: TARGET, text: `≤ ${TARGET.toFixed(2)}` };
  const rows = [
    row(name, `RSS per worker thread, after ${early} trials`, thread[0], { unit: 'MB' }),
    row(name, `RSS per worker thread, after ${late} trials`, thread[1], { unit: 'MB' }),
    row(name, `worker thread RSS, ${late} ÷ ${early} trials`, threadRatio, {
      unit: '×',
      digits: 3,
      target,
      note: breakdown('threadProbes'),
    }),
    row(name, `RSS per child process, after ${early} trials`, child[0], { unit: 'MB' }),
    row(name, `RSS per child process, after ${late} trials`, child[1], { unit: 'MB' }),
    row(name, `child process RSS, ${late} ÷ ${early} trials`, childRatio, {
      unit: '×',
      digits: 3,
      target,
      note: `${breakdown('childProbes')}${sameChildren ? '' : '; a child was replaced between the two measurements'}`,
    }),
  ];
  return { results, rows };
}

if (process.argv[1] === SELF && process.argv[2] !== undefined) {
  const result = await measure(JSON.parse(process.argv[2]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
