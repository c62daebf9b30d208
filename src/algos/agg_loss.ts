// Loss aggregation modes (verl core_algos.agg_loss).
import * as tf from '@tensorflow/tfjs';
import { maskedMean, maskedSum } from './masked.js';

export const LOSS_AGG_MODES = ['token-mean', 'seq-mean-token-sum', 'seq-mean-token-mean', 'seq-mean-token-sum-norm'] as const;
export type LossAggMode = (typeof LOSS_AGG_MODES)[number];

export interface AggLossOptions {
  /** seq-mean-token-sum-norm divisor; default T (the padded length), as Dr.GRPO. */
  lossScaleFactor?: number;
  /**
   * When lossMat is one micro-batch of a mini-batch: the mini-batch's valid tokens (token-mean divides by it) and
   * its sequences with a valid token (the seq-mean modes divide by it), as verl's engine does with batch_num_tokens
   * and global_batch_size. The micro-batches' losses then sum to the mini-batch's, whatever the split.
   */
  globalTokens?: number;
  globalSeqs?: number;
}

/** verl adds this to a count so an empty mask gives 0, not NaN (as maskedMean). */
const COUNT_EPS = 1e-8;

/**
 * Reduces a [B, T] loss matrix to a scalar:
 * - token-mean: Σ valid losses / number of valid tokens;
 * - seq-mean-token-sum: mean over sequences of each sequence's token sum;
 * - seq-mean-token-mean: mean over sequences of each sequence's token mean;
 *   (both seq-mean modes leave out sequences with no valid token, as current verl does)
 * - seq-mean-token-sum-norm: Σ of the sequence token sums / lossScaleFactor (default T).
 * With globalTokens / globalSeqs the counts are the mini-batch's instead of lossMat's own.
 * Differentiable w.r.t. lossMat.
 */
export function aggLoss(lossMat: tf.Tensor, mask: tf.Tensor, mode: LossAggMode | string = 'token-mean', opts: AggLossOptions = {}): tf.Scalar {
  if (!(LOSS_AGG_MODES as readonly string[]).includes(mode)) {
    throw new Error(`aggLoss: unknown loss aggregation mode "${mode}"; choose one of: ${LOSS_AGG_MODES.join(', ')}`);
  }
  if (lossMat.rank !== 2 || mask.rank !== 2) {
    throw new Error(`aggLoss: lossMat and mask must be [batch, tokens], got [${lossMat.shape}] and [${mask.shape}]`);
  }
  return tf.tidy(() => {
    const m = mask.dtype === 'float32' ? mask : tf.cast(mask, 'float32');
    if (mode === 'token-mean') {
      if (opts.globalTokens === undefined) return maskedMean(lossMat, m) as tf.Scalar;
      return tf.div(maskedSum(lossMat, m), opts.globalTokens + COUNT_EPS) as tf.Scalar;
    }
    const seqSums = maskedSum(lossMat, m, 1); // [B]
    if (mode === 'seq-mean-token-sum-norm') {
      const factor = opts.lossScaleFactor ?? lossMat.shape[1]!;
      if (!(typeof factor === 'number' && factor > 0 && Number.isFinite(factor))) {
        throw new Error(`aggLoss: lossScaleFactor must be a positive number, got ${factor}`);
      }
      return tf.div(tf.sum(seqSums), factor) as tf.Scalar;
    }
    const tokens = tf.sum(m, 1);
    const hasTokens = tf.cast(tf.greater(tokens, 0), 'float32');
    const perSeq = mode === 'seq-mean-token-sum' ? seqSums : tf.div(seqSums, tf.add(tokens, 1e-8));
    if (opts.globalSeqs === undefined) return maskedMean(perSeq, hasTokens) as tf.Scalar;
    return tf.div(maskedSum(perSeq, hasTokens), opts.globalSeqs + COUNT_EPS) as tf.Scalar;
  });
}
