// GRPO pass@k (Tang et al., arXiv 2503.19595): in each group only the best sample gets an
// advantage, r_max − r_second_max (divided by group std + eps when normAdvByStd).
import * as tf from '@tensorflow/tfjs';
import type { AdvantageEstimator } from '../types.js';
import { groupMatrices } from '../groups.js';
import { groupScoreStats } from '../group_stats.js';
import { outcomeResult, prepareBatch, sequenceScores } from './common.js';

/** Larger than any score; keeps "not in this group" entries out of the per-group max. */
const FAR_BELOW = 3e38;

export const grpoPassk: AdvantageEstimator = (args) =>
  tf.tidy(() => {
    const who = 'grpo_passk';
    const { rewards, mask, layout, epsilon, normAdvByStd } = prepareBatch(who, args);
    for (let g = 0; g < layout.numGroups; g++) {
      if (layout.sizes[g]! < 2) {
        throw new Error(
          `${who}: pass@k needs at least 2 samples per group; group ${JSON.stringify(layout.keys[g])} ` +
            `(row ${layout.firstRow[g]}) has ${layout.sizes[g]}`,
        );
      }
    }
    const B = layout.numRows;
    const mats = groupMatrices(layout);
    const scores = sequenceScores(rewards); // [B, 1]
    // [G, B]: a group's scores in its own columns, −3e38 elsewhere (arithmetic, no `where`: it is slow on wasm).
    const scoreRow = tf.reshape(scores, [1, B]);
    const inGroup = mats.rowsToGroups;
    const grid = tf.sub(tf.mul(inGroup, scoreRow), tf.mul(tf.sub(1, inGroup), FAR_BELOW));
    const best = tf.max(grid, 1); // [G]
    // Ties at the top give r_max − r_second = 0, so which tied row is picked does not matter.
    // int32 one-hot then cast: wasm's oneHot with a float32 dtype writes integer bit patterns.
    const winner = tf.cast(tf.oneHot(tf.argMax(grid, 1), B), 'float32'); // [G, B]
    const second = tf.max(tf.sub(grid, tf.mul(winner, FAR_BELOW)), 1);
    let gap = tf.reshape(tf.sub(best, second), [1, -1]); // [1, G]
    if (normAdvByStd) {
      const { groupStd } = groupScoreStats(scores, layout, mats);
      gap = tf.div(gap, tf.add(tf.reshape(groupStd, [1, -1]), epsilon));
    }
    const perRow = tf.reshape(tf.matMul(gap, winner), [B, 1]); // each group's gap on its winning row
    return outcomeResult(tf.mul(perRow, mask) as tf.Tensor2D);
  });
