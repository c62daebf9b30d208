// REINFORCE++ without a baseline: the discounted return of the token rewards (reset past the
// last valid token), whitened over all valid tokens of the batch.
import * as tf from '@tensorflow/tfjs';
import type { AdvantageEstimator } from '../types.js';
import { discountedReturns } from '../discounted_returns.js';
import { maskedWhiten } from '../masked.js';
import { prepareBatch } from './common.js';

export const reinforcePlusPlus: AdvantageEstimator = (args) =>
  tf.tidy(() => {
    const who = 'reinforce_plus_plus';
    const { rewards, mask, gamma, maskFacts } = prepareBatch(who, args, { needsIndex: false });
    const returns = discountedReturns(rewards, mask, gamma, maskFacts?.prefix);
    let whitened: tf.Tensor;
    try {
      whitened = maskedWhiten(returns, mask, true, maskFacts?.validCount);
    } catch (e) {
      throw new Error(`${who}: ${e instanceof Error ? e.message : String(e)}`);
    }
    // Unlike the outcome estimators, verl returns the unwhitened returns here.
    return { advantages: tf.mul(whitened, mask) as tf.Tensor2D, returns };
  });
