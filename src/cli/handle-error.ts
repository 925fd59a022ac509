/**
 * The one top-level error handler: known errors become a message, an optional hint and an exit
 * code; anything else is a bug and is reported as one, with a stack trace.
 */
import { createRequire } from 'node:module';
import { CommanderError } from 'commander';
import { ExitError, HpsearchError, InternalError } from '../errors.js';
import type { CliIO } from './io.js';

const ISSUES_URL = 'https://github.com/hpsearch/hpsearch/issues';

/** Prints what the user needs to know about `error` and returns the exit code. */
export function handleError(error: unknown, io: CliIO): number {
  if (error instanceof CommanderError) {
    // Commander has printed its own message (or the help) already.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? 0 : 2;
  }
  if (error instanceof ExitError) return error.exitCode;
  if (error instanceof HpsearchError && !(error instanceof InternalError)) {
    io.stderr.write(`error: ${error.message}\n`);
    if (error.hint !== undefined) io.stderr.write(`hint: ${error.hint}\n`);
    return error.exitCode;
  }
  const version = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(
    `internal error (this is a bug in hpsearch, not in your files): ${stack}\n` +
      `hpsearch ${version}, node ${process.version}, ${process.platform}-${process.arch}\n` +
      `please report it with the lines above at ${ISSUES_URL}\n`,
  );
  return error instanceof InternalError ? error.exitCode : 70;
}
