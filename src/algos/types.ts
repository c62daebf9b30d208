// The advantage-estimator contract (public API; names follow the issue).
import type * as tf from '@tensorflow/tfjs';
import type { MaskFacts } from './mask_facts.js';

export interface AdvantageArgs {
  /** [B, T] token-level rewards; a sequence's score is the sum of its row (outcome reward on its last valid token). */
  tokenLevelRewards: tf.Tensor2D;
  /** [B, T] 1 for response tokens, 0 for padding. */
  responseMask: tf.Tensor2D;
  /** index[i] names the prompt (group) of row i; length B. */
  index: ReadonlyArray<string | number>;
  /** Added to the group std (grpo, grpo_passk). Default 1e-6. */
  epsilon?: number;
  /** grpo / grpo_passk: divide by the group std (false = Dr.GRPO). Default true. */
  normAdvByStd?: boolean;
  /** reinforce_plus_plus: discount of the token-reward return. Default 1. */
  gamma?: number;
  /**
   * readMaskFacts(responseMask), read beforehand: the estimator then does no synchronous device read
   * (needed on webgpu; computeAdvantages does this for you). Ignored unless it describes this responseMask.
   */
  maskFacts?: MaskFacts;
}

export interface AdvantageResult {
  /** [B, T] advantages, zero on padding. */
  advantages: tf.Tensor2D;
  /** [B, T] returns (equal to the advantages for the outcome estimators, as in verl). */
  returns: tf.Tensor2D;
}

export type AdvantageEstimator = (args: AdvantageArgs) => AdvantageResult;
