// Causal attention for the tensorflow backend: batched over all (row, kv head) pairs, blocked over queries.
// TensorFlow's BatchMatMulV2 takes transpose flags at no cost and runs a [pairs, G·Lc, d] × [pairs, d, Sk]
// product as one kernel, so per block this is ~10 kernels for the whole batch instead of ~10 per (row, head)
// (the loop path of causal_attention.ts, made for wasm). Measured on the bench model's layer (8 rows × 512,
// 6 query / 2 kv heads, d 64), forward + backward: see bench/RESULTS.md.
// Memory is one [rows·Hkv, G·Lc, Sk] score block at a time (same budget as the loop path); queries past every
// row's last real token are skipped and keys past it are not read, per chunk of rows.
import * as tf from '@tensorflow/tfjs';
import { MASKED } from '../attention.js';
import { checkedBlockElements, rowEnds, type CausalAttentionOptions } from '../causal_attention.js';
import { customOp } from '../custom_op.js';

type T2 = tf.Tensor2D;
type T4 = tf.Tensor4D;
type T5 = tf.Tensor<tf.Rank.R5>;

/** Fewest query rows per block before rows are split into chunks instead (keeps each matmul large). */
const MIN_QUERY_BLOCK = 64;

interface Block {
  r0: number;
  rc: number;
  l0: number;
  lc: number;
  /** Keys this block reads: 0 .. sk − 1 (causal: ≤ l0 + lc; and no further than the chunk's last real token). */
  sk: number;
}

/** Row chunks (of `rows` rows, the last maybe fewer) × query blocks within the element budget; fully padded blocks are left out. */
export function attentionBlocks(bsz: number, hkv: number, groups: number, l: number, ends: number[], budget: number): { rows: number; blocks: Block[] } {
  let lb = Math.min(l, Math.max(1, Math.floor(budget / (bsz * hkv * groups * l))));
  let rows = bsz;
  if (lb < Math.min(l, MIN_QUERY_BLOCK)) {
    lb = Math.min(l, MIN_QUERY_BLOCK);
    rows = Math.max(1, Math.min(bsz, Math.floor(budget / (hkv * groups * lb * l))));
  }
  const out: Block[] = [];
  for (let r0 = 0; r0 < bsz; r0 += rows) {
    const rc = Math.min(rows, bsz - r0);
    const end = Math.max(...ends.slice(r0, r0 + rc));
    for (let l0 = 0; l0 < end; l0 += lb) {
      const lc = Math.min(lb, l - l0);
      out.push({ r0, rc, l0, lc, sk: Math.min(l0 + lc, end) });
    }
  }
  return { rows, blocks: out };
}

/** [rc, 1, 1, Lc, Sk] additive bias of a block: causal (key j ≤ query l0 + i) plus each row's key padding. */
function blockBias(blk: Block, keyBias: T2): T5 {
  const causal = new Float32Array(blk.lc * blk.sk);
  for (let i = 0; i < blk.lc; i++) causal.fill(MASKED, i * blk.sk + Math.min(blk.sk, blk.l0 + i + 1), (i + 1) * blk.sk);
  return tf.tidy(() => {
    const rowsBias = tf.slice(keyBias, [blk.r0, 0], [blk.rc, blk.sk]);
    const both = tf.add(tf.tensor3d(causal, [1, blk.lc, blk.sk]), tf.reshape(rowsBias, [blk.rc, 1, blk.sk]));
    return tf.reshape(both, [blk.rc, 1, 1, blk.lc, blk.sk]) as T5;
  });
}

/** Queries of a block as [rc·Hkv, G·Lc, d] (pairs outer, the G heads of a pair then positions). */
function blockQueries(x: T5, blk: Block, hkv: number, groups: number, d: number): tf.Tensor3D {
  return tf.reshape(tf.slice(x, [blk.r0, 0, 0, blk.l0, 0], [blk.rc, hkv, groups, blk.lc, d]), [blk.rc * hkv, groups * blk.lc, d]);
}

