/**
 * The virtual executor of `hpsearch simulate`: N slots that "train" a trial by sleeping on the
 * virtual clock for each epoch's seconds and reporting the value its curve source gives. Nothing
 * is trained and no worker is started.
 */
import type { TrialOutcome, TrialTask } from '../core/messages.js';
import type { Params } from '../core/types.js';
import type { TrialExecutor, TrialHandlers } from '../pool/executor.js';
import type { VirtualClock } from './simulate-clock.js';

/** A trial's simulated training: the objective after each epoch, and each epoch's seconds. */
export interface SimulatedCurve {
  /** The objective after epoch 1, 2, …: at least max_epochs values (NaN or ±Infinity: diverged). */
  readonly curve: readonly number[];
  /** Seconds of every epoch, or of each epoch in turn (at least max_epochs values), all > 0. */
  readonly epochSeconds: number | readonly number[];
}

/** Where a configuration's curve comes from (a surrogate module, a recorded study). */
export type CurveSource = (params: Params, trial: number) => SimulatedCurve | Promise<SimulatedCurve>;

/** One run of a trial on a virtual slot. */
export interface SimulatedRun {
  readonly trial: number;
  readonly slot: number;
  /** Virtual seconds at which the run started and ended. */
  readonly start: number;
  readonly end: number;
  /** The epochs it had before this run. */
  readonly from: number;
  /** Epochs it trained in this run. */
  readonly epochs: number;
  /** When it started and ended among every run's starts and ends (ties in virtual time kept apart). */
  readonly startSeq: number;
  readonly endSeq: number;
}

export class VirtualExecutor implements TrialExecutor {
  readonly kind = 'virtual workers';
  readonly runs: SimulatedRun[] = [];
  /** The first error of the curve source: the simulation stops on it (see simulate.ts). */
  sourceError: unknown = null;
  readonly #clock: VirtualClock;
  readonly #source: CurveSource;
  readonly #metric: string;
  readonly #onSourceError: () => void;
  /** Curves by trial and parameters: a promoted trial continues on the same curve. */
  readonly #curves = new Map<string, Promise<SimulatedCurve>>();
  #seq = 0;

  constructor(
    readonly slots: number,
    options: { clock: VirtualClock; source: CurveSource; metric: string; onSourceError: () => void },
  ) {
    this.#clock = options.clock;
    this.#source = options.source;
    this.#metric = options.metric;
    this.#onSourceError = options.onSourceError;
  }

  deviceOf(): string | null {
    return null;
  }

  async close(): Promise<void> {}

  async run(task: TrialTask, slot: number, handlers: TrialHandlers): Promise<TrialOutcome> {
    const clock = this.#clock;
    const start = clock.now;
    const startSeq = this.#seq++;
    clock.touch();
    let epochs = 0;
    let seconds = 0;
    try {
      const { curve, epochSeconds } = await this.#curveOf(task);
      let metrics: Record<string, number> = {};
      for (let epoch = task.budget.from + 1; epoch <= task.budget.to; epoch++) {
        const dt = typeof epochSeconds === 'number' ? epochSeconds : epochSeconds[epoch - 1]!;
        await clock.sleep(dt, task.trial);
        seconds += dt;
        epochs++;
        const value = curve[epoch - 1]!;
        metrics = { [this.#metric]: value };
        clock.touch();
        const proceed = await handlers.onEpoch({ type: 'epoch', epoch, metrics, durationMs: dt * 1000 });
        clock.touch();
        if (!Number.isFinite(value)) return outcome('diverged', metrics, epoch, seconds, null);
        if (!proceed) return outcome('stopped', metrics, epoch, seconds, epoch);
      }
      return outcome('completed', metrics, task.budget.to, seconds, task.budget.to);
    } finally {
      clock.touch();
      this.runs.push({ trial: task.trial, slot, start, end: clock.now, from: task.budget.from, epochs, startSeq, endSeq: this.#seq++ });
    }
  }

  #curveOf(task: TrialTask): Promise<SimulatedCurve> {
    const key = `${task.trial} ${JSON.stringify(task.params)}`;
    let curve = this.#curves.get(key);
    if (curve === undefined) {
      curve = (async () => checkCurve(await this.#source(task.params, task.trial), task.maxEpochs, task.trial))();
      curve.catch((error: unknown) => {
        this.sourceError ??= error;
        this.#onSourceError();
      });
      this.#curves.set(key, curve);
    }
    return curve;
  }
}

/** The curve a source returned, checked. @throws {Error} naming what is wrong with it. */
export function checkCurve(value: unknown, maxEpochs: number, trial: number): SimulatedCurve {
  const where = `the curve of trial ${trial}`;
  if (typeof value !== 'object' || value === null) throw new Error(`${where} must be { curve, epochSeconds }, got ${describe(value)}`);
  const { curve, epochSeconds } = value as Record<string, unknown>;
  if (!Array.isArray(curve) || curve.length < maxEpochs || !curve.every((v) => typeof v === 'number')) {
    throw new Error(`${where}: curve must be an array of at least ${maxEpochs} numbers (max_epochs), got ${describe(curve)}`);
  }
  const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  const seconds = Array.isArray(epochSeconds) ? epochSeconds.length >= maxEpochs && epochSeconds.every(positive) : positive(epochSeconds);
  if (!seconds) {
    throw new Error(
      `${where}: epochSeconds must be a number > 0 or an array of at least ${maxEpochs} such numbers, got ${describe(epochSeconds)}`,
    );
  }
  return { curve: curve as number[], epochSeconds: epochSeconds as number | number[] };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function outcome(
  status: TrialOutcome['status'],
  metrics: Record<string, number>,
  epochs: number,
  seconds: number,
  checkpointEpochs: number | null,
): TrialOutcome {
  return { status, metrics, epochs, durationMs: seconds * 1000, checkpointEpochs, tensorsAfter: 0, bytesAfter: 0, recycled: false };
}
