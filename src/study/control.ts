/**
 * Pausing and resuming a running study's dispatching from outside (the dashboard's `p` key):
 * while paused, running trials go on but no new one starts.
 */
export class DispatchControl {
  #paused = false;
  readonly #listeners = new Set<() => void>();

  get paused(): boolean {
    return this.#paused;
  }

  pause(): void {
    this.#paused = true;
    this.#notify();
  }

  resume(): void {
    this.#paused = false;
    this.#notify();
  }

  /** Calls `listener` on every pause and resume; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
