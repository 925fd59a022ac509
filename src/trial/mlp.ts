/**
 * The built-in trainer's model: a multilayer perceptron on raw `tf.Variable` weights, with dense
 * layers whose gradients are written out by hand, and its losses.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Rng } from '../util/random.js';
import type { ActivationName } from './trainer-params.js';

type Tf = typeof tfjs;

/** Layer sizes and the settings that shape the network. */
export interface MlpShape {
  readonly inputs: number;
  readonly hidden: readonly number[];
  readonly outputs: number;
  readonly activation: ActivationName;
  /** Dropout rate after each hidden layer while training. */
  readonly dropout: number;
}

/** A network and its variables. */
export interface Mlp {
  /** Weights then bias of each layer in order: `W0, b0, W1, b1, …`. */
  readonly variables: readonly tfjs.Variable[];
  /**
   * The last layer's output (logits, or predictions for regression). With a `dropoutSeed`,
   * dropout follows every hidden layer, its masks drawn from that seed; without, none.
   */
  forward(x: tfjs.Tensor2D, dropoutSeed?: string): tfjs.Tensor2D;
  dispose(): void;
}

/**
 * Glorot (Xavier) uniform initialisation: `fanIn × fanOut` values uniform in ±√(6/(fanIn+fanOut))
 * (Glorot & Bengio 2010), drawn from `rng` in row-major order.
 */
export function glorotUniform(fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => (2 * rng() - 1) * limit);
}

/**
 * Builds an MLP with Glorot-uniform weights (from `rng`) and zero biases.
 *
 * Each dense layer is a `tf.customGrad` op: forward `y = act(x·W + b)`; backward from the
 * layer's output, `dz = dy·act'(y)`, `dW = xᵀ·dz`, `db = Σ dz`, `dx = dz·Wᵀ`. The transposes are
 * explicit because the wasm backend's matMul with `transposeA`/`transposeB` is 10–70× slower
 * (tfjs 4.22; this made training 2.2× faster). The forward pass uses plain matMul, add and
 * activation ops rather than `tf.fused.matMul`: while a gradient is being recorded, tfjs 4.22
 * fuses only linear activations (`shouldFuse` in its fused ops), and the fused kernel comes
 * wrapped in three reshapes, so it saves nothing here (measured equal within 4%).
 */
export function createMlp(tf: Tf, shape: MlpShape, rng: Rng): Mlp {
  const sizes = [shape.inputs, ...shape.hidden, shape.outputs];
  const variables: tfjs.Variable[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
    const weights = glorotUniform(fanIn, fanOut, rng);
    variables.push(tf.tidy(() => tf.tensor2d(weights, [fanIn, fanOut]).variable(true)));
    variables.push(tf.tidy(() => tf.zeros([fanOut]).variable(true)));
  }
  const one = tf.keep(tf.scalar(1));
  const zero = tf.keep(tf.scalar(0));
  const layers = sizes.slice(1).map((_, l) => {
    const last = l === sizes.length - 2;
    // The first layer's input is data: its gradient is never used, so it is not computed.
    return denseLayer(tf, last ? 'linear' : shape.activation, l > 0, { one, zero });
  });
  return {
    variables,
    forward(x, dropoutSeed) {
      let h: tfjs.Tensor2D = x;
      layers.forEach((layer, l) => {
        h = layer(h, variables[2 * l] as tfjs.Tensor2D, variables[2 * l + 1] as tfjs.Tensor1D);
        if (dropoutSeed !== undefined && shape.dropout > 0 && l < layers.length - 1) {
          h = tf.dropout(h, shape.dropout, undefined, `${dropoutSeed}/${l}`) as tfjs.Tensor2D;
        }
      });
      return h;
    },
    dispose() {
      for (const v of variables) v.dispose();
      one.dispose();
      zero.dispose();
    },
  };
}

type Dense = (x: tfjs.Tensor2D, w: tfjs.Tensor2D, b: tfjs.Tensor1D) => tfjs.Tensor2D;

