// Causal self-attention given a key-padding mask [B, L] instead of an additive bias [B, L, L]: at L = 4k a
// materialised bias is 64 MB per row, kept on the tape for the backward pass and copied again per (row, head),
// which overflowed wasm's 4 GB heap while scoring long rollouts. The loop path builds each query block's
// [Lc, Sk] bias from the mask inside the loop, and a block only reads the keys it can see (Sk = l0 + Lc: the
// causal upper triangle is never computed), and a row stops at its last real token. Beyond q, k, v and the
// output, memory is one block at a time. Queries at padding positions get unspecified (finite) outputs: like
// the bias version's, nothing reads them (padding is masked as keys, and no loss is taken there).
import * as tf from '@tensorflow/tfjs';
import { attentionBatched, attentionReference, MASKED } from './attention.js';
import { customOp } from './custom_op.js';
import { defineOp } from './registry.js';

type T2 = tf.Tensor2D;
type T3 = tf.Tensor3D;
type T4 = tf.Tensor4D;

/** Elements of one [G·Lc, S] score block (32 MB): long sequences are processed in query blocks of this size. */
export const ATTENTION_BLOCK_ELEMENTS = 2 ** 23;

/** Query positions per block so that one [G·Lc, S] score block stays within `blockElements`. */
function queryBlock(groups: number, l: number, s: number, blockElements: number): number {
  return Math.max(1, Math.min(l, Math.floor(blockElements / (groups * s))));
}

/**
 * The per-(row, kv head) pieces of a [B, H, L, d] tensor in ONE Unpack kernel: on wasm a Slice costs time
 * proportional to its INPUT, so B·Hkv slices of the whole tensor would be quadratic in the batch.
 * With `groups`, each piece is [G, L, d] (the query heads sharing a kv head); otherwise [L, d].
 */
function pairPieces(x: T4, hkv: number, groups: number): tf.Tensor[] {
  const [b, , l, d] = x.shape;
  return tf.unstack(tf.reshape(x, groups === 0 ? [b * hkv, l, d] : [b * hkv, groups, l, d]));
}

/** Rows [G·Lc, d] of one pair's [G, L, d] piece, positions l0..l0+lc. */
function blockRows(piece: tf.Tensor, l0: number, lc: number): T2 {
  const [g, l, d] = piece.shape as [number, number, number];
  const sub = lc === l ? piece : tf.slice(piece, [0, l0, 0], [g, lc, d]);
  return tf.reshape(sub, [g * lc, d]) as T2;
}

/** Multiply-adds of one (row, kv head) score matmul below which the batched path wins (kernel overhead). */
const LOOP_MIN_WORK = 2 ** 21;

/**
 * Which fused path a shape takes. The per-(row, kv head) loop runs fast 2-D matmuls but ~10 kernels per pair
 * per pass; the batched path runs few kernels but wasm's batched matmul (batch > 1) is ~10x slower per FLOP.
 * Batched only when each pair's work is small AND the whole score tensor fits one block.
 */
function attentionPath(q: readonly number[], k: readonly number[], blockElements: number, backend = tf.getBackend()): 'batched' | 'loop' {
  // wasm (with the Slice fix of kernels/wasm): the loop measured 3–9x faster than the batched path at every
  // shape tried, from 64 rows × 130 tokens (d = 16) to 2 rows × 512 tokens (d = 64).
  if (backend === 'wasm') return 'loop';
  const [bsz, hq, l, d] = q as [number, number, number, number];
  const [, hkv, s] = k as [number, number, number, number];
  const pairWork = (hq / hkv) * l * s * d!;
  return bsz! * hq! * l! * s! <= blockElements && pairWork < LOOP_MIN_WORK ? 'batched' : 'loop';
}

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

function causalAttentionReference(q: T4, k: T4, v: T4, keyMask: T2, _opts?: CausalAttentionOptions): T4 {
  return tf.tidy(() => attentionReference(q, k, v, causalPaddingBias(keyMask)));
}

interface Block {
  l0: number;
  lc: number;
  /** Keys the block's queries can see: 0 .. sk − 1. */
  sk: number;
}

/**
 * Query rows per block at most: smaller blocks skip more of the causal upper triangle ((n + 1) / 2n of the
 * square is computed with n blocks) for ~15 more kernels per (pair, block). 256 measured best on wasm between
 * 128 and 512 (scoring and gradient of 11 rows × 1431 and 3 rows × 4188 tokens on the tiny Qwen2 model).
 */
