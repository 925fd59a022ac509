/**
 * `hpsearch start <space-file>`: validates everything, creates the study, runs it in the pool
 * with the plain reporter, and prints the leaderboard.
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadDataset } from '../../data/load.js';
import { ConfigError, UsageError } from '../../errors.js';
import { defaultIsolation, isNative, resolveBackend } from '../../pool/backend-choice.js';
import { createExecutor } from '../../pool/create-executor.js';
import { buildLeaderboard, leaderboardTable } from '../../report/leaderboard.js';
import { formatDuration, formatNumber } from '../../report/format.js';
import { planSummary } from '../../report/plan.js';
import { loadSpaceFile } from '../../space/load.js';
import type { Isolation, StudySpec } from '../../space/spec.js';
import { openStorage, parseStorageUrl } from '../../storage/open.js';
import type { TrialRecord } from '../../storage/storage.js';
import { createStrategy } from '../../strategies/create.js';
import { runStudy } from '../../study/run-study.js';
import { createPlainReporter } from '../../ui/plain-reporter.js';
import type { CliIO } from '../io.js';
import { addStudyFlags } from '../study-flags.js';

export interface StartOptions {
  readonly name?: string;
  readonly strategy?: string;
  readonly trials?: string;
  readonly maxEpochs?: string;
  readonly minEpochs?: string;
  readonly eta?: string;
  readonly workers?: string;
  readonly seed?: string;
  readonly backend?: string;
  readonly isolation?: string;
  readonly storage?: string;
  readonly dashboard: boolean;
}

/** Exit code after a stop by Ctrl-C or SIGTERM (128 + SIGINT). */
export const INTERRUPTED_EXIT_CODE = 130;
const LEADERBOARD_TOP = 10;

export function registerStart(program: Command, io: CliIO, setExitCode: (code: number) => void): void {
  addStudyFlags(
    program
      .command('start')
      .description('run a hyperparameter search declared in a space file')
      .argument('<space-file>', 'the search space and study settings (YAML or JSON)'),
  )
    .option('--workers <n|auto>', 'trials run at once (auto: one per available core)')
    .option('--backend <name>', 'auto, wasm, cpu, tensorflow or tensorflow-gpu')
    .option('--isolation <mode>', 'run trials in worker threads or child processes: thread or process (default: thread for wasm and cpu, process for tensorflow)')
    .option('--storage <url>', 'where studies are kept: sqlite:PATH or a .db path', undefined)
    .option('--no-dashboard', 'print one line per finished trial instead of the live dashboard')
    .action(async (file: string, options: StartOptions) => {
      setExitCode(await startCommand(file, options, io));
    });
}

function readIsolation(value: string | undefined): Isolation | undefined {
  if (value === undefined || value === 'thread' || value === 'process') return value;
  throw new ConfigError([{ path: '--isolation', message: `must be one of thread, process, got ${JSON.stringify(value)}` }]);
}

/** Checks what can only be checked against the data: a batch size larger than the training set. */
function checkAgainstData(spec: StudySpec, trainSize: number): void {
  const batch = spec.params.find((p) => p.name === 'batch_size');
  if (batch === undefined) return;
  const values = batch.dist.kind === 'categorical' ? batch.dist.choices : batch.dist.kind === 'constant' ? [batch.dist.value] : batch.dist.kind === 'int' ? [batch.dist.high] : [];
  const tooLarge = values.filter((v): v is number => typeof v === 'number' && v > trainSize);
  if (tooLarge.length > 0) {
    throw new ConfigError(
      [{ path: 'params.batch_size', message: `${tooLarge.join(', ')} ${tooLarge.length === 1 ? 'is' : 'are'} larger than the training set (${trainSize} examples)` }],
      spec.source ?? undefined,
    );
  }
}

