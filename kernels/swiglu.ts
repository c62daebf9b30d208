// SwiGLU gate: silu(gate) · up, with a gradient that reuses one sigmoid.
import * as tf from '@tensorflow/tfjs';
import { defineOp } from './registry.js';
import { customOp } from './custom_op.js';

type T2 = tf.Tensor2D;

function swigluReference(gate: T2, up: T2): T2 {
  return tf.tidy(() => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up));
}

const swigluFused = customOp((gate: T2, up: T2, save: tf.GradSaveFunc) => {
  save([gate, up]);
  return {
    value: swigluReference(gate, up),
    gradFunc: (dy: T2, [g, u]: tf.Tensor[]) => {
      const s = tf.sigmoid(g!);
      const silu = tf.mul(g!, s);
      // d silu/dg = s · (1 + g·(1 − s))
      const dsilu = tf.mul(s, tf.add(1, tf.mul(g!, tf.sub(1, s))));
      return [tf.mul(tf.mul(dy, u!), dsilu), tf.mul(dy, silu)];
    },
  };
}) as (gate: T2, up: T2) => T2;

/** gate, up [N, I] → [N, I]. */
export const swiglu = defineOp('swiglu', { reference: swigluReference, fused: swigluFused });
