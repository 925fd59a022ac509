import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadBackend } from '../../src/trial/backend.js';
import { kernelsOf } from '../../src/trial/kernels.js';
import { createMlp, glorotUniform, inputGradientByColumns, logicalShapes, type Mlp } from '../../src/trial/mlp.js';
import type { ActivationName } from '../../src/trial/trainer-params.js';
import { rngFor } from '../../src/util/random.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await loadBackend('wasm');
});

/** The same network written with plain 2-D ops, for tfjs to differentiate. */
function reference(x: tfjs.Tensor2D, vars: readonly tfjs.Tensor[], activation: ActivationName, dropout = 0, seed?: string): tfjs.Tensor2D {
  let h: tfjs.Tensor = x;
  const layers = vars.length / 2;
  for (let l = 0; l < layers; l++) {
    const z = tf.add(tf.matMul(h as tfjs.Tensor2D, vars[2 * l]!.reshape(vars[2 * l]!.shape.slice(1)) as tfjs.Tensor2D), vars[2 * l + 1]!);
    if (l === layers - 1) return z as tfjs.Tensor2D;
    h = { relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid, elu: tf.elu, linear: (t: tfjs.Tensor) => t }[activation](z);
    if (seed !== undefined && dropout > 0) h = tf.dropout(h, dropout, undefined, `${seed}/${l}`);
  }
  throw new Error('no layers');
}

function model(activation: ActivationName, dropout = 0, hidden = [7, 6], inputs = 5, outputs = 3): Mlp {
  return createMlp(tf, { inputs, hidden, outputs, activation, dropout }, rngFor(2, 'init'), kernelsOf(tf));
}

function expectAllClose(actual: tfjs.Tensor, expected: tfjs.Tensor, digits = 5): void {
  expect(actual.size).toBe(expected.size);
  const [a, b] = [actual.dataSync(), expected.dataSync()];
  a.forEach((value, i) => expect(value).toBeCloseTo(b[i]!, digits));
}

/** A batch of `n` rows as `gradients` takes it, and its 2-D forms for the reference. */
function batchOf(n: number, inputs: number, outputs: number, regression: boolean) {
  const x2 = tf.randomNormal([n, inputs], 0, 1, 'float32', 3) as tfjs.Tensor2D;
  const y2 = regression
    ? (tf.randomNormal([n, outputs], 0, 1, 'float32', 4) as tfjs.Tensor2D)
    : (tf
        .oneHot(
          tf.tensor1d(
            Int32Array.from({ length: n }, (_, i) => i % outputs),
            'int32',
          ),
          outputs,
        )
        .toFloat() as tfjs.Tensor2D);
  return {
    x2,
    y2,
    batch: {
      x: x2.reshape([1, n, inputs]) as tfjs.Tensor3D,
      xT: x2.transpose().reshape([1, inputs, n]) as tfjs.Tensor3D,
      y: y2.reshape([1, n, outputs]) as tfjs.Tensor3D,
    },
    ones: tf.ones([1, 1, n]) as tfjs.Tensor3D,
  };
}

describe('mlp', () => {
  it('glorotUniform stays inside ±√(6/(fanIn+fanOut)) and is seeded', () => {
    const w = glorotUniform(10, 5, rngFor(1, 'w'));
    const limit = Math.sqrt(6 / 15);
    expect(w.length).toBe(50);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(limit * 0.8);
    expect(glorotUniform(10, 5, rngFor(1, 'w'))).toEqual(w);
  });

  it('stores weights as [1, fanIn, fanOut] and reports them as [fanIn, fanOut]', () => {
    const m = model('relu');
    expect(m.variables.map((v) => v.shape)).toEqual([[1, 5, 7], [7], [1, 7, 6], [6], [1, 6, 3], [3]]);
    expect(logicalShapes(m.shape)).toEqual([[5, 7], [7], [7, 6], [6], [6, 3], [3]]);
    m.dispose();
  });

  it.each<ActivationName>(['relu', 'tanh', 'sigmoid', 'elu', 'linear'])('predict equals the plain forward pass (%s)', (activation) => {
    const m = model(activation);
    const { x2, batch } = batchOf(9, 5, 3, false);
    expectAllClose(m.predict(batch.x), reference(x2, m.variables, activation));
    m.dispose();
  });

  // On wasm, batches of 9 and 200 rows take the two forms of the 128→96 layer's input gradient.
  describe.each([9, 200])('hand-written gradients match tfjs autodiff, batch %i', (n) => {
    it.each<[ActivationName, 'softmax' | 'identity', number]>([
      ['relu', 'softmax', 0],
      ['tanh', 'softmax', 0],
      ['sigmoid', 'softmax', 0],
      ['elu', 'softmax', 0],
      ['linear', 'softmax', 0],
      ['relu', 'identity', 0],
      ['tanh', 'identity', 0.3],
      ['relu', 'softmax', 0.5],
    ])('%s, %s head, dropout %f', (activation, head, dropout) => {
      // Regression has one output: its gradient 2(z − y)/n is for the mean over n values.
      const outputs = head === 'softmax' ? 3 : 1;
      const m = model(activation, dropout, [128, 96], 5, outputs);
      expect(inputGradientByColumns(n, 128, 96)).toBe(n === 9);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const { x2, y2, batch, ones } = batchOf(n, 5, outputs, head === 'identity');
        const seed = 'step-seed';
        // The optimizer's scale is taken as −0.5 here, to check it multiplies every gradient.
        const scale = tf.scalar((-0.5 * (head === 'softmax' ? 1 : 2)) / n);
        const { output, grads } = m.gradients(batch, { head, scale, ones, dropoutSeed: seed });
        const loss = (...vars: tfjs.Tensor[]) => {
          const out = reference(x2, vars, activation, dropout, seed);
          return (head === 'softmax' ? tf.losses.softmaxCrossEntropy(y2, out) : tf.losses.meanSquaredError(y2, out)) as tfjs.Scalar;
        };
        const expected = tf.grads(loss)([...m.variables]);
        expectAllClose(output, reference(x2, m.variables, activation, dropout, seed));
        grads.forEach((g, i) => {
          expect(g.shape).toEqual(m.variables[i]!.shape);
          expectAllClose(g, tf.mul(expected[i]!, -0.5));
        });
      });
      expect(tf.memory().numTensors).toBe(before);
      m.dispose();
    });
  });

  it('takes (W·gᵀ)ᵀ for the input gradient of small batches on wide layers, g·Wᵀ otherwise', () => {
    expect(inputGradientByColumns(16, 128, 128)).toBe(true);
    expect(inputGradientByColumns(64, 128, 128)).toBe(true);
    expect(inputGradientByColumns(128, 128, 128)).toBe(false);
    expect(inputGradientByColumns(16, 128, 10)).toBe(false);
    expect(inputGradientByColumns(256, 64, 64)).toBe(false);
  });

  it('applies seeded dropout masks like tf.dropout, different per seed', () => {
    const m = model('relu', 0.5, [32], 4, 2);
    tf.tidy(() => {
      const { batch, ones } = batchOf(8, 4, 2, false);
      const run = (seed?: string) => m.gradients(batch, { head: 'softmax', scale: tf.scalar(1), ones, dropoutSeed: seed });
      const [a, b, c, none] = [run('s'), run('s'), run('t'), run()];
      expect(b.output.dataSync()).toEqual(a.output.dataSync());
      expect(c.output.dataSync()).not.toEqual(a.output.dataSync());
      expect(none.output.dataSync()).toEqual(m.predict(batch.x).dataSync());
      expect(a.output.dataSync()).not.toEqual(none.output.dataSync());
    });
    m.dispose();
  });
});
