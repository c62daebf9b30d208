// Per-group mean and unbiased std of sequence scores, with verl's rule for groups of one
// (mean 0, std 1), computed through the one-hot group matrices.
import * as tf from '@tensorflow/tfjs';
import { type GroupLayout, type GroupMatrices, perGroup } from './groups.js';

export interface GroupScoreStats {
  /** [G, 1] group mean (0 for groups of one). */
  groupMean: tf.Tensor2D;
  /** [G, 1] unbiased group std (1 for groups of one). */
  groupStd: tf.Tensor2D;
  /** [B, 1] each row's group mean. */
  rowMean: tf.Tensor2D;
  /** [B, 1] each row's group std. */
  rowStd: tf.Tensor2D;
  /** [B, 1] score − group mean. Exactly 0 for rows of a group whose scores are all equal. */
  deviation: tf.Tensor2D;
}

/** `scores` is [B, 1]. Call inside tf.tidy. */
export function groupScoreStats(scores: tf.Tensor2D, layout: GroupLayout, mats: GroupMatrices): GroupScoreStats {
  const { rowsToGroups, groupsToRows } = mats;
  const multi = perGroup(layout, (n) => (n > 1 ? 1 : 0));
  const sizes = perGroup(layout, (n) => n);
  const besselDenom = perGroup(layout, (n) => Math.max(n - 1, 1));
  // Shift by one member's score before summing: a group of equal scores then has a mean that is
  // exactly that score (its deviations are exactly 0, as in exact arithmetic), and float32 sums of
  // shifted values lose less precision.
  const pivot = tf.reshape(tf.gather(tf.reshape(scores, [-1]), tf.tensor1d(layout.firstRow, 'int32')), [-1, 1]);
  const shifted = tf.sub(scores, tf.matMul(groupsToRows, pivot));
  const groupMean = tf.mul(tf.add(pivot, tf.div(tf.matMul(rowsToGroups, shifted), sizes)), multi) as tf.Tensor2D;
  const rowMean = tf.matMul(groupsToRows, groupMean) as tf.Tensor2D;
  const deviation = tf.sub(scores, rowMean) as tf.Tensor2D;
  const variance = tf.div(tf.matMul(rowsToGroups, tf.square(deviation)), besselDenom);
  const groupStd = tf.add(tf.mul(tf.sqrt(variance), multi), tf.sub(1, multi)) as tf.Tensor2D;
  const rowStd = tf.matMul(groupsToRows, groupStd) as tf.Tensor2D;
  return { groupMean, groupStd, rowMean, rowStd, deviation };
}
