/**
 * `npm run bench`: runs the benchmarks, writes results/bench/<name>.json for each and prints one
 * table. Flags: --quick (fewer trials and epochs, 1 repeat), --repeats N, --only a,b.
 * A benchmark module may export `defaultRepeats` (strategies: 1, it is expensive), used unless
 * --repeats is given explicitly.
 * Targets are printed, never enforced: the exit code is 0 unless a benchmark throws.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, formatTable, writeResult } from './lib.js';

/** Benchmark modules by name, in the order they run. */
const BENCHMARKS = {
  overhead: () => import('./overhead.js'),
  parallel: () => import('./parallel.js'),
  trainer: () => import('./trainer.js'),
  memory: () => import('./memory.js'),
  strategies: () => import('./strategies.js'),
  samplers: () => import('./samplers.js'),
  pbt: () => import('./pbt.js'),
  importance: () => import('./importance.js'),
  pruning: () => import('./pruning.js'),
  postgres: () => import('./postgres.js'),
  scale: () => import('./scale.js'),
  'sqlite-scale': () => import('./sqlite-scale.js'),
};

function parseOptions() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      repeats: { type: 'string' },
      only: { type: 'string' },
    },
  });
  const repeats = values.repeats === undefined ? (values.quick ? 1 : 3) : Number(values.repeats);
  if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats must be a positive integer, got ${values.repeats}`);
  const names = values.only === undefined ? Object.keys(BENCHMARKS) : values.only.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  return { quick: values.quick, repeats, repeatsExplicit: values.repeats !== undefined, names };
}

async function main() {
  let options;
  try {
    options = parseOptions();
  } catch (error) {
    process.stderr.write(
      `bench: ${error.message}\nusage: node bench/run.js [--quick] [--repeats N] [--only ${Object.keys(BENCHMARKS).join(',')}]\n`,
    );
    return 2;
  }
  const rows = [];
  const notes = [];
  for (const name of options.names) {
    const started = performance.now();
    const { run, defaultRepeats } = await BENCHMARKS[name]();
    // A benchmark may run fewer repeats by default (an expensive one); --repeats N still applies.
    const repeats = defaultRepeats !== undefined && !options.repeatsExplicit ? Math.min(defaultRepeats, options.repeats) : options.repeats;
    process.stderr.write(`bench ${name}: running (${options.quick ? 'quick, ' : ''}${repeats} repeat${repeats === 1 ? '' : 's'})…\n`);
    const outcome = await run({ ...options, repeats });
    const file = writeResult(name, { mode: options.quick ? 'quick' : 'default', ...outcome.results });
    process.stderr.write(
      `bench ${name}: done in ${((performance.now() - started) / 1000).toFixed(1)} s, wrote ${path.relative(ROOT, file)}\n`,
    );
    rows.push(...outcome.rows);
    notes.push(...(outcome.notes ?? []));
  }
  process.stdout.write(`\n${formatTable(rows)}\n`);
  if (notes.length > 0) process.stdout.write(`\n${notes.map((n) => `note: ${n}`).join('\n')}\n`);
  return 0;
}

process.exitCode = await main();
