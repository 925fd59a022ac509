/**
 * `runStudy`: a whole study from a script or notebook, with the same space parser, strategies,
 * storage and pool as the CLI (which is a layer over the same `executeStudy`).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.js';
import { type LeaderboardRow, buildLeaderboard } from '../report/leaderboard.js';
import { bestCompleted } from '../report/study-view.js';
import { drawSeed } from '../space/load.js';
import { parseStudy } from '../space/parse.js';
import type { ParallelMode, SamplerName, StrategyName } from '../space/spec.js';
import type { Direction, StudyStatus } from '../core/types.js';
import { openStorage, parseStorageUrl } from '../storage/open.js';
import type { TrialRecord } from '../storage/storage.js';
import { planFor } from '../strategies/create.js';
import type { Plan } from '../strategies/plan.js';
import type { EpochView, TrialView } from '../study/events.js';
import { checkpointDirFor, executeStudy } from '../study/execute.js';
import { openStudy } from '../study/resume.js';
import { type RunOptions, resolveRunSettings } from '../study/settings.js';
import { checkObjectiveModule } from '../trial/probe-module.js';
import type { SpaceDefinition } from './space.js';

export interface StudyOptions extends RunOptions {
  /** The study's name, unique within its storage. Running a name again resumes the unfinished study. */
  readonly name: string;
  /** The parameters to search (see `defineSpace`). */
  readonly space: SpaceDefinition;
  /**
   * Your objective module (a path, relative to the working directory, or a file URL) whose
   * default export is `async function (params, trial)`. Without it, the built-in MLP trainer
   * trains on `data`.
   */
  readonly objective?: string | URL;
  /** The built-in trainer's data, as a space file's `data` key: `{ dataset: 'digits' }`... */
  readonly data?: Readonly<Record<string, unknown>>;
  /** The metric whose value ranks trials (required with an objective module). */
  readonly metric?: string;
  readonly direction?: Direction;
  /** Default `random`. */
  readonly strategy?: StrategyName;
  /**
   * Where new configurations come from: `random` (the default) or `tpe`, or TPE with settings:
   * `{ name: 'tpe', startupTrials, candidates, multivariate, randomFraction, parallel, lag }`
   * (the space file's `sampler` keys in camelCase).
   */
  readonly sampler?: SamplerName | SamplerOptions;
  /**
   * How trials of `random` and `grid` studies are stopped early: `none` (the default), `median`,
   * or a pruner with settings, e.g. `{ name: 'percentile', percentile: 25, startupTrials: 5 }` or
   * `{ name: 'patient', patience: 3, wrapped: 'median' }` (the space file's `pruner` keys in camelCase).
   */
  readonly pruner?: 'none' | 'median' | PrunerOptions;
  readonly trials?: number;
  /** Population based training (`strategy: 'pbt'`): members trained at once (default 8). */
  readonly population?: number;
  /** pbt: epochs between exploit/explore steps (default a tenth of maxEpochs, at least 1). */
  readonly perturbationInterval?: number;
  /** pbt: the share of members that copy and are copied (default 0.25, at most 0.5). */
  readonly quantile?: number;
  /** pbt: the chance that a parameter is drawn again instead of perturbed (default 0.25). */
  readonly resampleProbability?: number;
  /** pbt: the factors a numeric parameter is multiplied by (default [0.8, 1.2]). */
  readonly perturbationFactors?: readonly number[];
  /** Every trial's seed instead of one derived from `seed` (a replay's `trial_seed`). */
  readonly trialSeed?: number | { readonly piecewise: readonly (readonly [number, number])[] };
  readonly maxEpochs?: number;
  readonly minEpochs?: number;
  readonly eta?: number;
  /** Default: drawn at random (it is stored with the study). */
  readonly seed?: number;
  /** Where the study is kept: `memory:` (the default), `sqlite:PATH` or a `.db` path. */
  readonly storage?: string;
  /** Aborting it stops the study gracefully: no new trial; running ones end after their epoch. */
  readonly signal?: AbortSignal;
  readonly onTrialStart?: (trial: TrialView) => void;
  readonly onEpoch?: (epoch: EpochView) => void;
  /** A trial's run ended: completed, paused at a rung, diverged, failed, or queued again. */
  readonly onTrialEnd?: (trial: TrialView) => void;
  /** A paused configuration was dropped by a multi-fidelity strategy. */
  readonly onTrialPruned?: (trial: TrialView) => void;
  /** Something worth knowing once (an objective that saves no checkpoints, a smaller batch). */
  readonly onNotice?: (message: string) => void;
  readonly onStudyEnd?: (result: StudyResult) => void;
}

export interface StudyResult {
  readonly name: string;
  /** `completed`, or `interrupted` after the signal. */
  readonly status: StudyStatus;
  readonly plan: Plan;
  readonly trials: readonly TrialRecord[];
  /** Every trial, best first (diverged and failed last). */
  readonly leaderboard: readonly LeaderboardRow[];
  /** The best completed trial, or null. */
  readonly best: LeaderboardRow | null;
  readonly elapsedMs: number;
}