const MAX_QUERY_BLOCK = 256;

function queryBlocks(groups: number, l: number, blockElements: number): Block[] {
  const lb = Math.min(queryBlock(groups, l, l, blockElements), MAX_QUERY_BLOCK);
  const out: Block[] = [];
  for (let l0 = 0; l0 < l; l0 += lb) {
    const lc = Math.min(lb, l - l0);
    out.push({ l0, lc, sk: l0 + lc });
  }
  return out;
}

/**
 * [Lc, Sk] additive causal bias of one block: 0 where key j ≤ query l0 + i, else MASKED. Written in JS and
 * uploaded: wasm's comparison and min/max kernels broadcast element by element (~100 ns per element measured,
 * seconds per long row), while its add broadcasts fast (XNNPACK). Shared by every row and head.
 */
function causalBlock(blk: Block): T2 {
  const data = new Float32Array(blk.lc * blk.sk);
  for (let i = 0; i < blk.lc; i++) data.fill(MASKED, i * blk.sk + blk.l0 + i + 1, (i + 1) * blk.sk);
  return tf.tensor2d(data, [blk.lc, blk.sk]);
}

/**
 * One row's bias for one block, [Lc, Sk]: the causal block plus the row's key-padding bias (0 or MASKED per key),
 * over the first `sk` keys (≤ the block's). Masked entries are MASKED or 2·MASKED, the same after the softmax
 * except in a row with no visible key (a padding query, whose output nothing reads).
 */
function rowBlockBias(causal: T2, sk: number, keyBiasRow: tf.Tensor1D): T2 {
  return tf.tidy(() => {
    const kb = sk === keyBiasRow.shape[0] ? keyBiasRow : tf.slice(keyBiasRow, [0], [sk]);
    return tf.add(leadingCols(causal, sk), tf.reshape(kb, [1, sk])) as T2;
  });
}

/**
 * Per row, one past its last real token: later positions are right padding (a response shorter than the
 * batch's), masked as keys, and their queries' outputs are unused. Blocks of queries entirely past it are
 * skipped (output 0) and keys past it are not read, so a row costs its own length², not the batch width².
 * Where the mask cannot be read synchronously (webgpu in Node), every row runs to L.
 */
