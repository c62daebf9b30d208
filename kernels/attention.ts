// Scaled dot-product attention with grouped-query heads (HF repeat_kv: query head h reads kv head h / G).
// The mask is an additive bias [B, L, S] (0 = attend, large negative = masked) that the caller builds.
// The model's forward pass uses causalAttention (causal_attention.ts: a per-(row, kv head) loop in query blocks
// built from a key mask) and, decoding, cachedAttention below; `attention` (a few batched matmuls) is the
// bias-taking op tests and benches compare against, and causalAttention's path for short sequences.
import * as tf from '@tensorflow/tfjs';
import { defineOp } from './registry.js';
import { customOp } from './custom_op.js';

type T3 = tf.Tensor3D;
type T4 = tf.Tensor4D;

export const MASKED = -1e9;

/** [B, Hkv, S, d] → [B, Hkv·G, S, d], each kv head repeated G times in place (concat: has a gradient everywhere). */
function repeatKv(x: T4, groups: number): T4 {
  if (groups === 1) return x;
  const heads = tf.split(x, x.shape[1], 1);
  return tf.concat(heads.flatMap((h) => new Array<tf.Tensor>(groups).fill(h)), 1) as T4;
}

/** Reference: batched matmuls on repeated kv heads, plain ops. */
export function attentionReference(q: T4, k: T4, v: T4, bias: T3): T4 {
  return tf.tidy(() => {
    const [, hq, , d] = q.shape;
    const groups = hq / k.shape[1];
    const kr = repeatKv(k, groups);
    const vr = repeatKv(v, groups);
    const scores = tf.add(tf.mul(tf.matMul(q, kr, false, true), 1 / Math.sqrt(d)), tf.expandDims(bias, 1));
    return tf.matMul(tf.softmax(scores), vr) as T4;
  });
}

/**
 * A few batched matmuls over (row, kv head) pairs with explicit transposes. causalAttention's per-row loop
 * costs ~10 kernels per (row, head), which dominates when B·Hkv is large and L small (e.g. 64 rollouts of
 * 130 tokens: 20k kernels a step); this holds the whole [B·Hq, L, S] score tensor instead.
 */
function batchedProbs(q: T4, k: T4, bias: T3): T3 {
  const [bsz, hq, l, d] = q.shape;
  const [, hkv, s] = k.shape;
  const groups = hq / hkv;
  const qg = tf.reshape(q, [bsz * hkv, groups * l, d]);
  const kT = tf.transpose(tf.reshape(k, [bsz * hkv, s, d]), [0, 2, 1]);
  const scores = tf.reshape(tf.matMul(qg, kT), [bsz, hkv, groups, l, s]);
  const biased = tf.add(tf.mul(scores, 1 / Math.sqrt(d)), tf.reshape(bias, [bsz, 1, 1, l, s]));
  return tf.reshape(tf.softmax(biased), [bsz * hkv, groups * l, s]) as T3;
}

export const attentionBatched = customOp((q: T4, k: T4, v: T4, bias: T3, save: tf.GradSaveFunc) => {
  const [bsz, hq, l, d] = q.shape;
  const [, hkv, s] = k.shape;
  const out = tf.tidy(() => tf.reshape(tf.matMul(batchedProbs(q, k, bias), tf.reshape(v, [bsz * hkv, s, d])), [bsz, hq, l, d]) as T4);
  save([q, k, v, bias, out]);
  return {
    value: out,
    gradFunc: (dOut: T4, saved: tf.Tensor[]) => {
      const [qs, ks, vs, bs, os] = saved as [T4, T4, T4, T3, T4];
      const groups = hq / hkv;
      const scale = 1 / Math.sqrt(d);
      const p = batchedProbs(qs, ks, bs); // recomputed: nothing [L, S]-sized is kept between passes
      const dO = tf.reshape(dOut, [bsz * hkv, groups * l, d]);
      const o = tf.reshape(os, [bsz * hkv, groups * l, d]);
      const vT = tf.transpose(tf.reshape(vs, [bsz * hkv, s, d]), [0, 2, 1]);
      // softmax backward: dS = p ⊙ (dP − rowsum(dO ⊙ O)).
      const dS = tf.mul(p, tf.sub(tf.matMul(dO, vT), tf.sum(tf.mul(dO, o), -1, true)));
      const dq = tf.reshape(tf.mul(tf.matMul(dS, tf.reshape(ks, [bsz * hkv, s, d])), scale), [bsz, hq, l, d]);
      const qg = tf.reshape(qs, [bsz * hkv, groups * l, d]);
      const dk = tf.reshape(tf.mul(tf.matMul(tf.transpose(dS, [0, 2, 1]), qg), scale), [bsz, hkv, s, d]);
      const dv = tf.reshape(tf.matMul(tf.transpose(p, [0, 2, 1]), dO), [bsz, hkv, s, d]);
      return [dq, dk, dv, tf.zerosLike(bs)];
    },
  };
}) as (q: T4, k: T4, v: T4, bias: T3) => T4;

