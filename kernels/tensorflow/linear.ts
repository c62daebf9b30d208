// linear for the tensorflow backend: the gradient uses MatMul's transpose flags, which TensorFlow folds into the
// product (no copies), instead of the explicit transposes the wasm-motivated version makes.
import * as tf from '@tensorflow/tfjs';
import { customOp } from '../custom_op.js';

type T2 = tf.Tensor2D;

const noBias = customOp((x: T2, w: T2, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: T2, [xs, ws]: tf.Tensor[]) => [tf.matMul(dy, ws as T2, false, true), tf.matMul(xs as T2, dy, true, false)],
  };
}) as (x: T2, w: T2) => T2;

const withBias = customOp((x: T2, w: T2, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: T2, [xs, ws]: tf.Tensor[]) => [tf.matMul(dy, ws as T2, false, true), tf.matMul(xs as T2, dy, true, false), tf.sum(dy, 0)],
  };
}) as (x: T2, w: T2, b: tf.Tensor1D) => T2;

export function linearTensorflow(x: T2, w: T2, b?: tf.Tensor1D): T2 {
  return b ? withBias(x, w, b) : noBias(x, w);
}
