// KL estimators between the policy and the reference (verl core_algos.kl_penalty; Schulman's k1/k2/k3).
import * as tf from '@tensorflow/tfjs';
import { maskedMean } from './masked.js';
import { asFloat, expectSameShape } from './validate.js';

/** The estimators on their own (algorithm.kl_penalty, the in-reward KL). */
export const KL_BASE_KINDS = ['kl', 'k1', 'abs', 'mse', 'k2', 'low_var_kl', 'k3'] as const;
export type KlBaseKind = (typeof KL_BASE_KINDS)[number];
/** A base kind, or the same with a trailing "+": value of that estimator, gradient of k2. */
export type KlKind = KlBaseKind | `${KlBaseKind}+`;
/** Every kind (actor.kl_loss_type): the base ones, then each with "+". A non-empty tuple, as z.enum wants. */
export const KL_KINDS = [...KL_BASE_KINDS, ...KL_BASE_KINDS.map((k) => `${k}+` as const)] as readonly [KlKind, ...KlKind[]];

/**
 * Token-wise KL estimate from log-probs of the sampled tokens (same shapes):
 * k1/kl = logp − ref; abs = |logp − ref|; k2/mse = ½(logp − ref)²;
 * k3/low_var_kl = exp(ref − logp) − (ref − logp) − 1 with the difference clamped to [−20, 20] and the
 * result to [−10, 10]. A "+" suffix keeps the value but takes the gradient of k2 (straight-through),
 * whose expectation is the true KL gradient.
 */
export function klPenalty(logProb: tf.Tensor, refLogProb: tf.Tensor, kind: KlKind | string): tf.Tensor {
  if (!(KL_KINDS as readonly string[]).includes(kind)) {
    const full = kind === 'full' ? ' ("full" needs the whole vocabulary distribution and is not supported)' : '';
    throw new Error(`klPenalty: unknown KL estimator "${kind}"${full}; choose one of: ${KL_KINDS.join(', ')}`);
  }
  expectSameShape('klPenalty', { logProb, refLogProb });
  const straightThrough = kind.endsWith('+');
  const base = (straightThrough ? kind.slice(0, -1) : kind) as KlBaseKind;
  if (!straightThrough || base === 'mse' || base === 'k2') return tf.tidy(() => klForward(logProb, refLogProb, base));
  const st = tf.customGrad<tf.Tensor>((lp, ref, save) => {
    const diff = tf.sub(lp as tf.Tensor, ref as tf.Tensor);
    (save as (ts: tf.Tensor[]) => void)([diff]);
    return {
      value: klForward(lp as tf.Tensor, ref as tf.Tensor, base),
      // d/dlogp ½(logp − ref)² = logp − ref; the reference gets the opposite sign.
      gradFunc: (dy, saved) => {
        const g = tf.mul(dy, saved[0]!);
        return [g, tf.neg(g)];
      },
    };
  });
  return st(logProb, refLogProb);
}

function klForward(logProb: tf.Tensor, refLogProb: tf.Tensor, kind: KlBaseKind): tf.Tensor {
  switch (kind) {
    case 'kl':
    case 'k1':
      return tf.sub(logProb, refLogProb);
    case 'abs':
      return tf.abs(tf.sub(logProb, refLogProb));
    case 'mse':
    case 'k2':
      return tf.mul(tf.square(tf.sub(logProb, refLogProb)), 0.5);
    case 'low_var_kl':
    case 'k3': {
      const kl = tf.clipByValue(tf.sub(refLogProb, logProb), -20, 20);
      return tf.clipByValue(tf.sub(tf.sub(tf.exp(kl), kl), 1), -10, 10);
    }
  }
}

export interface KlInRewardResult {
  /** token_level_scores − coef · kl · mask. */
  tokenLevelRewards: tf.Tensor2D;
  /** verl's actor/reward_kl_penalty: mean over rows of each row's masked mean of kl. */
  klMean: number;
}

export interface KlInRewardTensors {
  /** token_level_scores − coef · kl · mask. */
  tokenLevelRewards: tf.Tensor2D;
  /** The klMean metric as a scalar tensor: read it with `await klMean.data()` (webgpu cannot read synchronously). */
  klMean: tf.Scalar;
}

/**
 * KL in the reward (verl apply_kl_penalty): token_level_rewards = scores − coef · (kl · mask), and the
 * mean KL metric used by the adaptive controller. `klMat` comes from klPenalty(oldLogProb, refLogProb, kind).
 * No device read: usable inside tf.tidy on every backend.
 */
export function applyKlInRewardTensors(tokenLevelScores: tf.Tensor2D, klMat: tf.Tensor2D, mask: tf.Tensor2D, coef: number): KlInRewardTensors {
  if (typeof coef !== 'number' || !Number.isFinite(coef)) throw new Error(`applyKlInReward: coef must be a finite number, got ${coef}`);
  expectSameShape('applyKlInReward', { tokenLevelScores, klMat, mask });
  return tf.tidy(() => {
    const m = asFloat(mask);
    const kld = tf.mul(klMat, m);
    const perRow = maskedMean(kld, m, 1);
    return { tokenLevelRewards: tf.sub(tokenLevelScores, tf.mul(kld, coef)) as tf.Tensor2D, klMean: tf.mean(perRow) as tf.Scalar };
  });
}

/** applyKlInReward with klMean read back as a number (a synchronous read: not on webgpu, use the Tensors variant there). */
export function applyKlInReward(tokenLevelScores: tf.Tensor2D, klMat: tf.Tensor2D, mask: tf.Tensor2D, coef: number): KlInRewardResult {
  const { tokenLevelRewards, klMean: klMeanT } = applyKlInRewardTensors(tokenLevelScores, klMat, mask, coef);
  const klMean = klMeanT.dataSync()[0]!;
  klMeanT.dispose();
  return { tokenLevelRewards, klMean };
}
