// linear for the tensorflow backend: the gradient uses MatMul's transpose flags, which TensorFlow folds into the
// product (no copies), instead of the explicit transposes the wasm-motivated version makes.
import * as tf from '@tensorflow/tfjs';
import { linearOp } from '../linear.js';

export const linearTensorflow = linearOp({
  dx: (dy, w) => tf.matMul(dy, w, false, true),
  dw: (x, dy) => tf.matMul(x, dy, true, false),
});
