// Causal self-attention given a key-padding mask [B, L] instead of an additive bias [B, L, L]: at L = 4k a
// materialised bias is 64 MB per row, kept on the tape for the backward pass and copied again per (row, head),
// which overflowed wasm's 4 GB heap while scoring long rollouts. The loop path builds each query block's
// [Lc, Sk] bias from the mask inside the loop, and a block only reads the keys it can see (Sk = l0 + Lc: the
// causal upper triangle is never computed). Beyond q, k, v and the output, memory is one block at a time.
// Queries at padding positions (left padding: no visible key) get an unspecified mix of values: like the
// bias version, nothing reads them (they are masked as keys, and no loss is taken there).
import * as tf from '@tensorflow/tfjs';
import { attentionBatched, attentionPath, attentionReference, blockRows, MASKED, pairPieces, queryBlock } from './attention.js';
import { customOp } from './custom_op.js';
import { defineOp } from './registry.js';

type T2 = tf.Tensor2D;
type T3 = tf.Tensor3D;
type T4 = tf.Tensor4D;

/** Additive bias [B, L, L] from a key mask [B, L]: 0 where key j ≤ query i and key j is a real token, else MASKED. */
export function causalPaddingBias(mask: T2): T3 {
  return tf.tidy(() => {
    const [, len] = mask.shape;
    const r = tf.range(0, len, 1, 'int32');
    const causal = tf.cast(tf.lessEqual(tf.reshape(r, [1, len]), tf.reshape(r, [len, 1])), 'float32'); // [i, j]: j ≤ i
    const keyOk = tf.expandDims(tf.cast(mask, 'float32'), 1); // [B, 1, L]
    const allowed = tf.mul(tf.expandDims(causal, 0), keyOk);
    return tf.mul(tf.sub(1, allowed), MASKED) as T3;
  });
}

function causalAttentionReference(q: T4, k: T4, v: T4, keyMask: T2): T4 {
  return tf.tidy(() => attentionReference(q, k, v, causalPaddingBias(keyMask)));
}

interface Block {
  l0: number;
  lc: number;
  /** Keys the block's queries can see: 0 .. sk − 1. */
  sk: number;
}

function queryBlocks(groups: number, l: number): Block[] {
  const lb = queryBlock(groups, l, l);
  const out: Block[] = [];
  for (let l0 = 0; l0 < l; l0 += lb) {
    const lc = Math.min(lb, l - l0);
    out.push({ l0, lc, sk: l0 + lc });
  }
  return out;
}

/**
 * One row's bias for one block, [Lc, Sk]: 0 where key j ≤ query l0 + i and key j is a real token, else MASKED
 * (the values of the [B, L, L] bias, one block at a time). Built per (row, block) and shared by the row's heads.
 */
function blockBias(blk: Block, keyBiasRow: tf.Tensor1D): T2 {
  return tf.tidy(() => {
    const rows = tf.reshape(tf.range(blk.l0, blk.l0 + blk.lc, 1, 'int32'), [blk.lc, 1]);
    const cols = tf.reshape(tf.range(0, blk.sk, 1, 'int32'), [1, blk.sk]);
    const causal = tf.mul(tf.cast(tf.greater(cols, rows), 'float32'), MASKED);
    const kb = blk.sk === keyBiasRow.shape[0] ? keyBiasRow : tf.slice(keyBiasRow, [0], [blk.sk]);
    return tf.minimum(causal, tf.reshape(kb, [1, blk.sk])) as T2;
  });
}

/** First `sk` columns of a [r, S] matrix; the whole when nothing is cut. */
function leadingCols(x: T2, sk: number): T2 {
  return sk === x.shape[1] ? x : (tf.slice(x, [0, 0], [x.shape[0], sk]) as T2);
}

/** First `sk` rows of an [S, c] matrix; the whole when nothing is cut. */
function leadingRows(x: T2, sk: number): T2 {
  return sk === x.shape[0] ? x : (tf.slice(x, [0, 0], [sk, x.shape[1]]) as T2);
}

/** softmax(q·kᵀ·scale + bias) of one block, [G·Lc, Sk]; kT [d, Sk]; bias [Lc, Sk] broadcast over the G heads. */
function blockProbs(qRows: T2, kT: T2, bias: T2, lc: number, groups: number, scale: number): T2 {
  const sk = kT.shape[1];
  const scores = tf.reshape(tf.mul(tf.matMul(qRows, kT), scale), [groups, lc, sk]);
  return tf.reshape(tf.softmax(tf.add(scores, bias)), [groups * lc, sk]) as T2;
}

