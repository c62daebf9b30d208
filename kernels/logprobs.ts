// Per-token log-probs (and entropy) of target ids from hidden states and the LM head, in chunks of
// tokens: only [chunk, V] logits exist at a time, forward and backward (the backward recomputes each
// chunk's logits). For Qwen2.5's V = 151,936 at B·T = 65,536 tokens full logits would be ~40 GB.
import * as tf from '@tensorflow/tfjs';
import { defineOp } from './registry.js';
import { customOp } from './custom_op.js';

type T1 = tf.Tensor1D;
type T2 = tf.Tensor2D;

export interface TokenLogProbsOptions {
  /** Logits are divided by this before the softmax. Default 1. */
  temperature?: number;
  /** Also compute the entropy of each position's distribution. Default true. */
  withEntropy?: boolean;
  /** Tokens per chunk; default: as many as keep one [chunk, V] tensor under `chunkElements`. */
  chunkSize?: number;
  /** Budget for one [chunk, V] tensor in elements when chunkSize is not given. Default 2^24 (64 MB). */
  chunkElements?: number;
  /** Called once per chunk (forward and backward) while the chunk's tensors are alive: memory probes. */
  onChunk?: () => void;
}

export interface TokenLogProbs {
  logProbs: T1;
  /** Zeros when withEntropy is false. */
  entropy: T1;
}

export function chunkSizeFor(vocab: number, opts: TokenLogProbsOptions): number {
  if (opts.chunkSize !== undefined) {
    if (!(opts.chunkSize >= 1)) throw new Error(`chunkSize must be >= 1 (got ${opts.chunkSize})`);
    return Math.floor(opts.chunkSize);
  }
  return Math.max(1, Math.floor((opts.chunkElements ?? 2 ** 24) / vocab));
}

/** Reference: full logits, plain ops. */
function tokenLogProbsReference(hidden: T2, head: T2, targets: T1, opts: TokenLogProbsOptions = {}): TokenLogProbs {
  return tf.tidy(() => {
    const temp = opts.temperature ?? 1;
    const v = head.shape[1];
    const logits = tf.div(tf.matMul(hidden, head), temp);
    const logp = tf.logSoftmax(logits);
    const oneHot = tf.oneHot(tf.cast(targets, 'int32'), v).toFloat();
    const lp = tf.sum(tf.mul(logp, oneHot), -1) as T1;
    const ent = opts.withEntropy === false ? tf.zerosLike(lp) : (tf.neg(tf.sum(tf.mul(tf.exp(logp), logp), -1)) as T1);
    return { logProbs: lp, entropy: ent };
  });
}

/**
 * Scaled logits z = (h/temp)·W and p = softmax(z) of one chunk. softmax is one fused kernel on wasm and
 * about 2x cheaper than a separate exp (scalar there). The temperature scales h ([c, H]), not z ([c, V]).
 */
function chunkLogits(hc: T2, head: T2, temp: number): { z: T2; p: T2 } {
  const z = tf.matMul(temp === 1 ? hc : tf.div(hc, temp), head) as T2;
  return { z, p: tf.softmax(z) as T2 };
}

/** Value of flat index row·V + target for each row of a [n, V] tensor (1-D gather: no batchDims). */
function pickTargets(z: T2, targets: T1): T1 {
  const [n, v] = z.shape;
  const flatIdx = tf.add(tf.range(0, n * v, v, 'int32'), tf.cast(targets, 'int32'));
  return tf.gather(tf.reshape(z, [-1]), flatIdx) as T1;
}

/** Validates tokenLogProbs' arguments (shared by every implementation) and derives the chunking. */
export function checkTokenLogProbsArgs(hidden: T2, head: T2, targets: T1, opts: TokenLogProbsOptions) {
  const temp = opts.temperature ?? 1;
  if (!(temp > 0)) throw new Error(`temperature must be > 0 (got ${temp})`);
  const withEntropy = opts.withEntropy !== false;
  const [n, hdim] = hidden.shape;
  const v = head.shape[1];
  if (head.shape[0] !== hdim) throw new Error(`tokenLogProbs: hidden [${n}, ${hdim}] does not match head [${head.shape}]`);
  if (targets.shape[0] !== n) throw new Error(`tokenLogProbs: ${targets.shape[0]} targets for ${n} hidden rows`);
  return { temp, withEntropy, n, hdim, v, chunk: chunkSizeFor(v, opts) };
}

