// RMSNorm (Llama/Qwen2): y = x · rsqrt(mean(x²) + eps) · w, over the last axis.
import * as tf from '@tensorflow/tfjs';
import { defineOp } from './registry.js';
import { customOp } from './custom_op.js';

type T2 = tf.Tensor2D;

function rmsNormReference(x: T2, w: tf.Tensor1D, eps: number): T2 {
  return tf.tidy(() => {
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps));
    return tf.mul(tf.mul(x, r), w);
  });
}

function rmsNormFused(x: T2, w: tf.Tensor1D, eps: number): T2 {
  const f = customOp((xi: T2, wi: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([xi, wi]);
    return {
      value: rmsNormReference(xi, wi, eps),
      gradFunc: (dy: T2, [xs, ws]: tf.Tensor[]) => {
        const r = tf.rsqrt(tf.add(tf.mean(tf.square(xs!), -1, true), eps));
        const xhat = tf.mul(xs!, r);
        const u = tf.mul(dy, ws!);
        // dx = r·(u − x̂·mean(u·x̂)), the usual normalisation backward.
        const proj = tf.mean(tf.mul(u, xhat), -1, true);
        const dx = tf.mul(r, tf.sub(u, tf.mul(xhat, proj)));
        const dw = tf.sum(tf.mul(dy, xhat), 0);
        return [dx, dw];
      },
    };
  });
  return f(x, w) as T2;
}

/** x [N, H], w [H] → [N, H]. */
export const rmsNorm = defineOp('rmsNorm', { reference: rmsNormReference, fused: rmsNormFused });
