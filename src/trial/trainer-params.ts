/**
 * The parameters the built-in MLP trainer understands, their domains and defaults. The space
 * parser checks a file's `params` against this table; the trainer reads its configuration
 * through {@link resolveTrainerConfig}.
 */
import type { Params, ParamValue } from '../core/types.js';

export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu', 'linear'] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

export const SCHEDULES = ['constant', 'exponential', 'step', 'cosine'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

/** The domain of one trainer parameter. */
export type Domain =
  | { readonly type: 'number'; readonly min: number; readonly max: number; readonly minOpen: boolean; readonly maxOpen: boolean }
  | { readonly type: 'int'; readonly min: number; readonly max: number }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'int-list' };

export interface TrainerParamInfo {
  readonly domain: Domain;
  readonly default: ParamValue;
  readonly doc: string;
  /**
   * Whether a trial may change it between two runs of its training (population based training,
   * a piecewise value): false for what the model and optimizer are built from.
   */
  readonly mutable: boolean;
}

const num = (min: number, max: number, minOpen = false, maxOpen = false): Domain => ({ type: 'number', min, max, minOpen, maxOpen });
const int = (min: number, max = Infinity): Domain => ({ type: 'int', min, max });

/** Top-level trainer parameters. */
export const TRAINER_PARAMS: Readonly<Record<string, TrainerParamInfo>> = {
  learning_rate: { domain: num(0, Infinity, true, true), default: 0.01, doc: 'initial learning rate', mutable: true },
  batch_size: { domain: int(1), default: 32, doc: 'examples per gradient step', mutable: true },
  optimizer: { domain: { type: 'enum', values: OPTIMIZERS }, default: 'adam', doc: 'sgd, momentum or adam', mutable: false },
  momentum: { domain: num(0, 1, false, true), default: 0.9, doc: 'momentum coefficient (optimizer: momentum)', mutable: true },
  weight_decay: { domain: num(0, Infinity, false, true), default: 0, doc: 'L2 penalty added to the gradient', mutable: true },
  dropout: { domain: num(0, 1, false, true), default: 0, doc: 'dropout rate after each hidden layer', mutable: true },
  hidden: { domain: { type: 'int-list' }, default: [64, 64], doc: 'hidden layer sizes, e.g. [128, 64]', mutable: false },
  hidden_layers: { domain: int(0, 16), default: null, doc: 'number of hidden layers (with hidden_units)', mutable: false },
  hidden_units: { domain: int(1, 65536), default: null, doc: 'units per hidden layer (with hidden_layers)', mutable: false },
  activation: { domain: { type: 'enum', values: ACTIVATIONS }, default: 'relu', doc: 'hidden activation', mutable: false },
  warmup_epochs: { domain: int(0), default: 0, doc: 'epochs of linear warmup before the schedule', mutable: true },
  schedule: { domain: { type: 'enum', values: SCHEDULES }, default: 'constant', doc: 'learning-rate schedule', mutable: false },
};

/** Parameters that exist under one schedule option (`schedule.decay_rate`...). */
export const SCHEDULE_PARAMS: Readonly<Record<ScheduleName, Readonly<Record<string, TrainerParamInfo>>>> = {
  constant: {},
  exponential: { decay_rate: { domain: num(0, 1, true, false), default: 0.9, doc: 'lr·decay_rate^epoch', mutable: true } },
  step: {
    step_size: { domain: int(1), default: 3, doc: 'epochs between drops', mutable: true },
    gamma: { domain: num(0, 1, true, false), default: 0.5, doc: 'lr·gamma^⌊epoch/step_size⌋', mutable: true },
  },
  cosine: { floor: { domain: num(0, 1), default: 0, doc: 'final learning rate as a fraction of the initial one', mutable: true } },
};

/** Allowed under every schedule option as well as at the top level. */
export const SCHEDULE_COMMON_PARAMS: Readonly<Record<string, TrainerParamInfo>> = {
  warmup_epochs: TRAINER_PARAMS.warmup_epochs!,
};

/** A learning-rate schedule with its parameters resolved. */
export type ScheduleConfig =
  | { readonly kind: 'constant' }
  | { readonly kind: 'exponential'; readonly decayRate: number }
  | { readonly kind: 'step'; readonly stepSize: number; readonly gamma: number }
  | { readonly kind: 'cosine'; readonly floor: number };

/** The trainer's full configuration for one trial, defaults filled in. */
export interface TrainerConfig {
  readonly learningRate: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly momentum: number;
  readonly weightDecay: number;
  readonly dropout: number;
  readonly hidden: readonly number[];
  readonly activation: ActivationName;
  readonly warmupEpochs: number;
  readonly schedule: ScheduleConfig;
}

/** Whether the built-in trainer lets a parameter change between two runs of a trial's training. */
export function trainerParamMutable(name: string): boolean {
  if (name.startsWith('schedule.')) return true;
  return TRAINER_PARAMS[name]?.mutable ?? false;
}

function pick<T extends ParamValue>(params: Params, name: string, fallback: T): T {
  const value = params[name];
  return (value === undefined ? fallback : value) as T;
}

/**
 * Reads a trial's parameters (constants and sampled values together) into a trainer
 * configuration. Values were checked against the domains when the space was parsed.
 */
export function resolveTrainerConfig(params: Params): TrainerConfig {
  const schedule = pick(params, 'schedule', 'constant') as ScheduleName;
  const child = <T extends ParamValue>(name: string): T => pick(params, `schedule.${name}`, SCHEDULE_PARAMS[schedule][name]?.default as T);
  let scheduleConfig: ScheduleConfig;
  switch (schedule) {
    case 'exponential':
      scheduleConfig = { kind: 'exponential', decayRate: child<number>('decay_rate') };
      break;
    case 'step':
      scheduleConfig = { kind: 'step', stepSize: child<number>('step_size'), gamma: child<number>('gamma') };
      break;
    case 'cosine':
      scheduleConfig = { kind: 'cosine', floor: child<number>('floor') };
      break;
    default:
      scheduleConfig = { kind: 'constant' };
  }
  const layers = params.hidden_layers;
  const units = params.hidden_units;
  let hidden = pick(params, 'hidden', [64, 64]) as readonly number[];
  if (layers !== undefined || units !== undefined) {
    hidden = Array.from({ length: Number(layers ?? 2) }, () => Number(units ?? 64));
  }
  return {
    learningRate: pick(params, 'learning_rate', 0.01),
    batchSize: pick(params, 'batch_size', 32),
    optimizer: pick(params, 'optimizer', 'adam') as OptimizerName,
    momentum: pick(params, 'momentum', 0.9),
    weightDecay: pick(params, 'weight_decay', 0),
    dropout: pick(params, 'dropout', 0),
    hidden,
    activation: pick(params, 'activation', 'relu') as ActivationName,
    warmupEpochs: pick(params, 'schedule.warmup_epochs', pick(params, 'warmup_epochs', 0)),
    schedule: scheduleConfig,
  };
}
