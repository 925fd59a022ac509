/**
 * Shared helpers of the benchmarks: repeats and their statistics, the machine and version
 * description, temporary folders, the results files and the final table.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder above bench/). */
export const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Where the JSON results go; git-ignored except its .gitkeep. */
export const RESULTS_DIR = path.join(ROOT, 'results', 'bench');

/**
 * Min, median and max of a list of numbers, with the values themselves.
 * @param {readonly number[]} values at least one
 * @returns {{ min: number, median: number, max: number, values: number[] }}
 */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { min: sorted[0], median, max: sorted[sorted.length - 1], values: [...values] };
}

/** Arithmetic mean of a non-empty list. */
export function mean(values) {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * Runs `measure` `repeats` times in sequence and summarizes each named number it returns.
 * @template {Record<string, number>} T
 * @param {number} repeats
 * @param {(index: number) => Promise<T>} measure
 * @returns {Promise<{ [K in keyof T]: ReturnType<typeof summarize> }>}
 */
export async function repeat(repeats, measure) {
  const samples = [];
  for (let i = 0; i < repeats; i++) samples.push(await measure(i));
  return Object.fromEntries(Object.keys(samples[0]).map((key) => [key, summarize(samples.map((s) => s[key]))]));
}

/** The machine the numbers were taken on, including the load when the run started. */
export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: { model: cpus[0]?.model ?? 'unknown', count: cpus.length, availableParallelism: os.availableParallelism() },
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadavg: os.loadavg(),
  };
}

/** The version in a package.json under the repository root ('' for hpsearch's own). */
function packageVersion(name) {
  const file = path.join(ROOT, name === '' ? '' : path.join('node_modules', name), 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')).version;
}

/** Versions of hpsearch and of the libraries whose speed is measured. */
export function versions() {
  return {
    hpsearch: packageVersion(''),
    tfjs: packageVersion('@tensorflow/tfjs'),
    tfjsBackendWasm: packageVersion('@tensorflow/tfjs-backend-wasm'),
    betterSqlite3: packageVersion('better-sqlite3'),
  };
}

/**
 * Writes `results/bench/<name>.json` (creating the folder) and returns its path.
 * @param {string} name
 * @param {unknown} results
 */
export function writeResult(name, results) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  const body = { name, date: new Date().toISOString(), machine: machineInfo(), versions: versions(), results };
  fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/**
 * Creates a temporary folder, passes it to `body` and removes it afterwards, whatever happens.
 * @template T
 * @param {(dir: string) => Promise<T>} body
 * @returns {Promise<T>}
 */
export async function withTempDir(body) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hpsearch-bench-'));
  try {
    return await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Process CPU time (user + system, every thread) in ms since `since` (a `process.cpuUsage()`). */
export function cpuMsSince(since) {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1000;
}

/**
 * One row of the final table. `stats` null: no value (`missing` is printed instead).
 * @typedef {{ benchmark: string, metric: string, stats: ReturnType<typeof summarize> | null, unit: string,
 *   digits?: number, note?: string, missing?: string }} Row
 */

/**
 * A table row, its target checked against the median when one is given.
 * @param {string} benchmark
 * @param {string} metric
 * @param {ReturnType<typeof summarize> | null} stats null when there is no value
 * @param {{ unit?: string, digits?: number, note?: string, missing?: string, target?: { min?: number, max?: number, text: string } }} [options]
 * @returns {Row}
 */
export function row(benchmark, metric, stats, options = {}) {
  const { unit = '', digits, target, missing = '—' } = options;
  let note = options.note ?? '';
  if (stats === null) return { benchmark, metric, stats, unit, digits, note, missing };
  if (target !== undefined) {
    const met = (target.min === undefined || stats.median >= target.min) && (target.max === undefined || stats.median <= target.max);
    note = `target ${target.text}: ${met ? 'met' : 'MISSED'}${note === '' ? '' : `; ${note}`}`;
  }
  return { benchmark, metric, stats, unit, digits, note };
}

function formatValue(value, digits) {
  if (value === Infinity) return '∞';
  if (digits !== undefined) return value.toFixed(digits);
  const magnitude = Math.abs(value);
  return value.toFixed(magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3);
}

/**
 * Renders rows as one plain-text table: benchmark, metric, median, min–max, target/notes.
 * @param {readonly Row[]} rows
 */
export function formatTable(rows) {
  const cells = rows.map((r) => [
    r.benchmark,
    r.metric,
    r.stats === null ? (r.missing ?? '—') : `${formatValue(r.stats.median, r.digits)}${r.unit === '' ? '' : ` ${r.unit}`}`,
    r.stats === null ? '' : `${formatValue(r.stats.min, r.digits)}–${formatValue(r.stats.max, r.digits)}`,
    r.note,
  ]);
  const header = ['benchmark', 'metric', 'median', 'min–max', 'target / notes'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) =>
    c
      .map((v, i) => (i === 2 || i === 3 ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

/** Writes `<dir>/<name>.yaml`: the study's name, then `lines`. Returns its path. */
export function writeSpaceFile(dir, name, lines) {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, [`name: ${name}`, ...lines, ''].join('\n'));
  return file;
}

/** A random search of `trials` one-epoch trials of objective `module` (minimize `value`), seed 1, with `params` (space-file lines). */
export function randomSpaceFile(dir, name, module, trials, params) {
  return writeSpaceFile(dir, name, [
    'objective:',
    `  module: ${module}`,
    '  metric: value',
    '  direction: minimize',
    'strategy: random',
    `trials: ${trials}`,
    'max_epochs: 1',
    'seed: 1',
    'params:',
    ...params,
  ]);
}

/** A random search of `trials` no-op trials (bench/fixtures/noop.mjs), one epoch each. */
export function noopSpaceFile(dir, name, trials) {
  return randomSpaceFile(dir, name, path.join(ROOT, 'bench', 'fixtures', 'noop.mjs'), trials, [
    '  learning_rate: { loguniform: [1.0e-4, 1.0e-1] }',
    '  optimizer: { choice: [sgd, momentum, adam] }',
  ]);
}
