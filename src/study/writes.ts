/**
 * Writes a study loop issues without awaiting them on its hot path, tracked so that the loop can
 * wait for all of them before it ends, and tell observers of a trial's end only once it is
 * stored. Both loops track their writes this way.
 */

/** A tracked write: `whenStored` callbacks run once it is committed (never, when it fails). */
export interface Written {
  whenStored(callback: () => void): void;
}

export class WriteTracker {
  #pending = 0;
  #waiters: (() => void)[] = [];
  readonly #onError: (error: unknown) => void;

  /** @param onError what a failed write means to the loop (by default: a fatal storage failure). */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Tracks `promise`; `onError` replaces the tracker's own handler for this write. */
  track(promise: Promise<unknown>, onError: (error: unknown) => void = this.#onError): Written {
    this.#pending++;
    let stored = false;
    const callbacks: (() => void)[] = [];
    promise.then(
      () => {
        stored = true;
        for (const callback of callbacks.splice(0)) callback();
        this.#settled();
      },
      (error: unknown) => {
        onError(error);
        this.#settled();
      },
    );
    return { whenStored: (callback) => (stored ? callback() : void callbacks.push(callback)) };
  }

  /** Resolves once every write tracked so far has settled. */
  drained(): Promise<void> {
    return this.#pending === 0 ? Promise.resolve() : new Promise((resolve) => this.#waiters.push(resolve));
  }

  #settled(): void {
    if (--this.#pending === 0) for (const resolve of this.#waiters.splice(0)) resolve();
  }
}
