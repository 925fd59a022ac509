/**
 * Fixed studies written through the Storage API with a fake clock, so that every timestamp, and
 * so every output, is the same on every run.
 */
import { vi } from 'vitest';
import type { StudySpec } from '../../src/space/spec.js';
import type { ParamSpec } from '../../src/space/types.js';
import type { Metrics, Params } from '../../src/core/types.js';
import type { FinishInfo, Storage, StudyRecord } from '../../src/storage/storage.js';
import { makeSpec } from '../fixtures/spec.js';

/** 2026-01-02 03:04:05Z: when every fixture study is created. */
export const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

/** Runs `build` with only Date faked (storage write queues still flush), one second per write. */
export async function withClock<T>(build: (tick: () => void) => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'] });
  let now = T0;
  vi.setSystemTime(now);
  try {
    return await build(() => {
      now += 1000;
      vi.setSystemTime(now);
    });
  } finally {
    vi.useRealTimers();
  }
}

/** Writes trials the way a study would: add, start, epochs, finish; one clock tick per write. */
class Writer {
  constructor(
    readonly storage: Storage,
    readonly study: StudyRecord,
    readonly tick: () => void,
  ) {}

  async add(
    number: number,
    params: Params,
    options: { seed?: number; target?: number; bracket?: number | null; rung?: number | null } = {},
  ): Promise<void> {
    this.tick();
    await this.storage.addTrial(this.study.id, {
      number,
      params,
      seed: options.seed ?? 1000 + number,
      targetEpochs: options.target ?? this.study.spec.maxEpochs,
      bracket: options.bracket ?? null,
      rung: options.rung ?? null,
      proposedBy: this.study.spec.strategy === 'grid' ? null : 'random',
    });
  }

  async train(number: number, epochs: readonly Metrics[], from = 0): Promise<void> {
    this.tick();
    await this.storage.startTrial(this.study.id, number, { worker: 0, host: 'h', backend: 'cpu' });
    for (const [i, metrics] of epochs.entries()) {
      this.tick();
      const raw = metrics[this.study.spec.objective.metric];
      await this.storage.recordEpoch(this.study.id, number, {
        epoch: from + i + 1,
        metrics,
        value: raw !== undefined && Number.isFinite(raw) ? raw : null,
        durationMs: 100 * (i + 1),
      });
    }
  }

  async finish(number: number, info: Partial<FinishInfo> & Pick<FinishInfo, 'status'>): Promise<void> {
    this.tick();
    const trial = (await this.storage.getTrials(this.study.id)).find((t) => t.number === number)!;
    await this.storage.finishTrial(this.study.id, number, {
      value: trial.value,
      metrics: trial.metrics,
      epochs: trial.epochs,
      durationMs: 1000,
      error: null,
      tensorsAfter: 0,
      ...info,
    });
  }
}

const m = (loss: number, valLoss: number, acc: number, valAcc: number, lr: number): Metrics => ({
  loss,
  val_loss: valLoss,
  accuracy: acc,
  val_accuracy: valAcc,
  lr,
});

export const RANDOM_PARAMS: readonly ParamSpec[] = [
  { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } },
  { name: 'batch_size', dist: { kind: 'categorical', choices: [16, 64] } },
  {
    name: 'schedule',
    dist: {
      kind: 'conditional',
      options: [
        { name: 'constant', params: [] },
        { name: 'step', params: [{ name: 'schedule.gamma', dist: { kind: 'categorical', choices: [0.1, 0.5] } }] },
      ],
    },
  },
  { name: 'hidden', dist: { kind: 'constant', value: [8] } },
];

export function randomSpec(overrides: Partial<StudySpec> = {}): StudySpec {
  return makeSpec({
    name: 'digits-random',
    objective: { metric: 'val_accuracy', direction: 'maximize' },
    strategy: 'random',
    trials: 5,
    maxEpochs: 3,
    params: RANDOM_PARAMS,
    ...overrides,
  });
}

/**
 * Random search, five trials: 1 completes best (0.9), 0 completes (0.8), 4 is running after one
 * epoch, 2 diverges (NaN loss) and 3 fails before its first epoch.
 */
