// Rotary position embedding, Hugging Face's rotate_half convention:
//   x' = x·cos + rotate_half(x)·sin,  rotate_half([x1, x2]) = [−x2, x1]  (halves of the head dim).
import * as tf from '@tensorflow/tfjs';
import { defineOp } from './registry.js';
import { customOp } from './custom_op.js';

type T4 = tf.Tensor4D;

export interface RopeScalingParams {
  type: 'llama3' | 'linear';
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** inv_freq[i] = 1 / theta^(2i/d) (float32, as HF computes it), with optional llama3/linear scaling. */
export function ropeInvFreq(headDim: number, theta: number, scaling: RopeScalingParams | null = null): Float32Array {
  const half = headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(theta, (2 * i) / headDim);
  if (scaling?.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i] = inv[i]! / scaling.factor;
  } else if (scaling?.type === 'llama3') {
    // transformers' _compute_llama3_parameters
    const { factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings: oldCtx } = scaling;
    const lowWavelen = oldCtx / lowFreqFactor;
    const highWavelen = oldCtx / highFreqFactor;
    for (let i = 0; i < half; i++) {
      const f = inv[i]!;
      const wavelen = (2 * Math.PI) / f;
      if (wavelen > lowWavelen) inv[i] = f / factor;
      else if (wavelen >= highWavelen) {
        const smooth = (oldCtx / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        inv[i] = (1 - smooth) * (f / factor) + smooth * f;
      }
    }
  }
  return inv;
}

/**
 * cos/sin tables [B, 1, L, d] for integer positions [B, L] (HF: emb = cat(freqs, freqs)).
 * Broadcast over the head axis of [B, heads, L, d].
 */
export function ropeCosSin(positions: tf.Tensor2D, invFreq: Float32Array): { cos: T4; sin: T4 } {
  return tf.tidy(() => {
    const [b, l] = positions.shape;
    const half = invFreq.length;
    const inv = tf.tensor1d(invFreq);
    const freqs = tf.mul(tf.reshape(tf.cast(positions, 'float32'), [b, l, 1]), inv); // [B, L, d/2]
    const emb = tf.concat([freqs, freqs], -1); // [B, L, d]
    const shape: [number, number, number, number] = [b, 1, l, 2 * half];
    return { cos: tf.reshape(tf.cos(emb), shape) as T4, sin: tf.reshape(tf.sin(emb), shape) as T4 };
  });
}

function rotateHalf(x: T4): T4 {
  const d = x.shape[3];
  const [x1, x2] = tf.split(x, [d / 2, d / 2], 3);
  return tf.concat([tf.neg(x2!), x1!], 3) as T4;
}

/** Transpose of rotate_half: [y1, y2] → [y2, −y1]. */
function rotateHalfT(y: T4): T4 {
  const d = y.shape[3];
  const [y1, y2] = tf.split(y, [d / 2, d / 2], 3);
  return tf.concat([y2!, tf.neg(y1!)], 3) as T4;
}

function ropeReference(x: T4, cos: T4, sin: T4): T4 {
  return tf.tidy(() => tf.add(tf.mul(x, cos), tf.mul(rotateHalf(x), sin)));
}

const ropeFused = customOp((x: T4, cos: T4, sin: T4, save: tf.GradSaveFunc) => {
  save([cos, sin]);
  return {
    value: ropeReference(x, cos, sin),
    gradFunc: (dy: T4, [c, s]: tf.Tensor[]) => [
      tf.add(tf.mul(dy, c!), rotateHalfT(tf.mul(dy, s!) as T4)),
      tf.zerosLike(cos),
      tf.zerosLike(sin),
    ],
  };
}) as (x: T4, cos: T4, sin: T4) => T4;

/** x [B, heads, L, d], cos/sin [B, 1, L, d] → [B, heads, L, d]. */
export const applyRope = defineOp('applyRope', { reference: ropeReference, fused: ropeFused });
