// tf.customGrad with the loose typing our ops need (its published types do not cover save + multi-input), and
// without its cost where no gradient is being recorded: then the forward runs in a plain tidy. customGrad's
// wrapper costs ~30 µs a call on tfjs-node, and a decode step calls ~75 of them (bench/RESULTS.md, 2026-12-03).
import * as tf from '@tensorflow/tfjs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyArgs = any[];

export interface CustomOpResult<R extends tf.Tensor> {
  value: R;
  gradFunc: (dy: R, saved: tf.Tensor[]) => tf.Tensor[];
}

/** The engine's own test for whether a kernel called here would be recorded for a gradient (tfjs-core 4.22). */
function tapeOn(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

const noSave: tf.GradSaveFunc = () => {};

/** Wrap a forward that returns {value, gradFunc}; every input must be a tensor and get a gradient. */
export function customOp<F extends (...args: AnyArgs) => tf.Tensor>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  f: (...args: any[]) => CustomOpResult<any>,
): F {
  const withGrad = tf.customGrad(f as never) as unknown as (...args: AnyArgs) => tf.Tensor;
  return ((...args: AnyArgs) => (tapeOn() ? withGrad(...args) : tf.tidy(() => f(...args, noSave).value))) as F;
}
