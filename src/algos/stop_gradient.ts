// tfjs has no stop-gradient op: the value passes through, the gradient is zero (PyTorch's .detach()).
import * as tf from '@tensorflow/tfjs';

// customGrad's published types take a variadic (tensors..., save) signature; ours has one input.
const passThrough = (x: tf.Tensor) => ({ value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) });
const detach = tf.customGrad(passThrough as unknown as Parameters<typeof tf.customGrad>[0]);

export function stopGradient<T extends tf.Tensor>(x: T): T {
  return detach(x) as T;
}
