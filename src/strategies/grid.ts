/**
 * Grid search: every cell of the cartesian product, in a fixed order.
 */
import { gridCells } from '../space/grid.js';
import type { ParamSpec } from '../space/types.js';
import { CONTINUE, type Decision, type Strategy, type TrialRequest, type TrialSnapshot } from './types.js';

export interface GridOptions {
  readonly params: readonly ParamSpec[];
  /** At most this many cells, in grid order; null for all of them. */
  readonly trials: number | null;
  readonly maxEpochs: number;
}

export function gridStrategy(options: GridOptions): Strategy {
  const cells = gridCells(options.params);
  const total = options.trials === null ? cells.length : Math.min(options.trials, cells.length);
  return {
    name: 'grid',
    plannedTrials: total,
    plannedEpochs: total * options.maxEpochs,
    ask(history: readonly TrialSnapshot[]): TrialRequest | null {
      const number = history.length;
      if (number >= total) return null;
      return { kind: 'new', params: cells[number]!, budget: { from: 0, to: options.maxEpochs } };
    },
    tell(): Decision {
      return CONTINUE;
    },
  };
}
