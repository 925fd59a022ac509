/**
 * Where commands write: results to stdout, progress and diagnostics to stderr. Injected so that
 * tests can capture both.
 */
export interface CliIO {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
}

export const processIO: CliIO = { stdout: process.stdout, stderr: process.stderr };