export function rowEnds(keyMask: T2): number[] {
  const [bsz, l] = keyMask.shape;
  if (tf.getBackend() === 'webgpu') return new Array<number>(bsz).fill(l);
  const m = keyMask.dataSync();
  return Array.from({ length: bsz }, (_, b) => {
    let e = l;
    while (e > 0 && !(m[b * l + e - 1]! > 0)) e--;
    return e;
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
function setup(q: T4, k: T4, keyMask: T2, blockElements: number) {
  const [bsz, hq, l, d] = q.shape;
  const hkv = k.shape[1];
  const groups = hq / hkv;
  const keyBias = tf.tidy(() => tf.unstack(tf.mul(tf.sub(1, tf.cast(keyMask, 'float32')), MASKED)) as tf.Tensor1D[]);
  return { bsz, hq, l, d, hkv, groups, scale: 1 / Math.sqrt(d), blocks: queryBlocks(groups, l, blockElements), keyBias, ends: rowEnds(keyMask) };
}

/** Concatenate each pair's per-block pieces along the query axis (and free the pieces). */
function joinBlocks(perPair: tf.Tensor[][]): tf.Tensor[] {
  return perPair.map((ps) => {
    if (ps.length === 1) return ps[0]!;
    const joined = tf.concat(ps, 1);
    tf.dispose(ps);
    return joined;
  });
}

// Both loops run block by block (outer), then (row, kv head) pairs: one causal block and one row's bias are
// alive at a time, and each block's probabilities die in their own tidy.
function forwardLoop(q: T4, k: T4, v: T4, keyMask: T2, blockElements: number): T4 {
  const { bsz, hq, l, d, hkv, groups, scale, blocks, keyBias, ends } = setup(q, k, keyMask, blockElements);
  const qp = pairPieces(q, hkv, groups);
  const kp = pairPieces(k, hkv, 0);
  const vp = pairPieces(v, hkv, 0);
  const kTs = kp.map((x) => tf.transpose(x) as T2); // [d, S] per pair
  const parts: tf.Tensor[][] = kp.map(() => []);
  for (const blk of blocks) {
    const causal = causalBlock(blk);
    for (let b = 0; b < bsz; b++) {
      if (blk.l0 >= ends[b]!) {
        for (let i = b * hkv; i < (b + 1) * hkv; i++) parts[i]!.push(tf.zeros([groups, blk.lc, d]));
        continue;
      }
      const sk = Math.min(blk.sk, ends[b]!);
      const bias = rowBlockBias(causal, sk, keyBias[b]!);
      for (let i = b * hkv; i < (b + 1) * hkv; i++) {
        parts[i]!.push(
          tf.tidy(() => {
            const p = blockProbs(blockRows(qp[i]!, blk.l0, blk.lc), leadingCols(kTs[i]!, sk), bias, blk.lc, groups, scale);
            return tf.reshape(tf.matMul(p, leadingRows(vp[i] as T2, sk)), [groups, blk.lc, d]);
          }),
        );
      }
      bias.dispose();
    }
    causal.dispose();
  }
  const outs = joinBlocks(parts);
  const out = tf.reshape(tf.stack(outs, 0), [bsz, hq, l, d]) as T4;
  tf.dispose([...outs, ...qp, ...kp, ...vp, ...kTs, ...keyBias]);
  return out;
}

/** The loop path as a differentiable op of (q, k, v, keyMask) for one block budget. */
const causalAttentionLoop = (blockElements: number) => customOp((q: T4, k: T4, v: T4, keyMask: T2, save: tf.GradSaveFunc) => {
  const out = forwardLoop(q, k, v, keyMask, blockElements);
  save([q, k, v, keyMask, out]);
  return {
    value: out,
    gradFunc: (dOut: T4, saved: tf.Tensor[]) => {
      const [qs, ks, vs, ms, os] = saved as [T4, T4, T4, T2, T4];
      const { bsz, hq, l, d, hkv, groups, scale, blocks, keyBias, ends } = setup(qs, ks, ms, blockElements);
      const s = l;
      const qp = pairPieces(qs, hkv, groups);
      const op = pairPieces(os, hkv, groups);
      const dOp = pairPieces(dOut, hkv, groups);
      const kp = pairPieces(ks, hkv, 0);
      const vp = pairPieces(vs, hkv, 0);
      const kTs = kp.map((x) => tf.transpose(x) as T2);
      const vTs = vp.map((x) => tf.transpose(x) as T2);
      // Per pair: dKᵀ and dVᵀ [d, S] accumulated over blocks; dQ per block.
      const dkT: (tf.Tensor | null)[] = kp.map(() => null);
      const dvT: (tf.Tensor | null)[] = kp.map(() => null);
      const dqParts: tf.Tensor[][] = kp.map(() => new Array<tf.Tensor>(blocks.length));
      // Last block first (it sees the most keys); each block's [d, Sk] contributions are padded to [d, S].
      for (let j = blocks.length - 1; j >= 0; j--) {
        const blk = blocks[j]!;
        const { l0, lc } = blk;
        const causal = causalBlock(blk);
        for (let b = 0; b < bsz; b++) {
          if (l0 >= ends[b]!) {
            // Skipped in the forward pass (output 0): no gradient.
            for (let i = b * hkv; i < (b + 1) * hkv; i++) dqParts[i]![j] = tf.zeros([groups, lc, d]);
            continue;
          }
          const sk = Math.min(blk.sk, ends[b]!);
          const bias = rowBlockBias(causal, sk, keyBias[b]!);
          for (let i = b * hkv; i < (b + 1) * hkv; i++) {
            const [dqb, nextK, nextV] = tf.tidy(() => {
              const qr = blockRows(qp[i]!, l0, lc);
              const p = blockProbs(qr, leadingCols(kTs[i]!, sk), bias, lc, groups, scale); // [G·Lc, Sk]
              const dO = blockRows(dOp[i]!, l0, lc);
              const o = blockRows(op[i]!, l0, lc);
              const dP = tf.matMul(dO, leadingCols(vTs[i]!, sk)); // [G·Lc, Sk]
              // softmax backward: dS = p ⊙ (dP − rowsum(dP ⊙ p)), and rowsum(dP ⊙ p) = rowsum(dO ⊙ O).
              const dS = tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dO, o), -1, true)));
              const dq = tf.reshape(tf.mul(tf.matMul(dS, leadingRows(kp[i] as T2, sk)), scale), [groups, lc, d]);
              // dK = dSᵀ·Q and dV = Pᵀ·dO, accumulated transposed ([d, S]) so only the small d-side is transposed.
              const widen = (x: tf.Tensor) => (sk === s ? x : tf.pad(x, [[0, 0], [0, s - sk]]));
              const dk = widen(tf.mul(tf.matMul(tf.transpose(qr), dS), scale));
              const dv = widen(tf.matMul(tf.transpose(dO), p));
              const accK = dkT[i];
              const accV = dvT[i];
              return [dq, accK ? tf.add(accK, dk) : dk, accV ? tf.add(accV, dv) : dv];
            });
            dqParts[i]![j] = dqb!;
            tf.dispose([dkT[i], dvT[i]].filter((t): t is tf.Tensor => t !== null));
            dkT[i] = nextK!;
            dvT[i] = nextV!;
          }
          bias.dispose();
        }
        causal.dispose();
      }
      const dqs = joinBlocks(dqParts);
      // A row with no real token ran no block: its key and value gradients are 0.
      const dks = dkT.map((t) => (t ? tf.transpose(t) : tf.zeros([s, d])));
      const dvs = dvT.map((t) => (t ? tf.transpose(t) : tf.zeros([s, d])));
      const dq = tf.reshape(tf.stack(dqs, 0), [bsz, hq, l, d]);
      const dk = tf.reshape(tf.stack(dks, 0), [bsz, hkv, s, d]);
      const dv = tf.reshape(tf.stack(dvs, 0), [bsz, hkv, s, d]);
      tf.dispose([...dqs, ...dks, ...dvs, ...[...dkT, ...dvT].filter((t): t is tf.Tensor => t !== null)]);
      tf.dispose([...qp, ...op, ...dOp, ...kp, ...vp, ...kTs, ...vTs, ...keyBias]);
      return [dq, dk, dv, tf.zerosLike(ms)];
    },
  };
}) as (q: T4, k: T4, v: T4, keyMask: T2) => T4;

