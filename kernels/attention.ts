// Scaled dot-product attention with grouped-query heads (HF repeat_kv: query head h reads kv head h / G).
// The mask is an additive bias [B, L, S] (0 = attend, large negative = masked) that the caller builds
// (causal + padding for a full forward; padding only for a cached decode step).
//
// The fused version loops over (batch row, kv head) and runs 2-D matmuls: on wasm a batched matmul
// (batch > 1) is ~10x slower than a 2-D one, and transpose flags are 10–70x slower. Long sequences go
// in query blocks (one [G·Lc, S] score block at a time), and the gradient recomputes the probabilities
// block by block: no [L, S] tensor per head is kept between forward and backward.
import * as tf from '@tensorflow/tfjs';
import { defineOp } from './registry.js';
import { customOp } from './custom_op.js';

type T3 = tf.Tensor3D;
type T4 = tf.Tensor4D;
type T2 = tf.Tensor2D;

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

/** Elements of one [G·Lc, S] score block (32 MB): long sequences are processed in query blocks of this size. */
let blockElements = 2 ** 23;

/** Set the score-block budget (elements); returns the previous value. Tests use tiny blocks. */
export function setAttentionBlockElements(n: number): number {
  if (!(n >= 1)) throw new Error(`attention block elements must be >= 1 (got ${n})`);
  const prev = blockElements;
  blockElements = n;
  return prev;
}

export function queryBlock(groups: number, l: number, s: number): number {
  return Math.max(1, Math.min(l, Math.floor(blockElements / (groups * s))));
}

/**
 * The per-(row, kv head) pieces of a [B, H, L, d] tensor in ONE Unpack kernel: on wasm a Slice costs time
 * proportional to its INPUT, so B·Hkv slices of the whole tensor would be quadratic in the batch.
 * With `groups`, each piece is [G, L, d] (the query heads sharing a kv head); otherwise [L, d].
 */
export function pairPieces(x: T4, hkv: number, groups: number): tf.Tensor[] {
  const [b, , l, d] = x.shape;
  return tf.unstack(tf.reshape(x, groups === 0 ? [b * hkv, l, d] : [b * hkv, groups, l, d]));
}

/** Rows [G·Lc, d] of one pair's [G, L, d] piece, positions l0..l0+lc. */
export function blockRows(piece: tf.Tensor, l0: number, lc: number): T2 {
  const [g, l, d] = piece.shape as [number, number, number];
  const sub = lc === l ? piece : tf.slice(piece, [0, l0, 0], [g, lc, d]);
  return tf.reshape(sub, [g * lc, d]) as T2;
}

/** softmax(q·kᵀ·scale + bias) for one block, [G·Lc, S]; bias [L, S] broadcast over the G heads (wasm's Tile is slow). */
function blockProbs(qRows: T2, kT: T2, bias: tf.Tensor, l0: number, lc: number, groups: number, scale: number): T2 {
  const s = kT.shape[1];
  const scores = tf.reshape(tf.mul(tf.matMul(qRows, kT), scale), [groups, lc, s]);
  const bb = lc === bias.shape[0] ? bias : tf.slice(bias, [l0, 0], [lc, s]);
  return tf.reshape(tf.softmax(tf.add(scores, bb)), [groups * lc, s]) as T2;
}

function attentionForwardLoop(q: T4, k: T4, v: T4, bias: T3): T4 {
  const [bsz, hq, l, d] = q.shape;
  const [, hkv, s] = k.shape;
  const groups = hq / hkv;
  const scale = 1 / Math.sqrt(d);
  const lb = queryBlock(groups, l, s);
  const qp = pairPieces(q, hkv, groups);
  const kp = pairPieces(k, hkv, 0);
  const vp = pairPieces(v, hkv, 0);
  const bp = tf.unstack(bias);
  const outs: tf.Tensor[] = [];
  for (let i = 0; i < bsz * hkv; i++) {
    outs.push(
      tf.tidy(() => {
        const kT = tf.transpose(kp[i]!) as T2; // [d, S], once per (row, kv head)
        const blocks: tf.Tensor[] = [];
        for (let l0 = 0; l0 < l; l0 += lb) {
          const lc = Math.min(lb, l - l0);
          const p = blockProbs(blockRows(qp[i]!, l0, lc), kT, bp[Math.floor(i / hkv)]!, l0, lc, groups, scale);
          blocks.push(tf.reshape(tf.matMul(p, vp[i] as T2), [groups, lc, d]));
        }
        return blocks.length === 1 ? blocks[0]! : tf.concat(blocks, 1);
      }),
    );
  }
  const out = tf.reshape(tf.stack(outs, 0), [bsz, hq, l, d]) as T4;
  tf.dispose([...outs, ...qp, ...kp, ...vp, ...bp]);
  return out;
}

