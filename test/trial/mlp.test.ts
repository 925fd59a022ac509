import { beforeAll, describe, expect, it } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadBackend } from '../../src/trial/backend.js';
import { createMlp, glorotUniform, softmaxCrossEntropy } from '../../src/trial/mlp.js';
import type { ActivationName } from '../../src/trial/trainer-params.js';
import { rngFor } from '../../src/util/random.js';

let tf: typeof tfjs;
beforeAll(async () => {
  tf = await loadBackend('wasm');
});

/** The same network written with plain ops, differentiated by tfjs itself. */
function reference(x: tfjs.Tensor2D, vars: readonly tfjs.Variable[], activation: ActivationName): tfjs.Tensor2D {
  let h: tfjs.Tensor2D = x;
  for (let l = 0; l < vars.length / 2; l++) {
    const z = tf.add(tf.matMul(h, vars[2 * l] as tfjs.Tensor2D), vars[2 * l + 1]!) as tfjs.Tensor2D;
    const last = l === vars.length / 2 - 1;
    const act = last ? 'linear' : activation;
    h = act === 'linear' ? z : act === 'relu' ? tf.relu(z) : act === 'tanh' ? tf.tanh(z) : act === 'sigmoid' ? tf.sigmoid(z) : tf.elu(z);
  }
  return h;
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

  it.each<ActivationName>(['relu', 'tanh', 'sigmoid', 'elu', 'linear'])(
    'hand-written %s gradients match tfjs autodiff',
    (activation) => {
      const model = createMlp(tf, { inputs: 5, hidden: [7, 6], outputs: 3, activation, dropout: 0 }, rngFor(2, 'init'));
      const x = tf.randomNormal([9, 5], 0, 1, 'float32', 3) as tfjs.Tensor2D;
      const labels = tf.cast(tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32'), 3), 'float32') as tfjs.Tensor2D;
      const loss = softmaxCrossEntropy(tf);
      const vars = model.variables as tfjs.Variable[];
      const ours = tf.variableGrads(() => loss(model.forward(x), labels), vars);
      const theirs = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(labels, reference(x, vars, activation)) as tfjs.Scalar, vars);
      expect(ours.value.dataSync()[0]).toBeCloseTo(theirs.value.dataSync()[0]!, 5);
      for (const v of vars) {
        const a = ours.grads[v.name]!.dataSync();
        const b = theirs.grads[v.name]!.dataSync();
        expect(a.length).toBe(b.length);
        a.forEach((value, i) => expect(value).toBeCloseTo(b[i]!, 5));
      }
      tf.dispose([x, labels, ours.value, theirs.value, ...Object.values(ours.grads), ...Object.values(theirs.grads)]);
      model.dispose();
    },
  );

  it('applies seeded dropout to hidden layers only when given a seed', () => {
    const model = createMlp(tf, { inputs: 4, hidden: [32], outputs: 2, activation: 'relu', dropout: 0.5 }, rngFor(1, 'init'));
    const x = tf.ones([8, 4]) as tfjs.Tensor2D;
    const plain = [model.forward(x), model.forward(x)];
    const dropped = [model.forward(x, 's'), model.forward(x, 's'), model.forward(x, 't')];
    expect(plain[1]!.dataSync()).toEqual(plain[0]!.dataSync());
    expect(dropped[1]!.dataSync()).toEqual(dropped[0]!.dataSync());
    expect(dropped[0]!.dataSync()).not.toEqual(plain[0]!.dataSync());
    expect(dropped[2]!.dataSync()).not.toEqual(dropped[0]!.dataSync());
    tf.dispose([x, ...plain, ...dropped]);
    model.dispose();
  });
});
