/**
 * A virtual clock and its discrete-event scheduler, for `hpsearch simulate`.
 *
 * Virtual trials sleep on the clock (`sleep(seconds, trial)`): each sleep is an event at
 * `now + seconds`. The driver (`drive`) releases the events one at a time, in (time, trial,
 * order of registration) order, and only when the process is quiescent.
 *
 * The quiescence rule. The local loop over memory storage uses no timers and no I/O: everything
 * it does after an event is a chain of promise callbacks (microtasks). Node runs every pending
 * microtask before the next macrotask, so once a `setImmediate` callback runs, every chain that
 * could go on without a new event has gone on, as far as it can. The clock counts progress (a
 * sleep registered, a trial started or ended, an epoch reported, a report answered): the driver
 * yields to `setImmediate` again and again until that count has not changed over `STABLE_TURNS`
 * turns in a row. Then every running trial is waiting on its next virtual epoch or blocked on a
 * handler's promise, and the loop has had every chance to dispatch; only then does virtual time
 * move, to the earliest pending event. Extra stable turns cost microseconds, and guard against
 * anything that takes a second macrotask (a `setImmediate` of its own) to settle.
 */

/** Turns in a row without progress that count as quiescent. */
const STABLE_TURNS = 3;
/** Turns without quiescence after which the simulation is taken to be spinning (a bug). */
const MAX_TURNS = 100_000;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Pending {
  readonly time: number;
  readonly trial: number;
  readonly order: number;
  readonly wake: () => void;
}

export class VirtualClock {
  #now = 0;
  #progress = 0;
  #order = 0;
  readonly #pending: Pending[] = [];

  /** Virtual seconds since the simulation began. */
  get now(): number {
    return this.#now;
  }

  /** How many events wait. */
  get pendingEvents(): number {
    return this.#pending.length;
  }

  /** Records that something happened (a trial started, reported, ended). */
  touch(): void {
    this.#progress++;
  }

  /** Resolves when virtual time reaches `now + seconds`; `trial` orders events at the same time. */
  sleep(seconds: number, trial: number): Promise<void> {
    this.touch();
    return new Promise<void>((wake) => {
      this.#pending.push({ time: this.#now + seconds, trial, order: this.#order++, wake });
    });
  }

  /** Yields until nothing has progressed over several `setImmediate` turns. */
  async quiesce(): Promise<void> {
    let stable = 0;
    for (let turns = 0; stable < STABLE_TURNS; turns++) {
      if (turns > MAX_TURNS) throw new Error('the simulation never became quiescent');
      const before = this.#progress;
      await turn();
      stable = this.#progress === before ? stable + 1 : 0;
    }
  }

  /** Moves virtual time to the earliest pending event and releases it; false when none waits. */
  advance(): boolean {
    if (this.#pending.length === 0) return false;
    let first = 0;
    for (let i = 1; i < this.#pending.length; i++) {
      const a = this.#pending[i]!;
      const b = this.#pending[first]!;
      if (a.time < b.time || (a.time === b.time && (a.trial < b.trial || (a.trial === b.trial && a.order < b.order)))) first = i;
    }
    const [event] = this.#pending.splice(first, 1);
    this.#now = Math.max(this.#now, event!.time);
    this.touch();
    event!.wake();
    return true;
  }

  /**
   * Runs `body` (the study loop) against this clock: waits for quiescence, releases the next
   * event, and again, until `body` settles. Resolves or rejects as `body` does.
   * @throws {Error} when the loop waits on nothing (every trial blocked on a promise that no
   * event can resolve): a deadlock, which would otherwise hang.
   */
  async drive<T>(body: Promise<T>): Promise<T> {
    let settled = false;
    const watched = body.finally(() => {
      settled = true;
    });
    // Kept from being reported as unhandled while the driver runs; awaited below.
    watched.catch(() => undefined);
    while (!settled) {
      await this.quiesce();
      if (settled) break;
      if (!this.advance()) {
        await this.quiesce();
        if (!settled && this.#pending.length === 0) throw new Error('the simulated study waits on nothing: a deadlock');
      }
    }
    return watched;
  }
}
