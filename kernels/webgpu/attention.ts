// Attention for webgpu: the whole (batch × kv-head) set in one batched matmul per product, instead of the
// tfjs-op causalAttention's loop over (batch row, kv head) with ~12 small dispatches per iteration (that loop suits
// wasm, where batched matmuls are slow; on a GPU every dispatch costs a fixed launch overhead).
// Query head h reads kv head ⌊h / G⌋, so [B, Hq, L, d] regroups to [B·Hkv, G·L, d] by a reshape alone.
// The gradient recomputes the probabilities. Checked against kernels/attention.ts's reference in test/webgpu.
import * as tf from '@tensorflow/tfjs';
import { causalPaddingBias } from '../causal_attention.js';
import { customOp } from '../custom_op.js';

type T3 = tf.Tensor3D;
type T4 = tf.Tensor4D;

/** Swap the last two axes. Explicit transposes + plain matmuls: tfjs's transposed-operand matmul measured slower. */
const tr = (x: T3) => tf.transpose(x, [0, 2, 1]) as T3;

function probs(q3: T3, k3: T3, bias: T3, shape: { b: number; hq: number; l: number; s: number; scale: number }): T3 {
  const { b, hq, l, s, scale } = shape;
  const scores = tf.reshape(tf.mul(tf.matMul(q3, tr(k3)), scale), [b, hq, l, s]);
  const p = tf.softmax(tf.add(scores, tf.expandDims(bias, 1)));
  return tf.reshape(p, [q3.shape[0], q3.shape[1], s]) as T3;
}

/** q [B, Hq, L, d], k/v [B, Hkv, S, d], bias [B, L, S] → [B, Hq, L, d] (same contract as kernels/attention.ts). */
export const attentionWebgpu = customOp((q: T4, k: T4, v: T4, bias: T3, save: tf.GradSaveFunc) => {
  const [b, hq, l, d] = q.shape;
  const [, hkv, s] = k.shape;
  if (hq % hkv !== 0) throw new Error(`attention: ${hq} query heads are not a multiple of ${hkv} kv heads`);
  const g = hq / hkv;
  const dims = { b, hq, l, s, scale: 1 / Math.sqrt(d) };
  const q3 = tf.reshape(q, [b * hkv, g * l, d]) as T3;
  const k3 = tf.reshape(k, [b * hkv, s, d]) as T3;
  const v3 = tf.reshape(v, [b * hkv, s, d]) as T3;
  const out = tf.reshape(tf.matMul(probs(q3, k3, bias, dims), v3), [b, hq, l, d]) as T4;
  save([q, k, v, bias, out]);
  return {
    value: out,
    gradFunc: (dOut: T4, saved: tf.Tensor[]) => {
      const [qs, ks, vs, bs, os] = saved as [T4, T4, T4, T3, T4];
      const qq = tf.reshape(qs, [b * hkv, g * l, d]) as T3;
      const kk = tf.reshape(ks, [b * hkv, s, d]) as T3;
      const vv = tf.reshape(vs, [b * hkv, s, d]) as T3;
      const dO = tf.reshape(dOut, [b * hkv, g * l, d]) as T3;
      const p = probs(qq, kk, bs, dims); // [B·Hkv, G·L, S]
      const dP = tf.matMul(dO, tr(vv));
      // softmax backward: dS = p ⊙ (dP − rowsum(dP ⊙ p)), and rowsum(dP ⊙ p) = rowsum(dO ⊙ O).
      const rowDot = tf.sum(tf.mul(dO, tf.reshape(os, [b * hkv, g * l, d])), -1, true);
      const dS = tf.mul(p, tf.sub(dP, rowDot));
      const dq = tf.reshape(tf.mul(tf.matMul(dS, kk), dims.scale), [b, hq, l, d]);
      // dK = dSᵀ·Q and dV = Pᵀ·dO computed transposed ([d, S]): only the small d-side operands are transposed.
      const dk = tf.reshape(tr(tf.mul(tf.matMul(tr(qq), dS), dims.scale) as T3), [b, hkv, s, d]);
      const dv = tf.reshape(tr(tf.matMul(tr(dO), p)), [b, hkv, s, d]);
      return [dq, dk, dv, tf.zerosLike(bs)];
    },
  };
}) as (q: T4, k: T4, v: T4, bias: T3) => T4;

/**
 * Causal attention from a key mask [B, L] (kernels/causal_attention.ts's contract). The batched matmuls above
 * hold the whole [B·Hq, L, L] probability tensor anyway, so the [B, L, L] bias built here adds 1/Hq to that.
 */
export function causalAttentionWebgpu(q: T4, k: T4, v: T4, keyMask: tf.Tensor2D): T4 {
  const bias = causalPaddingBias(keyMask);
  try {
    return attentionWebgpu(q, k, v, bias); // keeps its own reference for the backward pass
  } finally {
    bias.dispose();
  }
}
