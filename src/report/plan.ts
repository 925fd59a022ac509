/**
 * A study's plan in words and as a table, for `hpsearch plan` and the header of `start`.
 */
import type { Plan } from '../strategies/plan.js';
import { renderTable } from './table.js';

/** Configurations a plan starts (the bottom rung of every bracket). */
export function plannedConfigs(plan: Plan): number {
  return plan.brackets.reduce((sum, b) => sum + b.rungs[0]!.configs, 0);
}

/** Runs a plan consists of: one per configuration and rung it trains to. */
export function plannedRuns(plan: Plan): number {
  return plan.brackets.reduce((sum, b) => sum + b.rungs.reduce((n, r) => n + r.configs, 0), 0);
}

/** `8 trials × 20 epochs`, or `27 configurations, rungs at 1, 3, 9, 27 epochs (η=3), 81 epochs planned`. */
export function planSummary(plan: Plan): string {
  if (plan.strategy === 'grid' || plan.strategy === 'random') return `${plannedConfigs(plan)} trials × ${plan.maxEpochs} epochs`;
  if (plan.strategy === 'pbt') {
    const { rungs } = plan.brackets[0]!;
    const steps = rungs.slice(0, -1).map((r) => r.epochs);
    const when = steps.length === 0 ? 'no exploit/explore step (one interval)' : `exploit/explore after ${steps.join(', ')} epochs`;
    return `${plannedConfigs(plan)} members × ${plan.maxEpochs} epochs, ${when}, ${plan.totalEpochs} epochs planned`;
  }
  const rungs =
    plan.brackets.length === 1
      ? `rungs at ${plan.brackets[0]!.rungs.map((r) => r.epochs).join(', ')} epochs`
      : `${plan.brackets.length} brackets up to ${plan.maxEpochs} epochs`;
  return `${plannedConfigs(plan)} configurations, ${rungs} (η=${plan.eta}), ${plan.totalEpochs} epochs planned`;
}

/** pbt's intervals as a table: each interval's epochs and the population training it. */
function pbtTable(plan: Plan): string {
  let previous = 0;
  const rows = plan.brackets[0]!.rungs.map((rung, i) => {
    const row = [String(i), `${previous + 1}–${rung.epochs}`, String(rung.configs), String(rung.configs * (rung.epochs - previous))];
    previous = rung.epochs;
    return row;
  });
  const table = renderTable(
    [
      { header: 'interval', align: 'right' },
      { header: 'epochs', align: 'right' },
      { header: 'members', align: 'right' },
      { header: 'epochs trained', align: 'right' },
    ],
    rows,
  );
  return `${table}

total: ${plan.totalEpochs} epochs (${plannedConfigs(plan)} members × ${plan.maxEpochs} epochs)`;
}

/** Every bracket's rungs as a table, then the totals (pbt: its intervals). */
export function planTable(plan: Plan): string {
  if (plan.strategy === 'pbt') return pbtTable(plan);
  const rows = plan.brackets.flatMap((bracket) => {
    let previous = 0;
    return bracket.rungs.map((rung, i) => {
      const added = rung.configs * (rung.epochs - previous);
      previous = rung.epochs;
      return [String(bracket.s), String(i), String(rung.configs), String(rung.epochs), String(added)];
    });
  });
  const table = renderTable(
    [
      { header: 'bracket', align: 'right' },
      { header: 'rung', align: 'right' },
      { header: 'configs', align: 'right' },
      { header: 'epochs', align: 'right' },
      { header: 'epochs trained', align: 'right' },
    ],
    rows,
  );
  const ratio = plan.totalEpochs === 0 ? 1 : plan.fullBudgetEpochs / plan.totalEpochs;
  return (
    `${table}\n\n` +
    `total: ${plan.totalEpochs} epochs; the same ${plannedConfigs(plan)} configurations trained to ${plan.maxEpochs} epochs each: ` +
    `${plan.fullBudgetEpochs} epochs (${ratio.toFixed(1)}× as many)`
  );
}