/** Names of options that differ from the space-file keys they become, for messages. */
const OPTION_NAMES: Readonly<Record<string, string>> = {
  max_epochs: 'maxEpochs',
  min_epochs: 'minEpochs',
  params: 'space',
  'objective.module': 'objective',
  'objective.metric': 'metric',
  'objective.direction': 'direction',
  perturbation_interval: 'perturbationInterval',
  resample_probability: 'resampleProbability',
  perturbation_factors: 'perturbationFactors',
  trial_seed: 'trialSeed',
};

/** `sampler` as the library takes it: a name, or its settings in camelCase. */
export interface SamplerOptions {
  readonly name: SamplerName;
  readonly startupTrials?: number;
  readonly candidates?: number;
  readonly multivariate?: boolean;
  readonly randomFraction?: number;
  readonly parallel?: ParallelMode;
  readonly lag?: number;
}

/** Settings of a median or percentile pruner, in camelCase. */
export interface PercentilePrunerOptions {
  readonly startupTrials?: number;
  readonly warmupEpochs?: number;
  readonly interval?: number;
  readonly parallel?: ParallelMode;
  readonly lag?: number;
}

/** `pruner` as the library takes it with settings. */
export type PrunerOptions =
  | { readonly name: 'none' }
  | ({ readonly name: 'median' } & PercentilePrunerOptions)
  | ({ readonly name: 'percentile'; readonly percentile: number } & PercentilePrunerOptions)
  | {
      readonly name: 'patient';
      readonly patience: number;
      readonly minDelta?: number;
      readonly wrapped?: 'none' | 'median' | Exclude<PrunerOptions, { readonly name: 'patient' }>;
    };

/** The API's `sampler` or `pruner` in the space file's form: its keys in snake_case, all the way down. */
function snakeDeclaration(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), snakeDeclaration(inner)]),
  );
}

function optionPath(pathInFile: string): string {
  // The settings of a sampler or pruner: camelCase, as the options are written.
  if (/^(sampler|pruner)\./.test(pathInFile)) return pathInFile.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  for (const [key, option] of Object.entries(OPTION_NAMES)) {
    if (pathInFile === key || pathInFile.startsWith(`${key}.`) || pathInFile.startsWith(`${key}[`))
      return option + pathInFile.slice(key.length);
  }
  return pathInFile;
}

/**
 * Runs a study to its end (or until `signal` aborts) and resolves with its leaderboard.
 * @throws {ConfigError} for invalid options, each problem with its option path;
 * {@link BackendError}, {@link UsageError} or {@link StorageError} as the CLI reports them.
 */
export async function runStudy(options: StudyOptions): Promise<StudyResult> {
  const module =
    options.objective === undefined
      ? undefined
      : options.objective instanceof URL
        ? fileURLToPath(options.objective)
        : path.resolve(options.objective);
  const declaration = {
    name: options.name,
    ...(options.data === undefined ? {} : { data: options.data }),
    objective: {
      ...(module === undefined ? {} : { module }),
      ...(options.metric === undefined ? {} : { metric: options.metric }),
      ...(options.direction === undefined ? {} : { direction: options.direction }),
    },
    strategy: options.strategy,
    sampler: snakeDeclaration(options.sampler),
    pruner: snakeDeclaration(options.pruner),
    trials: options.trials,
    population: options.population,
    perturbation_interval: options.perturbationInterval,
    quantile: options.quantile,
    resample_probability: options.resampleProbability,
    perturbation_factors: options.perturbationFactors,
    trial_seed: options.trialSeed,
    max_epochs: options.maxEpochs,
    min_epochs: options.minEpochs,
    eta: options.eta,
    seed: options.seed,
    params: options.space,
  };
  const raw = Object.fromEntries(Object.entries(declaration).filter(([, value]) => value !== undefined));
  let seedGiven = true;
  let spec;
  try {
    spec = parseStudy(raw, { baseDir: process.cwd(), drawSeed: () => ((seedGiven = false), drawSeed()) });
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError(error.issues.map((i) => ({ ...i, path: optionPath(i.path) })));
    throw error;
  }
  const settings = resolveRunSettings(options, spec);
  if (spec.task.kind === 'module') checkObjectiveModule(spec.task.module);

  const url = options.storage ?? 'memory:';
  const target = parseStorageUrl(url);
  const storage = await openStorage(url);
  try {
    const hint = () => 'run it under another name, or resume it with the declaration it was started with';
    const opened = await openStudy(storage, spec, seedGiven, settings, hint);
    const checkpointDir = checkpointDirFor(target, opened.study.id);
    const outcome = await executeStudy({
      storage,
      study: opened.study,
      settings,
      checkpointDir,
      prepare: opened.prepare,
      stopSignal: options.signal,
      attach: () => ({
        events: {
          onTrialStart: options.onTrialStart,
          onEpoch: options.onEpoch,
          onTrialEnd: options.onTrialEnd === undefined ? undefined : (trial) => options.onTrialEnd!(trial),
          onTrialPruned: options.onTrialPruned,
          onNotice: options.onNotice,
        },
      }),
    });
    const leaderboard = buildLeaderboard(outcome.trials, outcome.study.spec.objective.direction);
    const result: StudyResult = {
      name: outcome.study.name,
      status: outcome.status,
      plan: planFor(outcome.study.spec),
      trials: outcome.trials,
      leaderboard,
      best: bestCompleted(outcome.trials, outcome.study.spec),
      elapsedMs: outcome.elapsedMs,
    };
    options.onStudyEnd?.(result);
    return result;
  } finally {
    await storage.close();
  }
}