export const attentionLoop = customOp((q: T4, k: T4, v: T4, bias: T3, save: tf.GradSaveFunc) => {
  const out = attentionForwardLoop(q, k, v, bias);
  save([q, k, v, bias, out]);
  return {
    value: out,
    gradFunc: (dOut: T4, saved: tf.Tensor[]) => {
      const [qs, ks, vs, bs, os] = saved as [T4, T4, T4, T3, T4];
      const [bsz, hq, l, d] = qs.shape;
      const [, hkv, s] = ks.shape;
      const groups = hq / hkv;
      const scale = 1 / Math.sqrt(d);
      const lb = queryBlock(groups, l, s);
      const qp = pairPieces(qs, hkv, groups);
      const op = pairPieces(os, hkv, groups);
      const dOp = pairPieces(dOut, hkv, groups);
      const kp = pairPieces(ks, hkv, 0);
      const vp = pairPieces(vs, hkv, 0);
      const bp = tf.unstack(bs);
      const dqs: tf.Tensor[] = [];
      const dks: tf.Tensor[] = [];
      const dvs: tf.Tensor[] = [];
      for (let i = 0; i < bsz * hkv; i++) {
        const kg = kp[i] as T2;
        const kT = tf.transpose(kg) as T2;
        const vT = tf.transpose(vp[i]!) as T2;
        let dkT: tf.Tensor = tf.zeros([d, s]);
        let dvT: tf.Tensor = tf.zeros([d, s]);
        const dqBlocks: tf.Tensor[] = [];
        for (let l0 = 0; l0 < l; l0 += lb) {
          const lc = Math.min(lb, l - l0);
          const [dqb, nextK, nextV] = tf.tidy(() => {
            const qr = blockRows(qp[i]!, l0, lc);
            const p = blockProbs(qr, kT, bp[Math.floor(i / hkv)]!, l0, lc, groups, scale); // [G·Lc, S]
            const dO = blockRows(dOp[i]!, l0, lc);
            const o = blockRows(op[i]!, l0, lc);
            const dP = tf.matMul(dO, vT); // [G·Lc, S]
            // softmax backward: dS = p ⊙ (dP − rowsum(dP ⊙ p)), and rowsum(dP ⊙ p) = rowsum(dO ⊙ O).
            const dS = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dO, o), -1, true)));
            const dq = tf.reshape(tf.mul(tf.matMul(dS, kg), scale), [groups, lc, d]);
            // dK = dSᵀ·Q and dV = Pᵀ·dO, accumulated transposed ([d, S]) so only the small d-side is transposed.
            const nk = tf.add(dkT, tf.mul(tf.matMul(tf.transpose(qr), dS), scale));
            const nv = tf.add(dvT, tf.matMul(tf.transpose(dO), p));
            return [dq, nk, nv];
          });
          dqBlocks.push(dqb!);
          tf.dispose([dkT, dvT]);
          dkT = nextK!;
          dvT = nextV!;
        }
        dqs.push(dqBlocks.length === 1 ? dqBlocks[0]! : tf.concat(dqBlocks, 1));
        if (dqBlocks.length > 1) tf.dispose(dqBlocks);
        dks.push(tf.transpose(dkT));
        dvs.push(tf.transpose(dvT));
        tf.dispose([kT, vT, dkT, dvT]);
      }
      const dq = tf.reshape(tf.stack(dqs, 0), [bsz, hq, l, d]);
      const dk = tf.reshape(tf.stack(dks, 0), [bsz, hkv, s, d]);
      const dv = tf.reshape(tf.stack(dvs, 0), [bsz, hkv, s, d]);
      tf.dispose([...dqs, ...dks, ...dvs, ...qp, ...op, ...dOp, ...kp, ...vp, ...bp]);
      return [dq, dk, dv, tf.zerosLike(bs)];
    },
  };
}) as (q: T4, k: T4, v: T4, bias: T3) => T4;

/**
 * Short sequences (the whole [B·Hq, L, S] score tensor within one block): a few batched matmuls over
 * (row, kv head) pairs with explicit transposes. The per-row loop above costs ~10 kernels per (row, head),
 * which dominates when B·Hkv is large and L small (e.g. 64 rollouts of 130 tokens: 20k kernels a step).
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

/** Multiply-adds of one (row, kv head) score matmul below which the batched path wins (kernel overhead). */
let loopMinWork = 2 ** 21;

export function setAttentionLoopMinWork(n: number): number {
  const prev = loopMinWork;
  loopMinWork = n;
  return prev;
}

/**
 * Which fused path a shape takes. The per-(row, kv head) loop runs fast 2-D matmuls but ~10 kernels per pair
 * per pass; the batched path runs few kernels but wasm's batched matmul (batch > 1) is ~10x slower per FLOP.
 * Batched only when each pair's work is small AND the whole score tensor fits one block.
 */
export function attentionPath(q: readonly number[], k: readonly number[], backend = tf.getBackend()): 'batched' | 'loop' {
  // wasm (with the Slice fix of kernels/wasm): the loop measured 3–9x faster than the batched path at every
  // shape tried, from 64 rows × 130 tokens (d = 16) to 2 rows × 512 tokens (d = 64).
  if (backend === 'wasm') return 'loop';
  const [bsz, hq, l, d] = q as [number, number, number, number];
  const [, hkv, s] = k as [number, number, number, number];
  const pairWork = (hq / hkv) * l * s * d!;
  return bsz! * hq! * l! * s! <= blockElements && pairWork < loopMinWork ? 'batched' : 'loop';
}

function attentionDispatch(q: T4, k: T4, v: T4, bias: T3): T4 {
  return attentionPath(q.shape, k.shape) === 'batched' ? attentionBatched(q, k, v, bias) : attentionLoop(q, k, v, bias);
}

/** q [B, Hq, L, d], k/v [B, Hkv, S, d], bias [B, L, S] → [B, Hq, L, d]. Differentiable. */
export const attention = defineOp('attention', { reference: attentionReference, fused: attentionDispatch });

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
