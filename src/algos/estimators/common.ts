// Shared argument handling for the advantage estimators.
import * as tf from '@tensorflow/tfjs';
import type { AdvantageArgs } from '../types.js';
import { asFloat, expectMatrix, expectNumber, expectSameShape } from '../validate.js';
import { type GroupLayout, layoutGroups } from '../groups.js';
import { factsAbout, type MaskFacts } from '../mask_facts.js';

export interface PreparedBatch {
  rewards: tf.Tensor2D;
  mask: tf.Tensor2D;
  layout: GroupLayout;
  epsilon: number;
  normAdvByStd: boolean;
  gamma: number;
  /** Facts about the mask given by the caller (undefined: the estimator reads what it needs itself). */
  maskFacts?: MaskFacts;
}

/** Validates the arguments (naming the estimator in errors) and applies the defaults. Call inside tf.tidy. */
export function prepareBatch(who: string, args: AdvantageArgs, opts: { needsIndex?: boolean } = {}): PreparedBatch {
  if (args === null || typeof args !== 'object') throw new Error(`${who}: expected an arguments object`);
  expectMatrix(who, 'tokenLevelRewards', args.tokenLevelRewards);
  expectMatrix(who, 'responseMask', args.responseMask);
  expectSameShape(who, { tokenLevelRewards: args.tokenLevelRewards, responseMask: args.responseMask });
  const rows = args.tokenLevelRewards.shape[0];
  // Estimators without groups accept a missing index (a non-array one is still an error).
  const index = args.index === undefined && opts.needsIndex === false ? new Array<number>(rows).fill(0) : args.index;
  const layout = layoutGroups(index, rows, who);
  const epsilon = expectNumber(who, 'epsilon', args.epsilon ?? 1e-6, 0);
  const gamma = expectNumber(who, 'gamma', args.gamma ?? 1, 0, 1);
  const normAdvByStd = args.normAdvByStd ?? true;
  if (typeof normAdvByStd !== 'boolean') throw new Error(`${who}: normAdvByStd must be a boolean`);
  return {
    rewards: asFloat(args.tokenLevelRewards) as tf.Tensor2D,
    mask: asFloat(args.responseMask) as tf.Tensor2D,
    layout,
    epsilon,
    normAdvByStd,
    gamma,
    maskFacts: factsAbout(who, args.maskFacts, args.responseMask),
  };
}

/** [B, 1] sequence scores: the sum of each row's token rewards (verl sums the whole row, mask ignored). */
export function sequenceScores(rewards: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(rewards, 1, true) as tf.Tensor2D;
}

/** Outcome estimators return the same tensor as advantages and returns (as verl); a clone lets callers dispose both. */
export function outcomeResult(advantages: tf.Tensor2D): { advantages: tf.Tensor2D; returns: tf.Tensor2D } {
  return { advantages, returns: tf.clone(advantages) };
}
