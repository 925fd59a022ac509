/**
 * `hpsearch simulate <space-file>`: the study's real strategy, sampler and pruner on a virtual
 * clock with N virtual workers, each trial's curve from a surrogate module or a recorded study.
 */
import type { Command } from 'commander';
import { ConfigError, UsageError } from '../../errors.js';
import { loadSpaceFile } from '../../space/load.js';
import type { StudyFlags } from '../../space/parse.js';
import { openStorage } from '../../storage/open.js';
import { type CurveSource, type SimulationResult, simulateWorkers } from '../../study/simulate.js';
import { loadSurrogate, readRecorded, recordedSource } from '../../study/simulate-source.js';
import { findStudy } from '../find-study.js';
import type { CliIO } from '../io.js';
import { addStudyFlags } from '../study-flags.js';

interface SimulateOptions extends StudyFlags {
  readonly from?: string;
  readonly surrogate?: string;
  readonly workers?: string;
  readonly storage?: string;
  readonly json?: boolean;
}

export function registerSimulate(program: Command, io: CliIO): void {
  addStudyFlags(
    program
      .command('simulate')
      .description("run a study's strategy, sampler and pruner on a virtual clock with N virtual workers, without training")
      .argument('<space-file>', 'the search space and study settings (YAML or JSON)'),
  )
    .option('--from <study>', 'answer each configuration with the nearest trial of this recorded study (its curve and mean epoch time)')
    .option(
      '--surrogate <module>',
      'a module whose default export (params, trial) returns { curve: number[], epochSeconds: number | number[] }',
    )
    .option('--workers <list>', "virtual worker counts, comma-separated (default: the space file's workers, or 1 when auto)")
    .option('--storage <url>', 'where --from is kept: sqlite:PATH, a .db path, or postgres://USER:PASSWORD@HOST:PORT/DB')
    .option('--json', 'print { seed, runs: [{ workers, virtualSeconds, utilization, best, curve: [[seconds, best], ...] }] }')
    .addHelpText(
      'after',
      `
Examples:
  $ hpsearch simulate search-spaces/digits-hyperband.yaml --surrogate curves.mjs --workers 4,16,64
  $ hpsearch simulate search-spaces/digits-sha.yaml --from digits-mlp --workers 2,8 --json`,
    )
    .action(async (file: string, options: SimulateOptions) => {
      if ((options.from === undefined) === (options.surrogate === undefined)) {
        throw new UsageError(
          options.from === undefined ? 'simulate needs a source of curves' : 'simulate takes one source of curves, not both',
          'give either --from <study> (a recorded study of the same space) or --surrogate <module>',
        );
      }
      const workersFlag = options.workers === undefined ? null : readWorkers(options.workers);
      // --workers here lists virtual worker counts; it overrides nothing in the space file.
      const { workers: _workers, ...flags } = options;
      const spec = loadSpaceFile(file, flags);
      const workers = workersFlag ?? [spec.workers === 'auto' ? 1 : spec.workers];
      let source: CurveSource;
      if (options.surrogate !== undefined) {
        source = await loadSurrogate(options.surrogate);
      } else {
        const storage = await openStorage(options.storage, { readonly: true });
        try {
          source = recordedSource(spec, await readRecorded(storage, await findStudy(storage, options.from!), spec));
        } finally {
          await storage.close();
        }
      }
      const results = await simulateWorkers(spec, source, workers);
      if (options.json) {
        const runs = results.map(({ workers, virtualSeconds, utilization, best, curve }) => ({
          workers,
          virtualSeconds,
          utilization,
          best,
          curve,
        }));
        io.stdout.write(`${JSON.stringify({ seed: spec.seed, runs }, null, 2)}\n`);
        return;
      }
      const from = options.surrogate !== undefined ? `surrogate ${options.surrogate}` : `study "${options.from}"`;
      io.stdout.write(
        `simulated study "${spec.name}": ${spec.strategy}, seed ${spec.seed}, curves from ${from}\n\n${simulationText(results)}`,
      );
    });
}

/** `--workers`: positive integers, comma-separated. @throws {ConfigError} otherwise. */
export function readWorkers(value: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length > 0 && parts.every((p) => /^[1-9]\d*$/.test(p))) return parts.map(Number);
  throw new ConfigError([
    { path: '--workers', message: `must be worker counts ≥ 1, comma-separated (4,16,64), got ${JSON.stringify(value)}` },
  ]);
}

/** The table (workers, virtual time, utilization, best), then each run's anytime curve. */
export function simulationText(results: readonly SimulationResult[]): string {
  const rows = [
    ['workers', 'virtual time', 'utilization', 'best'],
    ...results.map((r) => [
      String(r.workers),
      seconds(r.virtualSeconds),
      `${(r.utilization * 100).toFixed(1)}%`,
      r.best === null ? '-' : num(r.best),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const table = rows.map((row) => row.map((cell, i) => cell.padStart(widths[i]!)).join('  ')).join('\n');
  const curves = results.map(
    (r) =>
      `  ${r.workers} worker${r.workers === 1 ? '' : 's'}: ` +
      (r.curve.length === 0 ? 'no completed trial' : r.curve.map(([t, best]) => `${seconds(t)} ${num(best)}`).join(', ')),
  );
  return `${table}\n\nbest so far (virtual time, best value):\n${curves.join('\n')}\n`;
}

function seconds(value: number): string {
  return `${Number(value.toFixed(3))}s`;
}

function num(value: number): string {
  return String(Number(value.toPrecision(6)));
}
