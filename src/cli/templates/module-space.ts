/**
 * The space.yaml body (after the header comments) of the templates with an objective module:
 * their own metric and parameters under ASHA with the same budget.
 */
export function moduleSpace(name: string, metric: string, direction: 'minimize' | 'maximize', params: readonly string[]): string {
  return `name: ${name}
objective:
  module: ./objective.mjs     # your training code, relative to this file
  metric: ${metric.padEnd(20)}# a metric objective.mjs reports
  direction: ${direction}
strategy: asha                # stops weak configurations early; promoted ones resume from their checkpoint
trials: 12
min_epochs: 1
max_epochs: 9
eta: 3
seed: 42                      # fixes every sampled configuration and every trial's seed
params:                       # passed to objective.mjs as \`params\`
${params.map((p) => `  ${p}\n`).join('')}`;
}
