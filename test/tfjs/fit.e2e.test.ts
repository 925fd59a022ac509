/**
 * `fit` from hpsearch/tfjs in-process on a small tf.layers model, on the wasm and cpu backends:
 * continued runs equal straight ones bit for bit, the learning rate comes from params, stops,
 * aborts and divergence end the run where they should, and no tensor is left behind.
 * (Real training: named *.e2e.test.ts so that only the full suite runs it.)
 */
import type * as tfjs from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Budget, Metrics } from '../../src/core/types.js';
import { fit, type FitArgs, type FitTrial } from '../../src/tfjs/index.js';
import { loadBackend } from '../../src/trial/backend.js';

type Tf = typeof tfjs;

interface Run extends FitTrial {
  readonly reports: [number, Metrics][];
  readonly saves: number[];
  readonly loads: number;
}

/** A trial context over a shared in-memory checkpoint, recording reports and saves. */
function trial(
  budget: Budget,
  stored: { state: unknown },
  options: { seed?: number; maxEpochs?: number; answer?: (epoch: number) => boolean; signal?: AbortSignal } = {},
): Run {
  const reports: [number, Metrics][] = [];
  const saves: number[] = [];
  const run = {
    seed: options.seed ?? 11,
    budget,
    maxEpochs: options.maxEpochs ?? 6,
    signal: options.signal ?? new AbortController().signal,
    reports,
    saves,
    loads: 0,
    report: async (epoch: number, metrics: Metrics) => {
      reports.push([epoch, metrics]);
      return options.answer?.(epoch) ?? true;
    },
    checkpoint: {
      load: async () => {
        run.loads++;
        return stored.state === null ? null : structuredClone(stored.state);
      },
      save: async (state: unknown, saveOptions?: { readonly epoch?: number }) => {
        saves.push(saveOptions?.epoch ?? -1);
        stored.state = structuredClone(state);
      },
    },
  };
  return run;
}