export async function startCommand(file: string, options: StartOptions, io: CliIO): Promise<number> {
  // Everything that can be wrong with the input is checked before anything is written.
  const spec = loadSpaceFile(file, options);
  const isolationFlag = readIsolation(options.isolation);
  const target = parseStorageUrl(options.storage);
  if (spec.task.kind === 'builtin') {
    // Loaded once here so that a bad CSV file is reported before anything is written.
    checkAgainstData(spec, loadDataset(spec.task.data, spec.task.dataSeed).trainSize);
  }
  const { backend, note } = resolveBackend(spec.backend);
  const isolation = isolationFlag ?? defaultIsolation(backend);
  if (isNative(backend) && isolation === 'thread') {
    throw new UsageError(`backend ${backend} cannot run in worker threads: its native binding fails in a second thread`, 'drop --isolation thread; native backends run one child process per worker');
  }
  const workers = spec.workers === 'auto' ? os.availableParallelism() : spec.workers;

  const storage = await openStorage(options.storage);
  try {
    const existing = await storage.getStudy(spec.name);
    if (existing !== null) {
      throw new UsageError(
        `a study named "${spec.name}" already exists in ${storage.location} (${existing.status})`,
        `start a new one with --name, or see its results with: hpsearch leaderboard ${JSON.stringify(spec.name)}${options.storage === undefined ? '' : ` --storage ${options.storage}`}`,
      );
    }
    const strategy = createStrategy(spec);
    const study = await storage.createStudy(spec, backend);
    const checkpointDir = target.kind === 'sqlite' ? path.join(path.dirname(path.resolve(target.path)), 'checkpoints', `study-${study.id}`) : null;
    const executor = createExecutor({ backend, isolation, workers });
    io.stderr.write(
      `study "${spec.name}": ${spec.strategy}, ${planSummary(strategy.plan)}, ` +
        `${spec.objective.direction} ${spec.objective.metric}, seed ${spec.seed}\n` +
        `${workers} worker${workers === 1 ? '' : 's'} (${executor.kind}), backend ${backend} (${note}), storage ${storage.location}\n`,
    );

    const stop = new AbortController();
    const abort = new AbortController();
    const onSignal = () => {
      if (!stop.signal.aborted) {
        io.stderr.write('stopping: running trials end after their current epoch (press Ctrl-C again to stop at once)\n');
        stop.abort();
      } else {
        abort.abort();
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let outcome;
    try {
      outcome = await runStudy({
        storage,
        study,
        strategy,
        executor,
        backend,
        checkpointDir,
        stopSignal: stop.signal,
        abortSignal: abort.signal,
        events: createPlainReporter(io.stdout, spec, strategy.plan),
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await executor.close();
    }
    io.stdout.write(`\n${summaryLine(spec, outcome.status, outcome.trials, outcome.elapsedMs)}\n\n`);
    const rows = buildLeaderboard(outcome.trials, spec.objective.direction, LEADERBOARD_TOP);
    if (rows.length > 0) io.stdout.write(`${leaderboardTable(rows, spec)}\n`);
    if (outcome.status === 'interrupted') {
      io.stderr.write(`study "${spec.name}" interrupted; its finished trials are kept in ${storage.location}\n`);
      return INTERRUPTED_EXIT_CODE;
    }
    return 0;
  } finally {
    await storage.close();
  }
}

/** `study "quick" completed: 12 trials (10 completed, 2 diverged) in 31.2s; best val_accuracy 0.9611 (trial 2)` */
export function summaryLine(spec: StudySpec, status: string, trials: readonly TrialRecord[], elapsedMs: number): string {
  const counts = new Map<string, number>();
  for (const trial of trials) counts.set(trial.status, (counts.get(trial.status) ?? 0) + 1);
  const breakdown = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  const best = buildLeaderboard(trials, spec.objective.direction, 1)[0];
  const bestText = best !== undefined && best.status === 'completed' ? `; best ${spec.objective.metric} ${formatNumber(best.value)} (trial ${best.trial})` : '; no completed trial';
  return `study "${spec.name}" ${status}: ${trials.length} trials (${breakdown}) in ${formatDuration(elapsedMs)}${bestText}`;
}