function denseLayer(
  tf: Tf,
  activation: ActivationName,
  inputGradient: boolean,
  c: { readonly one: tfjs.Scalar; readonly zero: tfjs.Scalar },
): Dense {
  const activate = (z: tfjs.Tensor): tfjs.Tensor => {
    switch (activation) {
      case 'linear':
        return z;
      case 'relu':
        return tf.relu(z);
      case 'sigmoid':
        return tf.sigmoid(z);
      case 'tanh':
        return tf.tanh(z);
      case 'elu':
        return tf.elu(z);
    }
  };
  const derivative = (dy: tfjs.Tensor2D, y: tfjs.Tensor2D): tfjs.Tensor2D => {
    switch (activation) {
      case 'linear':
        return dy;
      case 'relu':
        return tf.mul(dy, tf.step(y));
      case 'sigmoid':
        return tf.mul(dy, tf.mul(y, tf.sub(c.one, y)));
      case 'tanh':
        return tf.mul(dy, tf.sub(c.one, tf.square(y)));
      case 'elu':
        // elu'(z) is 1 for z > 0 and e^z = y + 1 below, so min(y, 0) + 1 covers both.
        return tf.mul(dy, tf.add(tf.minimum(y, c.zero), c.one));
    }
  };
  const op = tf.customGrad<tfjs.Tensor2D>((...args) => {
    const [x, w, b, save] = args as [tfjs.Tensor2D, tfjs.Tensor2D, tfjs.Tensor1D, tfjs.GradSaveFunc];
    const y = activate(tf.add(tf.matMul(x, w), b));
    // Each saved tensor costs a copy per step, so W is kept only where dx needs it.
    save(inputGradient ? [x, y, w] : [x, y]);
    return {
      value: y as tfjs.Tensor2D,
      gradFunc: (dy: tfjs.Tensor2D, saved: tfjs.Tensor[]) => {
        const [xs, ys, ws] = saved as [tfjs.Tensor2D, tfjs.Tensor2D, tfjs.Tensor2D | undefined];
        const dz = derivative(dy, ys);
        const dx = ws === undefined ? tf.zeros([1]) : tf.matMul(dz, tf.transpose(ws));
        return [dx, tf.matMul(tf.transpose(xs), dz), tf.sum(dz, 0)];
      },
    };
  });
  return op as unknown as Dense;
}

/**
 * Mean softmax cross-entropy of `logits` against one-hot `labels`, as one op whose gradient is
 * `(softmax(logits) − labels)/batch`, instead of differentiating every op of the log-softmax.
 */
export function softmaxCrossEntropy(tf: Tf): (logits: tfjs.Tensor2D, labels: tfjs.Tensor2D) => tfjs.Scalar {
  const op = tf.customGrad<tfjs.Scalar>((...args) => {
    const [logits, labels, save] = args as [tfjs.Tensor2D, tfjs.Tensor2D, tfjs.GradSaveFunc];
    const logp = tf.logSoftmax(logits);
    save([logp, labels]);
    return {
      value: tf.neg(tf.mean(tf.sum(tf.mul(labels, logp), 1))) as tfjs.Scalar,
      gradFunc: (dy: tfjs.Scalar, saved: tfjs.Tensor[]) => {
        const [logps, labelss] = saved as [tfjs.Tensor2D, tfjs.Tensor2D];
        const g = tf.mul(tf.sub(tf.exp(logps), labelss), tf.div(dy, logps.shape[0]));
        // Labels are data; their gradient is never used.
        return [g, tf.zeros([1])];
      },
    };
  });
  return op as unknown as (logits: tfjs.Tensor2D, labels: tfjs.Tensor2D) => tfjs.Scalar;
}

/** Summed (not averaged) cross-entropy over the rows, for evaluation in chunks. */
export function crossEntropySum(tf: Tf, logits: tfjs.Tensor2D, labels: tfjs.Tensor2D): tfjs.Scalar {
  return tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)))) as tfjs.Scalar;
}
