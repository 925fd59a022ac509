/**
 * Rung arithmetic a declaration needs before any strategy exists: the budgets of successive
 * halving's rungs, and from them the default number of configurations of sha and asha.
 */

/**
 * Rung budgets of successive halving: r, r·η, r·η², … while below R, then R itself
 * (r = `minEpochs`, R = `maxEpochs`).
 */
export function shaRungEpochs(minEpochs: number, maxEpochs: number, eta: number): number[] {
  const epochs: number[] = [];
  for (let e = minEpochs; e < maxEpochs; e *= eta) epochs.push(e);
  epochs.push(maxEpochs);
  return epochs;
}

/** The default number of configurations at the bottom of sha and asha: enough for one to reach the top. */
export function defaultShaTrials(minEpochs: number, maxEpochs: number, eta: number): number {
  return eta ** (shaRungEpochs(minEpochs, maxEpochs, eta).length - 1);
}
