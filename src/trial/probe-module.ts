/**
 * Checks an objective module before a study starts: that it imports and has a default export
 * function. It is imported in a throw-away process, so the user's code (and whatever native
 * library it loads) never runs in the orchestrator's own process.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';

const NO_DEFAULT = 3;
const IMPORT_FAILED = 4;

const SCRIPT = `
try {
  const module = await import(process.argv[1]);
  if (typeof module.default !== 'function') process.exit(${NO_DEFAULT});
} catch (error) {
  process.stderr.write(String(error && error.stack || error).split('\\n')[0]);
  process.exit(${IMPORT_FAILED});
}`;

/**
 * @throws {UsageError} (exit code 2) naming the module: it fails to import, or has no default
 * export function.
 */
export function checkObjectiveModule(file: string, shown: string = file): void {
  const probe = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT, pathToFileURL(file).href], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (probe.status === 0) return;
  if (probe.status === NO_DEFAULT) {
    throw new UsageError(
      `objective module ${shown} has no default export function`,
      'export the training function: export default async function (params, trial) {...}',
    );
  }
  const reason = probe.status === IMPORT_FAILED ? probe.stderr.trim() : `the process ended with ${probe.signal ?? `code ${probe.status}`}`;
  throw new UsageError(`objective module ${shown} failed to load: ${reason}`);
}
