// GRPO outcome advantage: (score − group mean) / (group std + eps); Dr.GRPO drops the division.
import * as tf from '@tensorflow/tfjs';
import type { AdvantageEstimator } from '../types.js';
import { groupMatrices } from '../groups.js';
import { groupScoreStats } from '../group_stats.js';
import { outcomeResult, prepareBatch, sequenceScores } from './common.js';

export const grpo: AdvantageEstimator = (args) =>
  tf.tidy(() => {
    const { rewards, mask, layout, epsilon, normAdvByStd } = prepareBatch('grpo', args);
    const stats = groupScoreStats(sequenceScores(rewards), layout, groupMatrices(layout));
    // Groups of one: verl uses mean 0 and std 1, so the advantage is score / (1 + eps).
    const perRow = normAdvByStd ? tf.div(stats.deviation, tf.add(stats.rowStd, epsilon)) : stats.deviation;
    return outcomeResult(tf.mul(perRow, mask) as tf.Tensor2D);
  });