/** Keys or values of a block as [rc·Hkv, Sk, d]. */
function blockKeys(x: T4, blk: Block, hkv: number, d: number): tf.Tensor3D {
  return tf.reshape(tf.slice(x, [blk.r0, 0, 0, 0], [blk.rc, hkv, blk.sk, d]), [blk.rc * hkv, blk.sk, d]);
}

/** softmax(q·scale·kᵀ + bias) of a block, [rc·Hkv, G·Lc, Sk]. */
function blockProbs(qb: tf.Tensor3D, kb: tf.Tensor3D, bias: T5, blk: Block, hkv: number, groups: number): tf.Tensor3D {
  const scores = tf.reshape(tf.matMul(qb, kb, false, true), [blk.rc, hkv, groups, blk.lc, blk.sk]);
  return tf.reshape(tf.softmax(tf.add(scores, bias)), [blk.rc * hkv, groups * blk.lc, blk.sk]);
}

/**
 * Join per-block pieces [rc, …, Lc, d] (query axis `axis`) into [B, …, L, d]: per row chunk of `rows` rows,
 * the blocks in query order then zeros up to L; a chunk that ran no block (all padding) is zeros.
 */
function assemble(pieces: { blk: Block; t: tf.Tensor }[], rows: number, shape: number[], axis: number): tf.Tensor {
  const bsz = shape[0]!;
  const l = shape[axis]!;
  const chunks: tf.Tensor[] = [];
  for (let r0 = 0; r0 < bsz; r0 += rows) {
    const rc = Math.min(rows, bsz - r0);
    const ps = pieces.filter((p) => p.blk.r0 === r0);
    const covered = ps.reduce((a, p) => a + p.blk.lc, 0);
    const parts = ps.map((p) => p.t);
    if (covered < l) parts.push(tf.zeros(shape.map((n, i) => (i === 0 ? rc : i === axis ? l - covered : n))));
    chunks.push(parts.length === 1 ? parts[0]! : tf.concat(parts, axis));
  }
  return chunks.length === 1 ? chunks[0]! : tf.concat(chunks, 0);
}

/** q·scale as [B, Hkv, G, L, d]: the G query heads sharing a kv head next to each other. */
function scaledQueries(q: T4, hkv: number): T5 {
  const [bsz, hq, l, d] = q.shape;
  return tf.reshape(tf.mul(q, 1 / Math.sqrt(d)), [bsz, hkv, hq / hkv, l, d]) as T5;
}

function keyBiasOf(keyMask: T2): T2 {
  return tf.mul(tf.sub(1, tf.cast(keyMask, 'float32')), MASKED) as T2;
}

