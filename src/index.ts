/**
 * hpsearch as a library: the same space, strategies, storage and pool as the CLI.
 *
 * ```ts
 * import { runStudy, defineSpace, loguniform, choice } from 'hpsearch';
 *
 * const result = await runStudy({
 *   name: 'my-model',
 *   objective: './train.mjs',
 *   metric: 'val_loss',
 *   space: defineSpace({ learning_rate: loguniform(1e-4, 1e-1), batch_size: choice([32, 64]) }),
 *   strategy: 'asha',
 *   maxEpochs: 27,
 * });
 * console.log(result.best);
 * ```
 */
export {
  type PercentilePrunerOptions,
  type PrunerOptions,
  type SamplerOptions,
  type StudyOptions,
  type StudyResult,
  runStudy,
} from './api/run-study.js';
export {
  type GridOption,
  type MutableOption,
  type ParamDeclaration,
  type RangeOptions,
  type SpaceDefinition,
  choice,
  defineSpace,
  int,
  loguniform,
  piecewise,
  uniform,
} from './api/space.js';
export type { CheckpointStore, Objective, ObjectiveResult, TrialContext } from './trial/objective.js';
export type { EpochView, TrialView } from './study/events.js';
export type { LeaderboardRow } from './report/leaderboard.js';
export type { Plan, PlanBracket, PlanRung } from './strategies/plan.js';
export type { RunOptions } from './study/settings.js';
export type { ParallelMode, SamplerName, StrategyName } from './space/spec.js';
export type { BackendChoice, Budget, DataSpec, Direction, Metrics, Params, ParamValue, StudyStatus, TrialStatus } from './core/types.js';
export type { CopySource, PromotionRecord, TrialRecord } from './storage/storage.js';
export { loadDataset } from './data/load.js';
export type { Dataset } from './data/types.js';
export { BackendError, ConfigError, HpsearchError, IoError, StorageError, TrialFailedError, UsageError } from './errors.js';