/** q [B, Hq, L, d], k/v [B, Hkv, S, d], bias [B, L, S] → [B, Hq, L, d]. Differentiable. */
export const attention = defineOp('attention', { reference: attentionReference, fused: attentionBatched });

/**
 * Attention of a few new query positions against a KV cache whose keys are stored TRANSPOSED
 * (kT [B, Hkv, d, S], so no per-step transpose) — the decode step. The cache may come as chunks along S
 * (kT[i] [B, Hkv, d, S_i], v[i] [B, Hkv, S_i, d]; bias over all S = ΣS_i): scores are computed per chunk and
 * concatenated (B·Hq·L·S floats, d times less than the keys), the weighted values summed over chunks, so the
 * cache itself is never concatenated. Not differentiable.
 */
function cachedAttentionImpl(q: T4, kT: T4 | T4[], v: T4 | T4[], bias: T3): T4 {
  const kTs = Array.isArray(kT) ? kT : [kT];
  const vs = Array.isArray(v) ? v : [v];
  if (kTs.length !== vs.length || kTs.length === 0) throw new Error(`cachedAttention: ${kTs.length} key chunks for ${vs.length} value chunks`);
  return tf.tidy(() => {
    const [bsz, hq, l, d] = q.shape;
    const hkv = kTs[0]!.shape[1];
    const widths = kTs.map((k) => k.shape[3]);
    const s = widths.reduce((a, b) => a + b, 0);
    const groups = hq / hkv;
    // [B·Hkv, G·L, d] x [B·Hkv, d, S]: batched, small; one op instead of B·Hkv loops of tiny ops.
    const qg = tf.reshape(q, [bsz * hkv, groups * l, d]);
    const parts = kTs.map((k, i) => tf.matMul(qg, tf.reshape(k, [bsz * hkv, d, widths[i]!])));
    const scores = tf.reshape(parts.length === 1 ? parts[0]! : tf.concat(parts, 2), [bsz, hkv, groups, l, s]);
    const biased = tf.add(tf.mul(scores, 1 / Math.sqrt(d)), tf.reshape(bias, [bsz, 1, 1, l, s]));
    const p = tf.reshape(tf.softmax(biased), [bsz * hkv, groups * l, s]);
    let out: tf.Tensor | null = null;
    let s0 = 0;
    vs.forEach((vi, i) => {
      const w = widths[i]!;
      const pi = w === s ? p : tf.slice(p, [0, 0, s0], [bsz * hkv, groups * l, w]);
      const o = tf.matMul(pi, tf.reshape(vi, [bsz * hkv, w, d]));
      out = out === null ? o : tf.add(out, o);
      s0 += w;
    });
    return tf.reshape(out!, [bsz, hq, l, d]) as T4;
  });
}

function cachedAttentionReference(q: T4, kT: T4 | T4[], v: T4 | T4[], bias: T3): T4 {
  return tf.tidy(() => {
    const k = Array.isArray(kT) ? tf.concat(kT, 3) : kT;
    const vv = Array.isArray(v) ? tf.concat(v, 2) : v;
    return attentionReference(q, tf.transpose(k, [0, 1, 3, 2]) as T4, vv as T4, bias);
  });
}

export const cachedAttention = defineOp('cachedAttention', {
  reference: cachedAttentionReference,
  fused: cachedAttentionImpl,
});
