/**
 * The few tensor operations the trainer's inner loop uses, as direct kernel calls on rank-3
 * `[1, rows, cols]` tensors.
 *
 * A tfjs op such as `tf.matMul` on 2-D tensors reshapes its operands to rank 3, runs the kernel
 * and reshapes the product back: four engine calls, plus an op scope and argument checks, for one
 * kernel. With several hundred kernels per epoch on small matrices, that bookkeeping cost more
 * than the arithmetic, so the trainer keeps its matrices in the rank the matMul kernels take and
 * calls `engine.runKernel` directly. Results are tracked by the engine like any op's (`tf.tidy`
 * and `tf.memory` see them); no gradient is recorded, since the trainer writes its own backward
 * pass.
 */
import type * as tfjs from '@tensorflow/tfjs';

type Tf = typeof tfjs;

/** Activations the fused matMul kernel applies itself (every backend that has one). */
export type FusedActivation = 'linear' | 'relu' | 'sigmoid' | 'elu';

/** Kernel calls bound to one tfjs instance. Every operand is float32. */
export interface Kernels {
  /**
   * Whether matMul packs its right operand before multiplying (XNNPACK on the wasm backend), so
   * that which operand goes on the right matters for speed.
   */
  readonly packsRightOperand: boolean;
  /** `a · b` for `a` `[1, m, k]` and `b` `[1, k, n]`. */
  matMul(a: tfjs.Tensor3D, b: tfjs.Tensor3D): tfjs.Tensor3D;
  /** `act(x · w + bias)` in one kernel: `x` `[1, m, k]`, `w` `[1, k, n]`, `bias` `[n]`. */
  dense(x: tfjs.Tensor3D, w: tfjs.Tensor3D, bias: tfjs.Tensor1D, activation: FusedActivation): tfjs.Tensor3D;
  /** `[1, m, n]` to `[1, n, m]`. */
  transpose(x: tfjs.Tensor3D): tfjs.Tensor3D;
  add<T extends tfjs.Tensor>(a: T, b: tfjs.Tensor): T;
  sub<T extends tfjs.Tensor>(a: T, b: tfjs.Tensor): T;
  mul<T extends tfjs.Tensor>(a: T, b: tfjs.Tensor): T;
  /** 1 where `x > 0`, else 0. */
  step<T extends tfjs.Tensor>(x: T): T;
  /** Softmax over the last axis of a rank-3 tensor. */
  softmax(x: tfjs.Tensor3D): tfjs.Tensor3D;
  /** The same data under another shape (no copy). */
  reshape<T extends tfjs.Tensor>(x: tfjs.Tensor, shape: readonly number[]): T;
}

/** {@link Kernels} on `tf`'s engine and its active backend. */
export function kernelsOf(tf: Tf): Kernels {
  const engine = tf.engine();
  const run = <T extends tfjs.Tensor>(name: string, inputs: Record<string, tfjs.Tensor>, attrs?: Record<string, unknown>): T =>
    engine.runKernel(name, inputs, attrs as Parameters<typeof engine.runKernel>[2]) as T;
  const plain = { transposeA: false, transposeB: false };
  return {
    packsRightOperand: tf.getBackend() === 'wasm',
    matMul: (a, b) => run(tf.BatchMatMul, { a, b }, plain),
    dense: (x, w, bias, activation) => run(tf._FusedMatMul, { a: x, b: w, bias }, { ...plain, activation }),
    transpose: (x) => run(tf.Transpose, { x }, { perm: [0, 2, 1] }),
    add: (a, b) => run(tf.Add, { a, b }),
    sub: (a, b) => run(tf.Sub, { a, b }),
    mul: (a, b) => run(tf.Multiply, { a, b }),
    step: (x) => run(tf.Step, { x }, { alpha: 0 }),
    softmax: (x) => run(tf.Softmax, { logits: x }, { dim: 2 }),
    reshape: (x, shape) => run(tf.Reshape, { x }, { shape: [...shape] }),
  };
}
