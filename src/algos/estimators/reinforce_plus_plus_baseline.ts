// REINFORCE++ with a group-mean baseline: score − group mean on every valid token, then whitened
// over all valid tokens of the batch.
import * as tf from '@tensorflow/tfjs';
import type { AdvantageEstimator } from '../types.js';
import { groupMatrices } from '../groups.js';
import { groupScoreStats } from '../group_stats.js';
import { maskedWhiten } from '../masked.js';
import { outcomeResult, prepareBatch, sequenceScores } from './common.js';

export const reinforcePlusPlusBaseline: AdvantageEstimator = (args) =>
  tf.tidy(() => {
    const who = 'reinforce_plus_plus_baseline';
    const { rewards, mask, layout, maskFacts } = prepareBatch(who, args);
    const stats = groupScoreStats(sequenceScores(rewards), layout, groupMatrices(layout));
    const perToken = tf.mul(stats.deviation, mask);
    const whitened = withContext(who, () => maskedWhiten(perToken, mask, true, maskFacts?.validCount));
    return outcomeResult(tf.mul(whitened, mask) as tf.Tensor2D);
  });

function withContext<T>(who: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new Error(`${who}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
