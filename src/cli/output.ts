/**
 * What the report commands share: `--format` (named, implied by `--json`, or inferred from the
 * `--output` file's extension), and writing the result to stdout or to a file that is never
 * overwritten without `--force`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, IoError, UsageError } from '../errors.js';
import { DestinationExists, writeFileAtomic } from '../util/atomic-write.js';
import { fileSystemReason } from '../util/fs-errors.js';
import type { CliIO } from './io.js';

const EXTENSIONS: Readonly<Record<string, string>> = {
  '.json': 'json',
  '.csv': 'csv',
  '.md': 'md',
  '.markdown': 'md',
  '.html': 'html',
  '.htm': 'html',
};

/**
 * The format asked for: `--format`, `--json` (the same as `--format json`), the `--output`
 * file's extension when it names one of `allowed`, or `fallback`.
 * @throws {ConfigError} for a format not in `allowed`, or `--json` with another `--format`.
 */
export function readFormat<F extends string>(
  options: { readonly format?: string; readonly json?: boolean; readonly output?: string },
  allowed: readonly F[],
  fallback: F,
): F {
  const { format, json, output } = options;
  if (format !== undefined && !(allowed as readonly string[]).includes(format)) {
    throw new ConfigError([{ path: '--format', message: `must be one of ${allowed.join(', ')}, got ${JSON.stringify(format)}` }]);
  }
  if (json === true) {
    if (format !== undefined && format !== 'json')
      throw new UsageError(`--json and --format ${format} ask for different formats`, 'use one of them');
    return 'json' as F;
  }
  if (format !== undefined) return format as F;
  const implied = output === undefined ? undefined : EXTENSIONS[path.extname(output).toLowerCase()];
  return implied !== undefined && (allowed as readonly string[]).includes(implied) ? (implied as F) : fallback;
}

/** `--csv-safe` with another format than CSV: it would do nothing. @throws {UsageError} then. */
export function checkCsvSafe(csvSafe: boolean | undefined, format: string): void {
  if (csvSafe === true && format !== 'csv')
    throw new UsageError(`--csv-safe applies to CSV output, not ${format}`, 'add --format csv, or leave --csv-safe out');
}

/** `--top`: an integer ≥ 1. @throws {ConfigError} otherwise. */
export function readPositiveInt(value: string, flag: string): number {
  if (/^\d+$/.test(value) && Number(value) >= 1) return Number(value);
  throw new ConfigError([{ path: flag, message: `must be an integer ≥ 1, got ${JSON.stringify(value)}` }]);
}

const refusal = (file: string) =>
  new UsageError(`${file} already exists; nothing was written`, 'add --force to overwrite it, or pick another --output');

/** Refuses, before any work, to overwrite an existing `--output` file without `--force`. */
export function checkOutput(file: string | undefined, force: boolean | undefined): void {
  if (file !== undefined && force !== true && fs.existsSync(file)) throw refusal(file);
}

/**
 * Writes a command's result to `file` atomically (creating its folder; never replacing a file
 * that appeared meanwhile unless `force`; on any error the previous file is kept whole) and says
 * so on stderr, or to stdout without a file.
 * @throws {UsageError} when the file exists without `force`; {@link IoError} (exit 74) when it
 * cannot be written: a full disk, a read-only or unwritable folder.
 */
export function writeResult(io: CliIO, text: string, file: string | undefined, force: boolean | undefined): void {
  if (file === undefined) {
    io.stdout.write(text);
    return;
  }
  try {
    writeFileAtomic(file, text, { replace: force === true });
  } catch (error) {
    if (error instanceof DestinationExists) throw refusal(file);
    throw ioError(`cannot write ${file}`, error);
  }
  io.stderr.write(`wrote ${file}\n`);
}

/** A file system error as an {@link IoError}: `cannot write r.html: no space left on device (ENOSPC)`. */
export function ioError(what: string, error: unknown): IoError {
  return new IoError(`${what}: ${fileSystemReason(error)}`, { cause: error });
}