/** Shapes, blocks and the per-row key-padding bias rows [S] (0 = real, MASKED = padding). */
function setup(q: T4, k: T4, keyMask: T2) {
  const [bsz, hq, l, d] = q.shape;
  const hkv = k.shape[1];
  const groups = hq / hkv;
  const keyBias = tf.tidy(() => tf.unstack(tf.mul(tf.sub(1, tf.cast(keyMask, 'float32')), MASKED)) as tf.Tensor1D[]);
  return { bsz, hq, l, d, hkv, groups, scale: 1 / Math.sqrt(d), blocks: queryBlocks(groups, l), keyBias };
}

function forwardLoop(q: T4, k: T4, v: T4, keyMask: T2): T4 {
  const { bsz, hq, l, d, hkv, groups, scale, blocks, keyBias } = setup(q, k, keyMask);
  const qp = pairPieces(q, hkv, groups);
  const kp = pairPieces(k, hkv, 0);
  const vp = pairPieces(v, hkv, 0);
  const outs: tf.Tensor[] = [];
  for (let b = 0; b < bsz; b++) {
    const pairs = Array.from({ length: hkv }, (_, h) => b * hkv + h);
    const kTs = pairs.map((i) => tf.transpose(kp[i]!) as T2); // [d, S], once per (row, kv head)
    const parts: tf.Tensor[][] = pairs.map(() => []);
    for (const blk of blocks) {
      const bias = blockBias(blk, keyBias[b]!);
      pairs.forEach((i, h) => {
        // One tidy per block: only its [G, Lc, d] output outlives it, never the block's probabilities.
        parts[h]!.push(
          tf.tidy(() => {
            const p = blockProbs(blockRows(qp[i]!, blk.l0, blk.lc), leadingCols(kTs[h]!, blk.sk), bias, blk.lc, groups, scale);
            return tf.reshape(tf.matMul(p, leadingRows(vp[i] as T2, blk.sk)), [groups, blk.lc, d]);
          }),
        );
      });
      bias.dispose();
    }
    for (const ps of parts) {
      outs.push(ps.length === 1 ? ps[0]! : tf.concat(ps, 1));
      if (ps.length > 1) tf.dispose(ps);
    }
    tf.dispose(kTs);
  }
  const out = tf.reshape(tf.stack(outs, 0), [bsz, hq, l, d]) as T4;
  tf.dispose([...outs, ...qp, ...kp, ...vp, ...keyBias]);
  return out;
}

