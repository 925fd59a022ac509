/**
 * The vocabulary every layer shares: parameter values, metrics and budgets, trial and study
 * statuses, directions, and what a trial trains on which backend. A leaf: it imports nothing of
 * the project, and anything may import it.
 */

/** A value a choice can take. */
export type Scalar = number | string | boolean;

/** Any JSON value: what a constant parameter may hold (`hidden: [64, 64]`). */
export type JsonValue = Scalar | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** A sampled or constant parameter value. */
export type ParamValue = JsonValue;

/** One configuration: parameter values by their full dotted name (`schedule.gamma`). */
export type Params = Readonly<Record<string, ParamValue>>;

/** Metrics reported for one epoch, by name (`loss`, `val_loss`, `val_accuracy`, `lr`...). */
export type Metrics = Readonly<Record<string, number>>;

/** A range of epochs to train: from `from` (already done) up to `to` (inclusive count). */
export interface Budget {
  readonly from: number;
  readonly to: number;
}

/** Where a member of a population copied its weights from: that member's checkpoint after `epoch` epochs. */
export interface CopySource {
  readonly trial: number;
  readonly epoch: number;
}

/**
 * New hyperparameters with a promotion (population based training): the parameters the trial
 * trains with from the new rung on, and the checkpoint it continues from when it copies another
 * member's (exploit), or null when it continues from its own.
 */
export interface PromotionChange {
  readonly params: Params;
  readonly source: CopySource | null;
}

/** Lifecycle of a study. `interrupted`: stopped before its end and resumable. */
export type StudyStatus = 'running' | 'completed' | 'interrupted' | 'failed';

/**
 * Lifecycle of a trial. `diverged`: its loss became NaN or infinite. `paused`: a multi-fidelity
 * trial that finished a rung below the full budget and waits to be promoted (`queued` again) or
 * dropped (`pruned`).
 */
export type TrialStatus = 'queued' | 'running' | 'paused' | 'completed' | 'pruned' | 'diverged' | 'failed';

/** Statuses after which a trial does not run again (unless it is retried). */
export const FINISHED_TRIAL_STATUSES: readonly TrialStatus[] = ['completed', 'pruned', 'diverged', 'failed'];

/** How a score is read from a metric: lower is better or higher is better. */
export type Direction = 'minimize' | 'maximize';

/** Names accepted by `--backend`. `auto` is resolved before a study runs. */
export const BACKEND_NAMES = ['auto', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'] as const;

export type BackendChoice = (typeof BACKEND_NAMES)[number];

export type BackendName = Exclude<BackendChoice, 'auto'>;

/** Where a trial runs: a worker thread, or a child process started from the worker's slot. */
export type Isolation = 'thread' | 'process';

/** Built-in datasets, each generated or loaded offline. */
export type DataSpec =
  | { readonly dataset: 'digits'; readonly validationSplit: number }
  | {
      readonly dataset: 'spirals';
      readonly samples: number;
      readonly classes: number;
      readonly noise: number;
      readonly validationSplit: number;
    }
  | {
      readonly dataset: 'blobs';
      readonly samples: number;
      readonly classes: number;
      readonly features: number;
      readonly spread: number;
      readonly validationSplit: number;
    }
  | {
      readonly dataset: 'linear';
      readonly samples: number;
      readonly features: number;
      readonly noise: number;
      readonly validationSplit: number;
    }
  | {
      readonly dataset: 'csv';
      /** Absolute path of the training CSV file. */
      readonly path: string;
      readonly target: string;
      readonly task: 'classification' | 'regression';
      /** Fraction held out when no `validation` file is given. */
      readonly validationSplit: number;
      /** Absolute path of a separate validation CSV file, or null. */
      readonly validationPath: string | null;
    };

export type DatasetName = DataSpec['dataset'];

/** What a trial trains. The built-in trainer reads its settings from the sampled parameters. */
export interface BuiltinTask {
  readonly kind: 'builtin';
  readonly data: DataSpec;
  /** Seed of the dataset itself (synthetic generation and the validation split). */
  readonly dataSeed: number;
}

/** A user's objective module: `export default async function (params, trial) {...}`. */
export interface ModuleTask {
  readonly kind: 'module';
  /** Absolute path of the module file. */
  readonly module: string;
}

export type TaskSpec = BuiltinTask | ModuleTask;
