/** A TrialContext for tests: records reports, keeps checkpoints in memory (structured-cloned). */
import type { TrialContext } from '../../src/trial/objective.js';
import type { Budget, Metrics } from '../../src/core/types.js';

export interface FakeTrial extends TrialContext {
  readonly reports: [number, Metrics][];
  /** The checkpoint store's content, shared between runs of one "trial". */
  readonly stored: { state: unknown | null };
}

export function fakeTrial(options: {
  seed?: number;
  budget?: Budget;
  maxEpochs?: number;
  stored?: { state: unknown | null };
  /** Answer of `report` for each epoch (default: go on). */
  answer?: (epoch: number) => boolean;
  signal?: AbortSignal;
}): FakeTrial {
  const reports: [number, Metrics][] = [];
  const stored = options.stored ?? { state: null };
  const maxEpochs = options.maxEpochs ?? 4;
  return {
    number: 0,
    seed: options.seed ?? 7,
    budget: options.budget ?? { from: 0, to: maxEpochs },
    maxEpochs,
    signal: options.signal ?? new AbortController().signal,
    reports,
    stored,
    report: async (epoch, metrics) => {
      reports.push([epoch, metrics]);
      return options.answer?.(epoch) ?? true;
    },
    checkpoint: {
      load: async () => (stored.state === null ? null : structuredClone(stored.state)),
      save: async (state) => {
        stored.state = structuredClone(state);
      },
    },
  };
}
