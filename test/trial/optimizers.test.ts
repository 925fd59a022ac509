import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadBackend } from '../../src/trial/backend.js';
import { createOptimizer, type OptimizerOptions } from '../../src/trial/optimizers.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await loadBackend('wasm');
});

const W = [1, 2, 3, 4];
const B = [0.5, -0.5];
const GW = [0.1, -0.2, 0.3, 0.4];
const GB = [1, -1];
const GW2 = [-0.3, 0.05, 0.2, -0.1];

function setup(options: Partial<OptimizerOptions> & Pick<OptimizerOptions, 'kind'>) {
  const w = tf.tidy(() => tf.variable(tf.tensor2d(W, [2, 2])));
  const b = tf.tidy(() => tf.variable(tf.tensor1d(B)));
  const opt = createOptimizer(tf, [w, b], { learningRate: 0.1, momentum: 0.9, weightDecay: 0, ...options });
  // apply takes the gradients times the optimizer's gradientScale (−η for sgd).
  const step = (gw: number[], gb: number[]) =>
    tf.tidy(() => opt.apply([tf.tensor2d(gw, [2, 2]), tf.tensor1d(gb)].map((g) => tf.mul(g, opt.gradientScale))));
  const values = () => [...w.dataSync(), ...b.dataSync()];
  const dispose = () => {
    opt.dispose();
    w.dispose();
    b.dispose();
  };
  return { w, b, opt, step, values, dispose };
}

function expectClose(actual: number[], expected: number[], digits = 6) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, digits));
}

describe('optimizers', () => {
  it('sgd: w ← w − η·(g + λ·w), biases not decayed', () => {
    const s = setup({ kind: 'sgd', weightDecay: 0.01 });
    s.step(GW, GB);
    // 1 − 0.1·(0.1 + 0.01·1) = 0.989; 2 − 0.1·(−0.2 + 0.02) = 2.018; bias 0.5 − 0.1·1 = 0.4
    expectClose(s.values(), [0.989, 2.018, 2.967, 3.956, 0.4, -0.4]);
    expect(s.opt.step).toBe(1);
    s.dispose();
  });

  it('wants sgd gradients times −η and the others as they are', () => {
    const s = setup({ kind: 'sgd', learningRate: 0.1 });
    expect(s.opt.gradientScale).toBe(-0.1);
    s.opt.learningRate = 0.02;
    expect(s.opt.gradientScale).toBe(-0.02);
    s.dispose();
    for (const kind of ['momentum', 'adam'] as const) {
      const other = setup({ kind });
      expect(other.opt.gradientScale).toBe(1);
      other.dispose();
    }
  });

  it('momentum: v ← μ·v + g; w ← w − η·v', () => {
    const s = setup({ kind: 'momentum' });
    s.step(GW, GB);
    s.step(GW, GB);
    // two equal gradients: w − η·g − η·(μ·g + g) = w − 0.29·g
    expectClose(s.values(), [0.971, 2.058, 2.913, 3.884, 0.21, -0.21]);
    s.dispose();
  });

  it('adam: one step moves each weight by about η against its gradient sign', () => {
    const s = setup({ kind: 'adam' });
    s.step(GW, GB);
    // m̂ = g, v̂ = g²: w − η·g/(|g| + ε)
    const moved = (w: number, g: number) => w - (0.1 * g) / (Math.abs(g) + 1e-7);
    expectClose(s.values(), [...W.map((w, i) => moved(w, GW[i]!)), ...B.map((b, i) => moved(b, GB[i]!))]);
    s.dispose();
  });

  it('adam: two steps with weight decay match the textbook formulas', () => {
    const s = setup({ kind: 'adam', weightDecay: 0.05, learningRate: 0.01 });
    s.step(GW, GB);
    s.opt.learningRate = 0.02;
    s.step(GW2, GB);
    const [b1, b2, eps] = [0.9, 0.999, 1e-7];
    const expected = [...W, ...B].map((w0, i) => {
      const decay = i < 4 ? 0.05 : 0;
      const grads = i < 4 ? [GW[i]!, GW2[i]!] : [GB[i - 4]!, GB[i - 4]!];
      let [w, m, v] = [w0, 0, 0];
      grads.forEach((g0, t) => {
        const g = g0 + decay * w;
        m = b1 * m + (1 - b1) * g;
        v = b2 * v + (1 - b2) * g * g;
        const mHat = m / (1 - b1 ** (t + 1));
        const vHat = v / (1 - b2 ** (t + 1));
        w -= ([0.01, 0.02][t]! * mHat) / (Math.sqrt(vHat) + eps);
      });
      return w;
    });
    expectClose(s.values(), expected);
    s.dispose();
  });

  it.each(['sgd', 'momentum', 'adam'] as const)('%s: getState/setState continues exactly where it left off', (kind) => {
    const a = setup({ kind, weightDecay: 0.01 });
    a.step(GW, GB);
    const state = a.opt.getState();
    const weights = a.values();
    a.step(GW2, GB);

    const b = setup({ kind, weightDecay: 0.01 });
    tf.tidy(() => {
      b.w.assign(tf.tensor2d(weights.slice(0, 4), [2, 2]));
      b.b.assign(tf.tensor1d(weights.slice(4)));
    });
    b.opt.setState(structuredClone(state));
    expect(b.opt.step).toBe(1);
    b.step(GW2, GB);
    expect(b.values()).toEqual(a.values());
    expect(state).toMatchObject({ kind, step: 1 });
    // One flat vector per slot over all variables: 2×2 weights then 2 biases.
    expect(state.slots.map((slot) => slot.shape)).toEqual(kind === 'sgd' ? [] : kind === 'momentum' ? [[6]] : [[6], [6]]);
    // After one step the velocity is the gradient, decay included for the weight matrix.
    if (kind === 'momentum') expectClose([...state.slots[0]!.data], [...GW.map((g, i) => g + 0.01 * W[i]!), ...GB]);
    a.dispose();
    b.dispose();
  });

  it('rejects the state of another optimizer', () => {
    const a = setup({ kind: 'momentum' });
    const b = setup({ kind: 'adam' });
    expect(() => b.opt.setState(a.opt.getState())).toThrow('optimizer state is for momentum (1 slots), not adam (2)');
    a.dispose();
    b.dispose();
  });

  it('frees all its tensors', () => {
    const before = tf.memory().numTensors;
    const s = setup({ kind: 'adam', weightDecay: 0.1 });
    s.step(GW, GB);
    s.opt.learningRate = 0.5;
    s.step(GW, GB);
    s.opt.getState();
    s.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
