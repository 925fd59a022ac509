/**
 * Ending a process without losing its output. Writes to a pipe are asynchronous on POSIX:
 * `process.exit()` right after them cuts off whatever the reader has not taken yet (a
 * leaderboard piped into `jq` stopped at 64 KiB). Exiting explicitly, once the output is out,
 * still keeps a stray handle (a worker slow to end, a timer) from keeping the process alive.
 */

/** Resolves once everything written to `stream` so far has reached the file, terminal or pipe behind it. */
export function flushed(stream: NodeJS.WritableStream & { readonly writableLength?: number; readonly destroyed?: boolean }): Promise<void> {
  if (stream.destroyed === true || stream.writableLength === 0) return Promise.resolve();
  // Writes complete in order: the callback of an empty write comes after every earlier one,
  // and is called with an error instead when the reader has gone.
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** Ends the process (or this worker thread) with `code` once stdout and stderr are written out. */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}
