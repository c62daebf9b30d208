// tf.customGrad with the loose typing our ops need (its published types do not cover save + multi-input).
import * as tf from '@tensorflow/tfjs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyArgs = any[];

export interface CustomOpResult<R extends tf.Tensor> {
  value: R;
  gradFunc: (dy: R, saved: tf.Tensor[]) => tf.Tensor[];
}

/** Wrap a forward that returns {value, gradFunc}; every input must be a tensor and get a gradient. */
export function customOp<F extends (...args: AnyArgs) => tf.Tensor>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  f: (...args: any[]) => CustomOpResult<any>,
): F {
  return tf.customGrad(f as never) as unknown as F;
}
