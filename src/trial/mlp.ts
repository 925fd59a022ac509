/**
 * The built-in trainer's model: a multilayer perceptron on raw `tf.Variable` weights, with its
 * forward pass and a hand-written backward pass.
 *
 * Training records no gradient tape: {@link Mlp.gradients} runs the forward pass keeping what the
 * backward pass needs, then the backward pass, as about five kernels per layer. With tfjs's
 * automatic differentiation (`tf.variableGrads` over `tf.customGrad` layers) the same step took
 * 2–3 times as long on wasm: every recorded op saves copies of its inputs, the loss's log-softmax
 * is differentiated op by op, and `tf.fused.matMul` does not fuse while a tape is recording.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Rng } from '../util/random.js';
import type { FusedActivation, Kernels } from './kernels.js';
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

/** One training batch of `n` rows, as the backward pass wants it. */
export interface TrainBatch {
  /** Inputs, `[1, n, inputs]`. */
  readonly x: tfjs.Tensor3D;
  /** The same inputs transposed, `[1, inputs, n]`: the first layer's weight gradient is `xᵀ·g`. */
  readonly xT: tfjs.Tensor3D;
  /** Targets, `[1, n, outputs]`: one-hot classes, or regression targets. */
  readonly y: tfjs.Tensor3D;
}

/** Settings of one {@link Mlp.gradients} call. */
export interface GradientOptions {
  /**
   * `softmax`: the loss is softmax cross-entropy of the logits against one-hot targets, whose
   * gradient with respect to the logits `z` is `(softmax(z) − y)/n` for the mean over the rows;
   * `identity`: squared error, gradient `2(z − y)/n`.
   */
  readonly head: 'softmax' | 'identity';
  /**
   * What `head(z) − y` is multiplied by before it is propagated back: the factor above (`1/n` or
   * `2/n`) times any scale the optimizer wants its gradients in (see `Optimizer.gradientScale`).
   */
  readonly scale: tfjs.Scalar;
  /** A `[1, 1, n]` tensor of ones (the bias gradients are `ones·g`). */
  readonly ones: tfjs.Tensor3D;
  /** Seeds this step's dropout masks; without it (or with rate 0) there is no dropout. */
  readonly dropoutSeed?: string;
}