const causalAttentionTf = (budget: number) => customOp((q: T4, k: T4, v: T4, keyMask: T2, save: tf.GradSaveFunc) => {
  const [bsz, hq, l, d] = q.shape;
  const hkv = k.shape[1];
  const groups = hq / hkv;
  const { rows, blocks } = attentionBlocks(bsz, hkv, groups, l, rowEnds(keyMask), budget);
  const out = tf.tidy(() => {
    const qs = scaledQueries(q, hkv);
    const keyBias = keyBiasOf(keyMask);
    const pieces = blocks.map((blk) => ({
      blk,
      t: tf.tidy(() => {
        const p = blockProbs(blockQueries(qs, blk, hkv, groups, d), blockKeys(k, blk, hkv, d), blockBias(blk, keyBias), blk, hkv, groups);
        return tf.reshape(tf.matMul(p, blockKeys(v, blk, hkv, d)), [blk.rc, hkv, groups, blk.lc, d]);
      }),
    }));
    return tf.reshape(assemble(pieces, rows, [bsz, hkv, groups, l, d], 3), [bsz, hq, l, d]) as T4;
  });
  save([q, k, v, keyMask, out]);
  return {
    value: out,
    gradFunc: (dOut: T4, saved: tf.Tensor[]) => {
      const [qs, ks, vs, ms, os] = saved as [T4, T4, T4, T2, T4];
      const qScaled = scaledQueries(qs, hkv);
      const keyBias = keyBiasOf(ms);
      const dO5 = tf.reshape(dOut, [bsz, hkv, groups, l, d]) as T5;
      const o5 = tf.reshape(os, [bsz, hkv, groups, l, d]) as T5;
      const scale = 1 / Math.sqrt(d);
      const dqPieces: { blk: Block; t: tf.Tensor }[] = [];
      // dK and dV per row chunk, [rc·Hkv, L, d], summed over the chunk's query blocks.
      const dk = new Map<number, tf.Tensor>();
      const dv = new Map<number, tf.Tensor>();
      for (const blk of blocks) {
        const [dqb, dkb, dvb] = tf.tidy(() => {
          const qb = blockQueries(qScaled, blk, hkv, groups, d);
          const kb = blockKeys(ks, blk, hkv, d);
          const vb = blockKeys(vs, blk, hkv, d);
          const p = blockProbs(qb, kb, blockBias(blk, keyBias), blk, hkv, groups);
          const dOb = blockQueries(dO5, blk, hkv, groups, d);
          const ob = blockQueries(o5, blk, hkv, groups, d);
          // softmax backward: dS = p ⊙ (dO·vᵀ − rowsum(dO ⊙ O)).
          const dS = tf.mul(p, tf.sub(tf.matMul(dOb, vb, false, true), tf.sum(tf.mul(dOb, ob), -1, true)));
          const dq = tf.reshape(tf.mul(tf.matMul(dS, kb), scale), [blk.rc, hkv, groups, blk.lc, d]);
          const widen = (x: tf.Tensor) => (blk.sk === l ? x : tf.pad(x, [[0, 0], [0, l - blk.sk], [0, 0]]));
          // qb is already scaled, so dSᵀ·qb is dK.
          return [dq, widen(tf.matMul(dS, qb, true, false)), widen(tf.matMul(p, dOb, true, false))];
        });
        dqPieces.push({ blk, t: dqb! });
        for (const [acc, x] of [[dk, dkb!], [dv, dvb!]] as const) {
          const prev = acc.get(blk.r0);
          acc.set(blk.r0, prev ? tf.tidy(() => tf.add(prev, x)) : x);
          if (prev) tf.dispose([prev, x]);
        }
      }
      const dq = tf.reshape(assemble(dqPieces, rows, [bsz, hkv, groups, l, d], 3), [bsz, hq, l, d]);
      // One piece per row chunk, covering all L keys (zeros where the chunk ran no block).
      const kvGrad = (acc: Map<number, tf.Tensor>) => {
        const pieces = [...acc].map(([r0, t]) => {
          const rc = Math.min(rows, bsz - r0);
          return { blk: { r0, rc, l0: 0, lc: l, sk: l }, t: tf.reshape(t, [rc, hkv, l, d]) };
        });
        return assemble(pieces, rows, [bsz, hkv, l, d], 2);
      };
      const grads = [dq, kvGrad(dk), kvGrad(dv), tf.zerosLike(ms)];
      tf.dispose([...dqPieces.map((p) => p.t), ...dk.values(), ...dv.values()]);
      return grads;
    },
  };
}) as (q: T4, k: T4, v: T4, keyMask: T2) => T4;

/**
 * causalAttention's tensorflow implementation: q [B, Hq, L, d], k/v [B, Hkv, L, d], keyMask [B, L] → [B, Hq, L, d].
 * `blockElements` bounds one [rows·Hkv, G·Lc, Sk] score block (default: the loop path's 32 MB).
 */
export function causalAttentionTensorflow(q: T4, k: T4, v: T4, keyMask: T2, opts: CausalAttentionOptions = {}): T4 {
  return causalAttentionTf(checkedBlockElements(q, k, v, keyMask, opts))(q, k, v, keyMask);
}
