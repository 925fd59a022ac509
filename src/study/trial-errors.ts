/**
 * How a failed trial run is recorded and retried, by the local loop and the distributed runner
 * alike: the error text kept in storage, a timeout's error, and the smaller batch of a trial
 * that ran out of memory.
 */
import { TrialFailedError, describeThrown } from '../errors.js';
import type { Params } from '../core/types.js';
import type { TrialView } from './events.js';

/** Lines of a failed trial's error kept in storage. */
const ERROR_LINES = 8;

/** What running out of memory looks like: the worker's heap, tfjs-node, CUDA. */
const OUT_OF_MEMORY = /out of memory|\bOOM\b|ResourceExhausted|failed to allocate|CUDA_ERROR_OUT_OF_MEMORY/i;

/** The trial's parameters with half its batch size, when it failed for memory and can shrink. */
export function halvedBatch(trial: Pick<TrialView, 'params' | 'error'>, constants: Params): Params | null {
  const batch = trial.params.batch_size ?? constants.batch_size;
  if (typeof batch !== 'number' || batch < 2 || !OUT_OF_MEMORY.test(trial.error ?? '')) return null;
  return { ...trial.params, batch_size: Math.floor(batch / 2) };
}

/** A timed-out trial's error: the reason alone, without the main thread's stack. */
export function timeoutError(ms: number): TrialFailedError {
  const error = new TrialFailedError(`timed out after ${Number((ms / 1000).toFixed(3))}s (--trial-timeout)`);
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

/** The reason and the first lines of an error, for the trial's record. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return describeThrown(error);
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  return stack.split('\n').slice(0, ERROR_LINES).join('\n');
}
