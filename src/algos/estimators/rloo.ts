// RLOO: each score minus the mean of the other n−1 scores of its group, i.e. (s − mean)·n/(n−1).
import * as tf from '@tensorflow/tfjs';
import type { AdvantageEstimator } from '../types.js';
import { groupMatrices, perGroup } from '../groups.js';
import { groupScoreStats } from '../group_stats.js';
import { outcomeResult, prepareBatch, sequenceScores } from './common.js';

export const rloo: AdvantageEstimator = (args) =>
  tf.tidy(() => {
    const { rewards, mask, layout } = prepareBatch('rloo', args);
    const mats = groupMatrices(layout);
    const stats = groupScoreStats(sequenceScores(rewards), layout, mats);
    // A group of one keeps its score: its mean is 0 and its factor 1.
    const factor = tf.matMul(mats.groupsToRows, perGroup(layout, (n) => (n > 1 ? n / (n - 1) : 1)));
    return outcomeResult(tf.mul(tf.mul(stats.deviation, factor), mask) as tf.Tensor2D);
  });
