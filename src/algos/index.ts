// Public API of the RL algorithms (pure tensor math, verl semantics).
export type { AdvantageArgs, AdvantageResult, AdvantageEstimator } from './types.js';
export { getAdvantageEstimator, listAdvantageEstimators, registerAdvantageEstimator } from './registry.js';
export { grpo } from './estimators/grpo.js';
export { rloo } from './estimators/rloo.js';
export { reinforcePlusPlusBaseline } from './estimators/reinforce_plus_plus_baseline.js';
export { grpoPassk } from './estimators/grpo_passk.js';
export { reinforcePlusPlus } from './estimators/reinforce_plus_plus.js';
export { computeAdvantages } from './compute_advantages.js';
export { readMaskFacts, type MaskFacts } from './mask_facts.js';
export { discountedReturns, suffixDiscountedSum, isPrefixMask, isPrefixMaskAsync } from './discounted_returns.js';
export { maskedSum, maskedMean, maskedVar, maskedWhiten, maskCount } from './masked.js';
export { aggLoss, LOSS_AGG_MODES, type LossAggMode, type AggLossOptions } from './agg_loss.js';
export {
  computePolicyLoss,
  computePolicyLossAsync,
  computePolicyLossTensors,
  type PolicyLossArgs,
  type PolicyLossMetrics,
  type PolicyLossTensors,
  type PolicyLoss,
} from './policy_loss.js';
export { getPolicyLoss, listPolicyLosses, registerPolicyLoss } from './policy_loss_registry.js';
export {
  klPenalty,
  applyKlInReward,
  applyKlInRewardTensors,
  KL_KINDS,
  type KlKind,
  type KlBaseKind,
  type KlInRewardResult,
  type KlInRewardTensors,
} from './kl.js';
export { FixedKlController, AdaptiveKlController, type KlController } from './kl_controller.js';
export { entropyFromLogits } from './entropy.js';
export { passAtK, meanPassAtK, passAtKFromScores, meanAtN, bestAtN } from './pass_at_k.js';
export { layoutGroups, groupMatrices, type GroupLayout, type GroupMatrices } from './groups.js';
export { stopGradient } from './stop_gradient.js';
