/**
 * `hpsearch plan <space-file>`: the schedule a study would run, without training anything.
 */
import type { Command } from 'commander';
import { planSummary, planTable } from '../../report/plan.js';
import { pbtJson, pbtText, prunerJson, prunerText, samplerJson, samplerText } from '../../report/sampler.js';
import { loadSpaceFile } from '../../space/load.js';
import type { StudyFlags } from '../../space/parse.js';
import { planFor } from '../../strategies/create.js';
import type { CliIO } from '../io.js';
import { addStudyFlags } from '../study-flags.js';

interface PlanOptions extends StudyFlags {
  readonly json?: boolean;
}

export function registerPlan(program: Command, io: CliIO): void {
  addStudyFlags(
    program
      .command('plan')
      .description('print the schedule a study would run (brackets, rungs, epochs) without training')
      .argument('<space-file>', 'the search space and study settings (YAML or JSON)'),
  )
    .option(
      '--json',
      'print { strategy, eta, minEpochs, maxEpochs, brackets: [{ s, rungs: [{ configs, epochs }] }], totalEpochs, fullBudgetEpochs, sampler: { name, ...settings }, pruner: { name, ...settings }, pbt } (pbt: its settings, or null)',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch plan search-spaces/digits-sha.yaml
  $ hpsearch plan search-spaces/digits-hyperband.yaml --max-epochs 81
  $ hpsearch plan search-spaces/digits-pbt.yaml --max-epochs 8 --json`,
    )
    .action((file: string, options: PlanOptions) => {
      // The seed does not change the plan; a fixed one keeps this command free of randomness.
      const spec = loadSpaceFile(file, options, () => 0);
      const plan = planFor(spec);
      if (options.json) {
        io.stdout.write(
          `${JSON.stringify({ ...plan, sampler: samplerJson(spec.sampler), pruner: prunerJson(spec.pruner), pbt: pbtJson(spec.pbt) }, null, 2)}\n`,
        );
        return;
      }
      io.stdout.write(
        `study "${spec.name}": ${spec.strategy}, ${planSummary(plan)}\n` +
          (spec.pbt === null ? `sampler: ${samplerText(spec.sampler)}\n` : `pbt: ${pbtText(spec.pbt)}\n`) +
          (spec.pruner.name === 'none' ? '' : `pruner: ${prunerText(spec.pruner)}\n`) +
          `\n${planTable(plan)}\n`,
      );
    });
}
