/**
 * Gradient-descent optimizers written as plain tensor ops on `tf.Variable` weights. Unlike
 * `tf.train.*`, the learning rate can change every epoch and the whole state (moments, step
 * count) can be exported for a checkpoint and imported again bit for bit.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { kernelsOf } from './kernels.js';
import type { OptimizerName } from './trainer-params.js';

type Tf = typeof tfjs;

/** Adam's constants, as in `tf.train.adam`. */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** One exported state tensor. */
export interface SlotState {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** An optimizer's full state, as plain (structured-cloneable) data. */
export interface OptimizerState {
  readonly kind: OptimizerName;
  /** Updates applied so far (Adam's t). */
  readonly step: number;
  /**
   * momentum: the velocity; adam: the first moment, then the second. Each is one flat vector
   * over all the variables, in order, each variable flattened row-major.
   */
  readonly slots: readonly SlotState[];
}

/** Settings of {@link createOptimizer}. */
export interface OptimizerOptions {
  readonly kind: OptimizerName;
  readonly learningRate: number;
  /** μ of heavy-ball momentum (optimizer `momentum` only). */
  readonly momentum: number;
  /** λ of the L2 penalty: λ·w is added to the gradient of every weight matrix (not biases). */
  readonly weightDecay: number;
}

/** An optimizer bound to a fixed list of variables. */
export interface Optimizer {
  readonly kind: OptimizerName;
  /** The rate the next updates use; set it before each epoch. */
  learningRate: number;
  /**
   * The factor {@link apply} wants its gradients multiplied by: −η for `sgd`, whose update is
   * then one add per variable (the trainer folds the factor into the loss gradient before
   * propagating it back, which costs nothing), 1 for the others. It changes with
   * {@link learningRate}.
   */
  readonly gradientScale: number;
  /** Updates applied so far. */
  readonly step: number;
  /**
   * Applies one update. `grads[i]` is the gradient of `variables[i]` times {@link gradientScale}.
   * Call it inside `tf.tidy`: intermediate tensors are left to the caller's scope.
   */
  apply(grads: readonly tfjs.Tensor[]): void;
  getState(): OptimizerState;
  /** @throws Error when the state is for another optimizer or other variable shapes. */
  setState(state: OptimizerState): void;
  /** Frees the optimizer's own tensors (not the variables it updates). */
  dispose(): void;
}

/**
 * Creates an optimizer over `variables`, with g the gradient plus λ·w for weight matrices
 * (variables of rank 2 or more):
 * - `sgd`: w ← w − η·g, computed as w ← w·(1 − η·λ) + s with s = −η·∇ (see `gradientScale`)
 * - `momentum` (heavy ball): v ← μ·v + g; w ← w − η·v
 * - `adam` (Kingma & Ba 2015, https://arxiv.org/abs/1412.6980), β1 0.9, β2 0.999, ε 1e-7:
 *   m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; w ← w − η·m̂/(√v̂ + ε), with the
 *   bias-corrected m̂ = m/(1−β1^t), v̂ = v/(1−β2^t), computed as
 *   w ← w − η_t·m/(√v + ε_t) with η_t = η·√(1−β2^t)/(1−β1^t) and ε_t = ε·√(1−β2^t).
 */
export function createOptimizer(tf: Tf, variables: readonly tfjs.Variable[], options: OptimizerOptions): Optimizer {
  const { kind, weightDecay } = options;
  const k = kernelsOf(tf);
  const sizes = variables.map((v) => v.size);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  const decays = (w: tfjs.Variable): boolean => weightDecay > 0 && w.rank >= 2;
  // Momentum keeps one velocity per variable (4 small ops each a step). Adam keeps its two
  // moments as one flat vector over all variables and updates them with one op per formula
  // term instead of one per variable: per-op overhead dominates small MLPs on wasm, and this
  // takes Adam from about 72 ops a step to 30 for a 2-hidden-layer net, the copies into and out
  // of the flat vector included. Either way the exported state is one flat vector per slot.
  const slots: tfjs.Variable[][] =
    kind === 'momentum'
      ? [variables.map((v) => tf.tidy(() => tf.zerosLike(v).variable(false)))]
      : kind === 'adam'
        ? [0, 1].map(() => [tf.tidy(() => tf.zeros([total]).variable(false))])
        : [];
  const constant = (value: number): tfjs.Scalar => tf.keep(tf.scalar(value));
  const constants = {
    momentum: constant(options.momentum),
    beta1: constant(ADAM.beta1),
    oneMinusBeta1: constant(1 - ADAM.beta1),
    beta2: constant(ADAM.beta2),
    oneMinusBeta2: constant(1 - ADAM.beta2),
    decay: constant(weightDecay),
  };
  // The rate and, for sgd, the factor the weight matrices shrink by, re-made when the rate changes.
  let learningRate = options.learningRate;
  let lr = constant(learningRate);
  let shrink = constant(1 - learningRate * weightDecay);
  let step = 0;

  const flatten = (tensors: readonly tfjs.Tensor[]): tfjs.Tensor1D =>
    tf.concat1d(tensors.map((t) => (t.rank === 1 ? t : k.reshape<tfjs.Tensor1D>(t, [t.size]))) as tfjs.Tensor1D[]);
  const subtractFlat = (delta: tfjs.Tensor1D): void => {
    tf.split(delta, sizes).forEach((part, i) => {
      const w = variables[i];
      w.assign(k.sub(w, w.rank === 1 ? part : k.reshape(part, w.shape)));
    });
  };
  /** The gradient with the L2 term added for weight matrices (momentum, adam). */
  const decayed = (grad: tfjs.Tensor, i: number): tfjs.Tensor => {
    const w = variables[i];
    return decays(w) ? k.add(grad, k.mul(w, constants.decay)) : grad;
  };

  const update = (grads: readonly tfjs.Tensor[]): void => {
    switch (kind) {
      case 'sgd':
        grads.forEach((g, i) => {
          const w = variables[i];
          w.assign(k.add(decays(w) ? k.mul(w, shrink) : w, g));
        });
        return;
      case 'momentum':
        grads.forEach((grad, i) => {
          const [w, v] = [variables[i], slots[0][i]];
          v.assign(k.add(k.mul(v, constants.momentum), decayed(grad, i)));
          w.assign(k.sub(w, k.mul(v, lr)));
        });
        return;
      case 'adam': {
        const [[m], [v]] = slots;
        const g = flatten(grads.map(decayed));
        m.assign(k.add(k.mul(m, constants.beta1), k.mul(g, constants.oneMinusBeta1)));
        v.assign(k.add(k.mul(v, constants.beta2), k.mul(tf.square(g), constants.oneMinusBeta2)));
        // Kingma & Ba's "more efficient" order (section 2): the bias corrections fold into the
        // step size and ε, which saves two full-size ops per step.
        const correction = Math.sqrt(1 - ADAM.beta2 ** step);
        const rate = tf.scalar((learningRate * correction) / (1 - ADAM.beta1 ** step));
        const epsilon = tf.scalar(ADAM.epsilon * correction);
        subtractFlat(k.mul(tf.div(m, k.add(tf.sqrt(v), epsilon)), rate));
      }
    }
  };

  return {
    kind,
    get learningRate() {
      return learningRate;
    },
    set learningRate(value: number) {
      if (value === learningRate) return;
      lr.dispose();
      shrink.dispose();
      learningRate = value;
      lr = constant(value);
      shrink = constant(1 - value * weightDecay);
    },
    get gradientScale() {
      return kind === 'sgd' ? -learningRate : 1;
    },
    get step() {
      return step;
    },
    apply(grads) {
      step++;
      update(grads);
    },
    getState() {
      return {
        kind,
        step,
        // Copies: the cpu backend hands out its own backing array.
        slots: slots.map((parts) => {
          const data = new Float32Array(total);
          let offset = 0;
          for (const part of parts) {
            data.set(part.dataSync(), offset);
            offset += part.size;
          }
          return { shape: [total], data };
        }),
      };
    },
    setState(state) {
      if (state.kind !== kind || state.slots.length !== slots.length) {
        throw new Error(`optimizer state is for ${state.kind} (${state.slots.length} slots), not ${kind} (${slots.length})`);
      }
      state.slots.forEach((saved, i) => {
        if (saved.shape.join('x') !== String(total)) {
          throw new Error(`optimizer slot ${i} has shape [${saved.shape}], expected [${total}]`);
        }
        let offset = 0;
        for (const part of slots[i]) {
          const values = saved.data.slice(offset, offset + part.size);
          tf.tidy(() => part.assign(tf.tensor(values, part.shape)));
          offset += part.size;
        }
      });
      step = state.step;
    },
    dispose() {
      for (const slot of slots.flat()) slot.dispose();
      for (const c of Object.values(constants)) c.dispose();
      lr.dispose();
      shrink.dispose();
    },
  };
}