const OPTIMIZERS = ['adam', 'sgd', 'momentum', 'rmsprop', 'adagrad'] as const;
type OptimizerKind = (typeof OPTIMIZERS)[number];

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fit on ${backend}`, () => {
    let tf: Tf;
    let x: tfjs.Tensor;
    let y: tfjs.Tensor;
    let xVal: tfjs.Tensor;
    let yVal: tfjs.Tensor;

    beforeAll(async () => {
      tf = await loadBackend(backend);
      // Two noisy classes in 8 dimensions, seeded.
      const all = tf.randomNormal([160, 8], 0, 1, 'float32', 3);
      const labels = tf.tidy(() => tf.oneHot(tf.cast(tf.greater(tf.sum(tf.slice(all, [0, 0], [-1, 3]), 1), 0), 'int32'), 2));
      [x, xVal] = tf.split(all, [128, 32]);
      [y, yVal] = tf.split(labels, [128, 32]);
      tf.dispose([all, labels]);
    });

    function model(params: { learning_rate: number; optimizer?: OptimizerKind }, seed = 1): tfjs.LayersModel {
      const net = tf.sequential({
        layers: [
          tf.layers.dense({ units: 12, activation: 'relu', inputShape: [8], kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
          tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
        ],
      });
      const rate = params.learning_rate;
      const optimizers: Record<OptimizerKind, () => tfjs.Optimizer> = {
        adam: () => tf.train.adam(rate),
        sgd: () => tf.train.sgd(rate),
        momentum: () => tf.train.momentum(rate, 0.9),
        rmsprop: () => tf.train.rmsprop(rate),
        adagrad: () => tf.train.adagrad(rate),
      };
      net.compile({ optimizer: optimizers[params.optimizer ?? 'adam'](), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      return net;
    }

    /** Runs `fit` on a fresh model (as each run of an objective module builds one) and frees it. */
    async function train(params: { learning_rate: number; optimizer?: OptimizerKind }, run: Run, args: FitArgs = {}) {
      const net = model(params);
      try {
        return await fit(params, run, net, x, y, { batchSize: 16, validationData: [xVal, yVal], ...args });
      } finally {
        net.optimizer.dispose();
        net.dispose();
      }
    }

    it('a run continued from its checkpoints equals the straight run bit for bit, and frees its tensors', async () => {
      const params = { learning_rate: 0.01 };
      const before = tf.memory().numTensors;
      const straight = trial({ from: 0, to: 6 }, { state: null });
      const result = await train(params, straight);
      expect(straight.reports.map(([e]) => e)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(Object.keys(straight.reports[0]![1]).sort()).toEqual(['acc', 'loss', 'lr', 'val_acc', 'val_loss']);
      expect(straight.reports.every(([, m]) => m.lr === 0.01)).toBe(true);
      expect(result).toEqual({ status: 'completed', metrics: straight.reports[5]![1], epochs: 6 });
      // At maxEpochs nothing continues: no checkpoint.
      expect(straight.saves).toEqual([]);
      expect(straight.loads).toBe(0);

      const stored = { state: null };
      const pieces = [trial({ from: 0, to: 2 }, stored), trial({ from: 2, to: 3 }, stored), trial({ from: 3, to: 6 }, stored)];
      for (const run of pieces) await train(params, run);
      expect(pieces.map((run) => run.saves)).toEqual([[2], [3], []]);
      expect(pieces.map((run) => run.loads)).toEqual([0, 1, 1]);
      expect(pieces.flatMap((run) => run.reports)).toEqual(straight.reports);
      expect(tf.memory().numTensors).toBe(before);
    });

    it.each(OPTIMIZERS.filter((o) => o !== 'adam'))('continues %s exactly too', async (optimizer) => {
      const params = { learning_rate: 0.05, optimizer };
      const straight = trial({ from: 0, to: 4 }, { state: null });
      await train(params, straight);
      const stored = { state: null };
      const [first, second] = [trial({ from: 0, to: 2 }, stored), trial({ from: 2, to: 4 }, stored)];
      await train(params, first);
      await train(params, second);
      expect([...first.reports, ...second.reports]).toEqual(straight.reports);
    });

    it('trains again from epoch 1 when a continued run finds no checkpoint', async () => {
      const params = { learning_rate: 0.01 };
      const straight = trial({ from: 0, to: 3 }, { state: null });
      await train(params, straight);
      const restart = trial({ from: 2, to: 3 }, { state: null });
      await train(params, restart);
      expect(restart.reports).toEqual(straight.reports);
    });

    it('shuffles each epoch from the trial seed and the epoch: another seed trains otherwise', async () => {
      const params = { learning_rate: 0.01 };
      const [a, b, c] = [
        trial({ from: 0, to: 2 }, { state: null }),
        trial({ from: 0, to: 2 }, { state: null }),
        trial({ from: 0, to: 2 }, { state: null }, { seed: 12 }),
      ];
      for (const run of [a, b, c]) await train(params, run);
      expect(b.reports).toEqual(a.reports);
      expect(c.reports[0]![1].loss).not.toBe(a.reports[0]![1].loss);
    });

    it('sets the learning rate from params on every run, after restoring the optimizer (pbt)', async () => {
      const stored: { state: unknown } = { state: null };
      await train({ learning_rate: 0.01 }, trial({ from: 0, to: 2 }, stored));
      const copy = { state: structuredClone(stored.state) };
      const changed = trial({ from: 2, to: 4 }, stored);
      await train({ learning_rate: 0.002 }, changed);
      expect(changed.reports.map(([, m]) => m.lr)).toEqual([0.002, 0.002]);
      // The same state continued at the first rate trains otherwise.
      const same = trial({ from: 2, to: 4 }, copy);
      await train({ learning_rate: 0.01 }, same);
      expect(same.reports[0]![1].loss).not.toBe(changed.reports[0]![1].loss);
      // learningRateParam names another parameter, or null leaves the optimizer's rate alone.
      const named = trial({ from: 0, to: 1 }, { state: null });
      const net = model({ learning_rate: 0.01 });
      try {
        await fit({ lr: 0.004, learning_rate: 0.5 }, named, net, x, y, { batchSize: 16, learningRateParam: 'lr' });
        expect(named.reports[0]![1].lr).toBe(0.004);
        const left = trial({ from: 0, to: 1 }, { state: null });
        await fit({ learning_rate: 0.5 }, left, net, x, y, { batchSize: 16, learningRateParam: null });
        expect(left.reports[0]![1].lr).toBe(0.004);
      } finally {
        net.optimizer.dispose();
        net.dispose();
      }
    });

    it('stops after the epoch report() said false, saving its checkpoint; a callback that sets stopTraining ends it too', async () => {
      const stored = { state: null };
      const stopped = trial({ from: 0, to: 6 }, stored, { answer: (epoch) => epoch < 2 });
      const net = model({ learning_rate: 0.01 });
      try {
        const result = await fit({ learning_rate: 0.01 }, stopped, net, x, y, { batchSize: 16 });
        expect(stopped.reports.map(([e]) => e)).toEqual([1, 2]);
        expect(result.epochs).toBe(2);
        expect(stopped.saves).toEqual([2]);
        expect(net.stopTraining).toBe(true);
      } finally {
        net.optimizer.dispose();
        net.dispose();
      }
      // The stopped run continues as a straight one would.
      const rest = trial({ from: 2, to: 4 }, stored);
      await train({ learning_rate: 0.01 }, rest);
      const straight = trial({ from: 0, to: 4 }, { state: null });
      await train({ learning_rate: 0.01 }, straight);
      expect([...stopped.reports, ...rest.reports].map(([e, m]) => [e, m.loss])).toEqual(straight.reports.map(([e, m]) => [e, m.loss]));

      const early = trial({ from: 0, to: 6 }, { state: null });
      let netRef: tfjs.LayersModel | null = null;
      const callbacks = {
        onEpochEnd: async (epoch: number) => {
          if (epoch === 2 && netRef !== null) netRef.stopTraining = true;
        },
      };
      const net2 = model({ learning_rate: 0.01 });
      netRef = net2;
      try {
        await fit({ learning_rate: 0.01 }, early, net2, x, y, { batchSize: 16, callbacks });
      } finally {
        net2.optimizer.dispose();
        net2.dispose();
      }
      expect(early.reports.map(([e]) => e)).toEqual([1, 2, 3]);
      expect(early.saves).toEqual([3]);
    });

    it('rejects with the reason at the end of the epoch in which the signal aborted, without reporting or saving it', async () => {
      const abort = new AbortController();
      const run = trial({ from: 0, to: 6 }, { state: null }, { signal: abort.signal });
      const callbacks = {
        onEpochBegin: async (epoch: number) => {
          if (epoch === 2) abort.abort(new Error('time is up'));
        },
        onEpochEnd: async (epoch: number) => {
          if (epoch === 2) ended.push(epoch);
        },
      };
      const ended: number[] = [];
      await expect(train({ learning_rate: 0.01 }, run, { callbacks })).rejects.toThrow('time is up');
      expect(ended).toEqual([2]);
      expect(run.reports.map(([e]) => e)).toEqual([1, 2]);
      expect(run.saves).toEqual([]);
    });

    it('reports a non-finite loss and ends diverged, saving nothing', async () => {
      const run = trial({ from: 0, to: 6 }, { state: null });
      // A linear model on squared error with a far too large step blows up.
      const net = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [8] })] });
      net.compile({ optimizer: tf.train.sgd(1e6), loss: 'meanSquaredError' });
      let result;
      try {
        result = await fit({}, run, net, x, y, { batchSize: 16 });
      } finally {
        net.optimizer.dispose();
        net.dispose();
      }
      expect(result.status).toBe('diverged');
      expect(Number.isFinite(result.metrics.loss)).toBe(false);
      expect(run.reports.at(-1)![0]).toBe(result.epochs);
      expect(run.saves).toEqual([]);
    });

    it('takes a validationSplit once, from the last rows before any shuffle', async () => {
      const all = { x: tf.concat([x, xVal]), y: tf.concat([y, yVal]) };
      try {
        const split = trial({ from: 0, to: 2 }, { state: null });
        const net = model({ learning_rate: 0.01 });
        try {
          await fit({ learning_rate: 0.01 }, split, net, all.x, all.y, { batchSize: 16, validationSplit: 0.2 });
        } finally {
          net.optimizer.dispose();
          net.dispose();
        }
        const explicit = trial({ from: 0, to: 2 }, { state: null });
        await train({ learning_rate: 0.01 }, explicit);
        expect(split.reports).toEqual(explicit.reports);
      } finally {
        tf.dispose([all.x, all.y]);
      }
    });

    it('refuses a model that is not compiled, and a checkpoint that does not fit the model', async () => {
      const bare = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [8] })] });
      await expect(fit({}, trial({ from: 0, to: 1 }, { state: null }), bare, x, y)).rejects.toThrow(/compiled model/);
      bare.dispose();
      const stored = { state: null };
      await train({ learning_rate: 0.01 }, trial({ from: 0, to: 1 }, stored));
      const wide = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [8] }), tf.layers.dense({ units: 2 })] });
      wide.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
      await expect(fit({}, trial({ from: 1, to: 2 }, stored), wide, x, y)).rejects.toThrow(/does not fit the model/);
      wide.optimizer.dispose();
      wide.dispose();
    });
  });
}
