/**
 * Where commands write: results to stdout, progress and diagnostics to stderr. Injected so that
 * tests can capture both.
 */
export interface CliIO {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  /**
   * Aborted when the reader of stdout has gone (a closed pipe: `hpsearch start … | head -3`).
   * A running study stops gracefully on it, as on the first Ctrl-C; other commands go on and
   * their further output is dropped.
   */
  readonly outputClosed?: AbortSignal;
}

type ProcessStream = NodeJS.WriteStream;

/** Whether `error` says that the reading end of a pipe or socket is gone. */
function isClosedReader(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED' || error.code === 'ECONNRESET';
}

/**
 * One of the process's outputs, as commands write to it: once its reader has gone, writes are
 * dropped instead of raising EPIPE (what a Unix tool does when the pager or `head` is done).
 */
function guarded(stream: ProcessStream, onClosed: () => void): CliIO['stdout'] {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (!isClosedReader(error)) throw error;
    closed = true;
    onClosed();
  });
  return {
    write: (text: string) => (closed || stream.destroyed ? false : stream.write(text)),
    get isTTY() {
      return stream.isTTY;
    },
  };
}

let shared: CliIO | null = null;

/** The real process's stdout and stderr as a {@link CliIO} (made once: it listens for errors on them). */
export function processIO(): CliIO {
  if (shared === null) {
    const closed = new AbortController();
    shared = {
      stdout: guarded(process.stdout, () => closed.abort()),
      stderr: guarded(process.stderr, () => undefined),
      outputClosed: closed.signal,
    };
  }
  return shared;
}