export interface CausalAttentionOptions {
  /** Budget of one [G·Lc, S] score block in elements (default ATTENTION_BLOCK_ELEMENTS); tests use tiny blocks. */
  blockElements?: number;
}

/** The block budget of a causalAttention call, after checking its arguments (every implementation's checks). */
export function checkedBlockElements(q: T4, k: T4, v: T4, keyMask: T2, opts: CausalAttentionOptions): number {
  const blockElements = opts.blockElements ?? ATTENTION_BLOCK_ELEMENTS;
  if (!(blockElements >= 1)) throw new Error(`causalAttention: blockElements must be >= 1 (got ${blockElements})`);
  const [bsz, , l] = q.shape;
  if (k.shape[2] !== l || v.shape[2] !== l) throw new Error(`causalAttention: queries and keys must have the same length (q ${l}, k ${k.shape[2]}, v ${v.shape[2]})`);
  if (keyMask.rank !== 2 || keyMask.shape[0] !== bsz || keyMask.shape[1] !== l) {
    throw new Error(`causalAttention: keyMask must be [${bsz}, ${l}], got [${keyMask.shape}]`);
  }
  return blockElements;
}

function causalAttentionFused(q: T4, k: T4, v: T4, keyMask: T2, opts: CausalAttentionOptions = {}): T4 {
  const blockElements = checkedBlockElements(q, k, v, keyMask, opts);
  // Short sequences on non-wasm backends: the batched path, whose whole [B, Hq, L, L] score tensor fits one block.
  if (attentionPath(q.shape, k.shape, blockElements) === 'batched') {
    const bias = causalPaddingBias(keyMask);
    try {
      return attentionBatched(q, k, v, bias); // keeps its own copy for the backward pass
    } finally {
      bias.dispose();
    }
  }
  return causalAttentionLoop(blockElements)(q, k, v, keyMask);
}

/**
 * q [B, Hq, L, d], k/v [B, Hkv, L, d], keyMask [B, L] (1 = real token) → [B, Hq, L, d], causal. Differentiable.
 * The options tune the tfjs-op version only (the webgpu one ignores them).
 */
export const causalAttention = defineOp('causalAttention', { reference: causalAttentionReference, fused: causalAttentionFused });
