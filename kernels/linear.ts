// y = x·W (+ b) with W stored [in, out]. The gradient transposes explicitly and then uses plain matmuls:
// on wasm, matMul with transpose flags (what tfjs's own MatMul gradient uses) is 10–70x slower.
import * as tf from '@tensorflow/tfjs';
import { defineOp } from './registry.js';
import { customOp } from './custom_op.js';

type T2 = tf.Tensor2D;

const linearNoBias = customOp((x: T2, w: T2, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: T2, [xs, ws]: tf.Tensor[]) => [
      tf.matMul(dy, tf.transpose(ws as T2)),
      tf.matMul(tf.transpose(xs as T2), dy),
    ],
  };
}) as (x: T2, w: T2) => T2;

const linearWithBias = customOp((x: T2, w: T2, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: T2, [xs, ws]: tf.Tensor[]) => [
      tf.matMul(dy, tf.transpose(ws as T2)),
      tf.matMul(tf.transpose(xs as T2), dy),
      tf.sum(dy, 0),
    ],
  };
}) as (x: T2, w: T2, b: tf.Tensor1D) => T2;

function linearReference(x: T2, w: T2, b?: tf.Tensor1D): T2 {
  return tf.tidy(() => {
    const y = tf.matMul(x, w);
    return b ? (tf.add(y, b) as T2) : (y as T2);
  });
}

function linearFused(x: T2, w: T2, b?: tf.Tensor1D): T2 {
  return b ? linearWithBias(x, w, b) : linearNoBias(x, w);
}

/** x [N, in] · w [in, out] (+ b [out]) → [N, out]. */
export const linear = defineOp('linear', { reference: linearReference, fused: linearFused });
