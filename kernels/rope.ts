// Rotary position embedding, Hugging Face's rotate_half convention:
//   x' = x·cos + rotate_half(x)·sin,  rotate_half([x1, x2]) = [−x2, x1]  (halves of the head dim).
import * as tf from '@tensorflow/tfjs';
import { defineOp } from './registry.js';
import { customOp } from './custom_op.js';

type T4 = tf.Tensor4D;

/** RoPE variants of transformers' ROPE_INIT_FUNCTIONS that the Llama/Qwen families use (src/model/rope_config.ts parses them). */
export type RopeScalingParams =
  | { type: 'linear'; factor: number }
  | { type: 'llama3'; factor: number; lowFreqFactor: number; highFreqFactor: number; originalMaxPositionEmbeddings: number }
  | { type: 'yarn'; factor: number; originalMaxPositionEmbeddings: number; betaFast: number; betaSlow: number; truncate: boolean; attentionFactor: number }
  /** NTK-aware: the base grows once a sequence exceeds maxPositionEmbeddings (seqLen = highest position + 1). */
  | { type: 'dynamic'; factor: number; maxPositionEmbeddings: number };

function baseInvFreq(dim: number, theta: number): Float32Array {
  const inv = new Float32Array(dim / 2);
  // Math.fround: transformers computes base ** (arange/dim) in float32.
  for (let i = 0; i < dim / 2; i++) inv[i] = 1 / Math.fround(Math.pow(theta, Math.fround((2 * i) / dim)));
  return inv;
}

/**
 * inv_freq (float32, as transformers' _compute_*_parameters compute it) for one RoPE variant. `seqLen` matters
 * only to dynamic scaling: the highest position of the pass + 1.
 */
export function ropeInvFreq(headDim: number, theta: number, scaling: RopeScalingParams | null = null, seqLen = 0): Float32Array {
  const half = headDim / 2;
  if (scaling?.type === 'dynamic') {
    const len = Math.max(seqLen, scaling.maxPositionEmbeddings);
    const f = scaling.factor;
    const base = theta * Math.pow((f * len) / scaling.maxPositionEmbeddings - (f - 1), headDim / (headDim - 2));
    return baseInvFreq(headDim, base);
  }
  const inv = baseInvFreq(headDim, theta);
  if (scaling?.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i] = inv[i]! / scaling.factor;
  } else if (scaling?.type === 'llama3') {
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
  } else if (scaling?.type === 'yarn') {
    // transformers' _compute_yarn_parameters: blend interpolated (÷factor) and original frequencies by a ramp
    // over the dimensions between the beta_fast and beta_slow correction dims.
    const { factor, originalMaxPositionEmbeddings: ctx, betaFast, betaSlow, truncate } = scaling;
    const corr = (rot: number) => (headDim * Math.log(ctx / (rot * 2 * Math.PI))) / (2 * Math.log(theta));
    let low = corr(betaFast);
    let high = corr(betaSlow);
    if (truncate) {
      low = Math.floor(low);
      high = Math.ceil(high);
    }
    low = Math.max(low, 0);
    high = Math.min(high, headDim - 1);
    if (low === high) high += 0.001;
    for (let i = 0; i < half; i++) {
      const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
      const extrapolation = 1 - ramp;
      const f = inv[i]!;
      inv[i] = (f / factor) * (1 - extrapolation) + f * extrapolation;
    }
  }
  return inv;
}

/** The factor transformers multiplies cos and sin by (yarn's attention_factor; 1 otherwise). */
export function ropeAttentionScale(scaling: RopeScalingParams | null): number {
  return scaling?.type === 'yarn' ? scaling.attentionFactor : 1;
}

/**
 * cos/sin tables [B, 1, L, d] for integer positions [B, L] (HF: emb = cat(freqs, freqs)).
 * Broadcast over the head axis of [B, heads, L, d].
 */
export function ropeCosSin(positions: tf.Tensor2D, invFreq: Float32Array, attentionScale = 1): { cos: T4; sin: T4 } {
  return tf.tidy(() => {
    const [b, l] = positions.shape;
    const half = invFreq.length;
    const inv = tf.tensor1d(invFreq);
    const freqs = tf.mul(tf.reshape(tf.cast(positions, 'float32'), [b, l, 1]), inv); // [B, L, d/2]
    const emb = tf.concat([freqs, freqs], -1); // [B, L, d]
    const shape: [number, number, number, number] = [b, 1, l, 2 * half];
    const scaled = (t: tf.Tensor) => (attentionScale === 1 ? t : tf.mul(t, attentionScale));
    return { cos: tf.reshape(scaled(tf.cos(emb)), shape) as T4, sin: tf.reshape(scaled(tf.sin(emb)), shape) as T4 };
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
