/**
 * The flags that override a space file's keys, shared by `start` and `plan`.
 */
import type { Command } from 'commander';

/**
 * Adds `--name`, `--strategy`, `--sampler`, `--pruner`, `--trials`, `--max-epochs`, `--min-epochs`, `--eta`,
 * `--seed`, `--objective`, and pbt's `--population`, `--perturbation-interval`, `--quantile`,
 * `--resample-probability`, `--perturbation-factors`.
 */
export function addStudyFlags(command: Command): Command {
  return command
    .option('--name <name>', "study name (default: the file's name key, or its base name)")
    .option('--strategy <name>', 'grid, random, sha, hyperband, asha or pbt')
    .option(
      '--sampler <name>',
      'where new configurations come from: random or tpe (a model of the results so far; under sha, hyperband and asha: BOHB)',
    )
    .option(
      '--pruner <name>',
      "stop a trial early when it falls behind: none, median, percentile or patient (random and grid only; settings from the space file's pruner key)",
    )
    .option('--trials <n>', 'configurations to try (grid: at most this many cells; sha and asha: at the bottom rung)')
    .option('--max-epochs <n>', 'epochs of a configuration trained to the full budget (R)')
    .option('--min-epochs <n>', 'epochs of the bottom rung of sha, hyperband and asha (r)')
    .option('--eta <n>', 'reduction factor of sha, hyperband and asha (η, default 3)')
    .option('--seed <n>', "study seed: fixes every sampled configuration and every trial's own seed")
    .option('--objective <file>', 'train with your own objective module instead of the built-in trainer')
    .option('--population <n>', 'pbt: members trained at once (default 8)')
    .option('--perturbation-interval <n>', 'pbt: epochs between exploit/explore steps (default a tenth of max_epochs, at least 1)')
    .option('--quantile <q>', 'pbt: share of members that copy and are copied (default 0.25, at most 0.5)')
    .option('--resample-probability <p>', 'pbt: chance that a parameter is drawn again instead of perturbed (default 0.25)')
    .option('--perturbation-factors <list>', 'pbt: factors a numeric parameter is multiplied by, comma-separated (default 0.8,1.2)');
}