export async function randomStudy(storage: Storage, overrides: Partial<StudySpec> = {}): Promise<StudyRecord> {
  return withClock(async (tick) => {
    const study = await storage.createStudy(randomSpec(overrides), 'cpu');
    const w = new Writer(storage, study, tick);
    await w.add(0, { learning_rate: 0.01, batch_size: 16, schedule: 'constant' });
    await w.add(1, { learning_rate: 0.1, batch_size: 64, schedule: 'step', 'schedule.gamma': 0.5 });
    await w.train(0, [m(0.9, 1, 0.6, 0.5, 0.01), m(0.6, 0.8, 0.75, 0.7, 0.01), m(0.4, 0.6, 0.85, 0.8, 0.01)]);
    await w.finish(0, { status: 'completed', durationMs: 3000 });
    await w.train(1, [m(0.8, 0.9, 0.65, 0.6, 0.1), m(0.4, 0.5, 0.88, 0.85, 0.1), m(0.3, 0.4, 0.93, 0.9, 0.05)]);
    await w.finish(1, { status: 'completed', durationMs: 1500 });
    await w.add(2, { learning_rate: 0.9, batch_size: 16, schedule: 'constant' });
    await w.train(2, [m(NaN, NaN, 0.1, 0.1, 0.9)]);
    await w.finish(2, { status: 'diverged', value: null, durationMs: 400 });
    await w.add(3, { learning_rate: 0.001, batch_size: 64, schedule: 'step', 'schedule.gamma': 0.1 });
    await w.finish(3, { status: 'failed', error: 'Error: out of memory, "batch" too big\n    at train (trainer.js:10)', durationMs: null });
    await w.add(4, { learning_rate: 0.003, batch_size: 64, schedule: 'constant' });
    await w.train(4, [m(1.1, 1.2, 0.5, 0.55, 0.003)]);
    tick();
    await storage.setStudyStatus(study.id, 'interrupted');
    return (await storage.getStudy(study.name))!;
  });
}

/**
 * Hyperband with η = 3 over 1 to 3 epochs: bracket 1 starts trials 0–2 at 1 epoch, promotes 1
 * (completed at 3 epochs, 0.88) and prunes 0 and 2; bracket 0 trains 3 to 3 epochs (0.8), and 4
 * runs. Searched: learning_rate and optimizer only (no schedule, no batch size).
 */
export async function hyperbandStudy(storage: Storage): Promise<StudyRecord> {
  const spec = makeSpec({
    name: 'digits-hyperband',
    objective: { metric: 'val_accuracy', direction: 'maximize' },
    strategy: 'hyperband',
    trials: null,
    minEpochs: 1,
    maxEpochs: 3,
    eta: 3,
    params: [
      { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } },
      { name: 'optimizer', dist: { kind: 'categorical', choices: ['sgd', 'adam'] } },
    ],
  });
  return withClock(async (tick) => {
    const study = await storage.createStudy(spec, 'cpu');
    const w = new Writer(storage, study, tick);
    const params = [
      { learning_rate: 0.01, optimizer: 'adam' },
      { learning_rate: 0.1, optimizer: 'sgd' },
      { learning_rate: 0.5, optimizer: 'sgd' },
    ];
    const first = [m(0.4, 0.5, 0.6, 0.6, 0.01), m(0.3, 0.4, 0.7, 0.7, 0.1), m(0.7, 0.8, 0.3, 0.3, 0.5)];
    for (const [i, p] of params.entries()) {
      await w.add(i, p, { target: 1, bracket: 1, rung: 0 });
      await w.train(i, [first[i]!]);
      await w.finish(i, { status: 'paused', durationMs: 100 });
    }
    tick();
    await storage.promoteTrial(study.id, 1, 1, 3);
    await w.train(1, [m(0.2, 0.3, 0.82, 0.8, 0.1), m(0.1, 0.2, 0.9, 0.88, 0.1)], 1);
    await w.finish(1, { status: 'completed', durationMs: 200 });
    for (const n of [0, 2]) {
      tick();
      await storage.pruneTrial(study.id, n);
    }
    await w.add(3, { learning_rate: 0.003, optimizer: 'adam' }, { target: 3, bracket: 0, rung: 0 });
    await w.train(3, [m(0.5, 0.6, 0.6, 0.6, 0.003), m(0.4, 0.5, 0.7, 0.7, 0.003), m(0.3, 0.4, 0.8, 0.8, 0.003)]);
    await w.finish(3, { status: 'completed', durationMs: 300 });
    await w.add(4, { learning_rate: 0.2, optimizer: 'sgd' }, { target: 3, bracket: 0, rung: 0 });
    await w.train(4, [m(0.7, 0.8, 0.4, 0.4, 0.2)]);
    tick();
    await storage.setStudyStatus(study.id, 'completed');
    return (await storage.getStudy(study.name))!;
  });
}

/** A value with a comma, quotes and a line break, for CSV round trips. */
export const AWKWARD = 'a,b "c"\nd';
/** Markup that must never reach a page as markup. */
export const SCRIPT = '<script>alert(1)</script>';
export const IMG = '"><img src=x onerror=alert(1)>';