/** A network and its variables. */
export interface Mlp {
  readonly shape: MlpShape;
  /**
   * Weights then bias of each layer in order: `W0, b0, W1, b1, …`. A weight matrix is stored as
   * `[1, fanIn, fanOut]`, the rank the matMul kernels take; see {@link logicalShapes} for the
   * shapes checkpoints record.
   */
  readonly variables: readonly tfjs.Variable[];
  /** The last layer's output for rows `x` (`[1, n, inputs]`): logits, or predictions. No dropout. */
  predict(x: tfjs.Tensor3D): tfjs.Tensor3D;
  /**
   * The forward and backward pass of one training step. Returns the output (before any update)
   * and, for each variable in order, the gradient of the batch's mean loss times the optimizer's
   * scale (`options.scale` carries it). Call inside `tf.tidy`.
   */
  gradients(batch: TrainBatch, options: GradientOptions): { readonly output: tfjs.Tensor3D; readonly grads: tfjs.Tensor[] };
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

/** The shapes of a network's variables as checkpoints record them: `[fanIn, fanOut]` and `[fanOut]`. */
export function logicalShapes(shape: MlpShape): number[][] {
  const sizes = [shape.inputs, ...shape.hidden, shape.outputs];
  return sizes.slice(1).flatMap((fanOut, l) => [[sizes[l], fanOut], [fanOut]]);
}

/**
 * Whether a layer's input gradient `g·Wᵀ` (`g` `[n, fanOut]`) is cheaper as `(W·gᵀ)ᵀ`.
 *
 * The wasm backend's matMul hands its right operand to XNNPACK, which packs it into its own
 * layout before multiplying: 4–8 ns an element (tfjs 4.22 here), against about 2 for a
 * transpose, so for small matrices the packing costs more than the arithmetic. `g·Wᵀ` transposes
 * and packs W (fanIn·fanOut elements); `(W·gᵀ)ᵀ` transposes and packs gᵀ and transposes the
 * product (n·fanOut and n·fanIn), one kernel more (about 7 µs). For a 128×128 layer that is a
 * third of the time at batch 16 and half at 64; from batch 128 the plain form wins. Both give the
 * same products up to rounding. The costs are wasm's; other backends always take `g·Wᵀ`.
 */
export function inputGradientByColumns(rows: number, fanIn: number, fanOut: number): boolean {
  const [pack, transpose, kernel] = [6, 2, 7000];
  return rows * (fanOut * (pack + transpose) + fanIn * transpose) + kernel < fanIn * fanOut * (pack + transpose);
}

/** The activations the fused matMul kernel applies itself; tanh runs as a kernel of its own. */
const FUSED: Readonly<Record<ActivationName, FusedActivation | null>> = {
  linear: 'linear',
  relu: 'relu',
  sigmoid: 'sigmoid',
  elu: 'elu',
  tanh: null,
};

/**
 * Builds an MLP with Glorot-uniform weights (from `rng`) and zero biases.
 *
 * Each layer is `y = act(x·W + b)` as one fused kernel (bias and activation applied inside the
 * matMul, except tanh), the last one linear. Backward from the output gradient `g` of a layer:
 * `dW = xᵀ·g`, `db = 1ᵀ·g`, and for every layer but the first `dx = g·Wᵀ`, then through dropout
 * and the activation below, `act'` written in terms of the activation's output `y`:
 * relu `step(y)`, sigmoid `y(1 − y)`, tanh `1 − y²`, elu `min(y, 0) + 1`. The transposes are
 * explicit because the wasm backend's matMul with `transposeA`/`transposeB` takes a slow path
 * 10–70× slower (tfjs 4.22). `1ᵀ·g` reuses the packed operand XNNPACK prepared for `xᵀ·g`, so
 * it costs less than a column sum, which the wasm backend computes by transposing first.
 * Dropout masks are drawn exactly as `tf.dropout` draws them, from the same seeds.
 */
export function createMlp(tf: Tf, shape: MlpShape, rng: Rng, k: Kernels): Mlp {
  const sizes = [shape.inputs, ...shape.hidden, shape.outputs];
  const layers = sizes.length - 1;
  const variables: tfjs.Variable[] = [];
  for (let l = 0; l < layers; l++) {
    const [fanIn, fanOut] = [sizes[l], sizes[l + 1]];
    const weights = glorotUniform(fanIn, fanOut, rng);
    variables.push(tf.tidy(() => tf.tensor3d(weights, [1, fanIn, fanOut]).variable(true)));
    variables.push(tf.tidy(() => tf.zeros([fanOut]).variable(true)));
  }
  const one = tf.keep(tf.scalar(1));
  const zero = tf.keep(tf.scalar(0));
  const weight = (l: number) => variables[2 * l] as tfjs.Variable<tfjs.Rank.R3>;
  const bias = (l: number) => variables[2 * l + 1] as tfjs.Variable<tfjs.Rank.R1>;

  const layer = (x: tfjs.Tensor3D, l: number): tfjs.Tensor3D => {
    if (l === layers - 1) return k.dense(x, weight(l), bias(l), 'linear');
    const fused = FUSED[shape.activation];
    if (fused !== null) return k.dense(x, weight(l), bias(l), fused);
    return tf.tanh(k.dense(x, weight(l), bias(l), 'linear'));
  };

  /** `dy·act'` for the hidden activation, from its output `y`. */
  const throughActivation = (dy: tfjs.Tensor3D, y: tfjs.Tensor3D): tfjs.Tensor3D => {
    switch (shape.activation) {
      case 'linear':
        return dy;
      case 'relu':
        return k.mul(dy, k.step(y));
      case 'sigmoid':
        return k.mul(dy, k.mul(y, k.sub(one, y)));
      case 'tanh':
        return k.mul(dy, k.sub(one, tf.square(y)));
      case 'elu':
        // elu'(z) is 1 for z > 0 and e^z = y + 1 below, so min(y, 0) + 1 covers both.
        return k.mul(dy, k.add(tf.minimum(y, zero), one));
    }
  };

  /** `tf.dropout`'s own mask: floor(uniform + keep)/keep, so masks equal the op's for a seed. */
  const dropoutMask = (like: tfjs.Tensor3D, seed: string): tfjs.Tensor3D => {
    const keep = 1 - shape.dropout;
    return tf.div(tf.floor(tf.add(tf.randomUniform(like.shape, 0, 1, 'float32', seed), keep)), keep);
  };

  return {
    shape,
    variables,
    predict(x) {
      let h = x;
      for (let l = 0; l < layers; l++) h = layer(h, l);
      return h;
    },
    gradients(batch, options) {
      const dropout = options.dropoutSeed !== undefined && shape.dropout > 0;
      // Forward, keeping each layer's activation output (for act') and input (for dW).
      const inputs: tfjs.Tensor3D[] = [batch.x];
      const outputs: tfjs.Tensor3D[] = [];
      const masks: tfjs.Tensor3D[] = [];
      for (let l = 0; l < layers; l++) {
        const y = layer(inputs[l], l);
        outputs.push(y);
        if (l === layers - 1) break;
        if (dropout) {
          masks.push(dropoutMask(y, `${options.dropoutSeed}/${l}`));
          inputs.push(k.mul(y, masks[l]));
        } else {
          inputs.push(y);
        }
      }
      const output = outputs[layers - 1];
      // Backward.
      const head = options.head === 'softmax' ? k.softmax(output) : output;
      let g = k.mul(k.sub(head, batch.y), options.scale);
      const grads: tfjs.Tensor[] = new Array(2 * layers);
      for (let l = layers - 1; l >= 0; l--) {
        grads[2 * l] = k.matMul(l === 0 ? batch.xT : k.transpose(inputs[l]), g);
        grads[2 * l + 1] = k.reshape(k.matMul(options.ones, g), [sizes[l + 1]]);
        if (l === 0) break;
        let dx =
          k.packsRightOperand && inputGradientByColumns(g.shape[1], sizes[l], sizes[l + 1])
            ? k.transpose(k.matMul(weight(l), k.transpose(g)))
            : k.matMul(g, k.transpose(weight(l)));
        if (dropout) dx = k.mul(dx, masks[l - 1]);
        g = throughActivation(dx, outputs[l - 1]);
      }
      return { output, grads };
    },
    dispose() {
      for (const v of variables) v.dispose();
      one.dispose();
      zero.dispose();
    },
  };
}
