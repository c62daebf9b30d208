// y = x·W (+ b) with W stored [in, out]. The default gradient transposes explicitly and then uses plain matmuls:
// on wasm, matMul with transpose flags (what tfjs's own MatMul gradient uses) is 10–70x slower. Backends where
// the flags are free (kernels/tensorflow) build the same op with their own gradient matmuls (linearOp).
import * as tf from '@tensorflow/tfjs';
import { defineOp } from './registry.js';
import { customOp } from './custom_op.js';

type T2 = tf.Tensor2D;

/** The two matmuls of linear's gradient: dx = dy·Wᵀ and dW = xᵀ·dy. */
export interface LinearGrads {
  dx: (dy: T2, w: T2) => tf.Tensor;
  dw: (x: T2, dy: T2) => tf.Tensor;
}

/** linear as a differentiable op whose gradient uses `g`. */
export function linearOp(g: LinearGrads): (x: T2, w: T2, b?: tf.Tensor1D) => T2 {
  const noBias = customOp((x: T2, w: T2, save: tf.GradSaveFunc) => {
    save([x, w]);
    return { value: tf.matMul(x, w), gradFunc: (dy: T2, [xs, ws]: tf.Tensor[]) => [g.dx(dy, ws as T2), g.dw(xs as T2, dy)] };
  }) as (x: T2, w: T2) => T2;
  const withBias = customOp((x: T2, w: T2, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.add(tf.matMul(x, w), b),
      gradFunc: (dy: T2, [xs, ws]: tf.Tensor[]) => [g.dx(dy, ws as T2), g.dw(xs as T2, dy), tf.sum(dy, 0)],
    };
  }) as (x: T2, w: T2, b: tf.Tensor1D) => T2;
  return (x, w, b) => (b ? withBias(x, w, b) : noBias(x, w));
}

function linearReference(x: T2, w: T2, b?: tf.Tensor1D): T2 {
  return tf.tidy(() => {
    const y = tf.matMul(x, w);
    return b ? (tf.add(y, b) as T2) : (y as T2);
  });
}

const linearFused = linearOp({
  dx: (dy, w) => tf.matMul(dy, tf.transpose(w)),
  dw: (x, dy) => tf.matMul(tf.transpose(x), dy),
});

/** x [N, in] · w [in, out] (+ b [out]) → [N, out]. */
export const linear = defineOp('linear', { reference: linearReference, fused: linearFused });
