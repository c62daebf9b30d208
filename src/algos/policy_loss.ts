// PPO clipped policy loss with dual-clip (verl core_algos compute_policy_loss_vanilla).
import * as tf from '@tensorflow/tfjs';
import { aggLoss, type LossAggMode } from './agg_loss.js';
import { asFloat, expectMatrix, expectNumber, expectSameShape } from './validate.js';

export interface PolicyLossArgs {
  oldLogProb: tf.Tensor2D;
  logProb: tf.Tensor2D;
  advantages: tf.Tensor2D;
  responseMask: tf.Tensor2D;
  /** Symmetric clip range ε (default 0.2); clipRatioLow/High override each side. */
  clipRatio?: number;
  clipRatioLow?: number;
  clipRatioHigh?: number;
  /** Dual-clip bound for negative advantages (must be > 1; default 3). */
  clipRatioC?: number;
  lossAggMode?: LossAggMode;
  /** Divisor for seq-mean-token-sum-norm (default T). */
  lossScaleFactor?: number;
  /**
   * For one micro-batch of a mini-batch: the mini-batch's valid tokens and sequences with a valid token (see
   * AggLossOptions). The loss and the metrics are then this micro-batch's share: summed over the micro-batches
   * they give the mini-batch's values.
   */
  globalTokens?: number;
  globalSeqs?: number;
}

export interface PolicyLossMetrics {
  /** Fraction of valid tokens where the clipped term was taken. */
  pg_clipfrac: number;
  /** Masked mean of old_logp − logp (after the ±20 clamp). */
  ppo_kl: number;
  /** Fraction of valid tokens where the dual clip bound for A < 0 was taken. */
  pg_clipfrac_lower: number;
}

export interface PolicyLossTensors {
  /** Differentiable w.r.t. logProb. */
  loss: tf.Scalar;
  metrics: { pg_clipfrac: tf.Scalar; ppo_kl: tf.Scalar; pg_clipfrac_lower: tf.Scalar };
}

/**
 * A policy loss as the trainer calls it (see policy_loss_registry.ts): the loss and its metrics as tensors, with
 * no device read, so it can run inside tf.variableGrads. "vanilla" is computePolicyLossTensors.
 */
export type PolicyLoss = (args: PolicyLossArgs) => PolicyLossTensors;

/**
 * The policy loss and its metrics as tensors, with no device read: usable inside tf.variableGrads
 * (return `loss`, tf.keep the metrics you want outside the tape).
 */
export function computePolicyLossTensors(args: PolicyLossArgs): PolicyLossTensors {
  const who = 'computePolicyLoss';
  const { oldLogProb, logProb, advantages, responseMask } = args;
  expectMatrix(who, 'oldLogProb', oldLogProb);
  expectMatrix(who, 'logProb', logProb);
  expectMatrix(who, 'advantages', advantages);
  expectMatrix(who, 'responseMask', responseMask);
  expectSameShape(who, { logProb, oldLogProb, advantages, responseMask });
  const clipRatio = expectNumber(who, 'clipRatio', args.clipRatio ?? 0.2, 0);
  const clipLow = expectNumber(who, 'clipRatioLow', args.clipRatioLow ?? clipRatio, 0);
  const clipHigh = expectNumber(who, 'clipRatioHigh', args.clipRatioHigh ?? clipRatio, 0);
  const clipC = expectNumber(who, 'clipRatioC', args.clipRatioC ?? 3);
  if (!(clipC > 1)) throw new Error(`${who}: clipRatioC (dual-clip lower bound) must be greater than 1, got ${clipC}`);
  return tf.tidy(() => {
    const mask = asFloat(responseMask);
    const negApproxKl = tf.clipByValue(tf.sub(logProb, oldLogProb), -20, 20);
    const ratio = tf.exp(negApproxKl);
    const negAdv = tf.neg(advantages);
    const unclipped = tf.mul(negAdv, ratio);
    const clipped = tf.mul(negAdv, tf.clipByValue(ratio, 1 - clipLow, 1 + clipHigh));
    const clipLoss = tf.maximum(unclipped, clipped);
    const dualBound = tf.mul(negAdv, clipC);
    const negative = tf.less(advantages, 0);
    const perToken = tf.where(negative, tf.minimum(dualBound, clipLoss), clipLoss);
    const global = { globalTokens: args.globalTokens, globalSeqs: args.globalSeqs };
    const loss = aggLoss(perToken, mask, args.lossAggMode ?? 'token-mean', { lossScaleFactor: args.lossScaleFactor, ...global });
    const tokenMean = (x: tf.Tensor) => aggLoss(x, mask, 'token-mean', global);
    const asFrac = (b: tf.Tensor) => tokenMean(tf.cast(b, 'float32'));
    return {
      loss,
      metrics: {
        pg_clipfrac: asFrac(tf.greater(clipped, unclipped)),
        ppo_kl: tokenMean(tf.neg(negApproxKl)),
        pg_clipfrac_lower: asFrac(tf.logicalAnd(tf.greater(clipLoss, dualBound), negative)),
      },
    };
  });
}

/** The policy loss (a differentiable scalar tensor) and its metrics read back as numbers. */
export function computePolicyLoss(args: PolicyLossArgs): { loss: tf.Scalar; metrics: PolicyLossMetrics } {
  const { loss, metrics } = computePolicyLossTensors(args);
  const packed = tf.stack([metrics.pg_clipfrac, metrics.ppo_kl, metrics.pg_clipfrac_lower]);
  const [pgClipfrac, ppoKl, lower] = packed.dataSync();
  tf.dispose([packed, metrics.pg_clipfrac, metrics.ppo_kl, metrics.pg_clipfrac_lower]);
  return { loss, metrics: { pg_clipfrac: pgClipfrac!, ppo_kl: ppoKl!, pg_clipfrac_lower: lower! } };
}

/** computePolicyLoss with the metrics read asynchronously: works on every backend, webgpu included. */
export async function computePolicyLossAsync(args: PolicyLossArgs): Promise<{ loss: tf.Scalar; metrics: PolicyLossMetrics }> {
  const { loss, metrics } = computePolicyLossTensors(args);
  const packed = tf.stack([metrics.pg_clipfrac, metrics.ppo_kl, metrics.pg_clipfrac_lower]);
  tf.dispose([metrics.pg_clipfrac, metrics.ppo_kl, metrics.pg_clipfrac_lower]);
  try {
    const [pgClipfrac, ppoKl, lower] = await packed.data();
    return { loss, metrics: { pg_clipfrac: pgClipfrac!, ppo_kl: ppoKl!, pg_clipfrac_lower: lower! } };
  } catch (e) {
    loss.dispose();
    throw e;
  } finally {
    packed.dispose();
  }
}
