/**
 * The error taxonomy of hpsearch. Every error a user can cause is an {@link HpsearchError}
 * carrying the exit code the CLI ends with; anything else reaching the top-level handler is a
 * bug and is reported as one.
 */

/** Base class of every error hpsearch raises on purpose. */
export class HpsearchError extends Error {
  /** Process exit code the CLI uses for this error. */
  readonly exitCode: number;
  /** An optional second line telling the user what to do about it. */
  readonly hint: string | undefined;

  constructor(message: string, options: { exitCode?: number; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    // An error raised without a deliberate exit code is treated as a bug.
    this.exitCode = options.exitCode ?? 70;
    this.hint = options.hint;
  }
}

/** One problem found in user input: where it is, and what is wrong with it. */
export interface ConfigIssue {
  /** Dotted key path inside the file (`params.learning_rate.loguniform`), or a flag (`--trials`). */
  readonly path: string;
  /** What is wrong, including the value received and the rule it breaks. */
  readonly message: string;
  /** 1-based line in the file, when known. */
  readonly line?: number;
}

/**
 * Invalid user input: a space file, a CLI flag, a CSV file. Carries every problem found, so a
 * user fixes a file in one go. Exit code 2.
 */
export class ConfigError extends HpsearchError {
  /** The file the issues are in, when there is one. */
  readonly file: string | undefined;
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], file?: string, hint?: string) {
    super(formatIssues(issues, file), { exitCode: 2, hint });
    this.file = file;
    this.issues = issues;
  }
}

/** `file:line: path: message`, one line per issue (the form editors and terminals link). */
function formatIssues(issues: readonly ConfigIssue[], file: string | undefined): string {
  return issues
    .map((issue) => {
      const where = file === undefined ? '' : issue.line === undefined ? `${file}: ` : `${file}:${issue.line}: `;
      return issue.path === '' ? `${where}${issue.message}` : `${where}${issue.path}: ${issue.message}`;
    })
    .join('\n');
}

/** A command used wrongly in a way that is not about a file: unknown study, clashing flags. Exit code 2. */
export class UsageError extends HpsearchError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: 2, hint });
  }
}

/**
 * The storage cannot do what was asked: it cannot be written (a full disk, a read-only file, a
 * lost connection: exit code 74 unless another is given), a foreign or corrupt file (2), or an
 * illegal state change asked for by hpsearch itself (70).
 */
export class StorageError extends HpsearchError {
  constructor(message: string, options: { hint?: string; cause?: unknown; exitCode?: number } = {}) {
    super(message, { exitCode: options.exitCode ?? IO_ERROR_EXIT_CODE, hint: options.hint, cause: options.cause });
  }
}

/** Exit code of an environment failure: a full disk, a read-only or unwritable place (EX_IOERR). */
export const IO_ERROR_EXIT_CODE = 74;

/**
 * The machine could not do what was asked: a file or folder that cannot be written (a full disk,
 * read-only media, missing permissions). Exit code 74.
 */
export class IoError extends HpsearchError {
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { exitCode: IO_ERROR_EXIT_CODE, hint: options.hint, cause: options.cause });
  }
}

/** A backend was asked for and cannot be loaded. Exit code 2: it is the user's choice that fails. */
export class BackendError extends HpsearchError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: 2, hint });
  }
}

/** A trial ended in an error inside its worker. Recorded on the trial; never ends a study. */
export class TrialFailedError extends HpsearchError {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
  }
}

/** Ends the CLI with a given exit code after the message has already been printed. */
export class ExitError extends HpsearchError {
  constructor(exitCode: number) {
    super(`exit ${exitCode}`, { exitCode });
  }
}

/** Something that cannot happen did. Printed with "this is a bug" and a stack trace. */
export class InternalError extends HpsearchError {
  constructor(message: string, cause?: unknown) {
    super(message, { exitCode: 70, cause });
  }
}

/** The first line of an error's message, for one-line reports. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n', 1)[0] ?? '';
}

/**
 * What a thrown value says, in one string: an Error's message, the `message` of an object
 * thrown as one (`throw { message: '…' }`), a string as it is, anything else as JSON.
 */
export function describeThrown(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string')
    return (value as { message: string }).message;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
