// The chunked driver of tokenLogProbs, shared by every backend: per-token log-probs (and entropy) of target ids
// from hidden states and the LM head, in chunks of tokens, so only [chunk, V] logits exist at a time, forward
// and backward (the backward recomputes each chunk's logits). For Qwen2.5's V = 151,936 at B·T = 65,536 tokens
// full logits would be ~40 GB. A backend supplies only the maths of one chunk (LogProbChunkMaths).
import * as tf from '@tensorflow/tfjs';
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

/** One chunk's maths on one backend: hc [c, H] (a chunk of hidden rows), w [H, V] (the head), tc [c] int32 targets. */
export interface LogProbChunkMaths {
  /** [c, 2]: log p(target) and entropy (0 without withEntropy) of softmax(hc·w / temp), per row. */
  values(hc: T2, w: T2, tc: T1, temp: number, withEntropy: boolean): T2;
  /** d loss / d (hc·w), [c, V], given the upstream g [c, 2] = (d log p, d entropy) of the chunk's rows. */
  dlogits(hc: T2, w: T2, tc: T1, g: T2, temp: number, withEntropy: boolean): T2;
  /**
   * Whether dlogits includes the target's one-hot term (d log p(target) / temp at the target column). When not,
   * the driver adds it without a [c, V] tensor: a row gather of the head for dh, one scatter-add for dW.
   */
  dlogitsHasTargetTerm: boolean;
}

export function chunkSizeFor(vocab: number, opts: TokenLogProbsOptions): number {
  if (opts.chunkSize !== undefined) {
    if (!(opts.chunkSize >= 1)) throw new Error(`chunkSize must be >= 1 (got ${opts.chunkSize})`);
    return Math.floor(opts.chunkSize);
  }
  return Math.max(1, Math.floor((opts.chunkElements ?? 2 ** 24) / vocab));
}

/** Validates tokenLogProbs' arguments and derives the chunking. */
function checkArgs(hidden: T2, head: T2, targets: T1, opts: TokenLogProbsOptions) {
  const temp = opts.temperature ?? 1;
  if (!(temp > 0)) throw new Error(`temperature must be > 0 (got ${temp})`);
  const withEntropy = opts.withEntropy !== false;
  const [n, hdim] = hidden.shape;
  const v = head.shape[1];
  if (head.shape[0] !== hdim) throw new Error(`tokenLogProbs: hidden [${n}, ${hdim}] does not match head [${head.shape}]`);
  if (targets.shape[0] !== n) throw new Error(`tokenLogProbs: ${targets.shape[0]} targets for ${n} hidden rows`);
  return { temp, withEntropy, n, hdim, v, chunk: chunkSizeFor(v, opts) };
}

/** Concatenate per-chunk results along rows (and free the pieces). */
function joinChunks(parts: tf.Tensor[]): tf.Tensor {
  if (parts.length === 1) return parts[0]!;
  const joined = tf.concat(parts, 0);
  tf.dispose(parts);
  return joined;
}

/**
 * tokenLogProbs from one backend's chunk maths: hidden [N, H], head [H, V], targets [N] → log p(target) [N] and
 * entropy [N] of softmax(hidden·head / temperature). Differentiable in hidden and head.
 */
export function chunkedTokenLogProbs(maths: LogProbChunkMaths) {
  return (hidden: T2, head: T2, targets: T1, opts: TokenLogProbsOptions = {}): TokenLogProbs => {
    const { temp, withEntropy, n, hdim, v, chunk } = checkArgs(hidden, head, targets, opts);

    const f = customOp((h: T2, w: T2, tg: T1, save: tf.GradSaveFunc) => {
      save([h, w, tg]);
      const parts: tf.Tensor[] = [];
      for (let s = 0; s < n; s += chunk) {
        const c = Math.min(chunk, n - s);
        parts.push(
          tf.tidy(() => {
            const out = maths.values(tf.slice(h, [s, 0], [c, hdim]), w, tf.slice(tg, [s], [c]), temp, withEntropy);
            opts.onChunk?.();
            return out;
          }),
        );
      }
      return {
        value: joinChunks(parts),
        gradFunc: (dy: T2, saved: tf.Tensor[]) => {
          const [hs, ws, ts] = saved as [T2, T2, T1];
          // Plain matmuls on explicit transposes (the head once per backward): transposed-operand matmuls were
          // the slower path where measured (wasm; bench/webgpu.ts on lavapipe).
          const headT = tf.transpose(ws); // [V, H]
          const gLAll = maths.dlogitsHasTargetTerm ? null : tf.div(tf.slice(dy, [0, 0], [n, 1]), temp); // [N, 1]
          let dW: T2 = tf.zeros([hdim, v]);
          const dhs: tf.Tensor[] = [];
          for (let s = 0; s < n; s += chunk) {
            const c = Math.min(chunk, n - s);
            const [dhc, next] = tf.tidy(() => {
              const hc = tf.slice(hs, [s, 0], [c, hdim]);
              const tc = tf.slice(ts, [s], [c]);
              const dz = maths.dlogits(hc, ws, tc, tf.slice(dy, [s, 0], [c, 2]), temp, withEntropy);
              opts.onChunk?.();
              const dzHead = tf.matMul(dz, headT);
              const dh = gLAll ? tf.add(dzHead, tf.mul(tf.gather(headT, tc), tf.slice(gLAll, [s, 0], [c, 1]))) : dzHead;
              return [dh, tf.add(dW, tf.matMul(tf.transpose(hc), dz))];
            });
            dhs.push(dhc!);
            dW.dispose();
            dW = next as T2;
          }
          headT.dispose();
          if (gLAll) {
            // The target terms of dW for all tokens at once: W's column t gets h·gL/temp.
            const withTargets = tf.tidy(() => {
              const idx = tf.reshape(ts, [n, 1]) as T2;
              return tf.add(dW, tf.transpose(tf.scatterND(idx, tf.mul(hs, gLAll), [v, hdim])));
            });
            dW.dispose();
            dW = withTargets as T2;
            gLAll.dispose();
          }
          return [joinChunks(dhs), dW, tf.zeros(ts.shape)];
        },
      };
    });

    return tf.tidy(() => {
      const out = f(hidden, head, tf.cast(targets, 'int32')) as T2;
      const [lp, ent] = tf.unstack(out, 1) as [T1, T1];
      return { logProbs: lp, entropy: ent };
    });
  };
}
