/**
 * The schedule a study will run, computed before it runs: brackets of rungs, each rung a number
 * of configurations trained to a number of epochs. `hpsearch plan` prints it and the
 * multi-fidelity strategies are built from it, so the plan shown is the plan run.
 */
import { shaRungEpochs } from '../space/rungs.js';
import type { StrategyName } from '../space/spec.js';

export interface PlanRung {
  /** Configurations that train to this rung. */
  readonly configs: number;
  /** Epochs a configuration has trained when it reaches this rung. */
  readonly epochs: number;
}

export interface PlanBracket {
  /** Hyperband's s (the bracket's number of halvings); 0 for single-bracket strategies' own index. */
  readonly s: number;
  readonly rungs: readonly PlanRung[];
}

export interface Plan {
  readonly strategy: StrategyName;
  /** η, the reduction factor. */
  readonly eta: number;
  readonly minEpochs: number;
  readonly maxEpochs: number;
  readonly brackets: readonly PlanBracket[];
  /** Epochs trained in all, promoted configurations continuing from their checkpoints. */
  readonly totalEpochs: number;
  /** What the same configurations would cost each trained to `maxEpochs`. */
  readonly fullBudgetEpochs: number;
}

/** The settings a plan depends on. */
export interface PlanSettings {
  readonly strategy: StrategyName;
  readonly eta: number;
  readonly minEpochs: number;
  readonly maxEpochs: number;
  /** Configurations: at the bottom rung for sha and asha; a grid's cells; pbt's population; ignored by hyperband. */
  readonly trials: number;
  /** Epochs between pbt's exploit/explore steps (pbt only). */
  readonly perturbationInterval?: number;
}

/** Whether a strategy trains in rungs: sha, hyperband and asha. */
export function isMultiFidelity(strategy: StrategyName): boolean {
  return strategy === 'sha' || strategy === 'hyperband' || strategy === 'asha';
}

/** Whether a strategy trains its trials in rungs, continuing from checkpoints: the multi-fidelity ones and pbt. */
export function trainsInRungs(strategy: StrategyName): boolean {
  return isMultiFidelity(strategy) || strategy === 'pbt';
}

/** ⌊log_η(x)⌋ for x ≥ 1, exact for powers of η (no floating-point log). */
export function floorLog(x: number, eta: number): number {
  let s = 0;
  for (let power = eta; power <= x * (1 + 1e-12); power *= eta) s++;
  return s;
}

/**
 * Configurations per rung: n at the bottom, then the best ⌊nᵢ/η⌋ of each rung, but at least
 * one, so that some configuration always reaches the full budget.
 */
export function shaRungConfigs(n: number, rungs: number, eta: number): number[] {
  const configs = [n];
  while (configs.length < rungs) configs.push(Math.max(1, Math.floor(configs.at(-1)! / eta)));
  return configs;
}

/**
 * Hyperband's brackets (Li et al., JMLR 2018, Algorithm 1) with R counted in units of
 * `minEpochs`: s_max = ⌊log_η(R)⌋, B = (s_max + 1)·R, and for s = s_max … 0 a bracket of
 * n = ⌈(B/R)·η^s/(s + 1)⌉ configurations at r = R·η^−s, run as successive halving with
 * nᵢ = ⌊n·η^−i⌋ configurations at rᵢ = r·η^i (i = 0 … s). A rung's epochs are
 * `maxEpochs`·η^(i−s) rounded to the nearest whole number (at least 1), so the top rung of
 * every bracket is exactly `maxEpochs`.
 */
export function hyperbandBrackets(minEpochs: number, maxEpochs: number, eta: number): PlanBracket[] {
  const sMax = floorLog(maxEpochs / minEpochs, eta);
  const brackets: PlanBracket[] = [];
  for (let s = sMax; s >= 0; s--) {
    const n = Math.ceil(((sMax + 1) * eta ** s) / (s + 1));
    const rungs = Array.from({ length: s + 1 }, (_, i) => ({
      configs: Math.floor(n / eta ** i),
      epochs: i === s ? maxEpochs : Math.max(1, Math.round(maxEpochs * eta ** (i - s))),
    }));
    brackets.push({ s, rungs });
  }
  return brackets;
}

/** Σ nᵢ·(rᵢ − rᵢ₋₁): each promoted configuration trains only the epochs it has not yet done. */
export function bracketEpochs(bracket: PlanBracket): number {
  let previous = 0;
  let total = 0;
  for (const rung of bracket.rungs) {
    total += rung.configs * (rung.epochs - previous);
    previous = rung.epochs;
  }
  return total;
}

export { shaRungEpochs };

/**
 * Population based training's intervals: every member trains to T, 2T, … epochs (T the
 * perturbation interval) and then R; each interval is a rung of the whole population.
 */
export function pbtIntervals(maxEpochs: number, interval: number): number[] {
  const epochs: number[] = [];
  for (let e = interval; e < maxEpochs; e += interval) epochs.push(e);
  epochs.push(maxEpochs);
  return epochs;
}

/** The plan of a study. */
export function planStudy(settings: PlanSettings): Plan {
  const { strategy, eta, minEpochs, maxEpochs, trials } = settings;
  let brackets: PlanBracket[];
  switch (strategy) {
    case 'grid':
    case 'random':
      brackets = [{ s: 0, rungs: [{ configs: trials, epochs: maxEpochs }] }];
      break;
    case 'sha':
    case 'asha': {
      const epochs = shaRungEpochs(minEpochs, maxEpochs, eta);
      const configs = shaRungConfigs(trials, epochs.length, eta);
      brackets = [{ s: epochs.length - 1, rungs: epochs.map((e, i) => ({ configs: configs[i]!, epochs: e })) }];
      break;
    }
    case 'hyperband':
      brackets = hyperbandBrackets(minEpochs, maxEpochs, eta);
      break;
    case 'pbt':
      brackets = [
        { s: 0, rungs: pbtIntervals(maxEpochs, settings.perturbationInterval ?? maxEpochs).map((e) => ({ configs: trials, epochs: e })) },
      ];
  }
  return {
    strategy,
    eta,
    minEpochs,
    maxEpochs,
    brackets,
    totalEpochs: brackets.reduce((sum, b) => sum + bracketEpochs(b), 0),
    fullBudgetEpochs: brackets.reduce((sum, b) => sum + b.rungs[0]!.configs * maxEpochs, 0),
  };
}