const causalAttentionLoop = customOp((q: T4, k: T4, v: T4, keyMask: T2, save: tf.GradSaveFunc) => {
  const out = forwardLoop(q, k, v, keyMask);
  save([q, k, v, keyMask, out]);
  return {
    value: out,
    gradFunc: (dOut: T4, saved: tf.Tensor[]) => {
      const [qs, ks, vs, ms, os] = saved as [T4, T4, T4, T2, T4];
      const { bsz, hq, l, d, hkv, groups, scale, blocks, keyBias } = setup(qs, ks, ms);
      const s = l;
      const qp = pairPieces(qs, hkv, groups);
      const op = pairPieces(os, hkv, groups);
      const dOp = pairPieces(dOut, hkv, groups);
      const kp = pairPieces(ks, hkv, 0);
      const vp = pairPieces(vs, hkv, 0);
      const dqs: tf.Tensor[] = [];
      const dks: tf.Tensor[] = [];
      const dvs: tf.Tensor[] = [];
      for (let b = 0; b < bsz; b++) {
        const pairs = Array.from({ length: hkv }, (_, h) => b * hkv + h);
        const kTs = pairs.map((i) => tf.transpose(kp[i]!) as T2);
        const vTs = pairs.map((i) => tf.transpose(vp[i]!) as T2);
        // dKᵀ and dVᵀ [d, S] per kv head; dQ per block.
        const dkT: (tf.Tensor | null)[] = pairs.map(() => null);
        const dvT: (tf.Tensor | null)[] = pairs.map(() => null);
        const dqBlocks: tf.Tensor[][] = pairs.map(() => new Array<tf.Tensor>(blocks.length));
        // Last block first: it sees every key, so the accumulators start full width.
        for (let j = blocks.length - 1; j >= 0; j--) {
          const { l0, lc, sk } = blocks[j]!;
          const bias = blockBias(blocks[j]!, keyBias[b]!);
          pairs.forEach((i, h) => {
            const [dqb, nextK, nextV] = tf.tidy(() => {
              const qr = blockRows(qp[i]!, l0, lc);
              const p = blockProbs(qr, leadingCols(kTs[h]!, sk), bias, lc, groups, scale); // [G·Lc, Sk]
              const dO = blockRows(dOp[i]!, l0, lc);
              const o = blockRows(op[i]!, l0, lc);
              const dP = tf.matMul(dO, leadingCols(vTs[h]!, sk)); // [G·Lc, Sk]
              // softmax backward: dS = p ⊙ (dP − rowsum(dP ⊙ p)), and rowsum(dP ⊙ p) = rowsum(dO ⊙ O).
              const dS = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dO, o), -1, true)));
              const dq = tf.reshape(tf.mul(tf.matMul(dS, leadingRows(kp[i] as T2, sk)), scale), [groups, lc, d]);
              // dK = dSᵀ·Q and dV = Pᵀ·dO, accumulated transposed ([d, S]) so only the small d-side is transposed.
              const widen = (x: tf.Tensor) => (sk === s ? x : tf.pad(x, [[0, 0], [0, s - sk]]));
              const dk = widen(tf.mul(tf.matMul(tf.transpose(qr), dS), scale));
              const dv = widen(tf.matMul(tf.transpose(dO), p));
              const accK = dkT[h];
              const accV = dvT[h];
              return [dq, accK ? tf.add(accK, dk) : dk, accV ? tf.add(accV, dv) : dv];
            });
            dqBlocks[h]![j] = dqb!;
            tf.dispose([dkT[h], dvT[h]].filter((t): t is tf.Tensor => t !== null));
            dkT[h] = nextK!;
            dvT[h] = nextV!;
          });
          bias.dispose();
        }
        pairs.forEach((_, h) => {
          const dqb = dqBlocks[h]!;
          dqs.push(dqb.length === 1 ? dqb[0]! : tf.concat(dqb, 1));
          if (dqb.length > 1) tf.dispose(dqb);
          dks.push(tf.transpose(dkT[h]!));
          dvs.push(tf.transpose(dvT[h]!));
        });
        tf.dispose([...kTs, ...vTs, ...(dkT as tf.Tensor[]), ...(dvT as tf.Tensor[])]);
      }
      const dq = tf.reshape(tf.stack(dqs, 0), [bsz, hq, l, d]);
      const dk = tf.reshape(tf.stack(dks, 0), [bsz, hkv, s, d]);
      const dv = tf.reshape(tf.stack(dvs, 0), [bsz, hkv, s, d]);
      tf.dispose([...dqs, ...dks, ...dvs, ...qp, ...op, ...dOp, ...kp, ...vp, ...keyBias]);
      return [dq, dk, dv, tf.zerosLike(ms)];
    },
  };
}) as (q: T4, k: T4, v: T4, keyMask: T2) => T4;

function causalAttentionFused(q: T4, k: T4, v: T4, keyMask: T2): T4 {
  const [bsz, , l] = q.shape;
  if (k.shape[2] !== l || v.shape[2] !== l) throw new Error(`causalAttention: queries and keys must have the same length (q ${l}, k ${k.shape[2]}, v ${v.shape[2]})`);
  if (keyMask.rank !== 2 || keyMask.shape[0] !== bsz || keyMask.shape[1] !== l) {
    throw new Error(`causalAttention: keyMask must be [${bsz}, ${l}], got [${keyMask.shape}]`);
  }
  // Short sequences on non-wasm backends: the batched path, whose whole [B, Hq, L, L] score tensor fits one block.
  if (attentionPath(q.shape, k.shape) === 'batched') {
    const bias = causalPaddingBias(keyMask);
    try {
      return attentionBatched(q, k, v, bias); // keeps its own copy for the backward pass
    } finally {
      bias.dispose();
    }
  }
  return causalAttentionLoop(q, k, v, keyMask);
}

/** q [B, Hq, L, d], k/v [B, Hkv, L, d], keyMask [B, L] (1 = real token) → [B, Hq, L, d], causal. Differentiable. */
export const causalAttention = defineOp('causalAttention', { reference: causalAttentionReference, fused: causalAttentionFused });