/** A study whose name, parameter name and values and error text are hostile to CSV and HTML. */
export async function hostileStudy(storage: Storage): Promise<StudyRecord> {
  const spec = makeSpec({
    name: SCRIPT,
    objective: { metric: 'val_loss', direction: 'minimize' },
    maxEpochs: 2,
    trials: 3,
    params: [
      { name: 'note', dist: { kind: 'categorical', choices: [AWKWARD, IMG] } },
      { name: IMG, dist: { kind: 'float', low: 0, high: 1, log: false, grid: null } },
    ],
  });
  return withClock(async (tick) => {
    const study = await storage.createStudy(spec, 'cpu');
    const w = new Writer(storage, study, tick);
    await w.add(0, { note: AWKWARD, [IMG]: 0.25 });
    await w.train(0, [
      { loss: 0.5, val_loss: 0.6 },
      { loss: 0.25, val_loss: 0.3 },
    ]);
    await w.finish(0, { status: 'completed' });
    await w.add(1, { note: IMG, [IMG]: 0.75 });
    await w.train(1, [
      { loss: 0.4, val_loss: 0.5 },
      { loss: 0.2, val_loss: 0.2 },
    ]);
    await w.finish(1, { status: 'completed' });
    await w.add(2, { note: SCRIPT, [IMG]: 0.5 });
    await w.finish(2, { status: 'failed', error: `<b>boom</b>, "x"\n${IMG}` });
    tick();
    await storage.setStudyStatus(study.id, 'completed');
    return (await storage.getStudy(study.name))!;
  });
}

/**
 * A larger random search for looking at the report: 40 trials of 20 epochs over learning rate,
 * batch size, optimizer and a schedule with children. The objective peaks near a learning rate
 * of 0.01; large rates with momentum or adam diverge. Drawn from a fixed linear congruential
 * generator, so it is the same study every time.
 */
export async function largerStudy(storage: Storage): Promise<StudyRecord> {
  let state = 7;
  const rnd = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const spec = makeSpec({
    name: 'digits-mlp',
    objective: { metric: 'val_accuracy', direction: 'maximize' },
    trials: 40,
    maxEpochs: 20,
    params: [
      { name: 'learning_rate', dist: { kind: 'float', low: 1e-4, high: 1, log: true, grid: null } },
      { name: 'batch_size', dist: { kind: 'categorical', choices: [16, 32, 64, 128, 256] } },
      { name: 'optimizer', dist: { kind: 'categorical', choices: ['sgd', 'momentum', 'adam'] } },
      {
        name: 'schedule',
        dist: {
          kind: 'conditional',
          options: [
            { name: 'constant', params: [] },
            {
              name: 'exponential',
              params: [{ name: 'schedule.decay_rate', dist: { kind: 'float', low: 0.85, high: 0.99, log: false, grid: null } }],
            },
            {
              name: 'step',
              params: [
                { name: 'schedule.step_size', dist: { kind: 'int', low: 2, high: 8, log: false, grid: null } },
                { name: 'schedule.gamma', dist: { kind: 'categorical', choices: [0.1, 0.5] } },
              ],
            },
            { name: 'cosine', params: [] },
          ],
        },
      },
    ],
  });
  return withClock(async (tick) => {
    const study = await storage.createStudy(spec, 'wasm');
    const w = new Writer(storage, study, tick);
    for (let n = 0; n < 40; n++) {
      const lr = Math.exp(Math.log(1e-4) + rnd() * Math.log(1e4));
      const batch = [16, 32, 64, 128, 256][Math.floor(rnd() * 5)]!;
      const optimizer = ['sgd', 'momentum', 'adam'][Math.floor(rnd() * 3)]!;
      const schedule = ['constant', 'exponential', 'step', 'cosine'][Math.floor(rnd() * 4)]!;
      const params: Record<string, number | string> = { learning_rate: lr, batch_size: batch, optimizer, schedule };
      if (schedule === 'exponential') params['schedule.decay_rate'] = 0.85 + rnd() * 0.14;
      if (schedule === 'step') {
        params['schedule.step_size'] = 2 + Math.floor(rnd() * 7);
        params['schedule.gamma'] = rnd() < 0.5 ? 0.1 : 0.5;
      }
      await w.add(n, params);
      const peak =
        0.97 - 0.08 * Math.abs(Math.log10(lr) + 2) ** 1.5 - (schedule === 'constant' ? 0.02 : 0) - batch / 5000 + (rnd() - 0.5) * 0.03;
      const diverges = lr > 0.3 && optimizer !== 'sgd';
      const epochs: Metrics[] = [];
      for (let e = 1; e <= (diverges ? 2 : 20); e++) {
        const acc = Math.max(0.1, peak * (1 - Math.exp(-e / (2 + 20 * Math.abs(Math.log10(lr) + 1.5)))));
        const loss = diverges && e === 2 ? NaN : 1 - acc;
        epochs.push({
          loss,
          val_loss: loss + 0.05,
          accuracy: acc + 0.01,
          val_accuracy: acc,
          lr: lr * (schedule === 'constant' ? 1 : 0.9 ** e),
        });
      }
      await w.train(n, epochs);
      await w.finish(n, diverges ? { status: 'diverged', value: null } : { status: 'completed', durationMs: 1600 });
    }
    tick();
    await storage.setStudyStatus(study.id, 'completed');
    return (await storage.getStudy(study.name))!;
  });
}
