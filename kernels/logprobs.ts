// tokenLogProbs in plain tfjs ops: the reference (full logits) and the chunk maths the shared chunked driver
// (logprobs_driver.ts) runs on every backend without its own (webgpu has WGSL chunk maths).
import * as tf from '@tensorflow/tfjs';
import { defineOp } from './registry.js';
import { chunkedTokenLogProbs, type LogProbChunkMaths, type TokenLogProbs, type TokenLogProbsOptions } from './logprobs_driver.js';

type T1 = tf.Tensor1D;
type T2 = tf.Tensor2D;

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
  const flatIdx = tf.add(tf.range(0, n * v, v, 'int32'), targets);
  return tf.gather(tf.reshape(z, [-1]), flatIdx) as T1;
}

const tfjsChunkMaths: LogProbChunkMaths = {
  values(hc, w, tc, temp, withEntropy) {
    const c = hc.shape[0];
    const { z, p } = chunkLogits(hc, w, temp);
    // log Σ exp z = max z − log(max p): max p = 1/Σ exp(z − max z) ≥ 1/V, so the log is exact enough,
    // and log p(target) = z[target] − lse does not underflow for unlikely targets.
    const lse1 = tf.reshape(tf.sub(tf.max(z, -1, true), tf.log(tf.max(p, -1, true))), [c]);
    const lp = tf.sub(pickTargets(z, tc), lse1);
    // H = lse − Σ p·z
    const ent = withEntropy ? tf.sub(lse1, tf.sum(tf.mul(p, z), -1)) : tf.zeros([c]);
    return tf.stack([lp, ent], 1) as T2;
  },
  // d logp/dz = onehot − p;  d H/dz = −p·(z − Σ p·z). The one-hot part is left to the driver (no [c, V] one-hot).
  // Gradient w.r.t. the unscaled logits h·W, without the one-hot part:
  //   −p·(gL + gE·(z − Σ p·z)) / temp = p·(a + b·z),  a = (gE·Σ p·z − gL)/temp,  b = −gE/temp  (rows).
  dlogits(hc, w, _tc, g, temp, withEntropy) {
    const c = hc.shape[0];
    const gL = tf.slice(g, [0, 0], [c, 1]);
    const { z, p } = chunkLogits(hc, w, temp);
    if (!withEntropy) return tf.mul(p, tf.div(gL, -temp)) as T2;
    const gE = tf.slice(g, [0, 1], [c, 1]);
    const pz = tf.sum(tf.mul(p, z), -1, true);
    const a = tf.div(tf.sub(tf.mul(gE, pz), gL), temp);
    const b = tf.div(gE, -temp);
    return tf.mul(p, tf.add(tf.mul(z, b), a)) as T2;
  },
  dlogitsHasTargetTerm: false,
};

/**
 * hidden [N, H], head [H, V], targets [N] int32 → log p(target) [N] and entropy [N] of
 * softmax(hidden·head / temperature). Differentiable in hidden and head.
 */
export const tokenLogProbs = defineOp('tokenLogProbs', {
  reference: tokenLogProbsReference,
  fused: chunkedTokenLogProbs(tfjsChunkMaths),
});