function tokenLogProbsFused(hidden: T2, head: T2, targets: T1, opts: TokenLogProbsOptions = {}): TokenLogProbs {
  const { temp, withEntropy, n, hdim, v, chunk } = checkTokenLogProbsArgs(hidden, head, targets, opts);

  const f = customOp((h: T2, w: T2, tg: T1, save: tf.GradSaveFunc) => {
    save([h, w, tg]);
    const parts: tf.Tensor[] = [];
    for (let s = 0; s < n; s += chunk) {
      const c = Math.min(chunk, n - s);
      parts.push(
        tf.tidy(() => {
          const hc = tf.slice(h, [s, 0], [c, hdim]);
          const tc = tf.slice(tg, [s], [c]);
          const { z, p } = chunkLogits(hc, w, temp);
          // log Σ exp z = max z − log(max p): max p = 1/Σ exp(z − max z) ≥ 1/V, so the log is exact enough,
          // and log p(target) = z[target] − lse does not underflow for unlikely targets.
          const lse1 = tf.reshape(tf.sub(tf.max(z, -1, true), tf.log(tf.max(p, -1, true))), [c]);
          const lp = tf.sub(pickTargets(z, tc), lse1);
          // H = lse − Σ p·z
          const ent = withEntropy ? tf.sub(lse1, tf.sum(tf.mul(p, z), -1)) : tf.zeros([c]);
          opts.onChunk?.();
          return tf.stack([lp, ent], 1);
        }),
      );
    }
    const value = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
    if (parts.length > 1) tf.dispose(parts);
    return {
      value,
      gradFunc: (dy: T2, saved: tf.Tensor[]) => {
        const [hs, ws, ts] = saved as [T2, T2, T1];
        const headT = tf.transpose(ws); // [V, H], once per backward (plain matmuls below)
        let dW: T2 = tf.zeros([hdim, v]);
        const dhs: tf.Tensor[] = [];
        // d logp/dz = onehot − p;  d H/dz = −p·(z − Σ p·z). The one-hot part never becomes a [c, V]
        // tensor: it is a row gather for dh and one scatter-add over all tokens for dW (after the loop).
        const gLAll = tf.div(tf.slice(dy, [0, 0], [n, 1]), temp); // [N, 1]
        for (let s = 0; s < n; s += chunk) {
          const c = Math.min(chunk, n - s);
          const [dhc, next] = tf.tidy(() => {
            const hc = tf.slice(hs, [s, 0], [c, hdim]);
            const tc = tf.cast(tf.slice(ts, [s], [c]), 'int32');
            const g = tf.slice(dy, [s, 0], [c, 2]);
            const gL = tf.slice(g, [0, 0], [c, 1]);
            const { z, p } = chunkLogits(hc, ws, temp);
            // Gradient w.r.t. the unscaled logits h·W, without the one-hot part:
            //   −p·(gL + gE·(z − Σ p·z)) / temp = p·(a + b·z),  a = (gE·Σ p·z − gL)/temp,  b = −gE/temp  (rows).
            let dz: T2;
            if (withEntropy) {
              const gE = tf.slice(g, [0, 1], [c, 1]);
              const pz = tf.sum(tf.mul(p, z), -1, true);
              const a = tf.div(tf.sub(tf.mul(gE, pz), gL), temp);
              const b = tf.div(gE, -temp);
              dz = tf.mul(p, tf.add(tf.mul(z, b), a)) as T2;
            } else {
              dz = tf.mul(p, tf.div(gL, -temp)) as T2;
            }
            opts.onChunk?.();
            const oneHotDh = tf.mul(tf.gather(headT, tc), tf.slice(gLAll, [s, 0], [c, 1]));
            return [tf.add(tf.matMul(dz, headT), oneHotDh), tf.add(dW, tf.matMul(tf.transpose(hc), dz))];
          });
          dhs.push(dhc!);
          dW.dispose();
          dW = next as T2;
        }
        const withOneHot = tf.tidy(() => {
          const idx = tf.reshape(tf.cast(ts, 'int32'), [n, 1]) as T2;
          return tf.add(dW, tf.transpose(tf.scatterND(idx, tf.mul(hs, gLAll), [v, hdim])));
        });
        dW.dispose();
        dW = withOneHot as T2;
        gLAll.dispose();
        const dh = dhs.length === 1 ? dhs[0]! : tf.concat(dhs, 0);
        if (dhs.length > 1) tf.dispose(dhs);
        return [dh, dW, tf.zeros(ts.shape)];
      },
    };
  });

  return tf.tidy(() => {
    const out = f(hidden, head, targets) as T2;
    const [lp, ent] = tf.unstack(out, 1) as [T1, T1];
    return { logProbs: lp, entropy: ent };
  });
}

/**
 * hidden [N, H], head [H, V], targets [N] int32 → log p(target) [N] and entropy [N] of
 * softmax(hidden·head / temperature). Differentiable in hidden and head.
 */
export const tokenLogProbs = defineOp('tokenLogProbs', {
  reference: tokenLogProbsReference,
  fused: tokenLogProbsFused,
});
