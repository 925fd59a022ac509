/**
 * Learning-rate schedules: the rate of each epoch as a pure function of the configuration, so a
 * trial continued from a checkpoint needs no schedule state.
 */
import type { TrainerConfig } from './trainer-params.js';

/** The parts of a trainer configuration a schedule reads. */
export type ScheduleSettings = Pick<TrainerConfig, 'learningRate' | 'warmupEpochs' | 'schedule'>;

/**
 * The learning rate for epoch `epoch` (0-based) of a run laid out over `maxEpochs` epochs.
 *
 * With initial rate η (`learningRate`) and `w` warmup epochs, epochs `e < w` use the linear
 * warmup `η·(e+1)/w`; from epoch `w` on, the schedule runs on `e' = e − w`:
 * - `constant`: η
 * - `exponential`: η·r^e' (r, `decayRate`)
 * - `step`: η·γ^⌊e'/k⌋ (γ, `gamma`; k, `stepSize`)
 * - `cosine`: f·η + (1−f)·η·(1 + cos(π·e'/T))/2, with T = `maxEpochs` − w (at least 1) and
 *   f the `floor` fraction. The rate starts at η and would reach f·η at e' = T, one epoch
 *   after the last (SGDR, Loshchilov & Hutter 2017, without restarts).
 */
export function learningRateAt(settings: ScheduleSettings, epoch: number, maxEpochs: number): number {
  const { learningRate: lr, warmupEpochs: warmup, schedule } = settings;
  if (epoch < warmup) return (lr * (epoch + 1)) / warmup;
  const e = epoch - warmup;
  switch (schedule.kind) {
    case 'constant':
      return lr;
    case 'exponential':
      return lr * schedule.decayRate ** e;
    case 'step':
      return lr * schedule.gamma ** Math.floor(e / schedule.stepSize);
    case 'cosine': {
      const span = Math.max(1, maxEpochs - warmup);
      return schedule.floor * lr + ((1 - schedule.floor) * lr * (1 + Math.cos((Math.PI * e) / span))) / 2;
    }
  }
}
