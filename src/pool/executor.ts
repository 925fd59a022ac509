/**
 * An executor runs trials somewhere (worker threads, child processes) and relays their epoch
 * reports to the main thread.
 */
import type { EpochMessage, TrialOutcome, TrialTask } from '../core/messages.js';

export interface TrialHandlers {
  /** Called for every epoch in order; resolves to whether the trial goes on. */
  onEpoch(message: EpochMessage): boolean | Promise<boolean>;
}

export interface TrialExecutor {
  /** How many trials can run at once. */
  readonly slots: number;
  /** Where trials run, for messages: `worker threads`, `child processes`. */
  readonly kind: string;
  /** The device a slot trains on (`gpu 1`), or null. */
  deviceOf(slot: number): string | null;
  /**
   * Runs one trial in slot `slot` (0-based, each slot runs one trial at a time).
   * Rejects when the trial throws, its worker dies, or `signal` aborts it.
   */
  run(task: TrialTask, slot: number, handlers: TrialHandlers, signal?: AbortSignal): Promise<TrialOutcome>;
  /** Ends every worker. */
  close(): Promise<void>;
}
